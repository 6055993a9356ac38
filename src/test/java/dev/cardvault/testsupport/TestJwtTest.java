package dev.cardvault.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.smallrye.jwt.util.KeyUtils;
import io.vertx.core.json.JsonObject;

/**
 * The tokens the auth tests send are what their names say, so a 401 in AuthMatrixTest is for the
 * reason the test claims (no iat, alg none, another key), not for a malformed token.
 */
@Tag("unit")
class TestJwtTest {

    private static JwtClaims verifiedWithTheDevKey(String token) throws Exception {
        PublicKey dev = KeyUtils.decodePublicKey(Files.readString(TestJwt.devKeysDir().resolve("jwt-public.pem")));
        return new JwtConsumerBuilder().setVerificationKey(dev).setSkipAllValidators().build().processToClaims(token);
    }

    private static JsonObject part(String token, int index) {
        return new JsonObject(new String(Base64.getUrlDecoder().decode(token.split("\\.", -1)[index]), StandardCharsets.UTF_8));
    }

    @Test
    void mint_isRs256ByTheDevKey_withEveryClaimAsSet() throws Exception {
        String token = TestJwt.as("alice").roles("tokenizer", "auditor").tenant("globex").audience("cardvault").claim("upn", "a@x").mint();
        JwtClaims c = verifiedWithTheDevKey(token);
        assertEquals("RS256", part(token, 0).getString("alg"));
        assertEquals(TestJwt.ISSUER, c.getIssuer());
        assertEquals("alice", c.getSubject());
        assertEquals("globex", c.getClaimValueAsString("tenant"));
        assertEquals(List.of("tokenizer", "auditor"), c.getStringListClaimValue("groups"));
        assertEquals(List.of("cardvault"), c.getAudience());
        assertEquals("a@x", c.getClaimValueAsString("upn"));
        assertNotNull(c.getJwtId());
        assertTrue(c.getIssuedAt().getValue() <= Instant.now().getEpochSecond());
        assertTrue(c.getExpirationTime().getValue() > Instant.now().getEpochSecond());
    }

    @Test
    void asNull_noTenant_leaveOutSubAndTenant() throws Exception {
        JwtClaims c = verifiedWithTheDevKey(TestJwt.as(null).noTenant().mint());
        assertFalse(c.hasClaim("sub"));
        assertFalse(c.hasClaim("tenant"));
        assertTrue(c.hasClaim("iat"));
    }

    @Test
    void noIssuedAt_isStillSignedByTheDevKey_withoutIat() throws Exception {
        JwtClaims c = verifiedWithTheDevKey(TestJwt.as("alice").roles("tokenizer").noIssuedAt().mint());
        assertFalse(c.hasClaim("iat"));
        assertEquals("alice", c.getSubject());
        assertEquals("acme", c.getClaimValueAsString("tenant"));
        assertEquals(List.of("tokenizer"), c.getStringListClaimValue("groups"));
        assertNotNull(c.getExpirationTime());
    }

    @Test
    void mintUnsigned_isAlgNone_withTheSameClaims_andNoSignature() {
        String token = TestJwt.as("alice").roles("tokenizer").mintUnsigned();
        assertTrue(token.endsWith("."), "no signature part");
        assertEquals("none", part(token, 0).getString("alg"));
        JsonObject claims = part(token, 1);
        assertEquals("alice", claims.getString("sub"));
        assertEquals("acme", claims.getString("tenant"));
        assertEquals(TestJwt.ISSUER, claims.getString("iss"));
        assertTrue(claims.containsKey("iat"));
    }

    @Test
    void expiredToken_wasIssuedBeforeItExpired() throws Exception {
        Instant expiry = Instant.now().minusSeconds(600);
        JwtClaims c = verifiedWithTheDevKey(TestJwt.as("alice").expiresAt(expiry).mint());
        assertEquals(expiry.getEpochSecond(), c.getExpirationTime().getValue());
        assertTrue(c.getIssuedAt().getValue() < expiry.getEpochSecond());
    }

    @Test
    void signedWithAnUntrustedKey_failsVerificationWithTheDevKey() {
        assertThrows(InvalidJwtException.class, () -> verifiedWithTheDevKey(TestJwt.as("alice").signedWith(TestJwt.untrustedKey()).mint()));
    }
}
