package dev.cardvault.web;

import java.util.List;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * An RFC 9457 problem document. Built only from constants and field names we control: the
 * detail of a problem never quotes request input, a class name or a stack trace.
 */
public record Problem(String slug, String title, int status, String detail, String requestId, List<FieldError> errors,
        Long retryAfterSeconds) {

    public static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_BASE = "https://cardvault.dev/problems/";

    public record FieldError(String field, String message) {
    }

    public Problem(String slug, String title, int status, String detail) {
        this(slug, title, status, detail, null, List.of(), null);
    }

    public Problem withRequestId(String id) {
        return new Problem(slug, title, status, detail, id, errors, retryAfterSeconds);
    }

    /** The same problem, telling the caller when to retry ({@code Retry-After}). */
    public Problem retryAfter(long seconds) {
        return new Problem(slug, title, status, detail, requestId, errors, seconds);
    }

    public String type() {
        return TYPE_BASE + slug;
    }

    public String toJson() {
        JsonObject o = new JsonObject()
                .put("type", type())
                .put("title", title)
                .put("status", status)
                .put("detail", detail);
        if (requestId != null) {
            o.put("requestId", requestId);
        }
        if (errors != null && !errors.isEmpty()) {
            JsonArray a = new JsonArray();
            errors.forEach(e -> a.add(new JsonObject().put("field", e.field()).put("message", e.message())));
            o.put("errors", a);
        }
        return o.encode();
    }
}
