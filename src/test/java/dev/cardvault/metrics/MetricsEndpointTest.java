package dev.cardvault.metrics;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.cardvault.card.CardShape;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.Metrics;
import dev.cardvault.testsupport.Metrics.Sample;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The vault's own metrics as Prometheus scrapes them: every name the dashboard and the alert rules
 * may use is served (k8s/observability/metrics.txt, which ManifestsTest holds them to), the
 * counters move by the cards of each request under the caller's tenant and an allowed purpose only,
 * and no label carries a card number or a token.
 */
@QuarkusTest
class MetricsEndpointTest {

    static final Path LIST = Path.of("k8s/observability/metrics.txt");

    /** The committed list of exported names (comments and blank lines left out). */
    static List<String> committedNames() throws IOException {
        return Files.readAllLines(LIST).stream().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    @Test
    void everyListedMetric_isServed_fromStartUp_beforeAnyOfItsEvents() throws IOException {
        assertEquals(VaultMetrics.NAMES, committedNames(), LIST + " and VaultMetrics.NAMES differ");
        List<Sample> samples = Metrics.scrape();
        // Tests share one application and run in no fixed order: what holds from start-up is that
        // each name has a series, and each labelled family its start-up series at tenant/purpose "none".
        for (String name : committedNames()) {
            assertTrue(samples.stream().anyMatch(s -> s.name().equals(name)), name + " is not served");
        }
        for (String family : List.of(VaultMetrics.TOKENIZE, VaultMetrics.REVEAL, VaultMetrics.REVEAL_DENIED)) {
            assertEquals(0.0, Metrics.value(samples, family, Map.of("tenant", "none", "purpose", "none")), family + " start-up series");
        }
        for (String outcome : List.of("created", "existing", "failed")) {
            assertTrue(Metrics.value(samples, VaultMetrics.IMPORT_LINES, Map.of("outcome", outcome)) >= 0, outcome);
        }
        assertEquals(0.0, Metrics.value(samples, VaultMetrics.SEALED, Map.of()), "this vault's master key comes from a file: never sealed");
        assertEquals(365 * 86400.0, Metrics.value(samples, VaultMetrics.KEK_CRYPTOPERIOD, Map.of()), "the default cryptoperiod");
    }

    @Test
    void tokenizeRevealAndDenial_countCards_underTheTenantAndAnAllowedPurpose_andNoLabelIsCardShaped() {
        String tenant = "metrics-a";
        String purpose = "RECURRING_BILLING";
        Map<String, String> tokenized = Map.of("tenant", tenant, "purpose", "none"); // no registry in tests: no collection purpose
        Map<String, String> revealed = Map.of("tenant", tenant, "purpose", purpose);
        Map<String, String> deniedOther = Map.of("tenant", tenant, "purpose", VaultMetrics.OTHER);
        List<Sample> before = Metrics.scrape();

        List<String> pans = List.of(TestCards.randomVisa(), TestCards.randomVisa(), TestCards.randomVisa());
        List<String> tokens = new ArrayList<>();
        pans.forEach(pan -> tokens.add(Api.tokenized(tenant, Api.card(pan))));
        String billing = Api.bearer("metrics-billing", tenant, "detokenizer");
        Api.reveal(billing, tokens.get(0), purpose).then().statusCode(200);
        Api.revealBatch(billing, tokens.subList(1, 3), purpose).then().statusCode(200);
        // A purpose outside the allowed list: denied for both cards, and counted as "other", never as the caller wrote it.
        Api.revealBatch(billing, tokens.subList(0, 2), "MARKETING_CAMPAIGN").then().statusCode(403);

        List<Sample> after = Metrics.scrape();
        assertEquals(3.0, Metrics.value(after, VaultMetrics.TOKENIZE, tokenized) - Metrics.orZero(before, VaultMetrics.TOKENIZE, tokenized), "tokenized");
        assertEquals(3.0, Metrics.value(after, VaultMetrics.REVEAL, revealed) - Metrics.orZero(before, VaultMetrics.REVEAL, revealed), "revealed: 1 + a batch of 2");
        assertEquals(2.0, Metrics.value(after, VaultMetrics.REVEAL_DENIED, deniedOther) - Metrics.orZero(before, VaultMetrics.REVEAL_DENIED, deniedOther),
                "denied: a batch of 2");
        assertEquals(Metrics.orZero(before, VaultMetrics.REVEAL_DENIED, revealed), Metrics.orZero(after, VaultMetrics.REVEAL_DENIED, revealed),
                "nothing denied under the allowed purpose");

        for (Sample s : after) {
            if (!s.name().startsWith("cardvault_")) {
                continue;
            }
            assertFalse(s.labels().containsKey("subject"), s.name() + " is labelled by subject");
            for (Map.Entry<String, String> label : s.labels().entrySet()) {
                assertFalse(CardShape.contains(label.getValue()), s.name() + ": label " + label.getKey() + " is card-shaped");
                assertFalse(label.getValue().contains("MARKETING"), s.name() + ": a refused purpose became a label");
                assertFalse(tokens.contains(label.getValue()), s.name() + ": a token became a label");
            }
            if (s.name().equals(VaultMetrics.TOKENIZE) || s.name().equals(VaultMetrics.REVEAL) || s.name().equals(VaultMetrics.REVEAL_DENIED)) {
                assertEquals(List.of("purpose", "tenant"), List.copyOf(s.labels().keySet()), s.name() + ": tenant and purpose only");
            }
        }
        String digits = given().get("/q/metrics").then().statusCode(200).extract().asString().replaceAll("[^0-9]", "");
        pans.forEach(pan -> assertFalse(digits.contains(pan), "a card number in /q/metrics"));
    }

    @Test
    void anImport_countsItsLinesByOutcome_andItsNewTokens_andIsNoLongerInProgressWhenDone() {
        String tenant = "metrics-imp";
        Map<String, String> tokenized = Map.of("tenant", tenant, "purpose", "none");
        List<Sample> before = Metrics.scrape();
        int year = java.time.YearMonth.now(java.time.ZoneOffset.UTC).getYear() + 1;
        String file = Api.card(TestCards.randomVisa()).encode() + "\n" + Api.card(TestCards.randomVisa()).encode() + "\n"
                + "{\"pan\": \"not a card\", \"expMonth\": 6, \"expYear\": " + year + "}\n";
        given().header("Authorization", Api.agent(tenant)).header("Idempotency-Key", "metrics-import-" + System.nanoTime() % 1000)
                .contentType("application/x-ndjson").body(file.getBytes(java.nio.charset.StandardCharsets.UTF_8)).post("/v1/imports")
                .then().statusCode(200);
        List<Sample> after = Metrics.scrape();
        for (var expected : Map.of("created", 2.0, "existing", 0.0, "failed", 1.0).entrySet()) {
            Map<String, String> outcome = Map.of("outcome", expected.getKey());
            assertEquals(expected.getValue(), Metrics.value(after, VaultMetrics.IMPORT_LINES, outcome) - Metrics.value(before, VaultMetrics.IMPORT_LINES, outcome),
                    expected.getKey() + " lines");
        }
        assertEquals(2.0, Metrics.value(after, VaultMetrics.TOKENIZE, tokenized) - Metrics.orZero(before, VaultMetrics.TOKENIZE, tokenized), "imported tokens");
        assertEquals(Metrics.value(before, VaultMetrics.IMPORTS_RUNNING, Map.of()), Metrics.value(after, VaultMetrics.IMPORTS_RUNNING, Map.of()),
                "the import ended");
    }

    @Test
    void auditVerification_setsTheVerdictGauge() {
        Api.as(Api.bearer("metrics-auditor", "acme", "auditor"), null).get("/v1/audit/verify").then().statusCode(200);
        double valid = Metrics.value(Metrics.scrape(), VaultMetrics.AUDIT_VERIFY_VALID, Map.of());
        assertTrue(valid == 0.0 || valid == 1.0, "a verdict after a verification, was " + valid);
    }
}
