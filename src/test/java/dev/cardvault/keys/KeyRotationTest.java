package dev.cardvault.keys;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.HttpApi;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.MovableClock;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** KEK rotation under dual control, with the background rewrap driven step by step. */
@QuarkusTest
class KeyRotationTest {

    private static final String ALICE = Api.bearer("alice-custodian", "platform", "key-custodian");
    private static final String BOB = Api.bearer("bob-custodian", "platform", "key-custodian");
    private static final int YEAR = YearMonth.now(ZoneOffset.UTC).getYear() + 2;

    @Inject
    RewrapJob rewrap;

    @Inject
    MovableClock clock;

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "cardvault.keys.rotation.approval-timeout")
    java.time.Duration approvalTimeout;

    private static Response request(String who, String reason) {
        return given().header("Authorization", who).contentType("application/json")
                .body(new JsonObject().put("reason", reason).encode()).post("/v1/keys/rotations");
    }

    private static Response approve(String who, String id) {
        return given().header("Authorization", who).post("/v1/keys/rotations/" + id + "/approve");
    }

    private static JsonPath keys() {
        return given().header("Authorization", ALICE).get("/v1/keys").then().statusCode(200).extract().jsonPath();
    }

    private static final Map<String, String> AGENTS = new ConcurrentHashMap<>();

    /** Thousands of these: the plain HTTP client, and one agent token per tenant. */
    private static String tokenize(String tenant, String pan) {
        String bearer = AGENTS.computeIfAbsent(tenant, Api::agent);
        return HttpApi.local().json("POST", "/v1/tokens", bearer, Api.card(pan).put("expMonth", 6).put("expYear", YEAR).encode(), 201)
                .getString("token");
    }

    private void completeRewrap() {
        for (int i = 0; i < 1000; i++) {
            var r = rewrap.runOnce(Integer.MAX_VALUE).await().atMost(java.time.Duration.ofMinutes(2));
            if (r.isPresent() && Rotation.COMPLETED.equals(r.get().state())) {
                return;
            }
            if (r.isEmpty()) {
                return; // nothing rewrapping
            }
        }
        throw new AssertionError("rewrap did not complete");
    }

    /** Reveals every token in batches (fresh subjects keep under the rate limit); returns token → PAN. */
    private static Map<String, String> revealAll(String tenant, List<String> tokens) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < tokens.size(); i += 100) {
            List<String> chunk = tokens.subList(i, Math.min(tokens.size(), i + 100));
            JsonObject r = HttpApi.local().json("POST", "/v1/detokenizations", Api.bearer("billing-" + i, tenant, "detokenizer"),
                    new JsonObject().put("tokens", new JsonArray(chunk)).put("purpose", "RECURRING_BILLING").encode(), 200);
            r.getJsonArray("results").forEach(o -> {
                JsonObject m = (JsonObject) o;
                out.put(m.getString("token"), m.getString("pan"));
            });
        }
        return out;
    }

    private static int kekVersionOfToken(String token) throws Exception {
        try (Connection c = Db.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT d.kek_version FROM token t JOIN data_key d ON d.id = t.data_key_id WHERE t.token = ?")) {
            s.setString(1, token);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    @Test
    void dualControlMatrix() throws Exception {
        tokenize("rot-m", TestCards.randomVisa()); // at least one data key to rewrap
        String reason = "annual cryptoperiod";
        Response requested = request(ALICE, reason);
        requested.then().statusCode(202).body("state", equalTo("PENDING_APPROVAL")).body("requestedBy", equalTo("alice-custodian"))
                .body("approvalsRequired", equalTo(1)).body(not(containsString("wrappedKey"))).body(not(containsString("wrapped_key")));
        String id = requested.path("id");

        request(BOB, "a second one").then().statusCode(409).body("type", equalTo("https://cardvault.dev/problems/rotation-open"));
        approve(ALICE, id).then().statusCode(403).body("type", equalTo("https://cardvault.dev/problems/self-approval"));
        approve(Api.bearer("eve", "platform", "auditor", "detokenizer"), id).then().statusCode(403);
        given().header("Authorization", Api.bearer("eve", "platform", "tokenizer")).get("/v1/keys")
                .then().statusCode(403);
        given().header("Authorization", BOB).get("/v1/keys/rotations/" + id).then().statusCode(200)
                .body("state", equalTo("PENDING_APPROVAL"));

        int before = keys().getInt("activeVersion");
        approve(BOB, id).then().statusCode(200).body("state", equalTo("REWRAPPING")).body("approvedBy", equalTo("bob-custodian"))
                .body("fromVersion", equalTo(before)).body("toVersion", equalTo(before + 1));
        approve(BOB, id).then().statusCode(409);
        approve(Api.bearer("carol-custodian", "platform", "key-custodian"), id).then().statusCode(409);
        completeRewrap();
        given().header("Authorization", ALICE).get("/v1/keys/rotations/" + id).then().statusCode(200)
                .body("state", equalTo("COMPLETED"));
        approve(Api.bearer("carol-custodian", "platform", "key-custodian"), id).then().statusCode(409);
        given().header("Authorization", BOB).post("/v1/keys/rotations/rot_nope/approve").then().statusCode(404);

        // Every step is in the audit trail with both subjects.
        List<Map<String, Object>> events = AuditTrail.events("token=" + id);
        assertTrue(events.stream().anyMatch(e -> "KEY_ROTATION_REQUESTED".equals(e.get("type")) && "alice-custodian".equals(e.get("subject"))));
        assertTrue(events.stream().anyMatch(e -> "KEY_ROTATION_APPROVED".equals(e.get("type")) && "DENIED".equals(e.get("outcome"))
                && "alice-custodian".equals(e.get("subject"))));
        assertTrue(events.stream().anyMatch(e -> "KEY_ROTATION_APPROVED".equals(e.get("type")) && "SUCCESS".equals(e.get("outcome"))
                && "bob-custodian".equals(e.get("subject")) && "requestedBy:alice-custodian".equals(e.get("purpose"))));
        assertTrue(events.stream().anyMatch(e -> "KEY_ROTATION_COMPLETED".equals(e.get("type"))
                && ((String) e.get("purpose")).contains("approvedBy:bob-custodian")));
        // The approval made a KEK version and rolled every active data key over, in the same commit.
        assertTrue(events.stream().anyMatch(e -> "KEY_CREATED".equals(e.get("type")) && "bob-custodian".equals(e.get("subject"))
                && String.valueOf(e.get("detail")).matches("key=kek-v\\d+")), "no KEY_CREATED for the new KEK");
        assertTrue(events.stream().anyMatch(e -> "DATA_KEY_ROLLED".equals(e.get("type"))), "no DATA_KEY_ROLLED for the approval");
        // Completion destroyed the old KEK's material, and says so in the same commit.
        assertTrue(events.stream().anyMatch(e -> "KEK_RETIRED".equals(e.get("type"))
                && String.valueOf(e.get("detail")).matches("key=kek-v\\d+ material=destroyed")), "no KEK_RETIRED event for the rotation");
    }

    @Test
    void expiredRequest_cannotBeApproved() throws Exception {
        String id = request(ALICE, "suspected exposure").then().statusCode(202).extract().path("id");
        given().header("Authorization", ALICE).get("/v1/keys/rotations/" + id).then().body("state", equalTo("PENDING_APPROVAL"));
        clock.advance(approvalTimeout.plusSeconds(1));
        approve(BOB, id).then().statusCode(409).body("detail", containsString("EXPIRED"));
        given().header("Authorization", ALICE).get("/v1/keys/rotations/" + id).then().body("state", equalTo("EXPIRED"));
        // An expired request no longer blocks a new one.
        String next = request(ALICE, "retry").then().statusCode(202).extract().path("id");
        try (Connection c = Db.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE key_rotation SET expires_at = now() - interval '1 second' WHERE id = '" + next + "'");
        }
        given().header("Authorization", ALICE).get("/v1/keys/rotations/" + next).then().body("state", equalTo("EXPIRED"));
    }

    @Test
    void approvalByTokenWithoutSub_is401_andRotationStaysPending() throws Exception {
        String id = request(ALICE, "no-sub approval attempt").then().statusCode(202).extract().path("id");
        try {
            String noSub = TestJwt.as(null).claim("upn", "mallory@example.com").roles("key-custodian").tenant("platform").bearer();
            approve(noSub, id).then().statusCode(401).contentType("application/problem+json");
            request(noSub, "another").then().statusCode(401);
            given().header("Authorization", BOB).get("/v1/keys/rotations/" + id).then().statusCode(200)
                    .body("state", equalTo("PENDING_APPROVAL")).body("approvals", org.hamcrest.Matchers.empty());
        } finally {
            expire(id);
        }
    }

    @Test
    void database_refusesSelfApproval_andUnnamedApprovers_whateverTheCode() throws Exception {
        String id = request(ALICE, "database dual control").then().statusCode(202).extract().path("id");
        try (Connection c = Db.connect(); Statement s = c.createStatement()) {
            for (String update : List.of("approved_by = ARRAY[requested_by]", "approved_by = ARRAY[NULL]::text[]",
                    "approved_by = ARRAY['  ']", "state = 'REWRAPPING', approved_at = now()", "requested_by = ''")) {
                SQLException e = assertThrows(SQLException.class,
                        () -> s.executeUpdate("UPDATE key_rotation SET " + update + " WHERE id = '" + id + "'"), update);
                assertEquals("23514", e.getSQLState(), update + ": " + e.getMessage()); // check_violation
            }
        } finally {
            expire(id);
        }
    }

    @Test
    void cardNumberAsRotationId_isNotFound_andNotStored() throws Exception {
        String card = TestCards.randomVisa();
        approve(BOB, card).then().statusCode(404).body(not(containsString(card.substring(6, 12))));
        given().header("Authorization", BOB).get("/v1/keys/rotations/" + card).then().statusCode(404);
        assertEquals(0, Db.scalar("SELECT count(*) FROM audit_event WHERE regexp_replace(audit_event::text, '[^0-9]', '', 'g') LIKE ?", "%" + card + "%"));
    }

    private static void expire(String id) throws SQLException {
        try (Connection c = Db.connect(); Statement s = c.createStatement()) {
            s.executeUpdate("UPDATE key_rotation SET expires_at = now() - interval '1 second' WHERE id = '" + id + "'");
        }
        given().header("Authorization", ALICE).get("/v1/keys/rotations/" + id).then().body("state", equalTo("EXPIRED"));
    }

    @Test
    void requestReason_isRequired_andMayNotCarryACard() {
        request(ALICE, "").then().statusCode(422);
        request(ALICE, "exposed card 4111 1111 1111 1111").then().statusCode(422).body(not(containsString("4111")));
        // Any separators: dots, non-breaking spaces, " - ".
        request(ALICE, "card 4111.1111.1111.1111").then().statusCode(422).body("errors.field", org.hamcrest.Matchers.hasItem("reason"));
        request(ALICE, "card 4111\u00a01111\u00a01111\u00a01111").then().statusCode(422);
        request(ALICE, "card 4111 - 1111 - 1111 - 1111").then().statusCode(422);
        request(ALICE, "card 4111:1111:1111:1111 leaked").then().statusCode(422);
        request(ALICE, "card 4111|1111|1111|1111").then().statusCode(422);
    }

    @Test
    void rotationOfThousandsOfTokens_interruptedRewrapResumes_concurrentTokenizationLosesNothing() throws Exception {
        // A few thousand cards over several tenants (the test profile rolls data keys every 12 cards).
        List<String> tenants = List.of("rot-a", "rot-b", "rot-c");
        Map<String, String> panByToken = new ConcurrentHashMap<>();
        Map<String, String> tenantByToken = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                String tenant = tenants.get(i % tenants.size());
                fs.add(pool.submit(() -> {
                    String pan = TestCards.randomVisa();
                    String token = tokenize(tenant, pan);
                    panByToken.put(token, pan);
                    tenantByToken.put(token, tenant);
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }

            int from = keys().getInt("activeVersion");
            String id = request(ALICE, "rotation under load").then().statusCode(202).extract().path("id");
            JsonPath approved = approve(BOB, id).then().statusCode(200).extract().jsonPath();
            int to = approved.getInt("toVersion");
            long total = approved.getLong("total");
            assertTrue(total >= 2000 / 12, "total " + total);

            // New cards are encrypted under fresh data keys of the new version right away.
            String fresh = tokenize("rot-a", TestCards.randomVisa());
            assertEquals(to, kekVersionOfToken(fresh));

            // One batch, then the "process stops": all progress is in the database.
            var partial = rewrap.runOnce(1).await().indefinitely().orElseThrow();
            assertEquals("REWRAPPING", partial.state());
            assertTrue(partial.rewrapped() > 0 && partial.rewrapped() < total, partial.toString());
            JsonPath mid = keys();
            assertEquals("DECRYPT_ONLY", mid.getString("versions.find { it.version == " + from + " }.state"));
            // Mid-rotation, cards under both versions reveal.
            List<String> sample = new ArrayList<>(panByToken.keySet()).subList(0, 100);
            Map<String, String> sampleTenant = new HashMap<>();
            sample.forEach(t -> sampleTenant.put(t, tenantByToken.get(t)));
            for (String tenant : tenants) {
                List<String> mine = sample.stream().filter(t -> tenant.equals(sampleTenant.get(t))).toList();
                revealAll(tenant, mine).forEach((t, pan) -> assertTrue(panByToken.get(t).equals(pan), "wrong card for " + t));
            }

            // Resume while agents keep tokenizing.
            AtomicBoolean stop = new AtomicBoolean();
            Future<?> agents = pool.submit(() -> {
                int n = 0;
                while (!stop.get() || n < 200) {
                    String tenant = tenants.get(n++ % tenants.size());
                    String pan = TestCards.randomVisa();
                    String token = tokenize(tenant, pan);
                    panByToken.put(token, pan);
                    tenantByToken.put(token, tenant);
                }
            });
            completeRewrap();
            stop.set(true);
            agents.get(2, TimeUnit.MINUTES);
            completeRewrap(); // keys created by a lagging writer during completion, if any

            JsonPath after = keys();
            assertEquals(to, after.getInt("activeVersion"));
            assertEquals("RETIRED", after.getString("versions.find { it.version == " + from + " }.state"));
            assertEquals(0, after.getInt("versions.find { it.version == " + from + " }.dataKeys"));
            given().header("Authorization", ALICE).get("/v1/keys/rotations/" + id).then().body("state", equalTo("COMPLETED"));
            try (Connection c = Db.connect(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT wrapped_key IS NULL, (SELECT count(*) FROM data_key WHERE kek_version <> "
                            + to + ") FROM kek WHERE version = " + from)) {
                rs.next();
                assertTrue(rs.getBoolean(1), "retired KEK material must be destroyed");
                assertEquals(0, rs.getLong(2));
            }

            // Nothing lost: every card tokenized before, during and after the rewrap still reveals.
            for (String tenant : tenants) {
                List<String> mine = new ArrayList<>(panByToken.keySet().stream().filter(t -> tenant.equals(tenantByToken.get(t))).toList());
                Collections.sort(mine);
                Map<String, String> revealed = revealAll(tenant, mine);
                for (String t : mine) {
                    assertTrue(panByToken.get(t).equals(revealed.get(t)), "token " + t + " of " + tenant + " lost");
                }
            }
            assertTrue(panByToken.size() >= 2200);
        } finally {
            pool.shutdownNow();
        }
    }
}
