package dev.cardvault.tokens;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.card.Luhn;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.MovableClock;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** POST /v1/tokens and GET /v1/tokens/{token} as an agent widget and a billing system use them. */
@QuarkusTest
class TokenApiTest {

    @Inject
    MovableClock clock;

    private static final int NEXT_YEAR = YearMonth.now(ZoneOffset.UTC).getYear() + 1;

    private static String agent(String tenant) {
        return Api.bearer("agent-7", tenant, "tokenizer");
    }

    private static JsonObject card(String pan) {
        return Api.card(pan).put("expMonth", 12).put("expYear", NEXT_YEAR).put("cardholderName", "Mario Rossi");
    }

    private static void assertNoDigitsFrom(String pan, String text) {
        assertFalse(text.contains(pan), text);
        assertFalse(text.contains(pan.substring(0, 12)), text);
    }

    @Test
    void tokenize_random_returns201_locationAndMetadata_neverThePan() {
        String pan = TestCards.randomVisa();
        Response r = Api.tokenize(agent("acme"), card(pan).put("metadata", new JsonObject().put("orderRef", "A-1")));
        r.then().statusCode(201)
                .header("Location", matchesPattern("/v1/tokens/tok_[0-9A-Za-z]{24}"))
                .body("token", matchesPattern("tok_[0-9A-Za-z]{24}"))
                .body("format", equalTo("RANDOM"))
                .body("brand", equalTo("VISA"))
                .body("bin", equalTo(pan.substring(0, 6)))
                .body("last4", equalTo(pan.substring(12)))
                .body("expMonth", equalTo(12))
                .body("expYear", equalTo(NEXT_YEAR))
                .body("fingerprint", matchesPattern("[A-Za-z0-9_-]{43}"))
                .body("createdAt", not(nullValue()))
                .body("expiresAt", nullValue())
                .body("metadata.orderRef", equalTo("A-1"));
        assertTrue(r.header("Location").endsWith(r.path("token")));
        assertNoDigitsFrom(pan, r.asString());
        assertFalse(r.asString().contains("Mario"), "cardholder name is not metadata");
    }

    @Test
    void metadata_readableByTokenizerAndDetokenizer_notByOthers_andOtherTenantGets404() {
        String token = Api.tokenize(agent("acme"), card(TestCards.randomVisa())).then().statusCode(201).extract().path("token");
        Api.metadata(agent("acme"), token).then().statusCode(200).body("token", equalTo(token));
        Api.metadata(Api.bearer("billing", "acme", "detokenizer"), token).then().statusCode(200);
        Api.metadata(Api.bearer("aud", "acme", "auditor"), token).then().statusCode(403);
        Api.metadata(agent("globex"), token).then().statusCode(404)
                .contentType("application/problem+json").body("type", equalTo("https://cardvault.dev/problems/token-not-found"));
        Api.metadata(agent("acme"), "tok_doesnotexist0000000000000").then().statusCode(404);
        Api.metadata(agent("acme"), "not-a-token").then().statusCode(404);
    }

    @Test
    void tokenize_needsTokenizerRole() {
        Api.tokenize(Api.bearer("billing", "acme", "detokenizer"), card(TestCards.randomVisa())).then().statusCode(403);
    }

    @Test
    void formats_last4AndBin6Last4_preserveShape_andFailLuhn() {
        String pan = TestCards.randomVisa();
        String last4 = Api.tokenize(agent("acme"), card(pan).put("format", "LAST4")).then().statusCode(201)
                .body("format", equalTo("LAST4")).extract().path("token");
        assertEquals(16, last4.length());
        assertTrue(last4.endsWith(pan.substring(12)));
        assertFalse(Luhn.isValid(last4));
        String bin6 = Api.tokenize(agent("acme"), card(pan).put("format", "BIN6_LAST4")).then().statusCode(201).extract().path("token");
        assertTrue(bin6.startsWith(pan.substring(0, 6)) && bin6.endsWith(pan.substring(12)));
        assertFalse(Luhn.isValid(bin6));
        Api.metadata(agent("acme"), bin6).then().statusCode(200).body("format", equalTo("BIN6_LAST4"));
        // A 15-digit Amex cannot keep 6 random digits besides BIN and last four.
        Api.tokenize(agent("acme"), card("378282246310005").put("format", "BIN6_LAST4")).then().statusCode(422).body("errors.field", hasItem("format"));
    }

    @Test
    void deterministic_sameCardSameTenantSameFormat_sameToken200_withNewestExpiry() {
        String pan = TestCards.randomVisa();
        JsonObject body = card(pan).put("deterministic", true);
        String first = Api.tokenize(agent("acme"), body).then().statusCode(201).extract().path("token");
        Api.tokenize(agent("acme"), body.copy().put("expMonth", 6).put("expYear", NEXT_YEAR + 1)).then().statusCode(200)
                .body("token", equalTo(first)).body("expMonth", equalTo(6)).body("expYear", equalTo(NEXT_YEAR + 1));
        // Other format, other tenant, or non-deterministic: never that token.
        String otherFormat = Api.tokenize(agent("acme"), body.copy().put("format", "LAST4")).then().statusCode(201).extract().path("token");
        String otherTenant = Api.tokenize(agent("globex"), body).then().statusCode(201).extract().path("token");
        String random = Api.tokenize(agent("acme"), card(pan)).then().statusCode(201).extract().path("token");
        assertEquals(4, Set.of(first, otherFormat, otherTenant, random).size());
    }

    @Test
    void deterministic_underConcurrentRequests_oneToken() throws Exception {
        String pan = TestCards.randomVisa();
        JsonObject body = card(pan).put("deterministic", true);
        String auth = agent("acme");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Response>> calls = IntStream.range(0, 32).<Callable<Response>> mapToObj(i -> () -> Api.tokenize(auth, body))
                    .toList();
            Set<String> tokens = new HashSet<>();
            int created = 0;
            for (Future<Response> f : pool.invokeAll(calls)) {
                Response r = f.get();
                assertTrue(r.statusCode() == 200 || r.statusCode() == 201, r.asString());
                created += r.statusCode() == 201 ? 1 : 0;
                tokens.add(r.path("token"));
            }
            assertEquals(1, tokens.size(), tokens.toString());
            assertEquals(1, created);
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = Db.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*) FROM token WHERE tenant = 'acme' AND deterministic AND format = 'RANDOM' AND fingerprint = "
                        + "(SELECT fingerprint FROM token WHERE token = ?)")) {
            s.setString(1, Api.tokenize(agent("acme"), card(pan).put("deterministic", true)).path("token"));
            ResultSet rs = s.executeQuery();
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    @Test
    void fingerprints_equalWithinATenant_differentAcrossTenants() {
        String pan = TestCards.randomVisa();
        String a1 = Api.tokenize(agent("acme"), card(pan)).path("fingerprint");
        String a2 = Api.tokenize(agent("acme"), card(pan).put("format", "LAST4")).path("fingerprint");
        String g = Api.tokenize(agent("globex"), card(pan)).path("fingerprint");
        assertEquals(a1, a2);
        assertNotEquals(a1, g);
        assertNotEquals(a1, Api.tokenize(agent("acme"), card(TestCards.randomVisa())).path("fingerprint"));
    }

    @Test
    void invalidCard_is422_withFieldErrors_andNoDigitsEchoed() {
        String bad = "4111111111111112";
        Response r = Api.tokenize(agent("acme"), new JsonObject().put("pan", bad).put("expMonth", 13).put("expYear", 1999)
                .put("format", "SHORT").put("cardholderName", "x\u0007"));
        r.then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("https://cardvault.dev/problems/validation-failed"))
                .body("errors.field", hasItem("pan")).body("errors.field", hasItem("expMonth"))
                .body("errors.field", hasItem("format")).body("errors.field", hasItem("cardholderName"));
        assertNoDigitsFrom(bad, r.asString());
    }

    /** A card number written the ways people write one outside a card field. */
    static List<String> disguised(String card) {
        String a = card.substring(0, 4), b = card.substring(4, 8), c = card.substring(8, 12), d = card.substring(12);
        return List.of(String.join("  ", a, b, c, d), String.join(".", a, b, c, d), String.join("\u00a0", a, b, c, d),
                String.join(" - ", a, b, c, d), String.join("/", a, b, c, d), String.join("_", a, b, c, d),
                String.join("\u2009", a, b, c, d), String.join("%20", a, b, c, d), "ref:" + card + ";");
    }

    @Test
    void cardNumberInMetadataOrName_anySeparators_is422_namingTheField_andNothingStored() throws Exception {
        String card = TestCards.randomVisa();
        for (String text : disguised(card)) {
            Response meta = Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("metadata", new JsonObject().put("note", "pay " + text)));
            meta.then().statusCode(422).contentType("application/problem+json").body("errors.field", hasItem("metadata"));
            assertFalse(meta.asString().contains(card.substring(6, 12)));
            Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("metadata", new JsonObject().put(text, "x"))).then().statusCode(422)
                    .body("errors.field", hasItem("metadata"));
            Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("cardholderName", "M " + text)).then().statusCode(422)
                    .body("errors.field", hasItem("cardholderName"));
        }
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE regexp_replace(metadata::text, '[^0-9]', '', 'g') LIKE ?", "%" + card + "%"),
                "metadata holding the card was stored");
    }

    @Test
    void controlCharacterInMetadata_is422_andFailsNobodyElse() {
        // PostgreSQL refuses NUL in jsonb: it must be refused here, not fail the shared audit commit (503).
        Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("metadata", new JsonObject().put("note", "a\u0000b")))
                .then().statusCode(422).body("errors.field", hasItem("metadata"));
        Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("metadata", new JsonObject().put("k\u0007", "v")))
                .then().statusCode(422);
    }

    @Test
    void textAfterTheJsonBody_is400() {
        given().header("Authorization", agent("acme")).contentType("application/json")
                .body(card(TestCards.randomVisa()).encode() + " trailing").post("/v1/tokens")
                .then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void booleanOfTheWrongType_is400_notCoerced() {
        for (Object notABoolean : new Object[] { 1, 4111111111111111L, "true", 1.5 }) {
            Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("deterministic", notABoolean)).then().statusCode(400)
                    .contentType("application/problem+json").body("type", equalTo("https://cardvault.dev/problems/malformed-json"));
        }
    }

    /**
     * The request id for the checks that an answer holds no digits of what was sent: a problem body
     * carries its request id, and a generated one (20 random characters) holds "123" now and then.
     */
    private static final String NO_DIGITS_ID = "no-echo-check";

    @Test
    void securityCodeAnywhereInTheBody_isRefused() {
        for (JsonObject body : List.of(card(TestCards.randomVisa()).put("metadata", new JsonObject().put("cvv", "123")),
                card(TestCards.randomVisa()).put("metadata", new JsonObject().put("Security_Code", "123")),
                card(TestCards.randomVisa()).put("extra", new JsonObject().put("card", new JsonObject().put("cvc2", 123))),
                card(TestCards.randomVisa()).put("payment", new JsonArray().add(new JsonObject().put("CVV", "123"))))) {
            Response r = Api.tokenize(agent("acme"), body, NO_DIGITS_ID);
            r.then().statusCode(422).contentType("application/problem+json").body("errors", not(org.hamcrest.Matchers.empty()));
            assertFalse(r.asString().contains("123"), r.asString());
        }
    }

    @Test
    void cvc_isRefused_andNeverEchoed() {
        for (String field : new String[] { "cvc", "cvv", "CVV2" }) {
            Response r = Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put(field, "737"), NO_DIGITS_ID);
            r.then().statusCode(422).body("errors.field", hasItem(field.toLowerCase(java.util.Locale.ROOT)));
            assertFalse(r.asString().contains("737"), r.asString());
        }
    }

    @Test
    void metadata_rules() {
        JsonObject many = new JsonObject();
        IntStream.range(0, 21).forEach(i -> many.put("k" + i, "v"));
        Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("metadata", many)).then().statusCode(422).body("errors.field", hasItem("metadata"));
        Response pan = Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("metadata", new JsonObject().put("note", "card 5555 5555 5555 4444")),
                NO_DIGITS_ID);
        pan.then().statusCode(422).body("errors.field", hasItem("metadata"));
        assertFalse(pan.asString().contains("5555"));
        Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("metadata", new JsonObject().put("k", "x".repeat(257)))).then().statusCode(422);
        Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("metadata", new JsonObject().put("nested", new JsonObject()))).then().statusCode(400);
    }

    @Test
    void expiresAt_mustBeFuture_andAnExpiredTokenReadsAs404() {
        Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("expiresAt", "2020-01-01T00:00:00Z")).then().statusCode(422)
                .body("errors.field", hasItem("expiresAt"));
        Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("expiresAt", "tomorrow")).then().statusCode(422);
        String at = clock.instant().plusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        String token = Api.tokenize(agent("acme"), card(TestCards.randomVisa()).put("expiresAt", at)).then().statusCode(201)
                .body("expiresAt", equalTo(at)).extract().path("token");
        String billing = Api.bearer("billing", "acme", "detokenizer");
        Api.metadata(agent("acme"), token).then().statusCode(200);
        Api.reveal(billing, token, "RECURRING_BILLING").then().statusCode(200);
        clock.advance(Duration.ofSeconds(61));
        Api.metadata(agent("acme"), token).then().statusCode(404);
        Api.reveal(billing, token, "RECURRING_BILLING").then().statusCode(404);
        Api.revealBatch(billing, List.of(token), "RECURRING_BILLING").then().statusCode(200)
                .body("results[0].error", equalTo("NOT_FOUND"));
        Api.delete(Api.bearer("dpo", "acme", "privacy-officer"), token).then().statusCode(404);
    }

    @Test
    void database_holdsNoPlaintextCardData() throws Exception {
        String pan = TestCards.randomVisa();
        String token = Api.tokenize(agent("acme"), card(pan).put("cardholderName", "Zebedee Plaintextcheck")).then().statusCode(201)
                .extract().path("token");
        try (Connection c = Db.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT t::text, encode(ciphertext, 'escape') AS raw FROM token t WHERE token = ?")) {
            s.setString(1, token);
            ResultSet rs = s.executeQuery();
            assertTrue(rs.next());
            String row = rs.getString(1) + rs.getString(2);
            assertFalse(row.contains(pan.substring(6, 12)), "middle digits of the PAN stored in clear");
            assertFalse(row.contains("Plaintextcheck"), "cardholder name stored in clear");
            assertTrue(row.contains(pan.substring(0, 6)) && row.contains(pan.substring(12)), "BIN and last four are kept");
        }
    }

    @Test
    void dataKeys_rollOver_afterTheirEncryptionBudget_andWrappedKeysCarryTheirKekVersion() throws Exception {
        // The test profile limits a data key to 12 encryptions.
        String tenant = "rollover-" + Integer.toHexString(new java.util.Random().nextInt(1 << 20));
        for (int i = 0; i < 30; i++) {
            Api.tokenize(agent(tenant), card(TestCards.randomVisa())).then().statusCode(201);
        }
        try (Connection c = Db.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT count(*), count(*) FILTER (WHERE active), max(reserved), "
                        + "count(*) FILTER (WHERE kek_version = (SELECT version FROM kek WHERE state = 'ACTIVE')) FROM data_key WHERE tenant = ?")) {
            s.setString(1, tenant);
            ResultSet rs = s.executeQuery();
            rs.next();
            assertTrue(rs.getInt(1) >= 3, "expected at least 3 data keys, got " + rs.getInt(1));
            assertEquals(1, rs.getInt(2));
            assertTrue(rs.getLong(3) <= 12);
            assertEquals(rs.getInt(1), rs.getInt(4), "every data key is wrapped by the active KEK version");
        }
        try (Connection c = Db.connect(); PreparedStatement s = c.prepareStatement(
                "SELECT count(DISTINCT data_key_id), count(*) FROM token WHERE tenant = ?")) {
            s.setString(1, tenant);
            ResultSet rs = s.executeQuery();
            rs.next();
            assertTrue(rs.getInt(1) >= 3);
            assertEquals(30, rs.getInt(2));
        }
    }

    @Test
    void tokenize_malformedOrEmpty_is400() {
        given().header("Authorization", agent("acme")).contentType("application/json").body("{\"pan\": ").post("/v1/tokens")
                .then().statusCode(400);
        given().header("Authorization", agent("acme")).contentType("application/json").post("/v1/tokens").then().statusCode(400);
        given().header("Authorization", agent("acme")).contentType("application/json").body("{\"expMonth\": \"twelve\"}")
                .post("/v1/tokens").then().statusCode(400);
    }

    @Test
    void keyHierarchy_isPartOfReadiness() {
        given().get("/q/health/ready").then().statusCode(200).body("checks.name", hasItem("key hierarchy"));
    }

    @Test
    void openapi_documentsBothRoutesWithExamples() {
        String doc = given().get("/q/openapi?format=json").then().statusCode(200).extract().asString();
        assertTrue(doc.contains("/v1/tokens/{token}") && doc.contains("Tokenize a card") && doc.contains("orderRef"), doc);
    }
}
