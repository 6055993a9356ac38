package dev.cardvault.audit;

/**
 * One event as a service records it. Never card data: a token, a purpose, who and from where.
 * Time, chain position and hashes are added by the appender.
 */
public record AuditEvent(AuditType type, Outcome outcome, String subject, String tenant, String token, String purpose,
        String sourceIp, String requestId) {
}
