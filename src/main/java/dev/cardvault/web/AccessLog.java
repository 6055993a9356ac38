package dev.cardvault.web;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

import org.jboss.logging.Logger;

import dev.cardvault.auth.Caller;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.ext.web.RoutingContext;

/**
 * One line per request on {@code cardvault.access}: method, path, status, duration, the caller's
 * {@code sub} and the request id. Never the query string, headers or body.
 */
final class AccessLog {

    private static final Logger ACCESS = Logger.getLogger("cardvault.access");

    private AccessLog() {
    }

    /** Logs the request when its response ends (or the connection closes first). */
    static void onEnd(RoutingContext ctx, String requestId) {
        long start = System.nanoTime();
        ctx.addEndHandler(ignored -> write(ctx, requestId, start));
    }

    private static void write(RoutingContext ctx, String requestId, long start) {
        long micros = (System.nanoTime() - start) / 1_000;
        String subject = ctx.user() instanceof QuarkusHttpUser user ? Caller.subjectOf(user.getSecurityIdentity()) : null;
        // A response never written (the connection closed first) has no status: say so instead of Vert.x' default 200.
        String status = ctx.response().ended() ? Integer.toString(ctx.response().getStatusCode()) : "closed";
        // "status=" right after the path: a format-preserving token followed by " 200" would form
        // a card-shaped window for the mask, hiding the token and the status together.
        // Built here, not with a format string: the line is formatted once, not by the mask and the console each.
        long fraction = micros % 1000;
        StringBuilder line = new StringBuilder(96).append(ctx.request().method()).append(' ').append(loggablePath(ctx.normalizedPath()))
                .append(" status=").append(status).append(" time=").append(micros / 1000).append('.')
                .append(fraction < 100 ? (fraction < 10 ? "00" : "0") : "").append(fraction).append("ms sub=")
                .append(subject == null ? "-" : subject).append(" rid=").append(requestId);
        ACCESS.info(line.toString());
    }

    /**
     * The path as the application read it (percent-decoded once, as JAX-RS does), so that the mask
     * sees a card number however it was encoded (fullwidth digits as %EF%BC%94..., separators as
     * %2520); control characters are replaced so a path cannot forge log lines.
     */
    static String loggablePath(String path) {
        if (path.indexOf('%') < 0 && path.chars().noneMatch(Character::isISOControl)) {
            return path; // nothing encoded: the common case costs one pass
        }
        String decoded;
        try {
            decoded = URLDecoder.decode(path.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            decoded = path;
        }
        StringBuilder out = new StringBuilder(decoded.length());
        decoded.codePoints().forEach(cp -> out.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
        return out.toString(); // the log filter masks whatever is card-shaped in the line
    }
}
