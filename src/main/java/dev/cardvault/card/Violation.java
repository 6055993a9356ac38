package dev.cardvault.card;

/** One broken rule: the field and the rule, never the submitted value. */
public record Violation(String field, String message) {
}
