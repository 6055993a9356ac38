package dev.cardvault.keys;

/** The master key is not available: the service is sealed until key custodians unseal it. */
public final class SealedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SealedException() {
        super("sealed", null, false, false);
    }
}
