package dev.cardvault.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditContexts;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.DeniedRequests;
import dev.cardvault.audit.Outcome;
import dev.cardvault.auth.Caller;
import dev.cardvault.auth.TenantClaim;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.netty.util.NetUtil;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;

/**
 * Builds audit contexts from HTTP requests, and records every 401/403 on /v1 as ACCESS_DENIED: one
 * event per denial of an authenticated caller, counted per source and minute for the rest.
 */
@ApplicationScoped
public class RequestAudit implements AuditContexts {

    @Inject
    Audit audit;

    @Inject
    CurrentVertxRequest currentRequest;

    @Inject
    DeniedRequests deniedRequests;

    @Override
    public AuditContext current(Caller caller) {
        return of(caller.subject(), caller.tenant(), currentRequest.getCurrent());
    }

    public static AuditContext of(String subject, String tenant, RoutingContext ctx) {
        return new AuditContext(subject, tenant, ctx == null ? null : sourceIp(ctx), ctx == null ? null : ctx.get(RequestIds.CONTEXT_KEY));
    }

    /**
     * The client's address (PCI DSS 10.2.2): behind a trusted proxy ({@code quarkus.http.proxy.*})
     * the forwarded client, else the peer. A forwarded value that is not an IP literal (any text a
     * client typed into X-Forwarded-For) is never recorded: the peer's address is.
     */
    static String sourceIp(RoutingContext ctx) {
        String forwarded = ipLiteral(ctx.request().remoteAddress());
        return forwarded != null ? forwarded : ipLiteral(ctx.request().connection() == null ? null : ctx.request().connection().remoteAddress());
    }

    private static String ipLiteral(SocketAddress address) {
        if (address == null) {
            return null;
        }
        String host = address.hostAddress() != null ? address.hostAddress() : address.host();
        return host != null && (NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host)) ? host : null;
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
        String subject = Caller.subjectOf(id);
        String tenant = null;
        if (subject != null) {
            Object claim = id.getPrincipal() instanceof JsonWebToken jwt ? jwt.getClaim(TenantClaim.NAME) : null;
            if (TenantClaim.isValid(claim)) {
                tenant = (String) claim;
            }
        }
        if (subject == null) {
            // Unauthenticated: counted per source and minute, so that a flood cannot fill the trail.
            deniedRequests.count(sourceIp(ctx));
            return;
        }
        audit.recordInBackground(of(subject, tenant, ctx).event(AuditType.ACCESS_DENIED, Outcome.DENIED, null, null));
    }
}
