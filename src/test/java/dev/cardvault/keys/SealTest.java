package dev.cardvault.keys;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.cardvault.containment.LogCapture;
import dev.cardvault.containment.TableDump;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.Metrics;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.FreshDatabase;
import dev.cardvault.testsupport.MovableClock;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;

/**
 * A vault whose master key is split among custodians, through its life: sealed start, init,
 * unseal by k different custodians (refusals on the way), serving, sealing, unsealing again with
 * the data intact, and an audit trail of every step that never holds a share. Steps build on each
 * other, so they run in order on one service (a restart is in PackagedJarIT).
 */
@QuarkusTest
@TestProfile(SealTest.Shares.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SealTest {

    public static class Shares implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cardvault.master-key.source", "shares", "cardvault.audit.held-release-every", "off");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FreshDatabase.class)); // an empty database: nothing wrapped by another key
        }
    }

    private static final String ALICE = Api.bearer("alice-custodian", "platform", "key-custodian");
    private static final String BOB = Api.bearer("bob-custodian", "platform", "key-custodian");
    private static final String CAROL = Api.bearer("carol-custodian", "platform", "key-custodian");
    private static final String AGENT = Api.agent("seal-acme");
    private static final String TEST_CARD = "4111111111111111";

    @jakarta.inject.Inject
    MovableClock clock;

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "cardvault.seal.unseal-timeout", defaultValue = "10m") // Seal's default
    java.time.Duration unsealTimeout;

    private static List<String> shares = List.of();
    private static String token;
    private static LogCapture log;

    @BeforeAll
    static void captureLog() {
        log = LogCapture.start();
    }

    @AfterAll
    static void stopCapture() {
        log.close();
    }

    private static Response sys(String bearer, String path, JsonObject body) {
        var spec = given().contentType("application/json");
        if (bearer != null) {
            spec = spec.header("Authorization", bearer);
        }
        return body == null ? spec.post("/v1/sys/" + path) : spec.body(body.encode()).post("/v1/sys/" + path);
    }

    private static Response unseal(String bearer, String share) {
        return sys(bearer, "unseal", new JsonObject().put("share", share));
    }

    @Test
    @Order(1)
    void startsSealed_everyOtherCallIs503_readinessDown() throws Exception {
        given().get("/v1/sys/seal-status").then().statusCode(200).body("initialized", equalTo(false)).body("sealed", equalTo(true))
                .body("source", equalTo("shares")).body("progress", equalTo(0));
        Api.tokenize(AGENT, Api.card(TEST_CARD)).then().statusCode(503).contentType("application/problem+json")
                .body("type", containsString("sealed"));
        given().get("/v1/keys").then().statusCode(503).body("type", containsString("sealed")); // even without a token
        given().get("/q/health/ready").then().statusCode(503);
        given().get("/q/health/live").then().statusCode(200);
        assertEquals(1.0, Metrics.value("cardvault_seal_sealed"), "the seal gauge");
        unseal(ALICE, "cvshare:AAAA").then().statusCode(409).body("type", containsString("not-initialized"));
    }

    @Test
    @Order(2)
    void init_onlyByACustodian_withSaneNumbers_once() throws Exception {
        sys(Api.bearer("eve", "platform", "auditor"), "init", new JsonObject().put("shares", 3).put("threshold", 2))
                .then().statusCode(403);
        sys(null, "init", new JsonObject().put("shares", 3).put("threshold", 2)).then().statusCode(401);
        sys(ALICE, "init", new JsonObject().put("shares", 3).put("threshold", 1)).then().statusCode(422)
                .body("errors[0].field", equalTo("threshold"));
        sys(ALICE, "init", new JsonObject().put("shares", 2).put("threshold", 3)).then().statusCode(422);
        sys(ALICE, "init", new JsonObject().put("shares", 17).put("threshold", 2)).then().statusCode(422);

        Response r = sys(ALICE, "init", new JsonObject().put("shares", 3).put("threshold", 2));
        r.then().statusCode(200).header("Cache-Control", "no-store").body("threshold", equalTo(2));
        shares = r.jsonPath().getList("shares", String.class);
        assertEquals(3, shares.size());
        assertEquals(3, shares.stream().distinct().count());

        sys(BOB, "init", new JsonObject().put("shares", 3).put("threshold", 2)).then().statusCode(409)
                .body("type", containsString("already-initialized"));
        given().get("/v1/sys/seal-status").then().body("initialized", equalTo(true)).body("sealed", equalTo(true))
                .body("threshold", equalTo(2)).body("shares", equalTo(3));
        Api.tokenize(AGENT, Api.card(TEST_CARD)).then().statusCode(503); // initialised, still sealed
        assertTrue(Db.scalar("SELECT count(*) FROM audit_held WHERE type IN ('SERVICE_STARTED', 'SEAL_INITIALIZED')") == 2,
                "events while sealed are held");
    }

    @Test
    @Order(3)
    void refusals_countNothing_andAWrongShareResetsWithoutSayingWhich() {
        unseal(ALICE, "not a share").then().statusCode(422).body("type", containsString("malformed-share"));
        String typo = shares.get(0).substring(0, 20) + (shares.get(0).charAt(20) == 'A' ? 'B' : 'A') + shares.get(0).substring(21);
        unseal(ALICE, typo).then().statusCode(422).body("type", containsString("malformed-share"))
                .body("detail", not(containsString(typo.substring(8))));
        given().get("/v1/sys/seal-status").then().body("progress", equalTo(0));

        unseal(ALICE, shares.get(0)).then().statusCode(200).body("progress", equalTo(1)).body("sealed", equalTo(true));
        unseal(ALICE, shares.get(1)).then().statusCode(409).body("type", containsString("share-already-given"));
        unseal(BOB, shares.get(0)).then().statusCode(409).body("type", containsString("duplicate-share"));
        given().get("/v1/sys/seal-status").then().body("progress", equalTo(1));

        // A well-formed share that is not one of this vault's: noticed only when the key is rebuilt.
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        String foreign = new Share(Share.parse(shares.get(1)).index(), random).encode();
        Response failed = unseal(BOB, foreign);
        failed.then().statusCode(422).body("type", containsString("unseal-failed"));
        String detail = failed.jsonPath().getString("detail");
        assertFalse(detail.contains("alice") || detail.contains("bob") || detail.contains(foreign.substring(8)), detail);
        given().get("/v1/sys/seal-status").then().body("progress", equalTo(0)).body("sealed", equalTo(true));
        Api.tokenize(AGENT, Api.card(TEST_CARD)).then().statusCode(503);
    }

    @Test
    @Order(4)
    void kSharesFromKCustodians_withinTheUnsealTimeout_unseal() {
        unseal(BOB, shares.get(2)).then().statusCode(200).body("progress", equalTo(1));
        clock.advance(unsealTimeout.plusSeconds(1)); // a share given longer ago is forgotten: the attempt starts over
        given().get("/v1/sys/seal-status").then().body("progress", equalTo(0)).body("sealed", equalTo(true));
        unseal(BOB, shares.get(2)).then().statusCode(200).body("progress", equalTo(1));
        unseal(CAROL, shares.get(0)).then().statusCode(200).body("sealed", equalTo(false)).body("progress", equalTo(0));
        given().get("/q/health/ready").then().statusCode(200);
        assertEquals(0.0, Metrics.value("cardvault_seal_sealed"), "the seal gauge");
        token = Api.tokenized("seal-acme", Api.card(TEST_CARD));
        Api.reveal(Api.bearer("billing", "seal-acme", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(200)
                .body("pan", equalTo(TEST_CARD));
        unseal(ALICE, shares.get(1)).then().statusCode(200).body("sealed", equalTo(false)); // nothing to do
    }

    @Test
    @Order(5)
    void seal_dropsTheKeys_503Again_andUnsealingBringsTheSameData() {
        sys(Api.bearer("eve", "seal-acme", "tokenizer"), "seal", null).then().statusCode(403);
        sys(BOB, "seal", null).then().statusCode(200).body("sealed", equalTo(true));
        Api.metadata(AGENT, token).then().statusCode(503).body("type", containsString("sealed"));
        given().get("/q/health/ready").then().statusCode(503);
        assertEquals(1.0, Metrics.value("cardvault_seal_sealed"), "the seal gauge");

        unseal(ALICE, shares.get(1)).then().statusCode(200).body("progress", equalTo(1));
        unseal(BOB, shares.get(2)).then().statusCode(200).body("sealed", equalTo(false));
        Api.reveal(Api.bearer("billing", "seal-acme", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(200)
                .body("pan", equalTo(TEST_CARD));
    }

    private static List<String> newShares = List.of();

    @Test
    @Order(6)
    void masterKeyRotation_newSharesConfirmedByCustodians_thenOnlyTheNewSharesUnseal() throws Exception {
        Response requested = given().header("Authorization", ALICE).contentType("application/json")
                .body(new JsonObject().put("reason", "custodian left the company").encode()).post("/v1/keys/master-rotations");
        requested.then().statusCode(202).body("kind", equalTo("MASTER"));
        String id = requested.path("id");
        given().header("Authorization", ALICE).post("/v1/keys/master-rotations/" + id + "/approve").then().statusCode(403);
        Response approved = given().header("Authorization", BOB).post("/v1/keys/master-rotations/" + id + "/approve");
        approved.then().statusCode(200).header("Cache-Control", "no-store").body("state", equalTo("AWAITING_SHARES"));
        newShares = approved.jsonPath().getList("newShares", String.class);
        assertEquals(3, newShares.size());
        String newKey = approved.path("nextMasterKeyId");
        given().header("Authorization", ALICE).get("/v1/keys/master-rotations/" + id).then().statusCode(200)
                .body("newShares", org.hamcrest.Matchers.nullValue()); // answered once
        assertEquals(0, Db.scalar("SELECT count(*) FROM kek WHERE master_key_id = ?", newKey), "in force before confirmation");

        // An old share does not confirm the new key; two new ones from two custodians do.
        given().header("Authorization", ALICE).contentType("application/json").body(new JsonObject().put("share", shares.get(0)).encode())
                .post("/v1/keys/master-rotations/" + id + "/confirm").then().statusCode(200).body("state", equalTo("AWAITING_SHARES"));
        given().header("Authorization", CAROL).contentType("application/json").body(new JsonObject().put("share", newShares.get(1)).encode())
                .post("/v1/keys/master-rotations/" + id + "/confirm").then().statusCode(422).body("type", containsString("unseal-failed"));
        given().header("Authorization", ALICE).contentType("application/json").body(new JsonObject().put("share", newShares.get(0)).encode())
                .post("/v1/keys/master-rotations/" + id + "/confirm").then().statusCode(200).body("state", equalTo("AWAITING_SHARES"));
        given().header("Authorization", CAROL).contentType("application/json").body(new JsonObject().put("share", newShares.get(2)).encode())
                .post("/v1/keys/master-rotations/" + id + "/confirm").then().statusCode(200).body("state", equalTo("COMPLETED"));
        assertEquals(0, Db.scalar("SELECT count(*) FROM kek WHERE wrapped_key IS NOT NULL AND master_key_id <> ?", newKey));
        assertEquals(0, Db.scalar("SELECT count(*) FROM root_key WHERE master_key_id <> ? OR next_wrapped_key IS NOT NULL", newKey));
        Api.reveal(Api.bearer("billing", "seal-acme", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(200);

        sys(BOB, "seal", null).then().statusCode(200).body("sealed", equalTo(true));
        unseal(ALICE, shares.get(0)).then().statusCode(200);
        unseal(BOB, shares.get(1)).then().statusCode(422).body("type", containsString("unseal-failed")); // the old key is gone
        unseal(BOB, newShares.get(1)).then().statusCode(200);
        unseal(ALICE, newShares.get(2)).then().statusCode(200).body("sealed", equalTo(false));
        Api.reveal(Api.bearer("billing", "seal-acme", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(200)
                .body("pan", equalTo(TEST_CARD));
    }

    @Test
    @Order(7)
    void everyStepIsInTheVerifiedTrail_andNoShareIsStoredOrLogged() throws Exception {
        List<Map<String, Object>> events = AuditTrail.events("limit=1000");
        List<String> types = new ArrayList<>();
        events.forEach(e -> types.add(e.get("type") + "/" + e.get("outcome") + "/" + e.get("subject")));
        for (String expected : List.of("SERVICE_STARTED/SUCCESS/cardvault", "SEAL_INITIALIZED/SUCCESS/alice-custodian",
                "UNSEAL_SHARE_GIVEN/DENIED/alice-custodian", "UNSEAL_SHARE_GIVEN/SUCCESS/alice-custodian",
                "UNSEAL_SHARE_GIVEN/DENIED/bob-custodian", "UNSEAL_FAILED/FAILED/bob-custodian", "UNSEALED/SUCCESS/carol-custodian",
                "SEALED/SUCCESS/bob-custodian", "UNSEALED/SUCCESS/bob-custodian")) {
            assertTrue(types.contains(expected), expected + " missing from " + types);
        }
        Map<String, Object> held = events.stream().filter(e -> "SEAL_INITIALIZED".equals(e.get("type"))).findFirst().orElseThrow();
        assertTrue(String.valueOf(held.get("detail")).contains("occurredAt="), "a held event keeps when it happened: " + held);
        assertEquals(0, Db.scalar("SELECT count(*) FROM audit_held"), "held events are moved into the chain at unseal");
        AuditTrail.verify().getBoolean("valid");
        assertTrue(AuditTrail.verify().getBoolean("valid"), "trail verifies after sealed periods");

        for (String expected : List.of("MASTER_KEY_ROTATION_REQUESTED/SUCCESS/alice-custodian",
                "MASTER_KEY_ROTATION_APPROVED/SUCCESS/bob-custodian", "MASTER_KEY_SHARE_CONFIRMED/FAILED/carol-custodian",
                "MASTER_KEY_ROTATED/SUCCESS/cardvault")) {
            assertTrue(types.contains(expected), expected + " missing from " + types);
        }
        List<String> secrets = new ArrayList<>();
        List<String> all = new ArrayList<>(shares);
        all.addAll(newShares);
        for (String s : all) {
            secrets.add(s.substring(Share.PREFIX.length()));
            secrets.add(HexFormat.of().formatHex(Share.parse(s).value()));
        }
        List<String> found = new ArrayList<>();
        TableDump.forEachCell((where, text) -> secrets.forEach(secret -> {
            if (text.contains(secret)) {
                found.add(where);
            }
        }));
        assertEquals(List.of(), found, "share material in the database");
        log.lines().forEach(line -> secrets.forEach(secret -> assertFalse(line.text().contains(secret), "share in a log line of "
                + line.where())));
        assertNotEquals(0, log.lines().size(), "the log capture saw the service's log");
    }
}
