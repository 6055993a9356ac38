package dev.cardvault.tokens;

/** Unknown, another tenant's, deleted or expired: all look the same from outside. */
public final class TokenNotFoundException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TokenNotFoundException() {
        super("token not found", null, false, false);
    }
}
