package dev.cardvault.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import org.junit.jupiter.api.Test;

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
    void openapi_isServed() {
        given().get("/q/openapi").then().statusCode(200).body(containsString("CardVault API"));
    }
}
