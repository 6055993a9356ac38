package dev.cardvault.web;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * The one place that writes a problem to the wire: status, media type, the headers a problem
 * implies ({@code WWW-Authenticate} for 401, {@code Retry-After}) and the body with the request
 * id. Used by the HTTP edge (Vert.x) and, through {@link #jaxrs}, by the exception mappers.
 */
final class ProblemResponses {

    private ProblemResponses() {
    }

    /** Ends the response with the problem; closes a response whose head is already written. */
    static void write(RoutingContext ctx, Problem problem) {
        HttpServerResponse response = ctx.response();
        if (response.ended()) {
            return;
        }
        if (response.headWritten()) {
            response.close();
            return;
        }
        Problem p = problem.withRequestId(ctx.get(RequestIds.CONTEXT_KEY));
        response.setStatusCode(p.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        headers(p, response::putHeader);
        response.end(p.toJson());
    }

    /** The same problem as a JAX-RS response. */
    static jakarta.ws.rs.core.Response jaxrs(RoutingContext ctx, Problem problem) {
        Problem p = problem.withRequestId(ctx == null ? null : ctx.get(RequestIds.CONTEXT_KEY));
        jakarta.ws.rs.core.Response.ResponseBuilder b = jakarta.ws.rs.core.Response.status(p.status())
                .type(Problem.MEDIA_TYPE).entity(p.toJson());
        headers(p, b::header);
        return b.build();
    }

    private interface HeaderSink {
        void put(String name, String value);
    }

    private static void headers(Problem p, HeaderSink sink) {
        if (p.status() == 401) {
            sink.put("WWW-Authenticate", "Bearer");
        }
        if (p.retryAfterSeconds() != null) {
            sink.put("Retry-After", Long.toString(p.retryAfterSeconds()));
        }
    }
}
