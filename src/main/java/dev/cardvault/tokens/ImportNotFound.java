package dev.cardvault.tokens;

/** No such import for the caller's tenant. */
public final class ImportNotFound extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ImportNotFound() {
        super("No such import for your tenant.", null, false, false);
    }
}
