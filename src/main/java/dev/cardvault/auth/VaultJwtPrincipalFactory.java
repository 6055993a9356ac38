package dev.cardvault.auth;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import org.jose4j.jwt.consumer.JwtContext;

import io.smallrye.jwt.auth.principal.DefaultJWTTokenParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * Verifies a bearer token exactly as SmallRye JWT's default factory does (its own token parser:
 * signature, issuer, audience, expiry, age) and answers a {@link VaultJwtPrincipal}.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VaultJwtPrincipalFactory extends JWTCallerPrincipalFactory {

    private final DefaultJWTTokenParser parser = new DefaultJWTTokenParser();

    @Override
    public JWTCallerPrincipal parse(String token, JWTAuthContextInfo authContextInfo) throws ParseException {
        JwtContext verified = parser.parse(token, authContextInfo);
        String type = verified.getJoseObjects().get(0).getHeader("typ");
        return new VaultJwtPrincipal(type, verified.getJwtClaims());
    }
}
