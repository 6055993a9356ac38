package dev.cardvault.audit;

/** Who asked and from where, captured once per request and carried to wherever events are written. */
public record AuditContext(String subject, String tenant, String sourceIp, String requestId) {

    public AuditEvent event(AuditType type, Outcome outcome, String token, String purpose) {
        return new AuditEvent(type, outcome, subject, tenant, token, purpose, sourceIp, requestId, null);
    }

    /** The service acting on its own (jobs, start-up): no caller, no address. */
    public static AuditContext service() {
        return new AuditContext(AuditEvent.SERVICE, null, null, null);
    }
}
