package dev.cardvault.auth;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/** The contract's 401/403 rules against a real secured /v1 route, with real RS256 signatures. */
@QuarkusTest
class AuthMatrixTest {

    private static final String PROBE = "/v1/test-probe";

    private static ValidatableResponse getWith(String authorization) {
        var spec = given();
        if (authorization != null) {
            spec = spec.header("Authorization", authorization);
        }
        return spec.when().get(PROBE).then();
    }

    private static void assertUnauthorized(ValidatableResponse r) {
        r.statusCode(401)
                .contentType("application/problem+json")
                .header("WWW-Authenticate", "Bearer")
                .body("type", equalTo("https://cardvault.dev/problems/unauthorized"))
                .body("status", equalTo(401))
                .body("title", notNullValue())
                .body("detail", notNullValue());
    }

    @Test
    void validToken_withRoleAndTenant_isAccepted_andCallerIsBuiltFromClaims() {
        getWith(TestJwt.as("alice").roles("tokenizer", "auditor").tenant("acme").bearer())
                .statusCode(200)
                .body("subject", equalTo("alice"))
                .body("tenant", equalTo("acme"))
                .body("roles", containsInAnyOrder("tokenizer", "auditor"));
    }

    @Test
    void noToken_is401() {
        assertUnauthorized(getWith(null));
    }

    @ParameterizedTest
    @ValueSource(strings = { "Bearer garbage", "Bearer a.b.c", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "bearer" })
    void garbageToken_is401(String header) {
        assertUnauthorized(getWith(header));
    }

    @Test
    void algNone_is401() {
        assertUnauthorized(getWith("Bearer " + TestJwt.as("alice").roles("tokenizer").mintUnsigned()));
    }

    @Test
    void tokenSignedByUntrustedKey_is401() {
        assertUnauthorized(getWith(TestJwt.as("alice").roles("tokenizer").signedWith(TestJwt.untrustedKey()).bearer()));
    }

    @Test
    void expiredToken_is401() {
        assertUnauthorized(getWith(TestJwt.as("alice").roles("tokenizer").expiresAt(Instant.now().minusSeconds(600)).bearer()));
    }

    @Test
    void wrongIssuer_is401() {
        assertUnauthorized(getWith(TestJwt.as("alice").roles("tokenizer").issuer("https://evil.example/issuer").bearer()));
    }

    @Test
    void tamperedPayload_is401() {
        String[] parts = TestJwt.as("alice").roles("tokenizer").mint().split("\\.");
        String otherPayload = TestJwt.as("mallory").roles("tokenizer", "detokenizer").mint().split("\\.")[1];
        assertUnauthorized(getWith("Bearer " + parts[0] + "." + otherPayload + "." + parts[2]));
    }

    @Test
    void noSub_is401_evenWithAnotherNameClaim() {
        // upn alone used to become the principal name: a caller without an identity of record.
        assertUnauthorized(getWith(TestJwt.as(null).roles("tokenizer").claim("upn", "alice@example.com").bearer()));
        assertUnauthorized(getWith(TestJwt.as(null).roles("tokenizer").bearer()));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", " ", "\t" })
    void blankSub_is401(String sub) {
        assertUnauthorized(getWith(TestJwt.as(sub).roles("tokenizer").bearer()));
    }

    @Test
    void cardShapedSub_is401() {
        // A subject is written into every audit event: a card number there would be stored for good.
        assertUnauthorized(getWith(TestJwt.as(TestCards.randomVisa()).roles("tokenizer").bearer()));
        String card = TestCards.randomVisa();
        assertUnauthorized(getWith(TestJwt.as("agent " + card.substring(0, 8) + " " + card.substring(8)).roles("tokenizer").bearer()));
        assertUnauthorized(getWith(TestJwt.as(String.join(":", card.substring(0, 4), card.substring(4, 8), card.substring(8, 12),
                card.substring(12))).roles("tokenizer").bearer()));
    }

    @Test
    void cardShapedTenant_is403() {
        String card = TestCards.randomVisa();
        String tenant = card.substring(0, 4) + "-" + card.substring(4, 8) + "-" + card.substring(8, 12) + "-" + card.substring(12);
        getWith(TestJwt.as("alice").roles("tokenizer").tenant(tenant).bearer())
                .statusCode(403).body("type", equalTo("https://cardvault.dev/problems/invalid-tenant"));
    }

    @Test
    void noIat_is401() {
        assertUnauthorized(getWith(TestJwt.as("alice").roles("tokenizer").noIssuedAt().bearer()));
    }

    @Test
    void tokenOlderThanMaximumAge_is401_evenBeforeItExpires() {
        Instant now = Instant.now();
        assertUnauthorized(getWith(TestJwt.as("alice").roles("tokenizer").issuedAt(now.minusSeconds(2 * 3600))
                .expiresAt(now.plusSeconds(3600)).bearer()));
        getWith(TestJwt.as("alice").roles("tokenizer").issuedAt(now.minusSeconds(1800)).expiresAt(now.plusSeconds(3600)).bearer())
                .statusCode(200);
    }

    @Test
    void subject_isTheSubClaim_notUpn() {
        getWith(TestJwt.as("alice").roles("tokenizer").claim("upn", "someone-else@example.com").bearer())
                .statusCode(200).body("subject", equalTo("alice"));
    }

    @Test
    void missingRole_is403() {
        getWith(TestJwt.as("bob").roles("auditor").bearer())
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://cardvault.dev/problems/forbidden"))
                .body("status", equalTo(403));
    }

    @Test
    void noRolesAtAll_is403() {
        getWith(TestJwt.as("bob").bearer()).statusCode(403).contentType("application/problem+json");
    }

    @Test
    void missingTenant_is403_andSaysWhy() {
        getWith(TestJwt.as("alice").roles("tokenizer").noTenant().bearer())
                .statusCode(403)
                .contentType("application/problem+json")
                .body("type", equalTo("https://cardvault.dev/problems/invalid-tenant"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "ACME", "-acme", "acme_corp", "acme corp", "a/b",
            "a123456789012345678901234567890123456789012345678901234567890123" })
    void malformedTenant_is403(String tenant) {
        getWith(TestJwt.as("alice").roles("tokenizer").tenant(tenant).bearer())
                .statusCode(403)
                .body("type", equalTo("https://cardvault.dev/problems/invalid-tenant"));
    }

    @Test
    void longestValidTenant_isAccepted() {
        String tenant = "a" + "b".repeat(62);
        getWith(TestJwt.as("alice").roles("tokenizer").tenant(tenant).bearer()).statusCode(200).body("tenant", equalTo(tenant));
    }

    @Test
    void mintScript_printsATokenTheServiceAccepts() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", TestJwt.devKeysDir().resolve("mint-jwt.sh").toString(),
                "--sub", "carol", "--groups", "tokenizer,detokenizer", "--tenant", "globex", "--ttl", "120")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String token = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertEquals(0, p.exitValue(), token);
        getWith("Bearer " + token)
                .statusCode(200)
                .body("subject", equalTo("carol"))
                .body("tenant", equalTo("globex"))
                .body("roles", containsInAnyOrder("tokenizer", "detokenizer"));
    }
}
