package dev.cardvault.auth;

import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

import com.github.benmanes.caffeine.cache.Ticker;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;

/**
 * The JWT parser SmallRye JWT authenticates every request with, verifying each distinct bearer
 * token once (RS256 is tens of microseconds of CPU per request) and then answering from
 * {@link VerifiedTokens} until the token expires, reaches its maximum age, or
 * {@code cardvault.auth.verified-token-ttl} passes. A JWT cannot be revoked before it expires
 * either way; a verification key withdrawn from the identity provider stops being trusted within
 * that TTL. Everything else is the default parser's.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class CachingJwtParser implements JWTParser {

    @Inject
    DefaultJWTParser delegate;

    private final VerifiedTokens verified;

    @Inject
    public CachingJwtParser(@ConfigProperty(name = "mp.jwt.verify.token.age", defaultValue = "0") long maxAgeSeconds,
            @ConfigProperty(name = "cardvault.auth.verified-token-ttl", defaultValue = "5m") Duration ttl,
            @ConfigProperty(name = "cardvault.auth.verified-token-cache-size", defaultValue = "10000") int size) {
        this.verified = new VerifiedTokens(size, maxAgeSeconds, ttl, () -> System.currentTimeMillis() / 1000, Ticker.systemTicker());
    }

    @Override
    public JsonWebToken parse(String bearerToken) throws ParseException {
        String key = VerifiedTokens.keyOf(bearerToken);
        JsonWebToken known = verified.get(key);
        if (known != null) {
            return known;
        }
        JsonWebToken token = delegate.parse(bearerToken);
        verified.put(key, token);
        return token;
    }

    @Override
    public JsonWebToken parse(String bearerToken, JWTAuthContextInfo context) throws ParseException {
        return delegate.parse(bearerToken, context);
    }

    @Override
    public JsonWebToken verify(String bearerToken, java.security.PublicKey key) throws ParseException {
        return delegate.verify(bearerToken, key);
    }

    @Override
    public JsonWebToken verify(String bearerToken, javax.crypto.SecretKey key) throws ParseException {
        return delegate.verify(bearerToken, key);
    }

    @Override
    public JsonWebToken verify(String bearerToken, String secret) throws ParseException {
        return delegate.verify(bearerToken, secret);
    }

    @Override
    public JsonWebToken decrypt(String bearerToken, java.security.PrivateKey key) throws ParseException {
        return delegate.decrypt(bearerToken, key);
    }

    @Override
    public JsonWebToken decrypt(String bearerToken, javax.crypto.SecretKey key) throws ParseException {
        return delegate.decrypt(bearerToken, key);
    }

    @Override
    public JsonWebToken decrypt(String bearerToken, String secret) throws ParseException {
        return delegate.decrypt(bearerToken, secret);
    }

    @Override
    public JsonWebToken parseOnly(String bearerToken) throws ParseException {
        return delegate.parseOnly(bearerToken);
    }

    /** Verified tokens currently kept (for tests and metrics). */
    public long kept() {
        return verified.size();
    }
}
