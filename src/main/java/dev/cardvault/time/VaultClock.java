package dev.cardvault.time;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The one source of time for rules that depend on it: session and approval expiry, rate-limit
 * windows, the shutdown gate. Tests replace this bean with one they can move forward, so expiry
 * is tested without sleeping. Times the database stamps on rows ({@code now()} in SQL) are not
 * rules and stay with the database.
 */
@ApplicationScoped
public class VaultClock extends Clock {

    /** Wall-clock time, UTC. */
    @Override
    public Instant instant() {
        return Instant.now();
    }

    /** {@link #instant()} as SQL takes a {@code timestamptz} parameter, for deadlines the database compares. */
    public OffsetDateTime offsetNow() {
        return instant().atOffset(ZoneOffset.UTC);
    }

    /** Monotonic nanoseconds for measuring intervals, moved together with {@link #instant()}. */
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long millis() {
        return instant().toEpochMilli();
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        // The vault keeps UTC; another zone gets a clock fixed at this instant, for one reading.
        return ZoneOffset.UTC.equals(zone) ? this : Clock.fixed(instant(), zone);
    }
}
