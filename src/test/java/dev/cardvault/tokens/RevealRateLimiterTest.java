package dev.cardvault.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.cardvault.time.VaultClock;

@Tag("unit")
class RevealRateLimiterTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    private RevealRateLimiter limiter(int perMinute) {
        RevealRateLimiter l = new RevealRateLimiter();
        l.perMinute = perMinute;
        l.clock = new VaultClock() {
            @Override
            public long nanoTime() {
                return now.get(); // stands still unless the test moves it
            }
        };
        return l;
    }

    @Test
    void tryAcquire_allowsAMinutesWorth_thenSaysHowLongToWait_thenRefills() {
        RevealRateLimiter l = limiter(60);
        assertEquals(0, l.tryAcquire("billing", 60));
        assertEquals(1, l.tryAcquire("billing", 1)); // one unit per second
        assertEquals(10, l.tryAcquire("billing", 10));
        assertEquals(0, l.tryAcquire("other", 1), "subjects are limited separately");
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        assertEquals(0, l.tryAcquire("billing", 10));
        assertEquals(60, l.tryAcquire("billing", 61), "more than a minute's allowance is never possible");
    }

    @Test
    void idleSubjects_areForgotten_onceThereAreMany() {
        RevealRateLimiter l = limiter(60);
        for (int i = 0; i <= RevealRateLimiter.EVICT_ABOVE; i++) {
            l.tryAcquire("subject-" + i, 1);
        }
        assertTrue(l.trackedSubjects() > RevealRateLimiter.EVICT_ABOVE);
        now.addAndGet(TimeUnit.SECONDS.toNanos(61)); // every bucket has refilled
        l.tryAcquire("newcomer", 1);
        assertEquals(1, l.trackedSubjects());
    }
}
