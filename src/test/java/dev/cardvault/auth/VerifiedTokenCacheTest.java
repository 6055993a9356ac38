package dev.cardvault.auth;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;

/** Requests authenticate through the caching parser: a token is verified once, a changed one never passes. */
@QuarkusTest
class VerifiedTokenCacheTest {

    @Inject
    CachingJwtParser parser;

    @Test
    void theSameTokenIsVerifiedOnce_andAChangedSignatureIsStillRefused() {
        String bearer = TestJwt.as("cache-probe").roles("tokenizer").tenant("cache").bearer();
        long before = parser.kept();
        for (int i = 0; i < 3; i++) {
            given().header("Authorization", bearer).get("/v1/tokens/tok_missing0000000000000000").then().statusCode(404);
        }
        assertEquals(before + 1, parser.kept(), "one verified token kept for three requests");
        // The same header with one signature character changed: a different token, verified and refused.
        String token = bearer.substring("Bearer ".length());
        char last = token.charAt(token.length() - 2);
        String forged = "Bearer " + token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A') + token.charAt(token.length() - 1);
        given().header("Authorization", forged).get("/v1/tokens/tok_missing0000000000000000").then().statusCode(401);
        assertEquals(before + 1, parser.kept(), "a refused token is not kept");
    }
}
