/**
 * Failures every capability can report about a request, independent of HTTP: the web layer maps
 * them to status codes. The lowest package: it depends on nothing of the application.
 */
package dev.cardvault.errors;
