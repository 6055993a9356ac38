package dev.cardvault.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.Map;

import org.jboss.logging.MDC;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The MDC fields around a line written for many requests, or about an audit event. */
@Tag("unit")
class LogFieldsTest {

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void detached_hidesTheRequestsFields_setsTheEvent_andRestoresAll() {
        MDC.put(LogFields.REQUEST_ID, "r1");
        MDC.put(LogFields.SUBJECT, "alice");
        MDC.put(LogFields.TENANT, "acme");
        Map<String, Object> seen = new HashMap<>();
        LogFields.detached("TOKEN_CREATED,DETOKENIZED", () -> seen.putAll(MDC.getMap()));
        assertNull(seen.get(LogFields.REQUEST_ID));
        assertNull(seen.get(LogFields.SUBJECT));
        assertNull(seen.get(LogFields.TENANT));
        assertEquals("TOKEN_CREATED,DETOKENIZED", seen.get(LogFields.EVENT));
        assertEquals("r1", MDC.get(LogFields.REQUEST_ID));
        assertEquals("alice", MDC.get(LogFields.SUBJECT));
        assertEquals("acme", MDC.get(LogFields.TENANT));
        assertNull(MDC.get(LogFields.EVENT));
    }

    @Test
    void withEvent_keepsTheRequestsFields_andRestoresTheEventBefore() {
        MDC.put(LogFields.REQUEST_ID, "r2");
        MDC.put(LogFields.EVENT, "DETOKENIZED");
        Map<String, Object> seen = new HashMap<>();
        LogFields.withEvent("ACCESS_DENIED", () -> seen.putAll(MDC.getMap()));
        assertEquals("r2", seen.get(LogFields.REQUEST_ID));
        assertEquals("ACCESS_DENIED", seen.get(LogFields.EVENT));
        assertEquals("DETOKENIZED", MDC.get(LogFields.EVENT));
    }

    @Test
    void requestEvent_offAVertxContext_setsNothing() {
        LogFields.requestEvent(true, java.time.DayOfWeek.MONDAY);
        assertNull(MDC.get(LogFields.EVENT), "a plain thread's MDC would keep it for later lines");
    }
}
