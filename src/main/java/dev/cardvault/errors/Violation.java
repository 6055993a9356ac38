package dev.cardvault.errors;

/** One broken rule of a request: the field and the rule, never the submitted value. */
public record Violation(String field, String message) {
}
