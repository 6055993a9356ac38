package dev.cardvault.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;

/** The audit trail as an auditor and as an attacker with database access see it. */
@QuarkusTest
class AuditTrailTest {

    private static final String AUDITOR = TestJwt.as("quinn-qsa").roles("auditor").tenant("platform").bearer();

    private static String cardBody() {
        return new JsonObject().put("pan", TestCards.randomVisa()).put("expMonth", 1)
                .put("expYear", YearMonth.now(ZoneOffset.UTC).getYear() + 2).encode();
    }

    private static Response tokenize(String requestId) {
        return given().header("Authorization", TestJwt.as("agent-9").roles("tokenizer").tenant("acme").bearer())
                .header("X-Request-Id", requestId).contentType("application/json").body(cardBody()).post("/v1/tokens");
    }

    private static List<Map<String, Object>> events(String query) {
        return given().header("Authorization", AUDITOR).get("/v1/audit/events?limit=1000&" + query)
                .then().statusCode(200).extract().jsonPath().getList("events");
    }

    @Test
    void sourceIp_behindATrustedProxy_isTheForwardedClient_andNeverArbitraryText() {
        // The test profile trusts loopback as a proxy (the prod overlay: the ingress controller).
        String rid = "fwd-" + java.util.UUID.randomUUID();
        given().header("Authorization", TestJwt.as("agent-9").roles("tokenizer").tenant("acme").bearer())
                .header("X-Request-Id", rid).header("X-Forwarded-For", "203.0.113.7").contentType("application/json")
                .body(cardBody()).post("/v1/tokens").then().statusCode(201);
        assertEquals("203.0.113.7", eventWithRequestId("TOKEN_CREATED", rid).get("sourceIp"));

        String card = TestCards.randomVisa();
        String rid2 = "fwd-" + java.util.UUID.randomUUID();
        given().header("Authorization", TestJwt.as("agent-9").roles("tokenizer").tenant("acme").bearer())
                .header("X-Request-Id", rid2).header("X-Forwarded-For", card).contentType("application/json")
                .body(cardBody()).post("/v1/tokens").then().statusCode(201);
        Object ip = eventWithRequestId("TOKEN_CREATED", rid2).get("sourceIp");
        assertTrue("127.0.0.1".equals(ip) || "0:0:0:0:0:0:0:1".equals(ip), "expected the peer address, got a forwarded non-address");
    }

    private static Map<String, Object> eventWithRequestId(String type, String requestId) {
        // Denials are written in the background: allow a moment.
        for (int i = 0; i < 50; i++) {
            // Page through the whole trail: other tests may have written thousands of events before.
            long after = 0;
            while (true) {
                JsonPath page = given().header("Authorization", AUDITOR)
                        .get("/v1/audit/events?limit=1000&type=" + type + "&afterSeq=" + after).then().statusCode(200)
                        .extract().jsonPath();
                List<Map<String, Object>> events = page.getList("events");
                for (Map<String, Object> e : events) {
                    if (requestId.equals(e.get("requestId"))) {
                        return e;
                    }
                }
                if (events.isEmpty()) {
                    break;
                }
                after = page.getLong("nextAfterSeq");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new AssertionError("no " + type + " event with requestId " + requestId);
    }

    private static JsonPath verify() {
        return given().header("Authorization", AUDITOR).get("/v1/audit/verify").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void tokenCreated_isRecorded_withEveryField_andNoCardData() {
        String token = tokenize("aud-created-1").then().statusCode(201).extract().path("token");
        Map<String, Object> e = eventWithRequestId("TOKEN_CREATED", "aud-created-1");
        assertEquals("agent-9", e.get("subject"));
        assertEquals("acme", e.get("tenant"));
        assertEquals(token, e.get("token"));
        assertEquals("SUCCESS", e.get("outcome"));
        assertEquals("127.0.0.1", e.get("sourceIp"));
        assertNotNull(e.get("at"));
        assertTrue(((String) e.get("hash")).matches("[0-9a-f]{64}"));
        assertTrue(((String) e.get("prevHash")).matches("[0-9a-f]{64}"));
        assertTrue(((Number) e.get("seq")).longValue() > 0);
        assertEquals(1, events("token=" + token).size());
    }

    @Test
    void invalidCard_isRecordedAsFailed() {
        given().header("Authorization", TestJwt.as("agent-9").roles("tokenizer").tenant("acme").bearer())
                .header("X-Request-Id", "aud-failed-1").contentType("application/json").body("{\"pan\":\"123\"}")
                .post("/v1/tokens").then().statusCode(422);
        assertEquals("FAILED", eventWithRequestId("TOKEN_CREATED", "aud-failed-1").get("outcome"));
    }

    @Test
    void unauthorizedAndForbidden_areRecordedAsAccessDenied() {
        given().header("X-Request-Id", "aud-401-1").get("/v1/tokens/tok_aaaaaaaaaaaaaaaaaaaaaaaa").then().statusCode(401);
        given().header("X-Request-Id", "aud-401-2").header("Authorization", "Bearer not.a.jwt")
                .get("/v1/tokens/tok_aaaaaaaaaaaaaaaaaaaaaaaa").then().statusCode(401);
        given().header("X-Request-Id", "aud-403-1").header("Authorization", TestJwt.as("mallory").roles("auditor").tenant("acme").bearer())
                .contentType("application/json").body(cardBody()).post("/v1/tokens").then().statusCode(403);
        Map<String, Object> anonymous = eventWithRequestId("ACCESS_DENIED", "aud-401-1");
        assertEquals("DENIED", anonymous.get("outcome"));
        assertEquals(null, anonymous.get("subject"));
        eventWithRequestId("ACCESS_DENIED", "aud-401-2");
        Map<String, Object> forbidden = eventWithRequestId("ACCESS_DENIED", "aud-403-1");
        assertEquals("mallory", forbidden.get("subject"));
        assertEquals("acme", forbidden.get("tenant"));
    }

    @Test
    void readingTheTrail_isItselfAudited_andNeedsTheAuditorRole() {
        given().header("Authorization", AUDITOR).header("X-Request-Id", "aud-read-1").get("/v1/audit/events?limit=1")
                .then().statusCode(200);
        assertEquals("quinn-qsa", eventWithRequestId("AUDIT_READ", "aud-read-1").get("subject"));
        given().header("Authorization", TestJwt.as("agent-9").roles("tokenizer").tenant("acme").bearer())
                .get("/v1/audit/events").then().statusCode(403);
        given().header("Authorization", AUDITOR).get("/v1/audit/events?limit=0").then().statusCode(422);
        given().header("Authorization", AUDITOR).get("/v1/audit/events?type=NOPE").then().statusCode(422);
    }

    @Test
    void pagination_withAfterSeq_coversEveryEventOnce() {
        IntStream.range(0, 5).forEach(i -> tokenize("aud-page-" + i).then().statusCode(201));
        Set<Long> seen = new HashSet<>();
        long after = 0;
        while (true) {
            JsonPath page = given().header("Authorization", AUDITOR).get("/v1/audit/events?limit=7&type=TOKEN_CREATED&afterSeq=" + after)
                    .then().statusCode(200).extract().jsonPath();
            List<Long> seqs = page.getList("events.seq", Long.class);
            if (seqs.isEmpty()) {
                assertEquals(after, page.getLong("nextAfterSeq"));
                break;
            }
            seqs.forEach(s -> assertTrue(seen.add(s), "seen twice: " + s));
            after = page.getLong("nextAfterSeq");
            assertEquals(seqs.get(seqs.size() - 1), after);
        }
        assertTrue(seen.size() >= 5);
    }

    @Test
    void updateDeleteTruncate_throughTheServiceRole_areRefusedByTheDatabase() throws Exception {
        tokenize("aud-immutable").then().statusCode(201);
        try (Connection c = Db.connect(); Statement s = c.createStatement()) {
            SQLException update = assertThrows(SQLException.class, () -> s.executeUpdate("UPDATE audit_event SET subject = 'x'"));
            assertTrue(update.getMessage().contains("permission denied") || update.getMessage().contains("append-only"),
                    update.getMessage());
            assertThrows(SQLException.class, () -> s.executeUpdate("DELETE FROM audit_event"));
            assertThrows(SQLException.class, () -> s.executeUpdate("TRUNCATE audit_event"));
        }
        // Even with every privilege (a superuser), the trigger refuses.
        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            SQLException e = assertThrows(SQLException.class, () -> s.executeUpdate("UPDATE audit_event SET subject = 'x'"));
            assertTrue(e.getMessage().contains("append-only"), e.getMessage());
            assertThrows(SQLException.class, () -> s.executeUpdate("DELETE FROM audit_event"));
        }
    }

    @Test
    void eventAlteredOrRemovedBehindTheTriggersBack_isReportedByVerify() throws Exception {
        tokenize("aud-tamper-a").then().statusCode(201);
        tokenize("aud-tamper-b").then().statusCode(201);
        long target = ((Number) eventWithRequestId("TOKEN_CREATED", "aud-tamper-a").get("seq")).longValue();
        assertTrue(verify().getBoolean("valid"), "trail invalid before tampering");

        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica"); // triggers off: what an attacker with superuser can do
            String original;
            try (ResultSet rs = s.executeQuery("SELECT subject FROM audit_event WHERE seq = " + target)) {
                rs.next();
                original = rs.getString(1);
            }
            s.executeUpdate("UPDATE audit_event SET subject = 'someone-else' WHERE seq = " + target);
            JsonPath altered = verify();
            assertFalse(altered.getBoolean("valid"));
            assertEquals(target, altered.getLong("firstInvalidSeq"));
            assertTrue(altered.getString("reason").contains("altered"));
            s.executeUpdate("UPDATE audit_event SET subject = '" + original + "' WHERE seq = " + target);
            assertTrue(verify().getBoolean("valid"), "restoring the original content restores the chain");

            // Remove an event from the middle of its chain: the next event of that chain is reported.
            String row;
            try (ResultSet rs = s.executeQuery("SELECT chain, chain_seq FROM audit_event WHERE seq = " + target)) {
                rs.next();
                row = rs.getString(1) + "/" + rs.getLong(2);
            }
            s.execute("CREATE TEMP TABLE saved AS SELECT * FROM audit_event WHERE seq = " + target);
            s.executeUpdate("DELETE FROM audit_event WHERE seq = " + target);
            JsonPath removed = verify();
            assertFalse(removed.getBoolean("valid"), row);
            assertTrue(removed.getLong("firstInvalidSeq") > target);
            assertTrue(removed.getString("reason").contains("missing"), removed.getString("reason"));
            s.executeUpdate("INSERT INTO audit_event OVERRIDING SYSTEM VALUE SELECT * FROM saved");
            s.execute("SET session_replication_role = origin");
        }
        assertTrue(verify().getBoolean("valid"));
    }

    @Test
    void verify_staysValid_afterManyConcurrentRequests() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Integer>> calls = IntStream.range(0, 200).<Callable<Integer>> mapToObj(i -> () -> i % 4 == 0
                    ? given().get("/v1/tokens/tok_x").statusCode() // denied, audited in the background
                    : tokenize("aud-conc-" + i).statusCode()).toList();
            for (Future<Integer> f : pool.invokeAll(calls)) {
                int status = f.get();
                assertTrue(status == 201 || status == 401, "status " + status);
            }
        } finally {
            pool.shutdownNow();
        }
        Thread.sleep(300);
        JsonPath v = verify();
        assertTrue(v.getBoolean("valid"), v.prettify());
        assertTrue(v.getLong("events") >= 200);
        assertTrue(v.getString("head").matches("[0-9a-f]{64}"));
        // Group commit: fewer commits than events is expected, but every event is there once.
        try (Connection c = Db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM audit_event WHERE type = 'TOKEN_CREATED' AND request_id LIKE 'aud-conc-%'")) {
            rs.next();
            assertEquals(150, rs.getInt(1));
        }
    }

    @Test
    void auditWriteFailure_turnsTokenizationInto503_withoutAToken() throws Exception {
        try (Connection c = Db.connect(); Statement s = c.createStatement()) {
            // The service's own role (the table owner) makes the audit table refuse this event type.
            s.execute("ALTER TABLE audit_event ADD CONSTRAINT test_refuse_created CHECK (type <> 'TOKEN_CREATED') NOT VALID");
        }
        try {
            Response r = tokenize("aud-503");
            r.then().statusCode(503).contentType("application/problem+json")
                    .body("type", equalTo("https://cardvault.dev/problems/audit-unavailable"))
                    .body(not(containsString("tok_")));
        } finally {
            try (Connection c = Db.connect(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE audit_event DROP CONSTRAINT test_refuse_created");
            }
        }
        tokenize("aud-after-503").then().statusCode(201);
        assertTrue(verify().getBoolean("valid"), "a failed batch must not break the chain");
    }
}
