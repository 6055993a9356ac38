package dev.cardvault.web;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;

/** The gate's timing; ContainerIT shows its effect on a real SIGTERM under load. */
@Tag("unit")
class ShutdownGateTest {

    @Test
    void open_untilShutdownIsRequested_thenServesThroughTheDelay_thenRefuses() throws Exception {
        ShutdownGate gate = new ShutdownGate();
        gate.delay = Optional.of(Duration.ofMillis(300));
        assertFalse(gate.closed(), "open while running");
        gate.onShutdownRequested(new ShutdownDelayInitiatedEvent());
        assertFalse(gate.closed(), "still serving during the pre-shutdown delay");
        Thread.sleep(400);
        assertTrue(gate.closed(), "refusing once the delay is over");
    }

    @Test
    void withoutDelay_refusesAsSoonAsShutdownIsRequested() {
        ShutdownGate gate = new ShutdownGate();
        gate.delay = Optional.empty();
        assertFalse(gate.closed());
        gate.onShutdownRequested(new ShutdownDelayInitiatedEvent());
        assertTrue(gate.closed());
    }
}
