package dev.cardvault.web;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.cardvault.time.VaultClock;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;

/**
 * Refuses new requests once the pre-shutdown delay is over. Quarkus then waits for the requests
 * it has counted and closes the server, but a connection accepted in between is still dispatched
 * and loses its database pool halfway (its work rolls back, the caller sees a reset, the log an
 * audit error). Refusing such a late request up front, with a 503 the caller retries on another
 * replica, means nothing starts that shutdown would cut.
 */
@ApplicationScoped
public class ShutdownGate {

    @ConfigProperty(name = "quarkus.shutdown.delay")
    Optional<Duration> delay;

    @Inject
    VaultClock clock;

    private volatile long closesAtNanos;
    private volatile boolean shuttingDown;

    void onShutdownRequested(@Observes ShutdownDelayInitiatedEvent event) {
        // During the delay requests are served as usual (readiness already reports DOWN).
        closesAtNanos = clock.nanoTime() + delay.orElse(Duration.ZERO).toNanos();
        shuttingDown = true; // after closesAtNanos: a reader that sees true sees the deadline
    }

    boolean closed() {
        return shuttingDown && clock.nanoTime() - closesAtNanos >= 0;
    }
}
