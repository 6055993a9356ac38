package dev.cardvault.auth;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The verified-token cache keeps a token exactly as long as it would still verify, on injected clocks. */
@Tag("unit")
class VerifiedTokensTest {

    private static final long T0 = 1_800_000_000L;
    private final AtomicLong wall = new AtomicLong(T0);
    private final AtomicLong mono = new AtomicLong(1_000_000_000L);

    private VerifiedTokens cache(long maxAge, Duration ttl) {
        return new VerifiedTokens(100, maxAge, ttl, wall::get, mono::get);
    }

    private void advance(long seconds) {
        wall.addAndGet(seconds);
        mono.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
    }

    private static JsonWebToken jwt(long iat, long exp) {
        Map<String, Object> claims = Map.of("iat", iat, "exp", exp, "sub", "alice");
        return new JsonWebToken() {
            @Override
            public String getName() {
                return "alice";
            }

            @Override
            public Set<String> getClaimNames() {
                return claims.keySet();
            }

            @SuppressWarnings("unchecked")
            @Override
            public <T> T getClaim(String name) {
                return (T) claims.get(name);
            }
        };
    }

    @Test
    void aTokenIsKeptUntilItsExp() {
        VerifiedTokens c = cache(0, Duration.ofHours(1));
        JsonWebToken t = jwt(T0, T0 + 100);
        c.put("k", t);
        assertSame(t, c.get("k"));
        advance(99);
        assertNotNull(c.get("k"));
        advance(1);
        assertNull(c.get("k"), "kept past exp");
    }

    @Test
    void theMaximumAgeCutsItShorter_andSoDoesTheTtl() {
        VerifiedTokens aged = cache(30, Duration.ofHours(1));
        aged.put("k", jwt(T0 - 20, T0 + 3600));
        advance(9);
        assertNotNull(aged.get("k"));
        advance(1);
        assertNull(aged.get("k"), "kept past iat + max age");

        VerifiedTokens capped = cache(0, Duration.ofSeconds(5));
        capped.put("k", jwt(T0, T0 + 3600));
        advance(5);
        assertNull(capped.get("k"), "trusted past the TTL");
    }

    @Test
    void anExpiredTokenIsNotKept_andOnlyItsOwnKeyFindsIt() {
        VerifiedTokens c = cache(0, Duration.ofHours(1));
        c.put("old", jwt(T0 - 100, T0));
        assertNull(c.get("old"));
        c.put("k", jwt(T0, T0 + 100));
        assertNull(c.get(VerifiedTokens.keyOf("k")));
        assertNull(c.get("other"));
    }

    @Test
    void theKeyIsTheTokensHash_notTheToken() {
        String key = VerifiedTokens.keyOf("eyJhbGciOiJSUzI1NiJ9.e30.sig");
        org.junit.jupiter.api.Assertions.assertEquals(64, key.length());
        org.junit.jupiter.api.Assertions.assertFalse(key.contains("eyJ"));
    }
}
