package dev.cardvault.audit;

import dev.cardvault.auth.Caller;

/**
 * Where a resource gets the audit context of the request it is handling (who, from where, which
 * request id). Implemented by the HTTP edge, which knows the request; capabilities only see this.
 */
public interface AuditContexts {

    /** Call while handling a request. */
    AuditContext current(Caller caller);
}
