package dev.cardvault.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;

/** Twilio-shaped tokenize transactions, as a Generic Pay Connector sends them. */
@QuarkusTest
class TwilioPayConnectorTest {

    private static final String URL = "/connectors/twilio-pay/tw-acme";
    private static final String BASIC = "Basic " + Base64.getEncoder()
            .encodeToString("twilio-acme:test-only-connector-password".getBytes(StandardCharsets.UTF_8));

    /** The body of Twilio's documented tokenize request. */
    private static JsonObject twilioTokenize(String transactionId, String pan) {
        return new JsonObject().put("method", "tokenize").put("transaction_id", transactionId).put("cardnumber", pan)
                .put("cvv", "987").put("expiry_month", "08")
                .put("expiry_year", String.format("%02d", (YearMonth.now(ZoneOffset.UTC).getYear() + 2) % 100))
                .put("description", "pizza").put("postal_code", "94111")
                .put("parameters", new JsonObject().put("orderRef", "TW-1"));
    }

    private static Response post(String auth, JsonObject body, String contentType) {
        var spec = given().body(body.encode().getBytes(StandardCharsets.UTF_8));
        if (auth != null) {
            spec = spec.header("Authorization", auth);
        }
        spec = contentType == null ? spec.contentType("") : spec.contentType(contentType);
        return spec.post(URL);
    }

    @Test
    void tokenize_answersTheVaultsToken_theSameForARetry_andRevealsTheCard() throws Exception {
        String pan = TestCards.randomVisa();
        Response r = post(BASIC, twilioTokenize("TW-TX-alpha", pan), "application/json");
        r.then().statusCode(200).body("token_id", startsWith("tok_")).body("error_code", nullValue()).body("error_message", nullValue());
        String token = r.path("token_id");
        String rest = r.asString().replace(token, ""); // a random token holds "987" now and then
        assertFalse(rest.contains(pan) || rest.contains("987"), "the answer echoed card data");
        // Twilio retries with the same transaction id (here without a Content-Type, as it may send it): the same token.
        post(BASIC, twilioTokenize("TW-TX-alpha", pan), null).then().statusCode(200).body("token_id", equalTo(token));
        assertEquals(1, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'tw-acme' AND metadata->>'twilioTransactionId' = 'TW-TX-alpha'"));

        String revealed = Api.reveal(Api.bearer("billing", "tw-acme", "detokenizer"), token, "RECURRING_BILLING").then()
                .statusCode(200).extract().path("pan");
        assertTrue(pan.equals(revealed), "the connector's card does not reveal"); // no card number in failure output
        Api.metadata(Api.agent("tw-acme"), token).then().statusCode(200).body("metadata.orderRef", equalTo("TW-1"))
                .body("metadata.twilioDescription", equalTo("pizza"));
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'tw-acme' AND metadata::text LIKE '%987%'"),
                "the security code was stored");
    }

    @Test
    void aRegisteredController_getsThePurposeFromPayParameters_andRefusalsInTwiliosShape() throws Exception {
        String admin = Api.bearer("pat-admin", "platform", "processor-admin");
        given().header("Authorization", admin).contentType("application/json").body("{\"name\": \"Bound\", \"dpaReference\": "
                + "\"DPA-TW\", \"dpaDate\": \"2026-01-01\", \"contact\": {\"email\": \"dpo@bound.example\"}}")
                .put("/v1/controllers/tw-bound").then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        given().header("Authorization", admin).contentType("application/json").body("{\"description\": \"Stored card\", "
                + "\"legalBasis\": \"CONSENT\", \"retention\": \"P1Y\", \"revealPurposes\": [\"PAYMENT_AUTHORIZATION\"]}")
                .put("/v1/controllers/tw-bound/purposes/STORED_CARD").then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        String basic = "Basic " + Base64.getEncoder().encodeToString("twilio-bound:test-only-connector-password".getBytes(StandardCharsets.UTF_8));
        String pan = TestCards.randomVisa();
        JsonObject noConsent = twilioTokenize("TW-B-1", pan).put("parameters", new JsonObject().put("purpose", "STORED_CARD"));
        Response refused = given().header("Authorization", basic).contentType("application/json").body(noConsent.encode())
                .post("/connectors/twilio-pay/tw-bound");
        refused.then().statusCode(200).body("token_id", nullValue()).body("error_code", equalTo("invalid-purpose"))
                .body("error_message", org.hamcrest.Matchers.containsString("consentRef"));
        JsonObject bound = twilioTokenize("TW-B-2", pan).put("parameters", new JsonObject().put("purpose", "STORED_CARD")
                .put("consentRef", "ivr-consent-ab").put("orderRef", "TW-B"));
        String token = given().header("Authorization", basic).contentType("application/json").body(bound.encode())
                .post("/connectors/twilio-pay/tw-bound").then().statusCode(200).body("error_code", nullValue()).extract().path("token_id");
        Api.metadata(Api.agent("tw-bound"), token).then().statusCode(200).body("purpose", equalTo("STORED_CARD"))
                .body("consentRef", equalTo("ivr-consent-ab")).body("metadata.orderRef", equalTo("TW-B"))
                .body("metadata.purpose", nullValue());
    }

    @Test
    void invalidCards_chargesAndWrongCredentials_areRefusedTheWayTwilioExpects() throws Exception {
        String pan = TestCards.randomVisa();
        String bad = pan.substring(0, 15) + (char) ('0' + (pan.charAt(15) - '0' + 1) % 10);
        Response invalid = post(BASIC, twilioTokenize("TW-TX-bad", bad), "application/json");
        invalid.then().statusCode(200).body("token_id", nullValue()).body("error_code", equalTo("invalid-card"));
        assertFalse(invalid.asString().contains(bad), "the card was echoed");
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'tw-acme' AND metadata->>'twilioTransactionId' = 'TW-TX-bad'"));

        post(BASIC, twilioTokenize("TW-TX-charge", pan).put("method", "charge").put("amount", "10.0").put("currency_code", "USD"),
                "application/json").then().statusCode(200).body("error_code", equalTo("unsupported-method"))
                .body("token_id", nullValue());

        post(null, twilioTokenize("TW-TX-x", pan), "application/json").then().statusCode(401)
                .header("WWW-Authenticate", startsWith("Basic"));
        String wrong = "Basic " + Base64.getEncoder().encodeToString("twilio-acme:guess".getBytes(StandardCharsets.UTF_8));
        post(wrong, twilioTokenize("TW-TX-x", pan), "application/json").then().statusCode(401);
        given().header("Authorization", BASIC).contentType("application/json").body(twilioTokenize("TW-TX-x", pan).encode())
                .post("/connectors/twilio-pay/other-tenant").then().statusCode(401); // credentials are per tenant
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'tw-acme' AND metadata->>'twilioTransactionId' = 'TW-TX-x'"));
    }

    /** The raw body is outside the containment sweep (it is read as bytes, Twilio's shape): its other slots, checked here. */
    @Test
    void aCardInAnyOtherField_isRefusedWithoutEchoOrStore() throws Exception {
        String pan = TestCards.randomVisa();
        String other = TestCards.randomVisa();
        for (JsonObject body : java.util.List.of(twilioTokenize("TW-TX-d", pan).put("description", "card " + other),
                twilioTokenize("TW-TX-p", pan).put("parameters", new JsonObject().put("note", other)),
                twilioTokenize("TW-TX-k", pan).put("parameters", new JsonObject().put(other, "x")))) {
            Response r = post(BASIC, body, "application/json");
            r.then().statusCode(200).body("token_id", nullValue()).body("error_code", equalTo("invalid-card"));
            assertFalse(r.asString().contains(other) || r.asString().contains(pan), "a card was echoed");
        }
        Response id = post(BASIC, twilioTokenize(other, pan), "application/json");
        id.then().statusCode(200).body("error_code", equalTo("invalid-transaction-id"));
        assertFalse(id.asString().contains(other));
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'tw-acme' AND metadata::text ~ '[0-9]{12}'"));
    }
}
