package dev.cardvault.audit;

/**
 * One event as a service records it. Never card data: a token, a purpose, who and from where,
 * and for administrative events a short detail (counts, key and rotation references).
 * Time, chain position and hashes are added by the appender.
 */
public record AuditEvent(AuditType type, Outcome outcome, String subject, String tenant, String token, String purpose,
        String sourceIp, String requestId, String detail) {

    /** The subject of events the service records on its own behalf (start, stop, jobs). */
    public static final String SERVICE = "cardvault";

    public AuditEvent(AuditType type, Outcome outcome, String subject, String tenant, String token, String purpose,
            String sourceIp, String requestId) {
        this(type, outcome, subject, tenant, token, purpose, sourceIp, requestId, null);
    }

    /** An event of the service itself (no caller). */
    public static AuditEvent service(AuditType type, Outcome outcome, String tenant, String token, String detail) {
        return new AuditEvent(type, outcome, SERVICE, tenant, token, null, null, null, detail);
    }

    public AuditEvent withDetail(String value) {
        return new AuditEvent(type, outcome, subject, tenant, token, purpose, sourceIp, requestId, value);
    }

    public AuditEvent withToken(String value) {
        return new AuditEvent(type, outcome, subject, tenant, value, purpose, sourceIp, requestId, detail);
    }
}
