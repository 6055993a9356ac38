package dev.cardvault.capture;

/** A capture session call that cannot be done; the detail says why, never card data. */
public final class CaptureRefused extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public enum Reason {
        NOT_FOUND, WRONG_SECRET, CLOSED, OUT_OF_ORDER, CONFLICT, RECORDING_NOT_PAUSED
    }

    private final Reason reason;

    CaptureRefused(Reason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static CaptureRefused notFound() {
        return new CaptureRefused(Reason.NOT_FOUND, "No such capture session for your tenant.");
    }
}
