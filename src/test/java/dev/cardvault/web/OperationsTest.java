package dev.cardvault.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;

import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class OperationsTest {

    @Test
    void metrics_arePrometheus_andLabelRoutesByTemplate() {
        given().header("Authorization", "Bearer x").get("/v1/no-such/4111111111111111");
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("http_server_requests_seconds_count"))
                .body(not(containsString("4111111111111111")));
    }

    @Test
    void metrics_neverLabelACardNumber_howeverItWasSent() {
        String card = TestCards.randomVisa();
        String bearer = TestJwt.as("ops").roles("tokenizer", "detokenizer").tenant("acme").bearer();
        String grouped = card.substring(0, 4) + "." + card.substring(4, 8) + "." + card.substring(8, 12) + "." + card.substring(12);
        for (String path : new String[] { "/v1/tokens/" + card, "/v1/tokens/" + grouped, "/v1/no-such/" + grouped, "/" + card }) {
            given().header("Authorization", bearer).get(path);
        }
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertFalse(metrics.replaceAll("[^0-9]", "").contains(card), "a card number reached a metric label");
    }

    @Test
    void metricsRedaction_replacesCardShapedLabelsOnly() {
        MeterFilter filter = new MetricsRedaction().redactCardNumbersInTags();
        Meter.Id id = new Meter.Id("http", Tags.of("uri", "/v1/tokens/4111 1111 1111 1111", "method", "GET"), null, null,
                Meter.Type.TIMER);
        Meter.Id mapped = filter.map(id);
        assertEquals(MetricsRedaction.REDACTED, mapped.getTag("uri"));
        assertEquals("GET", mapped.getTag("method"));
        Meter.Id clean = new Meter.Id("http", Tags.of("uri", "/v1/tokens/{token}"), null, null, Meter.Type.TIMER);
        assertSame(clean, filter.map(clean));
    }

    @Test
    void openapi_isServed() {
        given().get("/q/openapi").then().statusCode(200).body(containsString("CardVault API"));
    }
}
