package dev.cardvault.web;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import dev.cardvault.auth.Caller;
import dev.cardvault.card.CardShape;
import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.AuthenticationRedirectException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The HTTP edge, ahead of every route including Quarkus' own: request ids, the access log, the
 * body-size limit, and problem+json for failures that happen before or outside JAX-RS
 * (authentication, unknown routes, oversized bodies).
 */
@ApplicationScoped
public class HttpEdge {

    private static final Logger ACCESS = Logger.getLogger("cardvault.access");
    private static final Logger LOG = Logger.getLogger(HttpEdge.class);

    @Inject
    RequestAudit requestAudit;

    @Inject
    ShutdownGate shutdownGate;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::onRequest);
        // A chunked HTTP/1.1 body has no Content-Length to check up front: read it here, up to the
        // limit, so that one growing past it fails the route with 413 and onFailure answers with
        // problem+json (Quarkus REST's own limit answers with an empty 413). Not for HTTP/2: Quarkus
        // REST cannot take over an HTTP/2 request whose body was already read.
        BodyHandler bodies = BodyHandler.create(false).setBodyLimit(RequestLimits.MAX_BODY_BYTES);
        router.route("/v1/*").order(Integer.MIN_VALUE + 1).handler(ctx -> {
            HttpServerRequest request = ctx.request();
            if (request.version() != HttpVersion.HTTP_2 && request.getHeader(HttpHeaders.CONTENT_LENGTH) == null
                    && request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
                bodies.handle(ctx);
            } else {
                ctx.next();
            }
        });
        router.route().order(Integer.MIN_VALUE).failureHandler(this::onFailure);
    }

    private void onRequest(RoutingContext ctx) {
        long start = System.nanoTime();
        String requestId = RequestIds.acceptOrGenerate(ctx.request().getHeader(RequestIds.HEADER));
        ctx.put(RequestIds.CONTEXT_KEY, requestId);
        MDC.put("requestId", requestId);
        ctx.response().putHeader(RequestIds.HEADER, requestId);
        ctx.addEndHandler(ignored -> accessLog(ctx, requestId, start));

        // Health stays answerable until the server closes: readiness says DOWN, liveness UP, so
        // the kubelet lets the drain finish instead of restarting the container.
        if (shutdownGate.closed() && !ctx.normalizedPath().startsWith("/q/health")) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close").putHeader("Retry-After", "1");
            send(ctx, Problems.shuttingDown());
            return;
        }

        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && exceedsLimit(length)) {
            // Refuse before reading a byte; the connection is closed after the answer.
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            send(ctx, Problems.payloadTooLarge(RequestLimits.MAX_BODY_BYTES));
            return;
        }
        if (isApi(ctx) && !hasBearer(ctx)) {
            // Every /v1 path needs a token, even one that matches no route: an anonymous caller
            // learns nothing about which routes exist. Invalid tokens fail authentication later
            // and reach onFailure; valid ones go on to the role and tenant checks.
            requestAudit.denied(ctx, null);
            send(ctx, Problems.unauthorized());
            return;
        }
        ctx.next();
    }

    private static boolean isApi(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        return path.equals("/v1") || path.startsWith("/v1/");
    }

    private static boolean hasBearer(RoutingContext ctx) {
        String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
    }

    private static boolean exceedsLimit(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > RequestLimits.MAX_BODY_BYTES;
        } catch (NumberFormatException e) {
            return false; // Vert.x rejects a malformed Content-Length itself
        }
    }

    private void onFailure(RoutingContext ctx) {
        Throwable failure = ctx.failure();
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
            problem = Problems.forStatus(ctx.statusCode() < 400 ? 500 : ctx.statusCode());
        }
        send(ctx, problem);
    }

    static void send(RoutingContext ctx, Problem problem) {
        HttpServerResponse response = ctx.response();
        if (response.ended()) {
            return;
        }
        if (response.headWritten()) {
            response.close();
            return;
        }
        String requestId = ctx.get(RequestIds.CONTEXT_KEY);
        response.setStatusCode(problem.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (problem.status() == 401) {
            response.putHeader("WWW-Authenticate", "Bearer");
        }
        response.end(problem.withRequestId(requestId).toJson());
    }

    /**
     * The path as the application read it (percent-decoded once, as JAX-RS does), so that the log
     * mask sees a card number however it was encoded (fullwidth digits as %EF%BC%94...,
     * separators as %2520); control characters are replaced so a path cannot forge log lines.
     */
    static String loggablePath(String path) {
        String decoded;
        try {
            decoded = java.net.URLDecoder.decode(path.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            decoded = path;
        }
        StringBuilder out = new StringBuilder(decoded.length());
        decoded.codePoints().forEach(cp -> out.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        return CardShape.mask(out.toString());
    }

    private static void accessLog(RoutingContext ctx, String requestId, long start) {
        long micros = (System.nanoTime() - start) / 1_000;
        String subject = ctx.user() instanceof QuarkusHttpUser user ? Caller.subjectOf(user.getSecurityIdentity()) : null;
        // Path only: no query string, no headers, no body. The log filter masks a PAN typed into a path.
        // A response that was never written (the connection closed first) has no status: say so
        // instead of Vert.x' default 200.
        String status = ctx.response().ended() ? Integer.toString(ctx.response().getStatusCode()) : "closed";
        // "status=" right after the path: a format-preserving token followed by " 200" would form
        // a card-shaped window for the mask, hiding the token and the status together.
        ACCESS.infof("%s %s status=%s time=%d.%03dms sub=%s rid=%s", ctx.request().method(), loggablePath(ctx.normalizedPath()),
                status, micros / 1000, micros % 1000, subject == null ? "-" : subject, requestId);
    }
}
