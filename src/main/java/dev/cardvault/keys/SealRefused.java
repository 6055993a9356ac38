package dev.cardvault.keys;

/** A seal, init or unseal call that cannot be done; the detail says why, never a share. */
public final class SealRefused extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** The master key source is not {@code shares}. */
        NOT_SEALABLE,
        ALREADY_INITIALIZED,
        NOT_INITIALIZED,
        /** The database holds keys wrapped by another master key. */
        KEYS_EXIST,
        /** This custodian already gave a share toward the current unseal. */
        SHARE_ALREADY_GIVEN,
        /** The same share was already given by another custodian. */
        DUPLICATE_SHARE,
        /** Not a share, or mistyped. */
        MALFORMED_SHARE,
        /** The shares did not rebuild the master key; progress was reset. */
        UNSEAL_FAILED,
        /** Enough shares were given; the keys are being loaded. */
        UNSEAL_IN_PROGRESS,
        /** The master key was rebuilt but the stored keys do not unwrap with it. */
        KEYS_UNAVAILABLE
    }

    private final Reason reason;

    SealRefused(Reason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
