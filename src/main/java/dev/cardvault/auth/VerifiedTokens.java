package dev.cardvault.auth;

import java.time.Duration;
import java.util.HexFormat;
import java.util.function.LongSupplier;

import org.eclipse.microprofile.jwt.JsonWebToken;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;

import dev.cardvault.crypto.Sha256;

/**
 * Bearer tokens whose signature and claims were verified, kept by their SHA-256 (never the token
 * itself) until the earliest of: {@code exp}, {@code iat} plus the maximum token age, and
 * {@code maxTtl} after they were verified. A token is verified at most once per {@code maxTtl}
 * instead of on every request; a refused token is never kept.
 */
final class VerifiedTokens {

    private record Entry(JsonWebToken token, long expiresAtNanos) {
    }

    private final Cache<String, Entry> cache;
    private final long maxAgeSeconds;
    private final long maxTtlNanos;
    private final LongSupplier epochSeconds;
    private final Ticker ticker;

    /**
     * @param maxAgeSeconds {@code mp.jwt.verify.token.age}: how long after {@code iat} a token is accepted (0: no limit)
     * @param maxTtl        the longest a verification is trusted
     * @param epochSeconds  the wall clock, in seconds (tests pass their own)
     * @param ticker        the monotonic clock of the cache (tests pass their own)
     */
    VerifiedTokens(int maxEntries, long maxAgeSeconds, Duration maxTtl, LongSupplier epochSeconds, Ticker ticker) {
        this.maxAgeSeconds = maxAgeSeconds;
        this.maxTtlNanos = maxTtl.toNanos();
        this.epochSeconds = epochSeconds;
        this.ticker = ticker;
        this.cache = Caffeine.newBuilder().maximumSize(maxEntries).ticker(ticker).expireAfter(new Expiry<String, Entry>() {
            @Override
            public long expireAfterCreate(String key, Entry e, long now) {
                return Math.max(0, e.expiresAtNanos() - now);
            }

            @Override
            public long expireAfterUpdate(String key, Entry e, long now, long current) {
                return Math.max(0, e.expiresAtNanos() - now);
            }

            @Override
            public long expireAfterRead(String key, Entry e, long now, long current) {
                return current;
            }
        }).build();
    }

    static String keyOf(String bearer) {
        return HexFormat.of().formatHex(Sha256.of(bearer));
    }

    /** The verified token, if this exact token was verified and is still within its lifetime. */
    JsonWebToken get(String key) {
        Entry e = cache.getIfPresent(key);
        // Caffeine evicts lazily: check the deadline here too.
        return e == null || ticker.read() >= e.expiresAtNanos() ? null : e.token();
    }

    /** Keeps a token just verified, for as long as it would still verify. */
    void put(String key, JsonWebToken token) {
        long now = epochSeconds.getAsLong();
        long until = token.getExpirationTime() > 0 ? token.getExpirationTime() : Long.MAX_VALUE;
        if (maxAgeSeconds > 0 && token.getIssuedAtTime() > 0) {
            until = Math.min(until, token.getIssuedAtTime() + maxAgeSeconds);
        }
        long remainingNanos = until == Long.MAX_VALUE ? maxTtlNanos
                : Math.min(maxTtlNanos, Duration.ofSeconds(Math.max(0, until - now)).toNanos());
        if (remainingNanos > 0) {
            cache.put(key, new Entry(token, ticker.read() + remainingNanos));
        }
    }

    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }
}
