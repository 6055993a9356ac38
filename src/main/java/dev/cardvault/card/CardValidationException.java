package dev.cardvault.card;

import java.util.List;

/** Card data broke one or more rules. The message lists fields and rules only, never values. */
public final class CardValidationException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final transient List<Violation> violations;

    public CardValidationException(List<Violation> violations) {
        super(describe(violations), null, false, false);
        this.violations = List.copyOf(violations);
    }

    public CardValidationException(String field, String message) {
        this(List.of(new Violation(field, message)));
    }

    public List<Violation> violations() {
        return violations;
    }

    private static String describe(List<Violation> violations) {
        StringBuilder sb = new StringBuilder("invalid card data:");
        violations.forEach(v -> sb.append(' ').append(v.field()).append(": ").append(v.message()).append(';'));
        return sb.toString();
    }
}
