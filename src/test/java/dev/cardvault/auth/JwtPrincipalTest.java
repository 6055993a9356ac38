package dev.cardvault.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;

import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.Claims;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * Requests are authenticated with the vault's principal, whose custom claims (the tenant) are read
 * without SmallRye's thrown-and-caught exception, and which verifies exactly as before.
 */
@QuarkusTest
class JwtPrincipalTest {

    @Inject
    CachingJwtParser parser;

    @Test
    void theParserAnswersTheVaultPrincipal_withStandardAndCustomClaims() throws ParseException {
        String token = TestJwt.as("principal-probe").roles("tokenizer", "detokenizer").tenant("acme").bearer()
                .substring("Bearer ".length());
        JsonWebToken jwt = parser.parse(token);
        VaultJwtPrincipal principal = assertInstanceOf(VaultJwtPrincipal.class, jwt);
        assertEquals("acme", principal.getClaim(TenantClaim.NAME));
        assertEquals("principal-probe", principal.getSubject());
        assertEquals(Set.of("tokenizer", "detokenizer"), principal.getGroups());
        assertTrue(principal.getExpirationTime() > principal.getIssuedAtTime());
        assertEquals(token, principal.getRawToken());
        assertEquals(Claims.UNKNOWN, principal.getClaimType(TenantClaim.NAME));
        assertEquals(Claims.sub, principal.getClaimType("sub"));
    }

    @Test
    void aForgedTokenIsStillRefused() {
        String token = TestJwt.as("principal-forger").roles("tokenizer").tenant("acme").bearer().substring("Bearer ".length());
        String[] parts = token.split("\\.");
        String forged = parts[0] + "." + parts[1] + "." + (parts[2].charAt(0) == 'A' ? 'B' : 'A') + parts[2].substring(1);
        assertThrows(ParseException.class, () -> parser.parse(forged));
    }
}
