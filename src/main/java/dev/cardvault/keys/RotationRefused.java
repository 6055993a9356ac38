package dev.cardvault.keys;

/** A rotation request or approval the dual-control rules refuse; the detail says why, for the caller. */
public final class RotationRefused extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** No rotation with this id (or not an id at all). */
        NOT_FOUND,
        /** The requester tried to approve their own rotation. */
        SELF_APPROVAL,
        /** Expired, rewrapping or completed: nothing to approve. */
        NOT_PENDING,
        /** This custodian already approved. */
        ALREADY_APPROVED,
        /** Another rotation is awaiting approval or rewrapping. */
        ANOTHER_OPEN,
        /** The master key source cannot be rotated by the service (a file). */
        NOT_ROTATABLE
    }

    private final Reason reason;

    public RotationRefused(Reason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    static RotationRefused notFound() {
        return new RotationRefused(Reason.NOT_FOUND, "No such rotation.");
    }

    public Reason reason() {
        return reason;
    }
}
