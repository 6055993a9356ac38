package dev.cardvault.tokens;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.MovableClock;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Detokenize (single and batch), rate limit, delete and erasure, as billing and privacy officers use them. */
@QuarkusTest
class RevealAndPrivacyTest {

    @Inject
    MovableClock clock;

    private static final int YEAR = YearMonth.now(ZoneOffset.UTC).getYear() + 3;

    private static JsonObject card(String pan, String format, boolean deterministic) {
        return Api.card(pan).put("expMonth", 4).put("expYear", YEAR).put("cardholderName", "Ada L").put("format", format)
                .put("deterministic", deterministic);
    }

    @Test
    void detokenize_billingOfTheSameTenant_withAllowedPurpose_getsTheCard_noStore() {
        String pan = TestCards.randomVisa();
        String token = Api.tokenized("acme", card(pan, "RANDOM", false));
        Api.reveal(Api.bearer("billing", "acme", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(200)
                .header("Cache-Control", "no-store")
                .body("token", equalTo(token)).body("pan", equalTo(pan)).body("expMonth", equalTo(4))
                .body("expYear", equalTo(YEAR)).body("cardholderName", equalTo("Ada L"));
    }

    @Test
    void detokenize_roleTenantPurposeMatrix() {
        String token = Api.tokenized("acme", card(TestCards.randomVisa(), "LAST4", false));
        Api.reveal(Api.bearer("agent", "acme", "tokenizer"), token, "RECURRING_BILLING").then().statusCode(403);
        Api.reveal(Api.bearer("billing", "globex", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(404)
                .body(not(containsString("pan")));
        Api.reveal(Api.bearer("billing", "acme", "detokenizer"), token, null).then().statusCode(422).body("errors[0].field", equalTo("purpose"));
        Api.reveal(Api.bearer("billing", "acme", "detokenizer"), token, "MARKETING").then().statusCode(403)
                .body("type", equalTo("https://cardvault.dev/problems/purpose-not-allowed")).body(not(containsString("\"pan\"")));
        // The refusal is audited as DENIED with the token.
        List<Map<String, Object>> events = AuditTrail.events("type=DETOKENIZED&token=" + token);
        assertTrue(events.stream().anyMatch(e -> "DENIED".equals(e.get("outcome")) && "MARKETING".equals(e.get("purpose"))), events.toString());
        assertTrue(events.stream().anyMatch(e -> "FAILED".equals(e.get("outcome")) && "globex".equals(e.get("tenant"))), events.toString());
        for (String purpose : List.of("PAYMENT_AUTHORIZATION", "RECURRING_BILLING", "REFUND", "CHARGEBACK", "FRAUD_INVESTIGATION")) {
            Api.reveal(Api.bearer("billing", "acme", "detokenizer"), token, purpose).then().statusCode(200);
        }
    }

    @Test
    void batch_resultsInRequestOrder_notFoundForMissingOtherTenantAndMalformed_oneEventPerToken() {
        String a = TestCards.randomVisa();
        String b = TestCards.randomVisa();
        String ta = Api.tokenized("acme", card(a, "RANDOM", false));
        String tb = Api.tokenized("acme", card(b, "BIN6_LAST4", false));
        String other = Api.tokenized("globex", card(TestCards.randomVisa(), "RANDOM", false));
        String rid = "batch-" + UUID.randomUUID().toString().replaceAll("[0-9]", ""); // no digits: an id may not be card-shaped
        String subject = "billing-" + rid;
        Response r = Api.revealBatch(Api.bearer(subject, "acme", "detokenizer"),
                List.of(tb, "tok_missing0000000000000000", ta, other, "bad!", ta), "RECURRING_BILLING", rid);
        r.then().statusCode(200).header("Cache-Control", "no-store")
                .body("results[0].token", equalTo(tb)).body("results[0].pan", equalTo(b))
                .body("results[1].error", equalTo("NOT_FOUND")).body("results[1].pan", nullValue())
                .body("results[2].pan", equalTo(a)).body("results[2].cardholderName", equalTo("Ada L"))
                .body("results[3].token", equalTo(other)).body("results[3].error", equalTo("NOT_FOUND"))
                .body("results[4].error", equalTo("NOT_FOUND")).body("results[4].index", equalTo(4))
                .body("results[4]", not(org.hamcrest.Matchers.hasKey("token")))
                .body("results[5].pan", equalTo(a)).body("results[5].index", equalTo(5));
        assertEquals(6, AuditTrail.events("type=DETOKENIZED&subject=" + subject, rid).size());
    }

    @Test
    void cardNumberInATokenSlot_isNotFound_neverEchoed_neverStored() throws Exception {
        String card = TestCards.randomVisa();
        String spaced = card.substring(0, 4) + " " + card.substring(4, 8) + " " + card.substring(8, 12) + " " + card.substring(12);
        String billing = Api.bearer("billing-slots", "acme", "detokenizer", "tokenizer", "privacy-officer");
        String rid = "slots-" + UUID.randomUUID().toString().replaceAll("[0-9]", "");
        Response r = Api.revealBatch(billing, List.of(card, spaced), "RECURRING_BILLING", rid);
        r.then().statusCode(200).body("results[0].index", equalTo(0)).body("results[0].error", equalTo("NOT_FOUND"))
                .body("results[0]", not(org.hamcrest.Matchers.hasKey("token"))).body("results[1].index", equalTo(1));
        assertFalse(r.asString().contains(card.substring(6, 12)), "the batch echoed the card");
        Api.as(billing, rid).get("/v1/tokens/" + card).then().statusCode(404);
        Api.reveal(billing, card, "RECURRING_BILLING").then().statusCode(404).body(not(containsString(card.substring(6, 12))));
        Api.as(billing, rid).delete("/v1/tokens/" + card).then().statusCode(404);
        // The attempts are in the trail, without the card.
        assertTrue(AuditTrail.events("subject=billing-slots", rid).size() >= 3, "attempts not audited");
        assertEquals(0, Db.scalar("SELECT count(*) FROM audit_event WHERE regexp_replace(audit_event::text, '[^0-9]', '', 'g') LIKE ?", "%" + card + "%"),
                "a card number sent as a token was stored in the audit trail");
    }

    @Test
    void cardShapedPurpose_is422_namingTheField() {
        String card = TestCards.randomVisa();
        Api.reveal(Api.bearer("billing-p", "acme", "detokenizer"), "tok_missing0000000000000000", card.substring(0, 8) + "." + card.substring(8))
                .then().statusCode(422).body("errors.field", org.hamcrest.Matchers.hasItem("purpose"))
                .body(not(containsString(card.substring(6, 12))));
    }

    @Test
    void batch_limits() {
        String auth = Api.bearer("billing", "acme", "detokenizer");
        Api.revealBatch(auth, List.of(), "RECURRING_BILLING").then().statusCode(422).body("errors[0].field", equalTo("tokens"));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            many.add("tok_missing" + String.format("%017d", i));
        }
        Api.revealBatch(auth, many, "RECURRING_BILLING").then().statusCode(422);
        Api.revealBatch(auth, many.subList(0, 100), "RECURRING_BILLING").then().statusCode(200);
        Api.revealBatch(auth, List.of("tok_x"), null).then().statusCode(422);
        Api.revealBatch(Api.bearer("agent", "acme", "tokenizer"), List.of("tok_x"), "RECURRING_BILLING").then().statusCode(403);
        Api.revealBatch(auth, List.of("tok_x"), "SALES").then().statusCode(403);
        // Found by ApiFuzzIT: a JSON null among the tokens is an item that is not a token, not a 500.
        Api.revealBatch(auth, java.util.Arrays.asList(null, "tok_x"), "RECURRING_BILLING").then().statusCode(200)
                .body("results[0].error", equalTo("NOT_FOUND")).body("results[0].token", nullValue())
                .body("results[1].error", equalTo("NOT_FOUND"));
    }

    @Test
    void rateLimit_reached_then_recovered() throws Exception {
        // Letters only: a random UUID's digits, read across its dashes, can form a card-shaped run, which a `sub` may not hold.
        String subject = "billing-run-" + UUID.randomUUID().toString().replaceAll("[^a-f]", "");
        String auth = Api.bearer(subject, "acme", "detokenizer");
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            tokens.add(Api.tokenized("acme", card(TestCards.randomVisa(), "RANDOM", false)));
        }
        // The allowance is 600 PANs a minute, refilled continuously: batches of 100 pass until it runs out.
        int ok = 0;
        Response limited = null;
        for (int i = 0; i < 10 && limited == null; i++) {
            Response r = Api.revealBatch(auth, tokens, "RECURRING_BILLING");
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
        Api.reveal(Api.bearer("other-" + subject, "acme", "detokenizer"), tokens.get(0), "RECURRING_BILLING").then().statusCode(200);
        List<Map<String, Object>> events = AuditTrail.events("type=DETOKENIZED&subject=" + subject);
        assertEquals(100, events.stream().filter(e -> "DENIED".equals(e.get("outcome"))).count());
        // After the advertised wait, the same batch goes through.
        clock.advance(Duration.ofSeconds(retryAfter));
        Api.revealBatch(auth, tokens, "RECURRING_BILLING").then().statusCode(200);
    }

    @Test
    void delete_thenReadRevealAndDeleteAgain_are404_andTheRowIsGone() throws Exception {
        String token = Api.tokenized("acme", card(TestCards.randomVisa(), "RANDOM", false));
        String officer = Api.bearer("dpo", "acme", "privacy-officer");
        Api.delete(Api.bearer("agent", "acme", "tokenizer"), token).then().statusCode(403);
        Api.delete(Api.bearer("dpo", "globex", "privacy-officer"), token).then().statusCode(404);
        Api.delete(officer, token).then().statusCode(204);
        Api.metadata(Api.bearer("agent", "acme", "tokenizer"), token).then().statusCode(404);
        Api.reveal(Api.bearer("billing", "acme", "detokenizer"), token, "REFUND").then().statusCode(404);
        Api.delete(officer, token).then().statusCode(404);
        try (Connection c = Db.connect(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM token WHERE token = '" + token + "'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "the row (and its ciphertext) must be destroyed, not flagged");
        }
        List<Map<String, Object>> events = AuditTrail.events("type=TOKEN_DELETED&token=" + token);
        assertEquals(List.of("FAILED", "SUCCESS", "FAILED"), events.stream().map(e -> e.get("outcome")).toList());
    }

    @Test
    void erasure_destroysEveryTokenOfTheCardInTheTenant_inEveryFormat_andLeavesOtherTenantsAlone() {
        String pan = TestCards.randomVisa();
        List<String> acme = List.of(Api.tokenized("acme", card(pan, "RANDOM", false)), Api.tokenized("acme", card(pan, "LAST4", false)),
                Api.tokenized("acme", card(pan, "BIN6_LAST4", false)), Api.tokenized("acme", card(pan, "RANDOM", true)), Api.tokenized("acme", card(pan, "LAST4", true)));
        String unrelated = Api.tokenized("acme", card(TestCards.randomVisa(), "RANDOM", false));
        String globex = Api.tokenized("globex", card(pan, "RANDOM", false));
        String officer = Api.bearer("dpo", "acme", "privacy-officer");
        String grouped = pan.substring(0, 4) + " " + pan.substring(4, 8) + "-" + pan.substring(8);
        Response erased = Api.erase(officer, grouped);
        erased.then().statusCode(200).body("erased", equalTo(5));
        assertFalse(erased.asString().contains(pan));
        for (String t : acme) {
            Api.metadata(Api.bearer("agent", "acme", "tokenizer"), t).then().statusCode(404);
        }
        Api.metadata(Api.bearer("agent", "acme", "tokenizer"), unrelated).then().statusCode(200);
        Api.metadata(Api.bearer("agent", "globex", "tokenizer"), globex).then().statusCode(200);
        Api.erase(officer, pan).then().statusCode(200).body("erased", equalTo(0));
        Api.erase(officer, "4111111111111112").then().statusCode(422).body(not(containsString("4111111111111112")));
        Api.erase(Api.bearer("billing", "acme", "detokenizer"), pan).then().statusCode(403);
        String events = new JsonArray(AuditTrail.events("type=CARD_ERASED")).encode();
        assertFalse(events.contains(pan) || events.contains(pan.substring(6)), "erasure event must not carry the card");
        assertTrue(events.contains("\"subject\":\"dpo\""));
    }

    @Test
    void revealWhoseAuditWriteFails_is503_andCarriesNoPan() throws Exception {
        String pan = TestCards.randomVisa();
        String token = Api.tokenized("acme", card(pan, "RANDOM", false));
        try (Connection c = Db.owner(); Statement s = c.createStatement()) {
            s.execute("ALTER TABLE audit_event ADD CONSTRAINT test_refuse_reveal CHECK (type <> 'DETOKENIZED') NOT VALID");
        }
        try {
            Response single = Api.reveal(Api.bearer("billing", "acme", "detokenizer"), token, "RECURRING_BILLING");
            single.then().statusCode(503).body("type", equalTo("https://cardvault.dev/problems/audit-unavailable"));
            assertFalse(single.asString().contains(pan));
            Response many = Api.revealBatch(Api.bearer("billing", "acme", "detokenizer"), List.of(token), "RECURRING_BILLING");
            many.then().statusCode(503);
            assertFalse(many.asString().contains(pan));
        } finally {
            try (Connection c = Db.owner(); Statement s = c.createStatement()) {
                s.execute("ALTER TABLE audit_event DROP CONSTRAINT test_refuse_reveal");
            }
        }
        Api.reveal(Api.bearer("billing", "acme", "detokenizer"), token, "RECURRING_BILLING").then().statusCode(200).body("pan", equalTo(pan));
    }
}
