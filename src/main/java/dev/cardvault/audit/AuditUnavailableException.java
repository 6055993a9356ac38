package dev.cardvault.audit;

/** An audit event could not be written durably: the operation it records must not complete. */
public final class AuditUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public AuditUnavailableException(Throwable cause) {
        super("audit event could not be written", cause);
    }
}
