package dev.cardvault.tokens;

/** The shapes a token can take (contract: POST /v1/tokens, {@code format}). */
public enum TokenFormat {
    /** {@code tok_} and 24 base62 characters from a CSPRNG. */
    RANDOM,
    /** Digits only, same length as the PAN, last four kept, never Luhn-valid. */
    LAST4,
    /** Digits only, same length, first six and last four kept, never Luhn-valid. */
    BIN6_LAST4;

    /** Digits of the PAN a format-preserving token keeps as is. */
    int keptDigits() {
        return switch (this) {
            case RANDOM -> 0;
            case LAST4 -> 4;
            case BIN6_LAST4 -> 10;
        };
    }
}
