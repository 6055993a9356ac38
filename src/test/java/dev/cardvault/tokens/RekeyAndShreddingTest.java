package dev.cardvault.tokens;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;

/**
 * Re-keying the data under dual control (every record re-encrypted under new data keys, the old
 * keys destroyed, reveals working throughout) and crypto-shredding (the key of a deleted record is
 * emptied and destroyed, so the deleted ciphertext has no key anywhere). The background job is
 * driven step by step; in this profile the shredding delay and the grace period are zero.
 */
@QuarkusTest
class RekeyAndShreddingTest {

    private static final String ALICE = Api.bearer("alice-custodian", "platform", "key-custodian");
    private static final String BOB = Api.bearer("bob-custodian", "platform", "key-custodian");

    @Inject
    RekeyJob job;

    private static Response requestRekey(String who) {
        return given().header("Authorization", who).contentType("application/json")
                .body(new JsonObject().put("reason", "suspected compromise of a data key").encode()).post("/v1/keys/rekeys");
    }

    private static String reveal(String tenant, String token) {
        return Api.reveal(Api.bearer("billing", tenant, "detokenizer"), token, "REFUND").then().statusCode(200).extract().path("pan");
    }

    private static void assertAllReveal(Map<String, String> panByToken, Map<String, String> tenantByToken, String when) {
        for (var e : panByToken.entrySet()) {
            assertTrue(e.getValue().equals(reveal(tenantByToken.get(e.getKey()), e.getKey())),
                    "token " + e.getKey() + " revealed another card " + when); // never a card number in the message
        }
    }

    @Test
    void rekey_underDualControl_reencryptsEveryRecord_destroysTheOldKeys_andRevealsKeepWorking() throws Exception {
        Map<String, String> panByToken = new HashMap<>();
        Map<String, String> tenantByToken = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            String tenant = "rk-" + (i % 3);
            String pan = TestCards.randomVisa();
            String token = Api.tokenized(tenant, Api.card(pan));
            panByToken.put(token, pan);
            tenantByToken.put(token, tenant);
        }

        requestRekey(Api.bearer("mallory", "rk-0", "tokenizer", "detokenizer", "privacy-officer")).then().statusCode(403);
        Response requested = requestRekey(ALICE);
        requested.then().statusCode(202).body("kind", equalTo("DATA")).body("state", equalTo("PENDING_APPROVAL"))
                .body("id", startsWith("rk_"));
        String id = requested.path("id");
        given().header("Authorization", ALICE).post("/v1/keys/rekeys/" + id + "/approve").then().statusCode(403)
                .body("type", org.hamcrest.Matchers.containsString("self-approval"));
        given().header("Authorization", BOB).post("/v1/keys/rotations/" + id + "/approve").then().statusCode(404); // not a KEK rotation
        requestRekey(BOB).then().statusCode(409);
        JsonPath approved = given().header("Authorization", BOB).post("/v1/keys/rekeys/" + id + "/approve").then().statusCode(200)
                .body("state", equalTo("REKEYING")).extract().jsonPath();
        long cutoff = Db.scalar("SELECT rekey_cutoff FROM key_rotation WHERE id = ?", id);
        assertTrue(Db.scalar("SELECT count(*) FROM data_key WHERE id <= ? AND active", cutoff) == 0, "old keys still encrypt");
        assertTrue(approved.getLong("total") >= 60);

        // Part of the way: some records moved, all of them reveal, a new card goes under a new key.
        RekeyJob.Result partial = job.runOnce(1).await().atMost(Duration.ofMinutes(1));
        assertTrue(partial.ran() && partial.moved() > 0 && !partial.rekeyCompleted(), partial.toString());
        assertAllReveal(panByToken, tenantByToken, "mid-way");
        String pan = TestCards.randomVisa();
        String fresh = Api.tokenized("rk-0", Api.card(pan));
        panByToken.put(fresh, pan);
        tenantByToken.put(fresh, "rk-0");
        assertTrue(Db.scalar("SELECT data_key_id FROM token WHERE token = ?", fresh) > cutoff, "a new card under an old key");

        for (int i = 0; i < 100 && !"COMPLETED".equals(status(id)); i++) {
            job.runOnce(Integer.MAX_VALUE).await().atMost(Duration.ofMinutes(1));
        }
        assertEquals("COMPLETED", status(id));
        assertEquals(0, Db.scalar("SELECT count(*) FROM data_key WHERE id <= ?", cutoff), "an old data key survived the re-key");
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE data_key_id <= ?", cutoff));
        assertTrue(given().header("Authorization", ALICE).get("/v1/keys/rekeys/" + id).then().extract().jsonPath()
                .getLong("rewrapped") >= 60);
        assertAllReveal(panByToken, tenantByToken, "after the re-key");

        List<Map<String, Object>> events = AuditTrail.events("token=" + id);
        for (String type : List.of("DATA_REKEY_REQUESTED", "DATA_REKEY_APPROVED", "DATA_KEY_ROLLED", "DATA_REKEY_COMPLETED")) {
            assertTrue(events.stream().anyMatch(e -> type.equals(e.get("type"))), type + " missing: " + events);
        }
        assertTrue(AuditTrail.events("type=DATA_KEY_DESTROYED").size() >= 3, "one destruction event per old key");
        assertTrue(AuditTrail.verify().getBoolean("valid"));
    }

    private static String status(String id) {
        return given().header("Authorization", ALICE).get("/v1/keys/rekeys/" + id).then().statusCode(200).extract().path("state");
    }

    @Test
    void erasedCard_itsDataKeyIsEmptiedAndDestroyed_theOtherCardsMoveAndStillReveal() throws Exception {
        String tenant = "shred-x";
        String erasedPan = TestCards.randomVisa();
        String erased = Api.tokenized(tenant, Api.card(erasedPan));
        Map<String, String> panByToken = new HashMap<>();
        Map<String, String> tenantByToken = new HashMap<>();
        for (int i = 0; i < 3; i++) {
            String pan = TestCards.randomVisa();
            String token = Api.tokenized(tenant, Api.card(pan));
            panByToken.put(token, pan);
            tenantByToken.put(token, tenant);
        }
        long key = Db.scalar("SELECT data_key_id FROM token WHERE token = ?", erased);
        assertEquals(0, Db.scalar("SELECT count(*) FROM data_key WHERE id = ? AND shred_requested_at IS NOT NULL", key));

        Api.erase(Api.bearer("dpo", tenant, "privacy-officer"), erasedPan).then().statusCode(200);
        assertEquals(1, Db.scalar("SELECT count(*) FROM data_key WHERE id = ? AND shred_requested_at IS NOT NULL", key),
                "erasing did not schedule the key's shredding");

        // Not before the delay: as if the deletion had happened later than now minus shred-within (0 s here).
        try (var c = Db.superuser(); var st = c.prepareStatement("UPDATE data_key SET shred_requested_at = now() + interval '1 hour' WHERE id = ?")) {
            st.setLong(1, key);
            st.executeUpdate();
        }
        job.runOnce(Integer.MAX_VALUE).await().atMost(Duration.ofMinutes(1));
        assertEquals(1, Db.scalar("SELECT count(*) FROM data_key WHERE id = ?", key), "shredded before its delay");
        try (var c = Db.superuser(); var st = c.prepareStatement("UPDATE data_key SET shred_requested_at = now() WHERE id = ?")) {
            st.setLong(1, key);
            st.executeUpdate();
        }
        for (int i = 0; i < 20 && Db.scalar("SELECT count(*) FROM data_key WHERE id = ?", key) > 0; i++) {
            job.runOnce(Integer.MAX_VALUE).await().atMost(Duration.ofMinutes(1));
        }
        assertEquals(0, Db.scalar("SELECT count(*) FROM data_key WHERE id = ?", key), "the erased card's data key still exists");
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE data_key_id = ?", key));
        assertAllReveal(panByToken, tenantByToken, "after the shredding");
        assertTrue(AuditTrail.events("type=DATA_KEY_DESTROYED").stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).contains("key=data-key-" + key + " reason=shred")),
                "no DATA_KEY_DESTROYED for the shredded key");
    }
}
