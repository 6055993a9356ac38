package dev.cardvault.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.MovableClock;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;

/** The gate's timing; ContainerIT shows its effect on a real SIGTERM under load. */
@Tag("unit")
class ShutdownGateTest {

    private static ShutdownGate gate(MovableClock clock, Optional<Duration> delay) {
        ShutdownGate gate = new ShutdownGate();
        gate.clock = clock;
        gate.delay = delay;
        return gate;
    }

    @Test
    void open_untilShutdownIsRequested_thenServesThroughTheDelay_thenRefuses() {
        MovableClock clock = new MovableClock();
        ShutdownGate gate = gate(clock, Optional.of(Duration.ofSeconds(30)));
        assertFalse(gate.closed(), "open while running");
        gate.onShutdownRequested(new ShutdownDelayInitiatedEvent());
        assertFalse(gate.closed(), "still serving during the pre-shutdown delay");
        clock.advance(Duration.ofSeconds(29));
        assertFalse(gate.closed(), "still serving near the end of the delay");
        clock.advance(Duration.ofSeconds(2));
        assertTrue(gate.closed(), "refusing once the delay is over");
    }

    @Test
    void withoutDelay_refusesAsSoonAsShutdownIsRequested() {
        ShutdownGate gate = gate(new MovableClock(), Optional.empty());
        assertFalse(gate.closed());
        gate.onShutdownRequested(new ShutdownDelayInitiatedEvent());
        assertTrue(gate.closed());
    }
}
