package dev.cardvault.web;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The body-size limit as a problem document: a declared Content-Length over the limit is refused
 * before a byte is read; a chunked HTTP/1.1 body (no length to check up front) is read here, up to
 * the limit, so one growing past it fails the route with 413 (Quarkus REST's own limit answers
 * with an empty 413). Not for HTTP/2: Quarkus REST cannot take over an HTTP/2 request whose body
 * was already read.
 */
final class BodyLimit {

    private final long maxBytes;
    private final BodyHandler chunked;

    BodyLimit(long maxBytes) {
        this.maxBytes = maxBytes;
        this.chunked = BodyHandler.create(false).setBodyLimit(maxBytes);
    }

    /** Whether the declared length is over the limit (the caller answers 413 and closes). */
    boolean declaredTooLarge(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length == null) {
            return false;
        }
        try {
            return Long.parseLong(length.trim()) > maxBytes;
        } catch (NumberFormatException e) {
            return false; // Vert.x rejects a malformed Content-Length itself
        }
    }

    /** Route handler for /v1: reads a chunked HTTP/1.1 body against the limit. */
    void handleChunked(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (request.version() != HttpVersion.HTTP_2 && request.getHeader(HttpHeaders.CONTENT_LENGTH) == null
                && request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
            chunked.handle(ctx);
        } else {
            ctx.next();
        }
    }

    long maxBytes() {
        return maxBytes;
    }
}
