package dev.cardvault.tokens;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.cardvault.time.VaultClock;

/**
 * Per-subject limit on revealed PANs: a token bucket holding a minute's allowance, refilled
 * continuously. A batch takes one unit per token.
 *
 * <p>Per instance, on purpose: a shared counter would put a database write on every reveal, the
 * path billing runs hammer. With N replicas a subject can reveal up to N × the limit per minute;
 * set the limit to (allowance / replicas), or route each billing client to one replica. The
 * audit trail records every reveal either way.
 */
@ApplicationScoped
public class RevealRateLimiter {

    @ConfigProperty(name = "cardvault.detokenize.rate-limit-per-minute", defaultValue = "600")
    int perMinute;

    /** Above this many tracked subjects, buckets that have refilled completely are dropped. */
    static final int EVICT_ABOVE = 10_000;

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    @Inject
    VaultClock clock;

    private static final class Bucket {
        double available;
        long lastNanos;

        Bucket(double available, long now) {
            this.available = available;
            this.lastNanos = now;
        }
    }

    /** A full bucket carries no state worth keeping: a new one starts full too. */
    private void evictRefilled(long now, double ratePerNano) {
        buckets.entrySet().removeIf(e -> {
            Bucket b = e.getValue();
            synchronized (b) {
                return b.available + (now - b.lastNanos) * ratePerNano >= perMinute;
            }
        });
    }

    int trackedSubjects() {
        return buckets.size();
    }

    /** @return 0 when {@code units} were taken, else the whole seconds to wait before they would be available */
    public long tryAcquire(String subject, int units) {
        long now = clock.nanoTime();
        double ratePerNano = perMinute / 60e9;
        if (buckets.size() > EVICT_ABOVE) {
            evictRefilled(now, ratePerNano);
        }
        Bucket b = buckets.computeIfAbsent(subject, s -> new Bucket(perMinute, now));
        synchronized (b) {
            b.available = Math.min(perMinute, b.available + (now - b.lastNanos) * ratePerNano);
            b.lastNanos = now;
            if (b.available >= units) {
                b.available -= units;
                return 0;
            }
            if (units > perMinute) {
                return 60;
            }
            return Math.max(1, (long) Math.ceil((units - b.available) / ratePerNano / 1e9));
        }
    }
}
