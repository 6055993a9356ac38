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

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;

/** The audit trail as an auditor and as an attacker with database access see it. */
@QuarkusTest
class AuditTrailTest {

    private static final String AUDITOR = AuditTrail.auditor();

    @jakarta.inject.Inject
    DeniedRequests deniedRequests;

    private static JsonObject card() {
        return Api.card(TestCards.randomVisa()).put("expMonth", 1).put("expYear", YearMonth.now(ZoneOffset.UTC).getYear() + 2);
    }

    private static String agent() {
        return Api.bearer("agent-9", "acme", "tokenizer");
    }

    @Test
    void sourceIp_behindATrustedProxy_isTheForwardedClient_andNeverArbitraryText() {
        // The test profile trusts loopback as a proxy (the prod overlay: the ingress controller).
        String rid = "fwd-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9]", ""); // no digits: an id may not be card-shaped
        Api.as(agent(), rid).header("X-Forwarded-For", "203.0.113.7").contentType("application/json")
                .body(card().encode()).post("/v1/tokens").then().statusCode(201);
        assertEquals("203.0.113.7", AuditTrail.event("TOKEN_CREATED", rid).get("sourceIp"));

        String card = TestCards.randomVisa();
        String rid2 = "fwd-" + java.util.UUID.randomUUID().toString().replaceAll("[0-9]", "");
        Api.as(agent(), rid2).header("X-Forwarded-For", card).contentType("application/json")
                .body(card().encode()).post("/v1/tokens").then().statusCode(201);
        Object ip = AuditTrail.event("TOKEN_CREATED", rid2).get("sourceIp");
        assertTrue("127.0.0.1".equals(ip) || "0:0:0:0:0:0:0:1".equals(ip), "expected the peer address, got a forwarded non-address");
    }

    @Test
    void tokenCreated_isRecorded_withEveryField_andNoCardData() {
        String token = Api.tokenize(agent(), card(), "aud-created-1").then().statusCode(201).extract().path("token");
        Map<String, Object> e = AuditTrail.event("TOKEN_CREATED", "aud-created-1");
        assertEquals("agent-9", e.get("subject"));
        assertEquals("acme", e.get("tenant"));
        assertEquals(token, e.get("token"));
        assertEquals("SUCCESS", e.get("outcome"));
        assertEquals("127.0.0.1", e.get("sourceIp"));
        assertNotNull(e.get("at"));
        assertTrue(((String) e.get("hash")).matches("[0-9a-f]{64}"));
        assertTrue(((String) e.get("prevHash")).matches("[0-9a-f]{64}"));
        assertTrue(((Number) e.get("seq")).longValue() > 0);
        assertEquals(1, AuditTrail.events("token=" + token).size());
    }

    @Test
    void invalidCard_isRecordedAsFailed() {
        Api.tokenize(agent(), new JsonObject().put("pan", "123"), "aud-failed-1").then().statusCode(422);
        assertEquals("FAILED", AuditTrail.event("TOKEN_CREATED", "aud-failed-1").get("outcome"));
    }

    @Test
    void unauthorizedAndForbidden_areRecordedAsAccessDenied() {
        given().header("X-Request-Id", "aud-401-1").get("/v1/tokens/tok_aaaaaaaaaaaaaaaaaaaaaaaa").then().statusCode(401);
        given().header("X-Request-Id", "aud-401-2").header("Authorization", "Bearer not.a.jwt")
                .get("/v1/tokens/tok_aaaaaaaaaaaaaaaaaaaaaaaa").then().statusCode(401);
        Api.tokenize(Api.bearer("mallory", "acme", "auditor"), card(), "aud-403-1").then().statusCode(403);
        // Unauthenticated denials are counted per source and minute: one event with the count.
        deniedRequests.flush().await().atMost(java.time.Duration.ofSeconds(10));
        List<Map<String, Object>> anonymous = AuditTrail.events("type=ACCESS_DENIED").stream()
                .filter(e -> e.get("subject") == null && String.valueOf(e.get("detail")).startsWith("unauthenticated count=")).toList();
        assertFalse(anonymous.isEmpty());
        Map<String, Object> last = anonymous.get(anonymous.size() - 1);
        assertEquals("DENIED", last.get("outcome"));
        assertEquals("127.0.0.1", last.get("sourceIp"));
        assertEquals(null, last.get("requestId"));
        Map<String, Object> forbidden = AuditTrail.event("ACCESS_DENIED", "aud-403-1");
        assertEquals("mallory", forbidden.get("subject"));
        assertEquals("acme", forbidden.get("tenant"));
    }

    @Test
    void readingTheTrail_isItselfAudited_andNeedsTheAuditorRole() {
        given().header("Authorization", AUDITOR).header("X-Request-Id", "aud-read-1").get("/v1/audit/events?limit=1")
                .then().statusCode(200);
        assertEquals("quinn-qsa", AuditTrail.event("AUDIT_READ", "aud-read-1").get("subject"));
        given().header("Authorization", agent()).get("/v1/audit/events").then().statusCode(403);
        given().header("Authorization", AUDITOR).get("/v1/audit/events?limit=0").then().statusCode(422);
        given().header("Authorization", AUDITOR).get("/v1/audit/events?type=NOPE").then().statusCode(422);
    }

    @Test
    void pagination_withAfterSeq_coversEveryEventOnce() {
        IntStream.range(0, 5).forEach(i -> Api.tokenize(agent(), card(), "aud-page-" + i).then().statusCode(201));
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
        Api.tokenize(agent(), card(), "aud-immutable").then().statusCode(201);
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
        Api.tokenize(agent(), card(), "aud-tamper-a").then().statusCode(201);
        Api.tokenize(agent(), card(), "aud-tamper-b").then().statusCode(201);
        long target = ((Number) AuditTrail.event("TOKEN_CREATED", "aud-tamper-a").get("seq")).longValue();
        assertTrue(AuditTrail.verify().getBoolean("valid"), "trail invalid before tampering");

        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            s.execute("SET session_replication_role = replica"); // triggers off: what an attacker with superuser can do
            String original;
            try (ResultSet rs = s.executeQuery("SELECT subject FROM audit_event WHERE seq = " + target)) {
                rs.next();
                original = rs.getString(1);
            }
            s.executeUpdate("UPDATE audit_event SET subject = 'someone-else' WHERE seq = " + target);
            JsonPath altered = AuditTrail.verify();
            assertFalse(altered.getBoolean("valid"));
            assertEquals(target, altered.getLong("firstInvalidSeq"));
            assertTrue(altered.getString("reason").contains("altered"));
            s.executeUpdate("UPDATE audit_event SET subject = '" + original + "' WHERE seq = " + target);
            assertTrue(AuditTrail.verify().getBoolean("valid"), "restoring the original content restores the chain");

            // Remove an event from the middle of its chain: the next event of that chain is reported.
            String row;
            try (ResultSet rs = s.executeQuery("SELECT chain, chain_seq FROM audit_event WHERE seq = " + target)) {
                rs.next();
                row = rs.getString(1) + "/" + rs.getLong(2);
            }
            s.execute("CREATE TEMP TABLE saved AS SELECT * FROM audit_event WHERE seq = " + target);
            s.executeUpdate("DELETE FROM audit_event WHERE seq = " + target);
            JsonPath removed = AuditTrail.verify();
            assertFalse(removed.getBoolean("valid"), row);
            assertTrue(removed.getLong("firstInvalidSeq") > target);
            assertTrue(removed.getString("reason").contains("missing"), removed.getString("reason"));
            s.executeUpdate("INSERT INTO audit_event OVERRIDING SYSTEM VALUE SELECT * FROM saved");
            s.execute("SET session_replication_role = origin");
        }
        assertTrue(AuditTrail.verify().getBoolean("valid"));
    }

    @Test
    void verify_staysValid_afterManyConcurrentRequests() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Integer>> calls = IntStream.range(0, 200).<Callable<Integer>> mapToObj(i -> () -> i % 4 == 0
                    ? given().get("/v1/tokens/tok_x").statusCode() // denied, audited in the background
                    : Api.tokenize(agent(), card(), "aud-conc-" + i).statusCode()).toList();
            for (Future<Integer> f : pool.invokeAll(calls)) {
                int status = f.get();
                assertTrue(status == 201 || status == 401, "status " + status);
            }
        } finally {
            pool.shutdownNow();
        }
        deniedRequests.flush().await().atMost(java.time.Duration.ofSeconds(10)); // the 401s' counts, written now
        JsonPath v = AuditTrail.verify();
        assertTrue(v.getBoolean("valid"), v.prettify());
        assertTrue(v.getLong("events") >= 150);
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
        try (Connection c = Db.owner(); Statement s = c.createStatement()) {
            // The table owner makes the audit table refuse this event type.
            s.execute("ALTER TABLE audit_event ADD CONSTRAINT test_refuse_created CHECK (type <> 'TOKEN_CREATED') NOT VALID");
        }
        try {
            Response r = Api.tokenize(agent(), card(), "aud-503");
            r.then().statusCode(503).contentType("application/problem+json")
                    .body("type", equalTo("https://cardvault.dev/problems/audit-unavailable"))
                    .body(not(containsString("tok_")));
        } finally {
            try (Connection c = Db.owner(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE audit_event DROP CONSTRAINT test_refuse_created");
            }
        }
        Api.tokenize(agent(), card(), "aud-after-503").then().statusCode(201);
        assertTrue(AuditTrail.verify().getBoolean("valid"), "a failed batch must not break the chain");
    }
}
