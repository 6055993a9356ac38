package dev.cardvault.privacy;

import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;

/** The caller of a privacy operation, whose events name the controller's tenant (a processor-admin acts on any). */
public record PrivacyAudit(AuditContext caller) {

    public AuditEvent event(AuditType type, String tenant, String purpose) {
        return new AuditContext(caller.subject(), tenant, caller.sourceIp(), caller.requestId())
                .event(type, Outcome.SUCCESS, null, purpose);
    }
}
