package dev.cardvault.tokens;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Detokenize (single and batch), rate limit, delete and erasure, as billing and privacy officers use them. */
@QuarkusTest
class RevealAndPrivacyTest {

    private static final int YEAR = YearMonth.now(ZoneOffset.UTC).getYear() + 3;

    private static String as(String subject, String tenant, String... roles) {
        return TestJwt.as(subject).roles(roles).tenant(tenant).bearer();
    }

    private static String tokenize(String tenant, String pan, String format, boolean deterministic) {
        return given().header("Authorization", as("agent", tenant, "tokenizer")).contentType("application/json")
                .body(new JsonObject().put("pan", pan).put("expMonth", 4).put("expYear", YEAR).put("cardholderName", "Ada L")
                        .put("format", format).put("deterministic", deterministic).encode())
                .post("/v1/tokens").then().statusCode(deterministic ? org.hamcrest.Matchers.either(equalTo(201)).or(equalTo(200))
                        : equalTo(201)).extract().path("token");
    }

    private static Response reveal(String auth, String token, String purpose) {
        JsonObject body = new JsonObject();
        if (purpose != null) {
            body.put("purpose", purpose);
        }
        return given().header("Authorization", auth).contentType("application/json").body(body.encode())
                .post("/v1/tokens/" + token + "/detokenize");
    }

    private static Response batch(String auth, List<String> tokens, String purpose) {
        return given().header("Authorization", auth).contentType("application/json")
                .body(new JsonObject().put("tokens", new JsonArray(tokens)).put("purpose", purpose).encode())
                .post("/v1/detokenizations");
    }

    @Test
    void detokenize_billingOfTheSameTenant_withAllowedPurpose_getsTheCard_noStore() {
        String pan = TestCards.randomVisa();
        String token = tokenize("acme", pan, "RANDOM", false);
        reveal(as("billing", "acme", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("token", equalTo(token)).body("pan", equalTo(pan)).body("expMonth", equalTo(4))
                .body("expYear", equalTo(YEAR)).body("cardholderName", equalTo("Ada L"));
    }

    @Test
    void detokenize_roleTenantPurposeMatrix() {
        String token = tokenize("acme", TestCards.randomVisa(), "LAST4", false);
        reveal(as("agent", "acme", "tokenizer"), token, "RECURRING_BILLING").then().statusCode(403);
        reveal(as("billing", "globex", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(404)
                .body(not(containsString("pan")));
        reveal(as("billing", "acme", "detokenizer"), token, null).then().statusCode(422).body("errors[0].field", equalTo("purpose"));
        reveal(as("billing", "acme", "detokenizer"), token, "MARKETING").then().statusCode(403)
                .body("type", equalTo("https://cardvault.dev/problems/purpose-not-allowed")).body(not(containsString("\"pan\"")));
        // The refusal is audited as DENIED with the token.
        String auditor = as("qsa", "platform", "auditor");
        List<Map<String, Object>> events = given().header("Authorization", auditor)
                .get("/v1/audit/events?limit=1000&type=DETOKENIZED&token=" + token).then().statusCode(200)
                .extract().jsonPath().getList("events");
        assertTrue(events.stream().anyMatch(e -> "DENIED".equals(e.get("outcome")) && "MARKETING".equals(e.get("purpose"))), events.toString());
        assertTrue(events.stream().anyMatch(e -> "FAILED".equals(e.get("outcome")) && "globex".equals(e.get("tenant"))), events.toString());
        for (String purpose : List.of("PAYMENT_AUTHORIZATION", "RECURRING_BILLING", "REFUND", "CHARGEBACK", "FRAUD_INVESTIGATION")) {
            reveal(as("billing", "acme", "detokenizer"), token, purpose).then().statusCode(200);
        }
    }

    @Test
    void batch_resultsInRequestOrder_notFoundForMissingOtherTenantAndMalformed_oneEventPerToken() {
        String a = TestCards.randomVisa();
        String b = TestCards.randomVisa();
        String ta = tokenize("acme", a, "RANDOM", false);
        String tb = tokenize("acme", b, "BIN6_LAST4", false);
        String other = tokenize("globex", TestCards.randomVisa(), "RANDOM", false);
        String rid = "batch-" + UUID.randomUUID();
        String subject = "billing-" + rid;
        Response r = given().header("Authorization", as(subject, "acme", "detokenizer")).header("X-Request-Id", rid)
                .contentType("application/json")
                .body(new JsonObject().put("tokens", new JsonArray(List.of(tb, "tok_missing0000000000000000", ta, other, "bad!", ta)))
                        .put("purpose", "RECURRING_BILLING").encode())
                .post("/v1/detokenizations");
        r.then().statusCode(200).header("Cache-Control", "no-store")
                .body("results[0].token", equalTo(tb)).body("results[0].pan", equalTo(b))
                .body("results[1].error", equalTo("NOT_FOUND")).body("results[1].pan", nullValue())
                .body("results[2].pan", equalTo(a)).body("results[2].cardholderName", equalTo("Ada L"))
                .body("results[3].token", equalTo(other)).body("results[3].error", equalTo("NOT_FOUND"))
                .body("results[4].error", equalTo("NOT_FOUND")).body("results[4].index", equalTo(4))
                .body("results[4]", not(org.hamcrest.Matchers.hasKey("token")))
                .body("results[5].pan", equalTo(a)).body("results[5].index", equalTo(5));
        List<Map<String, Object>> events = given().header("Authorization", as("qsa", "platform", "auditor"))
                .get("/v1/audit/events?limit=1000&type=DETOKENIZED&subject=" + subject).then().extract().jsonPath().getList("events");
        assertEquals(6, events.stream().filter(e -> rid.equals(e.get("requestId"))).count());
    }

    @Test
    void cardNumberInATokenSlot_isNotFound_neverEchoed_neverStored() throws Exception {
        String card = TestCards.randomVisa();
        String spaced = card.substring(0, 4) + " " + card.substring(4, 8) + " " + card.substring(8, 12) + " " + card.substring(12);
        String billing = as("billing-slots", "acme", "detokenizer", "tokenizer", "privacy-officer");
        String rid = "slots-" + UUID.randomUUID();
        Response r = given().header("Authorization", billing).header("X-Request-Id", rid).contentType("application/json")
                .body(new JsonObject().put("tokens", new JsonArray(List.of(card, spaced))).put("purpose", "RECURRING_BILLING").encode())
                .post("/v1/detokenizations");
        r.then().statusCode(200).body("results[0].index", equalTo(0)).body("results[0].error", equalTo("NOT_FOUND"))
                .body("results[0]", not(org.hamcrest.Matchers.hasKey("token"))).body("results[1].index", equalTo(1));
        assertFalse(r.asString().contains(card.substring(6, 12)), "the batch echoed the card");
        given().header("Authorization", billing).header("X-Request-Id", rid).get("/v1/tokens/" + card).then().statusCode(404);
        reveal(billing, card, "RECURRING_BILLING").then().statusCode(404).body(not(containsString(card.substring(6, 12))));
        given().header("Authorization", billing).header("X-Request-Id", rid).delete("/v1/tokens/" + card).then().statusCode(404);
        // The attempts are in the trail, without the card.
        List<Map<String, Object>> events = given().header("Authorization", as("qsa", "platform", "auditor"))
                .get("/v1/audit/events?limit=1000&subject=billing-slots").then().extract().jsonPath().getList("events");
        assertTrue(events.stream().filter(e -> rid.equals(e.get("requestId"))).count() >= 3, "attempts not audited");
        assertEquals(0, Db.scalar("SELECT count(*) FROM audit_event WHERE regexp_replace(audit_event::text, '[^0-9]', '', 'g') LIKE ?", "%" + card + "%"),
                "a card number sent as a token was stored in the audit trail");
    }

    @Test
    void cardShapedPurpose_is422_namingTheField() {
        String card = TestCards.randomVisa();
        reveal(as("billing-p", "acme", "detokenizer"), "tok_missing0000000000000000", card.substring(0, 8) + "." + card.substring(8))
                .then().statusCode(422).body("errors.field", org.hamcrest.Matchers.hasItem("purpose"))
                .body(not(containsString(card.substring(6, 12))));
    }

    @Test
    void batch_limits() {
        String auth = as("billing", "acme", "detokenizer");
        batch(auth, List.of(), "RECURRING_BILLING").then().statusCode(422).body("errors[0].field", equalTo("tokens"));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            many.add("tok_missing" + String.format("%017d", i));
        }
        batch(auth, many, "RECURRING_BILLING").then().statusCode(422);
        batch(auth, many.subList(0, 100), "RECURRING_BILLING").then().statusCode(200);
        batch(auth, List.of("tok_x"), null).then().statusCode(422);
        batch(as("agent", "acme", "tokenizer"), List.of("tok_x"), "RECURRING_BILLING").then().statusCode(403);
        batch(auth, List.of("tok_x"), "SALES").then().statusCode(403);
    }

    @Test
    void rateLimit_reached_then_recovered() throws Exception {
        String subject = "billing-run-" + UUID.randomUUID();
        String auth = as(subject, "acme", "detokenizer");
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            tokens.add(tokenize("acme", TestCards.randomVisa(), "RANDOM", false));
        }
        // The allowance is 600 PANs a minute, refilled continuously: batches of 100 pass until it runs out.
        int ok = 0;
        Response limited = null;
        for (int i = 0; i < 10 && limited == null; i++) {
            Response r = batch(auth, tokens, "RECURRING_BILLING");
            if (r.statusCode() == 429) {
                limited = r;
            } else {
                r.then().statusCode(200);
                ok++;
            }
        }
        assertTrue(limited != null, "never limited");
        assertTrue(ok >= 6, "limited after only " + ok + " batches");
        limited.then().body("type", equalTo("https://cardvault.dev/problems/rate-limited")).body(not(containsString("\"pan\"")));
        long retryAfter = Long.parseLong(limited.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        // Another subject is not affected.
        reveal(as("other-" + subject, "acme", "detokenizer"), tokens.get(0), "RECURRING_BILLING").then().statusCode(200);
        List<Map<String, Object>> events = given().header("Authorization", as("qsa", "platform", "auditor"))
                .get("/v1/audit/events?limit=1000&type=DETOKENIZED&subject=" + subject).then().extract().jsonPath().getList("events");
        assertEquals(100, events.stream().filter(e -> "DENIED".equals(e.get("outcome"))).count());
        // After the advertised wait, the same batch goes through.
        Thread.sleep(retryAfter * 1000 + 300);
        batch(auth, tokens, "RECURRING_BILLING").then().statusCode(200);
    }

    @Test
    void delete_thenReadRevealAndDeleteAgain_are404_andTheRowIsGone() throws Exception {
        String token = tokenize("acme", TestCards.randomVisa(), "RANDOM", false);
        String officer = as("dpo", "acme", "privacy-officer");
        given().header("Authorization", as("agent", "acme", "tokenizer")).delete("/v1/tokens/" + token).then().statusCode(403);
        given().header("Authorization", as("dpo", "globex", "privacy-officer")).delete("/v1/tokens/" + token).then().statusCode(404);
        given().header("Authorization", officer).delete("/v1/tokens/" + token).then().statusCode(204);
        given().header("Authorization", as("agent", "acme", "tokenizer")).get("/v1/tokens/" + token).then().statusCode(404);
        reveal(as("billing", "acme", "detokenizer"), token, "REFUND").then().statusCode(404);
        given().header("Authorization", officer).delete("/v1/tokens/" + token).then().statusCode(404);
        try (Connection c = Db.connect(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM token WHERE token = '" + token + "'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the row (and its ciphertext) must be destroyed, not flagged");
        }
        List<Map<String, Object>> events = given().header("Authorization", as("qsa", "platform", "auditor"))
                .get("/v1/audit/events?limit=1000&type=TOKEN_DELETED&token=" + token).then().extract().jsonPath().getList("events");
        assertEquals(List.of("FAILED", "SUCCESS", "FAILED"), events.stream().map(e -> e.get("outcome")).toList());
    }

    @Test
    void erasure_destroysEveryTokenOfTheCardInTheTenant_inEveryFormat_andLeavesOtherTenantsAlone() {
        String pan = TestCards.randomVisa();
        List<String> acme = List.of(tokenize("acme", pan, "RANDOM", false), tokenize("acme", pan, "LAST4", false),
                tokenize("acme", pan, "BIN6_LAST4", false), tokenize("acme", pan, "RANDOM", true), tokenize("acme", pan, "LAST4", true));
        String unrelated = tokenize("acme", TestCards.randomVisa(), "RANDOM", false);
        String globex = tokenize("globex", pan, "RANDOM", false);
        String officer = as("dpo", "acme", "privacy-officer");
        String grouped = pan.substring(0, 4) + " " + pan.substring(4, 8) + "-" + pan.substring(8);
        Response erased = given().header("Authorization", officer).contentType("application/json")
                .body(new JsonObject().put("pan", grouped).encode()).post("/v1/erasures");
        erased.then().statusCode(200).body("erased", equalTo(5));
        assertFalse(erased.asString().contains(pan));
        for (String t : acme) {
            given().header("Authorization", as("agent", "acme", "tokenizer")).get("/v1/tokens/" + t).then().statusCode(404);
        }
        given().header("Authorization", as("agent", "acme", "tokenizer")).get("/v1/tokens/" + unrelated).then().statusCode(200);
        given().header("Authorization", as("agent", "globex", "tokenizer")).get("/v1/tokens/" + globex).then().statusCode(200);
        given().header("Authorization", officer).contentType("application/json").body(new JsonObject().put("pan", pan).encode())
                .post("/v1/erasures").then().statusCode(200).body("erased", equalTo(0));
        given().header("Authorization", officer).contentType("application/json").body("{\"pan\":\"4111111111111112\"}")
                .post("/v1/erasures").then().statusCode(422).body(not(containsString("4111111111111112")));
        given().header("Authorization", as("billing", "acme", "detokenizer")).contentType("application/json")
                .body(new JsonObject().put("pan", pan).encode()).post("/v1/erasures").then().statusCode(403);
        String events = given().header("Authorization", as("qsa", "platform", "auditor"))
                .get("/v1/audit/events?limit=1000&type=CARD_ERASED").then().statusCode(200).extract().asString();
        assertFalse(events.contains(pan) || events.contains(pan.substring(6)), "erasure event must not carry the card");
        assertTrue(events.contains("\"subject\":\"dpo\""));
    }

    @Test
    void revealWhoseAuditWriteFails_is503_andCarriesNoPan() throws Exception {
        String pan = TestCards.randomVisa();
        String token = tokenize("acme", pan, "RANDOM", false);
        try (Connection c = Db.connect(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE audit_event ADD CONSTRAINT test_refuse_reveal CHECK (type <> 'DETOKENIZED') NOT VALID");
        }
        try {
            Response single = reveal(as("billing", "acme", "detokenizer"), token, "RECURRING_BILLING");
            single.then().statusCode(503).body("type", equalTo("https://cardvault.dev/problems/audit-unavailable"));
            assertFalse(single.asString().contains(pan));
            Response many = batch(as("billing", "acme", "detokenizer"), List.of(token), "RECURRING_BILLING");
            many.then().statusCode(503);
            assertFalse(many.asString().contains(pan));
        } finally {
            try (Connection c = Db.connect(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE audit_event DROP CONSTRAINT test_refuse_reveal");
            }
        }
        reveal(as("billing", "acme", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(200).body("pan", equalTo(pan));
    }
}
