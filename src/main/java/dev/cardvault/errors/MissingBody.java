package dev.cardvault.errors;

/** An operation that needs a request body got none (the HTTP edge answers 400). */
public final class MissingBody extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MissingBody() {
        super("request body required", null, false, false);
    }
}
