package dev.cardvault.logging;

import java.util.Map;

import org.jboss.logging.MDC;

import io.smallrye.common.vertx.VertxContext;

/**
 * The MDC keys every log line may carry (the JSON console prints them under {@code mdc}; the
 * plain pattern prints the request id only). Each value is a checked identifier, never request
 * text: the request id ({@code web.RequestIds}), the caller's {@code sub} and {@code tenant}
 * (checked by {@code auth.CallerIdentityAugmentor}), an audit event type (an enum name). The PAN
 * mask checks every MDC value once more.
 */
public final class LogFields {

    public static final String REQUEST_ID = "requestId";
    public static final String SUBJECT = "subject";
    public static final String TENANT = "tenant";
    /** The audit event type a line is about (or, on a request's lines, the one the request recorded). */
    public static final String EVENT = "event";

    private LogFields() {
    }

    /**
     * Marks the current request's lines with the audit event it records. A no-op for an event of
     * no request ({@code requestBound} false) and off a duplicated Vert.x context (one per request
     * or job run): on a shared context or a plain thread the mark would stick to later lines.
     */
    public static void requestEvent(boolean requestBound, Enum<?> type) {
        if (requestBound && type != null && VertxContext.isOnDuplicatedContext()) {
            MDC.put(EVENT, type.name());
        }
    }

    /** Runs {@code log} with {@code event} as the line's event type, the request's fields kept. */
    public static void withEvent(String event, Runnable log) {
        run(event, false, log);
    }

    /**
     * Runs {@code log} with {@code event} as the line's event type and without the request's
     * fields: for a line written on behalf of many requests (an audit batch), which would
     * otherwise carry the fields of whichever request's context it happens to run on.
     */
    public static void detached(String event, Runnable log) {
        run(event, true, log);
    }

    private static void run(String event, boolean detach, Runnable log) {
        Map<String, Object> saved = MDC.getMap();
        try {
            if (detach) {
                MDC.remove(REQUEST_ID);
                MDC.remove(SUBJECT);
                MDC.remove(TENANT);
            }
            if (event == null) {
                MDC.remove(EVENT);
            } else {
                MDC.put(EVENT, event);
            }
            log.run();
        } finally {
            restore(saved, REQUEST_ID);
            restore(saved, SUBJECT);
            restore(saved, TENANT);
            restore(saved, EVENT);
        }
    }

    private static void restore(Map<String, Object> saved, String key) {
        Object value = saved == null ? null : saved.get(key);
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
