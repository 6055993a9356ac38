package dev.cardvault.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import dev.cardvault.keys.Seal;
import dev.cardvault.logging.LogFields;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.AuthenticationRedirectException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP edge, ahead of every route including Quarkus' own: request ids, the access log, the
 * shutdown gate, the body-size limit, the 401 for a tokenless /v1 call, and problem+json for
 * failures that happen before or outside JAX-RS (authentication, unknown routes, oversized bodies).
 */
@ApplicationScoped
public class HttpEdge {

    private static final Logger LOG = Logger.getLogger(HttpEdge.class);

    @Inject
    RequestAudit requestAudit;

    @Inject
    ShutdownGate shutdownGate;

    @Inject
    RequestLimits limits;

    @Inject
    Seal seal;

    void install(@Observes Router router) {
        BodyLimit bodyLimit = new BodyLimit(limits.maxBodyBytes());
        router.route().order(Integer.MIN_VALUE).handler(ctx -> onRequest(ctx, bodyLimit));
        router.route("/v1/*").order(Integer.MIN_VALUE + 1).handler(ctx -> {
            if (ImportRoute.isImport(ctx)) {
                ctx.next(); // a stream read line by line, with its own limit
            } else {
                bodyLimit.handleChunked(ctx);
            }
        });
        router.route().order(Integer.MIN_VALUE).failureHandler(this::onFailure);
    }

    private void onRequest(RoutingContext ctx, BodyLimit bodyLimit) {
        String requestId = RequestIds.acceptOrGenerate(ctx.request().getHeader(RequestIds.HEADER));
        ctx.put(RequestIds.CONTEXT_KEY, requestId);
        MDC.put(LogFields.REQUEST_ID, requestId); // checked above: the log pattern never prints caller input
        ctx.response().putHeader(RequestIds.HEADER, requestId);
        AccessLog.onEnd(ctx, requestId);

        // Health stays answerable until the server closes: readiness says DOWN, liveness UP, so
        // the kubelet lets the drain finish instead of restarting the container.
        if (shutdownGate.closed() && !ctx.normalizedPath().startsWith("/q/health")) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            ProblemResponses.write(ctx, Problems.shuttingDown());
            return;
        }
        if (ctx.normalizedPath().startsWith("/connectors/")) {
            // Telephony platforms' payment connectors send JSON, sometimes with an empty or no Content-Type.
            ctx.request().headers().set(HttpHeaders.CONTENT_TYPE, "application/json");
        }
        if (ctx.normalizedPath().startsWith("/widget/")) {
            // The widget's script, page and styles: never sniffed, never a referrer to a third party.
            ctx.response().putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer");
        }
        if (ImportRoute.isImport(ctx) ? limits.maxImportBytes() < declaredLength(ctx) : bodyLimit.declaredTooLarge(ctx.request())) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            ProblemResponses.write(ctx, Problems.payloadTooLarge(ImportRoute.isImport(ctx) ? limits.maxImportBytes() : bodyLimit.maxBytes()));
            return;
        }
        if (ImportRoute.isImport(ctx)) {
            // Quarkus' own limit (16 KiB, which also bounds what Quarkus REST buffers) would refuse an
            // import's declared length next: it was checked against the import's limit above, and the
            // stream is read line by line, so the header goes (the request's framing is already set).
            ctx.request().headers().remove(HttpHeaders.CONTENT_LENGTH);
        }
        if (isApi(ctx) && !isSys(ctx) && seal.sealed()) {
            // Before authentication: a sealed vault serves nothing, and says so (seal-status is public anyway).
            ProblemResponses.write(ctx, Problems.sealed());
            return;
        }
        if (isApi(ctx) && !hasBearer(ctx) && !ctx.normalizedPath().equals(SEAL_STATUS)) {
            // Every /v1 path needs a token, even one that matches no route: an anonymous caller
            // learns nothing about which routes exist. Invalid tokens fail authentication later
            // and reach onFailure; valid ones go on to the role and tenant checks.
            requestAudit.denied(ctx, null);
            ProblemResponses.write(ctx, Problems.unauthorized());
            return;
        }
        if (!ImportRoute.isImport(ctx) && !isTrailScan(ctx)) { // both may run for minutes, by design
            armDeadline(ctx);
        }
        ctx.next();
    }

    /**
     * A request that has not started answering within {@code cardvault.http.request-timeout} gets
     * 503 {@code timed-out}: a frozen or unreachable database never holds a caller (or a health
     * probe) longer than that. What the abandoned request does afterwards is never sent. Imports
     * and audit trail verification and export are exempt: they take as long as the data is large.
     */
    private void armDeadline(RoutingContext ctx) {
        long timeout = limits.requestTimeoutMillis();
        if (timeout <= 0) {
            return; // turned off
        }
        long timer = ctx.vertx().setTimer(timeout, id -> {
            if (!ctx.response().headWritten() && !ctx.response().closed()) {
                LOG.warnf("Request %s %s abandoned after %d ms", ctx.request().method(), ctx.get(RequestIds.CONTEXT_KEY), timeout);
                ProblemResponses.write(ctx, Problems.timedOut(timeout));
            }
        });
        ctx.addEndHandler(ignored -> ctx.vertx().cancelTimer(timer));
    }

    private static final String SEAL_STATUS = "/v1/sys/seal-status";

    private static long declaredLength(RoutingContext ctx) {
        try {
            String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            return length == null ? -1 : Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Verifying or exporting the audit trail reads all of it (or a whole period): minutes on a large trail. */
    private static boolean isTrailScan(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        return path.equals("/v1/audit/verify") || path.equals("/v1/audit/export");
    }

    private static boolean isSys(RoutingContext ctx) {
        return ctx.normalizedPath().startsWith("/v1/sys/");
    }

    private static boolean isApi(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        return path.equals("/v1") || path.startsWith("/v1/");
    }

    private static boolean hasBearer(RoutingContext ctx) {
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
    }

    private void onFailure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
        if (ctx.response().ended()) {
            // Already answered (the deadline's 503): a late answer failing to write is expected, and nothing more is sent.
            LOG.debugf("Late failure after the answer was sent (%s)", failure == null ? "-" : failure.getClass().getSimpleName());
            return;
        }
        Problem problem;
        if (failure instanceof AuthenticationFailedException || failure instanceof UnauthorizedException
                || failure instanceof AuthenticationCompletionException
                || failure instanceof AuthenticationRedirectException) {
            problem = Problems.unauthorized();
            requestAudit.denied(ctx, null);
        } else if (failure instanceof ForbiddenException) {
            problem = Problems.forbiddenRole();
            requestAudit.denied(ctx, null);
        } else if (failure != null && ctx.statusCode() < 400) {
            LOG.error("Unhandled failure at the HTTP edge", failure);
            problem = Problems.internalError();
        } else {
            problem = Problems.forStatus(ctx.statusCode() < 400 ? 500 : ctx.statusCode(), limits);
        }
        ProblemResponses.write(ctx, problem);
    }
}
