package dev.cardvault.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.auth.Caller;
import dev.cardvault.auth.TenantClaim;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;

/** Builds audit contexts from HTTP requests, and records every 401/403 on /v1 as ACCESS_DENIED. */
@ApplicationScoped
public class RequestAudit {

    @Inject
    Audit audit;

    @Inject
    CurrentVertxRequest currentRequest;

    /** For resources: call while handling the request (the request scope is active). */
    public AuditContext context(Caller caller) {
        return of(caller.subject(), caller.tenant(), currentRequest.getCurrent());
    }

    public static AuditContext of(String subject, String tenant, RoutingContext ctx) {
        String ip = ctx == null || ctx.request().remoteAddress() == null ? null : ctx.request().remoteAddress().hostAddress();
        return new AuditContext(subject, tenant, ip, ctx == null ? null : ctx.get(RequestIds.CONTEXT_KEY));
    }

    /** ACCESS_DENIED for a 401/403 on /v1, with whatever is known of the caller. Never blocks the answer. */
    public void denied(RoutingContext ctx, SecurityIdentity identity) {
        if (ctx == null || !ctx.normalizedPath().startsWith("/v1")) {
            return;
        }
        SecurityIdentity id = identity;
        if (id == null && ctx.user() instanceof QuarkusHttpUser user) {
            id = user.getSecurityIdentity();
        }
        String subject = null;
        String tenant = null;
        if (id != null && !id.isAnonymous()) {
            subject = id.getPrincipal().getName();
            if (id.getPrincipal() instanceof JsonWebToken jwt && TenantClaim.isValid(jwt.getClaim(TenantClaim.NAME))) {
                tenant = jwt.getClaim(TenantClaim.NAME);
            }
        }
        audit.recordInBackground(of(subject, tenant, ctx).event(AuditType.ACCESS_DENIED, Outcome.DENIED, null, null));
    }
}
