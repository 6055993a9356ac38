package dev.cardvault.tokens;

/** An import that cannot start as asked (the same import is running); the message says what to do. */
public final class ImportRefused extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ImportRefused(String message) {
        super(message, null, false, false);
    }
}
