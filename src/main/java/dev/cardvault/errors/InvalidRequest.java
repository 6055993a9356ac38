package dev.cardvault.errors;

import java.util.List;

/**
 * A request that breaks one or more rules of the contract (the HTTP edge answers 422 with the
 * violations). The message lists fields and rules only, never values.
 */
public class InvalidRequest extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final transient List<Violation> violations;

    public InvalidRequest(List<Violation> violations) {
        super(describe(violations), null, false, false);
        this.violations = List.copyOf(violations);
    }

    public InvalidRequest(String field, String message) {
        this(List.of(new Violation(field, message)));
    }

    public List<Violation> violations() {
        return violations;
    }

    private static String describe(List<Violation> violations) {
        StringBuilder sb = new StringBuilder("invalid request:");
        violations.forEach(v -> sb.append(' ').append(v.field()).append(": ").append(v.message()).append(';'));
        return sb.toString();
    }
}
