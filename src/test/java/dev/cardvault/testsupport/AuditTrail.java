package dev.cardvault.testsupport;

import static io.restassured.RestAssured.given;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.restassured.path.json.JsonPath;

/** The audit trail as an auditor reads it (GET /v1/audit/events, /v1/audit/verify). */
public final class AuditTrail {

    /** The subject of {@link #auditor()}. */
    public static final String AUDITOR_SUBJECT = "quinn-qsa";
    /** How long an event written in the background (a denial) may take to appear. */
    private static final Duration BACKGROUND_WRITE = Duration.ofSeconds(10);
    private static final int PAGE = 1000;

    private AuditTrail() {
    }

    /** A platform auditor's bearer token, fresh (a token kept for the whole suite would expire). */
    public static String auditor() {
        return TestJwt.as(AUDITOR_SUBJECT).roles("auditor").tenant("platform").bearer();
    }

    /**
     * Every event that matches {@code query} (e.g. {@code "type=DETOKENIZED&subject=billing"}, or
     * empty), in trail order: pages through the whole trail, which other tests fill too.
     */
    public static List<Map<String, Object>> events(String query) {
        String auditor = auditor();
        List<Map<String, Object>> all = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonPath page = given().header("Authorization", auditor)
                    .get("/v1/audit/events?limit=" + PAGE + "&afterSeq=" + after + (query.isEmpty() ? "" : "&" + query))
                    .then().statusCode(200).extract().jsonPath();
            List<Map<String, Object>> events = page.getList("events");
            all.addAll(events);
            if (events.size() < PAGE) {
                return all; // the head of the trail when this page was read (each read adds an AUDIT_READ event)
            }
            after = page.getLong("nextAfterSeq");
        }
    }

    /** The events that match {@code query} and carry {@code requestId}. */
    public static List<Map<String, Object>> events(String query, String requestId) {
        return events(query).stream().filter(e -> requestId.equals(e.get("requestId"))).toList();
    }

    /** The {@code type} event with {@code requestId}, waiting a bounded time for one written in the background. */
    public static Map<String, Object> event(String type, String requestId) {
        long deadline = System.nanoTime() + BACKGROUND_WRITE.toNanos();
        while (true) {
            List<Map<String, Object>> found = events("type=" + type, requestId);
            if (!found.isEmpty()) {
                return found.get(0);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + type + " event with requestId " + requestId + " within " + BACKGROUND_WRITE);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** GET /v1/audit/verify, failing unless 200. */
    public static JsonPath verify() {
        return given().header("Authorization", auditor()).get("/v1/audit/verify").then().statusCode(200).extract().jsonPath();
    }
}
