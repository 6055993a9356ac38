package dev.cardvault.privacy;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.capture.WidgetResource;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.MovableClock;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.tokens.RekeyJob;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The GDPR processor toolkit as a processor-admin, tokenizers, billing and a controller's privacy
 * officer use it: registry, purposes bound at collection, data-subject requests, signed receipts,
 * the record of processing and the end of a contract.
 */
@QuarkusTest
class PrivacyToolkitTest {

    static final String ADMIN = Api.bearer("pat-admin", "platform", "processor-admin");
    static final String SECOND_ADMIN = Api.bearer("quentin-admin", "platform", "processor-admin");

    @Inject
    RekeyJob rekeyJob;

    @Inject
    MovableClock clock;

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "cardvault.privacy.offboarding.approval-timeout")
    Duration offboardingApprovalTimeout;

    @Inject
    Offboardings offboardings;

    static RequestSpecification as(String bearer) {
        return given().header("Authorization", bearer).contentType("application/json");
    }

    static void register(String tenant) {
        as(ADMIN).body(new JsonObject().put("name", "Controller " + tenant).put("dpaReference", "DPA-" + tenant)
                .put("dpaDate", "2026-03-01").put("contact", new JsonObject().put("name", "Dee Pio").put("email", "dpo@" + tenant + ".example"))
                .encode()).put("/v1/controllers/" + tenant).then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
    }

    static Response purpose(String tenant, String code, String basis, String retention, List<String> reveals, boolean active) {
        return as(ADMIN).body(new JsonObject().put("description", "Purpose " + code).put("legalBasis", basis).put("retention", retention)
                .put("revealPurposes", new JsonArray(reveals)).put("active", active).encode()).put("/v1/controllers/" + tenant + "/purposes/" + code);
    }

    static JsonObject card(String pan, String purpose) {
        JsonObject c = Api.card(pan);
        return purpose == null ? c : c.put("purpose", purpose);
    }

    static String officer(String tenant) {
        return Api.bearer("olga-dpo", tenant, "privacy-officer");
    }

    static String billing(String tenant) {
        return Api.bearer("billing-run", tenant, "detokenizer");
    }

    @Test
    void registry_isForProcessorAdmins_readableByTheTenantsOfficer_validatedAndAudited() {
        String tenant = "gdpr-reg";
        JsonObject body = new JsonObject().put("name", "Acme Energia").put("dpaReference", "DPA-2026-014").put("dpaDate", "2026-03-01")
                .put("contact", new JsonObject().put("email", "dpo@acme.example"));
        as(Api.agent(tenant)).body(body.encode()).put("/v1/controllers/" + tenant).then().statusCode(403);
        as(officer(tenant)).body(body.encode()).put("/v1/controllers/" + tenant).then().statusCode(403);
        as(ADMIN).body(body.encode()).put("/v1/controllers/" + tenant).then().statusCode(201).body("state", equalTo("ACTIVE"));
        as(ADMIN).body(body.put("name", "Acme Energia S.p.A.").encode()).put("/v1/controllers/" + tenant).then().statusCode(200)
                .body("name", equalTo("Acme Energia S.p.A."));
        as(ADMIN).body(new JsonObject().put("name", "x").encode()).put("/v1/controllers/" + tenant).then().statusCode(422)
                .body("errors.field", hasItem("dpaDate")).body("errors.field", hasItem("contact.email"));

        purpose(tenant, "BILLING", "CONTRACT", "P2Y", List.of("RECURRING_BILLING"), true).then().statusCode(201)
                .body("retention", equalTo("P2Y")).body("revealPurposes", equalTo(List.of("RECURRING_BILLING")));
        purpose(tenant, "BILLING", "CONTRACT", "P1Y", List.of("RECURRING_BILLING", "REFUND"), true).then().statusCode(200);
        purpose(tenant, "WRONG", "BECAUSE", "2 years", List.of("MARKETING"), true).then().statusCode(422)
                .body("errors.field", hasItem("legalBasis")).body("errors.field", hasItem("retention"))
                .body("errors.field", hasItem("revealPurposes"));
        purpose(tenant, "TOO_LONG", "CONTRACT", "P11Y", List.of(), true).then().statusCode(422).body("errors.field", hasItem("retention"));
        purpose("gdpr-nobody", "BILLING", "CONTRACT", "P1Y", List.of(), true).then().statusCode(404)
                .body("type", equalTo("https://cardvault.dev/problems/controller-not-found"));

        given().header("Authorization", officer(tenant)).get("/v1/controllers/" + tenant).then().statusCode(200)
                .body("dpaReference", equalTo("DPA-2026-014")).body("purposes[0].code", equalTo("BILLING"))
                .body("purposes[0].revealPurposes", equalTo(List.of("RECURRING_BILLING", "REFUND")));
        given().header("Authorization", officer("gdpr-other")).get("/v1/controllers/" + tenant).then().statusCode(404);
        given().header("Authorization", Api.agent(tenant)).get("/v1/controllers/" + tenant).then().statusCode(403);
        given().header("Authorization", ADMIN).get("/v1/controllers").then().statusCode(200).body("tenant", hasItem(tenant));

        List<Map<String, Object>> events = AuditTrail.events("subject=pat-admin");
        assertTrue(events.stream().anyMatch(e -> "CONTROLLER_REGISTERED".equals(e.get("type")) && tenant.equals(e.get("tenant"))), events.toString());
        assertTrue(events.stream().anyMatch(e -> "CONTROLLER_UPDATED".equals(e.get("type")) && tenant.equals(e.get("tenant"))), events.toString());
        assertTrue(events.stream().anyMatch(e -> "PURPOSE_UPDATED".equals(e.get("type")) && "BILLING".equals(e.get("purpose"))), events.toString());
    }

    @Test
    void purposeMatrix_collectionPurposeTimesRevealPurposeTimesTenant() {
        register("gdpr-ma");
        register("gdpr-mb");
        purpose("gdpr-ma", "BILLING", "CONTRACT", "P2Y", List.of("RECURRING_BILLING", "REFUND"), true).then().statusCode(201);
        purpose("gdpr-ma", "FRAUD", "LEGITIMATE_INTEREST", "P1Y", List.of("FRAUD_INVESTIGATION"), true).then().statusCode(201);
        purpose("gdpr-mb", "BILLING", "CONTRACT", "P2Y", List.of("PAYMENT_AUTHORIZATION"), true).then().statusCode(201);
        String pan = TestCards.randomVisa();
        Map<String, String> tokens = Map.of(
                "gdpr-ma/BILLING", Api.tokenized("gdpr-ma", card(pan, "BILLING")),
                "gdpr-ma/FRAUD", Api.tokenized("gdpr-ma", card(pan, "FRAUD")),
                "gdpr-mb/BILLING", Api.tokenized("gdpr-mb", card(pan, "BILLING")));
        Map<String, List<String>> allowed = Map.of(
                "gdpr-ma/BILLING", List.of("RECURRING_BILLING", "REFUND"),
                "gdpr-ma/FRAUD", List.of("FRAUD_INVESTIGATION"),
                "gdpr-mb/BILLING", List.of("PAYMENT_AUTHORIZATION"));
        for (var t : tokens.entrySet()) {
            String tenant = t.getKey().split("/")[0];
            for (String reveal : List.of("RECURRING_BILLING", "REFUND", "FRAUD_INVESTIGATION", "PAYMENT_AUTHORIZATION", "CHARGEBACK")) {
                int expected = allowed.get(t.getKey()).contains(reveal) ? 200 : 403;
                Api.reveal(billing(tenant), t.getValue(), reveal).then().statusCode(expected);
                // The same token from the other tenant: never there.
                String other = tenant.equals("gdpr-ma") ? "gdpr-mb" : "gdpr-ma";
                Api.reveal(billing(other), t.getValue(), reveal).then().statusCode(org.hamcrest.Matchers.oneOf(403, 404));
            }
        }
        String fraud = tokens.get("gdpr-ma/FRAUD");
        Api.metadata(Api.agent("gdpr-ma"), fraud).then().statusCode(200).body("purpose", equalTo("FRAUD"))
                .body("legalBasis", equalTo("LEGITIMATE_INTEREST"));
        List<Map<String, Object>> events = AuditTrail.events("type=DETOKENIZED&token=" + fraud);
        assertTrue(events.stream().anyMatch(e -> "DENIED".equals(e.get("outcome")) && "REFUND".equals(e.get("purpose"))
                && String.valueOf(e.get("detail")).contains("not-allowed-by-collection-purpose")), events.toString());
        // A batch: each token by its own collection purpose.
        Api.revealBatch(billing("gdpr-ma"), List.of(tokens.get("gdpr-ma/BILLING"), fraud), "REFUND").then().statusCode(200)
                .body("results[0].pan", equalTo(pan)).body("results[1].error", equalTo("PURPOSE_NOT_ALLOWED"))
                .body("results[1].pan", org.hamcrest.Matchers.nullValue());

        // Collection: required, known, active.
        Api.tokenize(Api.agent("gdpr-ma"), card(TestCards.randomVisa(), null)).then().statusCode(422)
                .body("errors[0].field", equalTo("purpose")).body("errors[0].message", containsString("BILLING, FRAUD"));
        Api.tokenize(Api.agent("gdpr-ma"), card(TestCards.randomVisa(), "MARKETING")).then().statusCode(422)
                .body("errors[0].field", equalTo("purpose"));
        purpose("gdpr-ma", "FRAUD", "LEGITIMATE_INTEREST", "P1Y", List.of("FRAUD_INVESTIGATION"), false).then().statusCode(200);
        Api.tokenize(Api.agent("gdpr-ma"), card(TestCards.randomVisa(), "FRAUD")).then().statusCode(422);
        // Cards already collected for an inactive purpose keep its reveal rules.
        Api.reveal(billing("gdpr-ma"), fraud, "FRAUD_INVESTIGATION").then().statusCode(200);
    }

    @Test
    void consent_isRequiredForAConsentPurpose_andRecordedOnTheToken() {
        register("gdpr-consent");
        purpose("gdpr-consent", "STORED_CARD", "CONSENT", "P3Y", List.of("PAYMENT_AUTHORIZATION"), true).then().statusCode(201);
        Api.tokenize(Api.agent("gdpr-consent"), card(TestCards.randomVisa(), "STORED_CARD")).then().statusCode(422)
                .body("errors[0].field", equalTo("consentRef"));
        Api.tokenize(Api.agent("gdpr-consent"), card(TestCards.randomVisa(), "STORED_CARD").put("consentRef", "call-recording-ab/consent-q"))
                .then().statusCode(201).body("purpose", equalTo("STORED_CARD")).body("legalBasis", equalTo("CONSENT"))
                .body("consentRef", equalTo("call-recording-ab/consent-q"));
    }

    @Test
    void retention_defaultsFromThePurpose_andBoundsExpiresAt() {
        register("gdpr-ret");
        purpose("gdpr-ret", "ONE_OFF", "CONTRACT", "P90D", List.of("PAYMENT_AUTHORIZATION"), true).then().statusCode(201);
        Instant before = clock.instant(); // the vault's clock sets the retention
        String expires = Api.tokenize(Api.agent("gdpr-ret"), card(TestCards.randomVisa(), "ONE_OFF")).then().statusCode(201)
                .extract().path("expiresAt");
        Instant expected = before.atZone(ZoneOffset.UTC).plusDays(90).toInstant();
        assertTrue(Duration.between(expected, Instant.parse(expires)).abs().compareTo(Duration.ofMinutes(1)) < 0, expires);
        String later = before.atZone(ZoneOffset.UTC).plusDays(120).toInstant().toString();
        Api.tokenize(Api.agent("gdpr-ret"), card(TestCards.randomVisa(), "ONE_OFF").put("expiresAt", later)).then().statusCode(422)
                .body("errors[0].field", equalTo("expiresAt")).body("errors[0].message", containsString("P90D"));
        String sooner = before.atZone(ZoneOffset.UTC).plusDays(10).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        Api.tokenize(Api.agent("gdpr-ret"), card(TestCards.randomVisa(), "ONE_OFF").put("expiresAt", sooner)).then().statusCode(201)
                .body("expiresAt", equalTo(sooner));
    }

    @Test
    void captureSession_takesThePurpose_andItsTokenRecordsIt() {
        register("gdpr-cap");
        purpose("gdpr-cap", "BILLING", "CONTRACT", "P1Y", List.of("RECURRING_BILLING"), true).then().statusCode(201);
        JsonObject open = new JsonObject().put("allowedOrigins", new JsonArray().add("https://desk.example"));
        as(Api.agent("gdpr-cap")).body(open.encode()).post("/v1/capture-sessions").then().statusCode(422)
                .body("errors[0].field", equalTo("purpose"));
        Response session = as(Api.agent("gdpr-cap")).body(open.put("purpose", "BILLING").encode()).post("/v1/capture-sessions");
        session.then().statusCode(201);
        String token = given().contentType("application/json").header(WidgetResource.SECRET_HEADER, (String) session.path("clientSecret"))
                .body(new JsonObject().put("pan", TestCards.randomVisa()).put("expMonth", 12).put("expYear", Instant.now().atZone(ZoneOffset.UTC).getYear() + 2)
                        .encode()).post("/widget/v1/sessions/" + session.path("id") + "/card").then().statusCode(201).extract().path("token");
        Api.metadata(Api.agent("gdpr-cap"), token).then().statusCode(200).body("purpose", equalTo("BILLING")).body("legalBasis", equalTo("CONTRACT"));
    }

    @Test
    void access_export_listsEveryTokenOfTheCardWithItsHistory_neverThePan_onlyTheOwnTenant() {
        register("gdpr-acc");
        purpose("gdpr-acc", "BILLING", "CONTRACT", "P2Y", List.of("RECURRING_BILLING"), true).then().statusCode(201);
        String pan = TestCards.randomVisa();
        String a = Api.tokenized("gdpr-acc", card(pan, "BILLING").put("format", "LAST4"));
        String b = Api.tokenized("gdpr-acc", card(pan, "BILLING"));
        Api.tokenized("gdpr-acc-other", card(pan, null));
        Api.reveal(billing("gdpr-acc"), a, "RECURRING_BILLING").then().statusCode(200);

        Response r = as(officer("gdpr-acc")).body(new JsonObject().put("pan", pan).encode()).post("/v1/subject-requests/access");
        r.then().statusCode(200).header("Cache-Control", "no-store").body("tokens", equalTo(2))
                .body("entries.token.token", org.hamcrest.Matchers.containsInAnyOrder(a, b))
                .body("entries.token.purpose", equalTo(List.of("BILLING", "BILLING")));
        assertFalse(r.asString().contains(pan.substring(6, 12)), "the export holds no more of the card than BIN and last four");
        List<Map<String, Object>> history = r.path("entries.find { it.token.token == '" + a + "' }.history");
        assertTrue(history.stream().anyMatch(h -> "DETOKENIZED".equals(h.get("type")) && "billing-run".equals(h.get("subject"))
                && "RECURRING_BILLING".equals(h.get("purpose")) && "SUCCESS".equals(h.get("outcome"))), history.toString());
        assertTrue(history.stream().anyMatch(h -> "TOKEN_CREATED".equals(h.get("type"))), history.toString());
        // The other tenant's officer sees only their own token of the same card.
        as(officer("gdpr-acc-other")).body(new JsonObject().put("pan", pan).encode()).post("/v1/subject-requests/access").then()
                .statusCode(200).body("tokens", equalTo(1)).body("entries[0].token.token", not(org.hamcrest.Matchers.in(List.of(a, b))));
        as(billing("gdpr-acc")).body(new JsonObject().put("pan", pan).encode()).post("/v1/subject-requests/access").then().statusCode(403);
        assertTrue(AuditTrail.events("type=SUBJECT_ACCESS_EXPORTED&subject=olga-dpo").stream()
                .anyMatch(e -> "gdpr-acc".equals(e.get("tenant")) && String.valueOf(e.get("detail")).contains("tokens=2")));
    }

    @Test
    void rectification_replacesExpiryAndName_ofEveryTokenOfTheCard_withAReceipt() {
        String pan = TestCards.randomVisa();
        String a = Api.tokenized("gdpr-rect", card(pan, null).put("cardholderName", "Mario Rosi"));
        String b = Api.tokenized("gdpr-rect", card(pan, null).put("format", "BIN6_LAST4"));
        int year = Instant.now().atZone(ZoneOffset.UTC).getYear() + 4;
        Response r = as(officer("gdpr-rect")).body(new JsonObject().put("pan", pan).put("expMonth", 7).put("expYear", year)
                .put("cardholderName", "Mario Rossi").encode()).post("/v1/subject-requests/rectification");
        r.then().statusCode(200).body("tokens", equalTo(2)).body("receipt.content.kind", equalTo("RECTIFICATION"));
        assertTrue(verifies(r.path("receipt.payload"), r.path("receipt.signature")));
        for (String t : List.of(a, b)) {
            Api.reveal(billing("gdpr-rect"), t, "RECURRING_BILLING").then().statusCode(200).body("expMonth", equalTo(7))
                    .body("expYear", equalTo(year)).body("cardholderName", equalTo("Mario Rossi")).body("pan", equalTo(pan));
        }
        Api.metadata(Api.agent("gdpr-rect"), a).then().body("expMonth", equalTo(7));
        as(officer("gdpr-rect")).body(new JsonObject().put("pan", pan).encode()).post("/v1/subject-requests/rectification").then()
                .statusCode(422);
    }

    @Test
    void restriction_blocksSingleAndBatchReveals_untilLifted_andIsReceipted() {
        String pan = TestCards.randomVisa();
        String t = Api.tokenized("gdpr-restr", card(pan, null));
        String free = Api.tokenized("gdpr-restr", card(TestCards.randomVisa(), null));
        Response r = as(officer("gdpr-restr")).body(new JsonObject().put("pan", pan).put("restricted", true).encode())
                .post("/v1/subject-requests/restriction");
        r.then().statusCode(200).body("tokens", equalTo(1)).body("receipt.content.kind", equalTo("RESTRICTION"))
                .body("receipt.content.counts.tokensChanged", equalTo(1));
        assertTrue(verifies(r.path("receipt.payload"), r.path("receipt.signature")));
        Api.reveal(billing("gdpr-restr"), t, "RECURRING_BILLING").then().statusCode(403)
                .body("type", equalTo("https://cardvault.dev/problems/restricted")).body(not(containsString(pan)));
        Api.revealBatch(billing("gdpr-restr"), List.of(t, free), "RECURRING_BILLING").then().statusCode(200)
                .body("results[0].error", equalTo("RESTRICTED")).body("results[0].token", equalTo(t))
                .body("results[1].pan", org.hamcrest.Matchers.notNullValue());
        Api.metadata(Api.agent("gdpr-restr"), t).then().statusCode(200).body("restricted", equalTo(true));
        List<Map<String, Object>> events = AuditTrail.events("type=DETOKENIZED&token=" + t);
        assertEquals(2, events.stream().filter(e -> "DENIED".equals(e.get("outcome")) && String.valueOf(e.get("detail")).contains("restricted"))
                .count(), events.toString());
        as(officer("gdpr-restr")).body(new JsonObject().put("pan", pan).put("restricted", false).encode())
                .post("/v1/subject-requests/restriction").then().statusCode(200).body("receipt.content.kind", equalTo("RESTRICTION_LIFTED"));
        Api.reveal(billing("gdpr-restr"), t, "RECURRING_BILLING").then().statusCode(200).body("pan", equalTo(pan));
        as(officer("gdpr-restr")).body(new JsonObject().put("pan", pan).encode()).post("/v1/subject-requests/restriction").then()
                .statusCode(422).body("errors[0].field", equalTo("restricted"));
    }

    @Test
    void erasureReceipt_verifiesWithThePublishedKey_andFailsWhenOneByteChanges() throws Exception {
        String pan = TestCards.randomVisa();
        Api.tokenized("gdpr-erase", card(pan, null));
        Api.tokenized("gdpr-erase", card(pan, null));
        Response r = Api.erase(officer("gdpr-erase"), pan);
        r.then().statusCode(200).body("erased", equalTo(2)).body("receipt.algorithm", equalTo("Ed25519"))
                .body("receipt.content.kind", equalTo("ERASURE")).body("receipt.content.tenant", equalTo("gdpr-erase"))
                .body("receipt.content.requestedBy", equalTo("olga-dpo")).body("receipt.content.counts.tokensDeleted", equalTo(2))
                .body("receipt.content.receiptId", startsWith("rcpt_"));
        assertFalse(r.asString().contains(pan));
        String payload = r.path("receipt.payload");
        String signature = r.path("receipt.signature");
        assertTrue(verifies(payload, signature));
        byte[] bytes = Base64.getDecoder().decode(payload);
        for (int i : new int[] { 0, bytes.length / 2, bytes.length - 1 }) {
            byte[] tampered = bytes.clone();
            tampered[i] ^= 0x01;
            assertFalse(verifies(Base64.getEncoder().encodeToString(tampered), signature), "byte " + i + " changed");
        }
        // The content answered is what was signed.
        assertEquals(new JsonObject(new String(bytes, StandardCharsets.UTF_8)).getString("receiptId"), r.path("receipt.content.receiptId"));
        assertTrue(AuditTrail.events("type=CARD_ERASED&subject=olga-dpo").stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).contains("receipt=" + r.path("receipt.content.receiptId"))));
    }

    @Test
    void processingRecord_reflectsTheRegistryTheTrailAndTheConfiguration_asJsonAndAPrintablePage() {
        register("gdpr-rec");
        purpose("gdpr-rec", "BILLING", "CONTRACT", "P2Y", List.of("RECURRING_BILLING", "REFUND"), true).then().statusCode(201);
        String t = Api.tokenized("gdpr-rec", card(TestCards.randomVisa(), "BILLING"));
        Api.reveal(Api.bearer("sap-billing", "gdpr-rec", "detokenizer"), t, "REFUND").then().statusCode(200);
        given().header("Authorization", officer("gdpr-rec")).accept("application/json").get("/v1/controllers/gdpr-rec/processing-record")
                .then().statusCode(200)
                .body("controller.dpaReference", equalTo("DPA-gdpr-rec"))
                .body("purposes[0].code", equalTo("BILLING")).body("purposes[0].legalBasis", equalTo("CONTRACT"))
                .body("purposes[0].retention", equalTo("P2Y"))
                .body("recipients.subject", equalTo(List.of("sap-billing"))).body("recipients[0].reveals", equalTo(1))
                .body("securityMeasures.masterKey.source", equalTo("file"))
                .body("securityMeasures.activeKekVersion", org.hamcrest.Matchers.greaterThanOrEqualTo(1))
                .body("securityMeasures.encryption", containsString("AES-256-GCM"));
        purpose("gdpr-rec", "RECOVERY", "LEGAL_OBLIGATION", "P5Y", List.of("CHARGEBACK"), true).then().statusCode(201);
        Response html = given().header("Authorization", ADMIN).accept("text/html").get("/v1/controllers/gdpr-rec/processing-record");
        html.then().statusCode(200).contentType(containsString("text/html")).header("Content-Security-Policy", containsString("default-src 'none'"));
        assertTrue(html.asString().contains("<td>RECOVERY</td>") && html.asString().contains("LEGAL_OBLIGATION"), html.asString());
        assertTrue(html.asString().contains("sap-billing") && !html.asString().contains("<script"));
        given().header("Authorization", officer("gdpr-elsewhere")).get("/v1/controllers/gdpr-rec/processing-record").then().statusCode(404);
    }

    @Test
    void offboarding_withDualApproval_leavesNoReadableTokenOfTheTenant_andTouchesNoOther() throws Exception {
        String tenant = "gdpr-leaving";
        register(tenant);
        purpose(tenant, "BILLING", "CONTRACT", "P2Y", List.of("RECURRING_BILLING"), true).then().statusCode(201);
        List<String> gone = List.of(Api.tokenized(tenant, card(TestCards.randomVisa(), "BILLING")),
                Api.tokenized(tenant, card(TestCards.randomVisa(), "BILLING")));
        String stays = Api.tokenized("gdpr-staying", card(TestCards.randomVisa(), null));

        as(Api.bearer("olga-dpo", tenant, "privacy-officer")).body("{\"reason\": \"contract ended\"}")
                .post("/v1/controllers/" + tenant + "/offboard").then().statusCode(403);
        Response requested = as(ADMIN).body("{\"reason\": \"contract ended\"}").post("/v1/controllers/" + tenant + "/offboard");
        requested.then().statusCode(202).body("state", equalTo("PENDING_APPROVAL")).body("requestedBy", equalTo("pat-admin"));
        String id = requested.path("id");
        as(ADMIN).body("{\"reason\": \"again\"}").post("/v1/controllers/" + tenant + "/offboard").then().statusCode(409);
        // Nothing changed yet.
        Api.reveal(billing(tenant), gone.get(0), "RECURRING_BILLING").then().statusCode(200);
        as(ADMIN).post("/v1/controllers/" + tenant + "/offboard/" + id + "/approve").then().statusCode(403)
                .body("type", equalTo("https://cardvault.dev/problems/self-approval"));
        as(SECOND_ADMIN).post("/v1/controllers/" + tenant + "/offboard/" + id + "/approve").then().statusCode(200)
                .body("state", equalTo("SHREDDING")).body("tokensDeleted", equalTo(2)).body("approvedBy", equalTo("quentin-admin"));
        as(SECOND_ADMIN).post("/v1/controllers/" + tenant + "/offboard/" + id + "/approve").then().statusCode(409);

        for (String t : gone) {
            Api.metadata(Api.agent(tenant), t).then().statusCode(404);
            Api.reveal(billing(tenant), t, "RECURRING_BILLING").then().statusCode(org.hamcrest.Matchers.oneOf(403, 404));
        }
        Api.tokenize(Api.agent(tenant), card(TestCards.randomVisa(), "BILLING")).then().statusCode(403)
                .body("type", equalTo("https://cardvault.dev/problems/controller-closed"));
        as(ADMIN).body(new JsonObject().put("name", "Back again").put("dpaReference", "DPA-2").put("dpaDate", "2026-12-01")
                .put("contact", new JsonObject().put("email", "dpo@leaving.example")).encode()).put("/v1/controllers/" + tenant).then()
                .statusCode(409).body("type", equalTo("https://cardvault.dev/problems/controller-closed"));

        rekeyJob.runOnce(Integer.MAX_VALUE).await().atMost(Duration.ofMinutes(1));
        assertEquals(1, offboardings.runOnce().await().atMost(Duration.ofMinutes(1)));
        Response done = given().header("Authorization", ADMIN).get("/v1/controllers/" + tenant + "/offboard/" + id);
        done.then().statusCode(200).body("state", equalTo("COMPLETED")).body("receipt.content.kind", equalTo("OFFBOARDING"))
                .body("receipt.content.approvedBy", equalTo("quentin-admin")).body("receipt.content.counts.tokensDeleted", equalTo(2))
                .body("receipt.content.auditTrail", containsString("kept"));
        assertTrue(verifies(done.path("receipt.payload"), done.path("receipt.signature")));
        try (Connection c = Db.connect(); Statement s = c.createStatement()) {
            assertEquals(0, count(s, "SELECT count(*) FROM token WHERE tenant = '" + tenant + "'"));
            assertEquals(0, count(s, "SELECT count(*) FROM data_key WHERE tenant = '" + tenant + "'"), "every data key of the tenant destroyed");
            assertEquals(1, count(s, "SELECT count(*) FROM controller WHERE tenant = '" + tenant + "' AND state = 'CLOSED'"));
            assertTrue(count(s, "SELECT count(*) FROM data_key WHERE tenant = 'gdpr-staying'") > 0);
            assertTrue(count(s, "SELECT count(*) FROM audit_event WHERE tenant = '" + tenant + "'") > 0, "the trail is kept");
        }
        Api.reveal(billing("gdpr-staying"), stays, "RECURRING_BILLING").then().statusCode(200);
        assertTrue(AuditTrail.events("type=CONTROLLER_OFFBOARDED").stream().anyMatch(e -> tenant.equals(e.get("tenant"))));
    }

    @Test
    void offboarding_notApprovedInTime_expires_andShredsNothing() {
        String tenant = "gdpr-unapproved";
        register(tenant);
        purpose(tenant, "BILLING", "CONTRACT", "P1Y", List.of("RECURRING_BILLING"), true).then().statusCode(201);
        String token = Api.tokenized(tenant, card(TestCards.randomVisa(), "BILLING"));
        String id = as(ADMIN).body("{\"reason\": \"never approved\"}").post("/v1/controllers/" + tenant + "/offboard").then()
                .statusCode(202).body("state", equalTo("PENDING_APPROVAL")).extract().path("id");
        clock.advance(offboardingApprovalTimeout.plusSeconds(1));
        given().header("Authorization", ADMIN).get("/v1/controllers/" + tenant + "/offboard/" + id).then().statusCode(200)
                .body("state", equalTo("EXPIRED"));
        as(SECOND_ADMIN).post("/v1/controllers/" + tenant + "/offboard/" + id + "/approve").then().statusCode(409);
        Api.metadata(Api.agent(tenant), token).then().statusCode(200);
        // An expired request no longer blocks a new one.
        as(ADMIN).body("{\"reason\": \"asked again\"}").post("/v1/controllers/" + tenant + "/offboard").then().statusCode(202)
                .body("state", equalTo("PENDING_APPROVAL"));
    }

    @Test
    void registryAndOffboarding_withAFailingAuditWrite_changeNothing() throws Exception {
        String tenant = "gdpr-atomic";
        JsonObject body = new JsonObject().put("name", "Atomic").put("dpaReference", "DPA-A").put("dpaDate", "2026-01-01")
                .put("contact", new JsonObject().put("email", "dpo@atomic.example"));
        try {
            refuse("CONTROLLER_REGISTERED");
            as(ADMIN).body(body.encode()).put("/v1/controllers/" + tenant).then().statusCode(503);
            assertEquals(0, Db.scalar("SELECT count(*) FROM controller WHERE tenant = ?", tenant), "no controller without its event");
            accept();
            as(ADMIN).body(body.encode()).put("/v1/controllers/" + tenant).then().statusCode(201);
            refuse("PURPOSE_REGISTERED");
            purpose(tenant, "BILLING", "CONTRACT", "P1Y", List.of("RECURRING_BILLING"), true).then().statusCode(503);
            assertEquals(0, Db.scalar("SELECT count(*) FROM controller_purpose WHERE tenant = ?", tenant));
            accept();
            String t = Api.tokenized(tenant, card(TestCards.randomVisa(), null));
            String id = as(ADMIN).body("{\"reason\": \"atomicity\"}").post("/v1/controllers/" + tenant + "/offboard").then()
                    .statusCode(202).extract().path("id");
            refuse("CONTROLLER_OFFBOARD_APPROVED");
            as(SECOND_ADMIN).post("/v1/controllers/" + tenant + "/offboard/" + id + "/approve").then().statusCode(503);
            accept();
            Api.metadata(Api.agent(tenant), t).then().statusCode(200);
            assertEquals(1, Db.scalar("SELECT count(*) FROM controller WHERE tenant = ? AND state = 'ACTIVE'", tenant));
            given().header("Authorization", ADMIN).get("/v1/controllers/" + tenant + "/offboard/" + id).then().statusCode(200)
                    .body("state", equalTo("PENDING_APPROVAL"));
        } finally {
            accept();
        }
    }

    /** Makes the trail refuse events of one type, as a full disk would. */
    static void refuse(String type) throws Exception {
        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            s.execute("CREATE OR REPLACE FUNCTION test_refuse_privacy_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "RAISE EXCEPTION 'refused for the test'; END $$");
            s.execute("CREATE TRIGGER test_refuse_privacy_event BEFORE INSERT ON audit_event FOR EACH ROW WHEN (NEW.type = '" + type
                    + "') EXECUTE FUNCTION test_refuse_privacy_event()");
        }
    }

    static void accept() throws Exception {
        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            s.execute("DROP TRIGGER IF EXISTS test_refuse_privacy_event ON audit_event");
        }
    }

    @Test
    void prodRule_aTenantWithoutARegistry_collectsNothing() {
        // The production setting, switched on for this test only (the bean's flag, as the prod profile sets it).
        var tokens = io.quarkus.arc.Arc.container().instance(dev.cardvault.tokens.TokenService.class).get();
        boolean before = tokens.requiresRegistry();
        try {
            setRequireRegistry(tokens, true);
            Api.tokenize(Api.agent("gdpr-unregistered"), card(TestCards.randomVisa(), null)).then().statusCode(403)
                    .body("type", equalTo("https://cardvault.dev/problems/controller-not-registered"));
            register("gdpr-registered-late");
            purpose("gdpr-registered-late", "BILLING", "CONTRACT", "P1Y", List.of("RECURRING_BILLING"), true).then().statusCode(201);
            Api.tokenize(Api.agent("gdpr-registered-late"), card(TestCards.randomVisa(), "BILLING")).then().statusCode(201);
        } finally {
            setRequireRegistry(tokens, before);
        }
    }

    static void setRequireRegistry(dev.cardvault.tokens.TokenService tokens, boolean value) {
        try {
            var f = dev.cardvault.tokens.TokenService.class.getDeclaredField("requireRegistry");
            f.setAccessible(true);
            f.setBoolean(io.quarkus.arc.ClientProxy.unwrap(tokens), value);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void receipt_verifiesOffline_withOpenssl_asTheReadmeShows(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        dev.cardvault.testsupport.SystemPackages.require("openssl", "openssl");
        String pan = TestCards.randomVisa();
        Api.tokenized("gdpr-openssl", card(pan, null));
        Response r = Api.erase(officer("gdpr-openssl"), pan);
        r.then().statusCode(200);
        String pem = given().header("Authorization", officer("gdpr-openssl")).get("/v1/privacy/receipt-key").then().extract().path("pem");
        java.nio.file.Files.writeString(dir.resolve("receipt-key.pem"), pem);
        java.nio.file.Files.write(dir.resolve("receipt.json"), Base64.getDecoder().decode((String) r.path("receipt.payload")));
        java.nio.file.Files.write(dir.resolve("receipt.sig"), Base64.getDecoder().decode((String) r.path("receipt.signature")));
        assertEquals(0, openssl(dir), "openssl verifies the receipt");
        byte[] tampered = java.nio.file.Files.readAllBytes(dir.resolve("receipt.json"));
        tampered[tampered.length / 3] ^= 0x01;
        java.nio.file.Files.write(dir.resolve("receipt.json"), tampered);
        assertTrue(openssl(dir) != 0, "openssl refuses a receipt with one byte changed");
    }

    static int openssl(java.nio.file.Path dir) throws Exception {
        Process p = new ProcessBuilder("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "receipt-key.pem", "-rawin",
                "-in", "receipt.json", "-sigfile", "receipt.sig").directory(dir.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void receiptKey_isPublished_toOfficersAdminsAndAuditors() {
        for (String bearer : List.of(officer("gdpr-key"), ADMIN, AuditTrail.auditor())) {
            given().header("Authorization", bearer).get("/v1/privacy/receipt-key").then().statusCode(200)
                    .body("algorithm", equalTo("Ed25519")).body("keyId", equalTo("receipt-signing-1"))
                    .body("pem", startsWith("-----BEGIN PUBLIC KEY-----"));
        }
        given().header("Authorization", billing("gdpr-key")).get("/v1/privacy/receipt-key").then().statusCode(403);
    }

    static long count(Statement s, String sql) throws Exception {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Verifies a receipt with the published PEM through the JDK's own Ed25519 (not the vault's code). */
    static boolean verifies(String payloadB64, String signatureB64) {
        try {
            String pem = given().header("Authorization", ADMIN).get("/v1/privacy/receipt-key").then().statusCode(200).extract().path("pem");
            byte[] der = Base64.getDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
            Signature v = Signature.getInstance("Ed25519");
            v.initVerify(key);
            v.update(Base64.getDecoder().decode(payloadB64));
            return v.verify(Base64.getDecoder().decode(signatureB64));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
