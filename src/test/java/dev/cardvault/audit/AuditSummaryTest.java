package dev.cardvault.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** GET /v1/audit/summary: the counts behind the console's auditor view. */
@QuarkusTest
class AuditSummaryTest {

    private static JsonPath summary() {
        return given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/summary").then().statusCode(200).extract().jsonPath();
    }

    /** Reveals of {@code purpose} in the current UTC hour (the last bucket). */
    private static long thisHour(JsonPath s, String purpose) {
        String hour = Instant.parse(s.getString("to")).truncatedTo(ChronoUnit.HOURS).toString();
        return s.<Map<String, Object>>getList("revealsByHour").stream()
                .filter(h -> hour.equals(h.get("hour")) && purpose.equals(h.get("purpose")))
                .mapToLong(h -> ((Number) h.get("reveals")).longValue()).sum();
    }

    private static long count(List<Map<String, Object>> rows, String subject, String type) {
        return rows.stream().filter(r -> subject.equals(r.get("subject")) && (type == null || type.equals(r.get("type"))))
                .mapToLong(r -> ((Number) r.get("count")).longValue()).sum();
    }

    @Test
    void revealsDeniedAndTopSubjects_areCountedPerHourAndPurpose() throws Exception {
        String subject = "summary-billing-" + Long.toString(System.nanoTime(), 36); // a long digit run could be card-shaped: refused
        String reader = Api.bearer(subject, "summary-t", "detokenizer");
        String token = Api.tokenized("summary-t", Api.card(TestCards.randomVisa()));
        long before = thisHour(summary(), "CHARGEBACK");

        for (int i = 0; i < 3; i++) {
            Api.reveal(reader, token, "CHARGEBACK").then().statusCode(200);
        }
        Api.revealBatch(reader, List.of(token, token), "CHARGEBACK").then().statusCode(200);
        Api.reveal(reader, token, "MARKETING").then().statusCode(403); // denied: a purpose outside the list

        JsonPath s = summary();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos(); // a denial is written in the background
        while (count(s.getList("topDenied"), subject, "DETOKENIZED") == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            s = summary();
        }
        assertEquals(24, s.getInt("hours"));
        assertEquals(before + 5, thisHour(s, "CHARGEBACK"), "3 single reveals and a batch of 2, in this hour");
        assertEquals(5, count(s.getList("topSubjects"), subject, null), "the subject among the top revealers");
        assertEquals(1, count(s.getList("topDenied"), subject, "DETOKENIZED"), s.prettify());
        assertTrue(s.getLong("denied") >= 1);
        assertTrue(s.getLong("highestSeq") > 0);
        assertTrue(s.getList("eventTypes").contains("DETOKENIZED"));
        assertTrue(Instant.parse(s.getString("from")).isBefore(Instant.parse(s.getString("to"))));
        // Every summary read is itself audited.
        assertTrue(AuditTrail.events("type=AUDIT_READ&subject=" + AuditTrail.AUDITOR_SUBJECT).stream()
                .anyMatch(e -> "SUMMARY".equals(e.get("purpose"))));
    }

    @Test
    void hoursOutOfRange_is422_andOnlyAuditorsMayRead() {
        for (String hours : List.of("0", "169")) {
            given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/summary?hours=" + hours).then().statusCode(422)
                    .contentType("application/problem+json").body("errors[0].field", equalTo("hours"));
        }
        given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/summary?hours=168").then().statusCode(200)
                .body("hours", equalTo(168));
        given().header("Authorization", Api.bearer("billing", "acme", "detokenizer")).get("/v1/audit/summary").then().statusCode(403);
        given().get("/v1/audit/summary").then().statusCode(401);
    }
}
