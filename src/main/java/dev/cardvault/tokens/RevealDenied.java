package dev.cardvault.tokens;

/** A reveal refused by policy: purpose not allowed or processing restricted (403), or the subject's or the tenant's rate limit reached (429, with a wait). */
public final class RevealDenied extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public enum Reason { PURPOSE_NOT_ALLOWED, RESTRICTED, RATE_LIMITED, TENANT_RATE_LIMITED }

    private final Reason reason;
    private final long retryAfterSeconds;

    public RevealDenied(Reason reason, long retryAfterSeconds) {
        super(reason.name(), null, false, false);
        this.reason = reason;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public Reason reason() {
        return reason;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
