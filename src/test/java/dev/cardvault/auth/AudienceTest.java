package dev.cardvault.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With {@code mp.jwt.verify.audiences} set (required in prod), a token for another audience is refused. */
@QuarkusTest
@TestProfile(AudienceTest.WithAudience.class)
class AudienceTest {

    public static class WithAudience implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.jwt.verify.audiences", "cardvault");
        }
    }

    @Test
    void tokenForThisAudience_isAccepted() {
        given().header("Authorization", TestJwt.as("alice").roles("tokenizer").audience("cardvault").bearer())
                .get("/v1/test-probe").then().statusCode(200).body("subject", equalTo("alice"));
    }

    @Test
    void tokenForAnotherAudience_orNone_is401() {
        given().header("Authorization", TestJwt.as("alice").roles("tokenizer").audience("billing-portal").bearer())
                .get("/v1/test-probe").then().statusCode(401).contentType("application/problem+json");
        given().header("Authorization", TestJwt.as("alice").roles("tokenizer").bearer())
                .get("/v1/test-probe").then().statusCode(401).contentType("application/problem+json");
    }
}
