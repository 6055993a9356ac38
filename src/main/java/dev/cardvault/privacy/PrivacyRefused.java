package dev.cardvault.privacy;

/** A registry or off-boarding request that cannot be done as asked; the message says what to do instead. */
public final class PrivacyRefused extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public enum Reason { CONTROLLER_NOT_FOUND, PURPOSE_NOT_FOUND, CONTROLLER_CLOSED, OFFBOARDING_NOT_FOUND, SELF_APPROVAL, NOT_PENDING, OFFBOARDING_OPEN }

    private final Reason reason;

    PrivacyRefused(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static PrivacyRefused noController() {
        return new PrivacyRefused(Reason.CONTROLLER_NOT_FOUND,
                "No controller is registered for this tenant (PUT /v1/controllers/{tenant} registers it).");
    }

    static PrivacyRefused closed() {
        return new PrivacyRefused(Reason.CONTROLLER_CLOSED, "This controller was off-boarded; its registration can no longer change.");
    }
}
