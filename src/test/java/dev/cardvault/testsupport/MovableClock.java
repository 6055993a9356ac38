package dev.cardvault.testsupport;

import java.time.Duration;
import java.time.Instant;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import dev.cardvault.time.VaultClock;

/**
 * The vault's clock in tests: real time plus an offset that a test moves forward instead of
 * sleeping. Every {@code @QuarkusTest} gets this bean in place of {@link VaultClock}. Like real
 * time it only moves forward: a moved clock stays moved for the tests that follow, which see it as
 * time that has passed.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class MovableClock extends VaultClock {

    private volatile long offsetNanos;

    @Override
    public Instant instant() {
        return super.instant().plusNanos(offsetNanos);
    }

    @Override
    public long nanoTime() {
        return super.nanoTime() + offsetNanos;
    }

    public synchronized void advance(Duration by) {
        if (by.isNegative()) {
            throw new IllegalArgumentException("time only moves forward");
        }
        offsetNanos += by.toNanos();
    }
}
