package dev.cardvault.card;

import java.util.List;

import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.Violation;

/** Card data broke one or more card rules. Lists fields and rules only, never values. */
public final class CardValidationException extends InvalidRequest {

    private static final long serialVersionUID = 1L;

    public CardValidationException(List<Violation> violations) {
        super(violations);
    }

    public CardValidationException(String field, String message) {
        super(field, message);
    }
}
