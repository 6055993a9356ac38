package dev.cardvault.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Set;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The counters' labels and caching, on a plain registry. */
@Tag("unit")
class VaultMetricsTest {

    private static VaultMetrics registered(SimpleMeterRegistry registry) {
        VaultMetrics metrics = new VaultMetrics();
        metrics.registry = registry;
        metrics.register();
        return metrics;
    }

    @Test
    void startUp_registersEachFamilysNoneSeries_andTheUnlabelledCounters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        registered(registry);
        for (String family : new String[] { "cardvault_tokenize", "cardvault_reveal", "cardvault_reveal_denied" }) {
            Counter none = registry.find(family).tags("tenant", "none", "purpose", "none").counter();
            assertEquals(0.0, none.count(), family);
        }
        assertEquals(0.0, registry.find("cardvault_audit_write_failures").counter().count());
        assertEquals(3, registry.find("cardvault_import_lines").counters().size(), "one series per outcome");
    }

    @Test
    void cardsAreCounted_underTenantAndPurpose_oneCachedCounterEach() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        VaultMetrics metrics = registered(registry);
        metrics.revealed("acme", "REFUND", 3);
        metrics.revealed("acme", "REFUND", 2);
        metrics.revealed("acme", "CHARGEBACK", 0); // nothing revealed: no series
        metrics.revealDenied("acme", "other", 4);
        Counter refund = registry.find("cardvault_reveal").tags("tenant", "acme", "purpose", "REFUND").counter();
        assertEquals(5.0, refund.count());
        assertNull(registry.find("cardvault_reveal").tags("purpose", "CHARGEBACK").counter());
        assertEquals(4.0, registry.find("cardvault_reveal_denied").tags("tenant", "acme", "purpose", "other").counter().count());
        metrics.revealed("acme", "REFUND", 1);
        assertSame(refund, registry.find("cardvault_reveal").tags("tenant", "acme", "purpose", "REFUND").counter());
        assertEquals(2, registry.find("cardvault_reveal").counters().size(), "the start-up series and acme/REFUND");
    }

    @Test
    void purposeLabel_isAKnownCode_elseOther_orNone() {
        Set<String> allowed = Set.of("REFUND", "CHARGEBACK");
        assertEquals("REFUND", VaultMetrics.purpose("REFUND", allowed));
        assertEquals(VaultMetrics.OTHER, VaultMetrics.purpose("refund", allowed));
        assertEquals(VaultMetrics.OTHER, VaultMetrics.purpose("4111 1111", allowed));
        assertEquals(VaultMetrics.NONE, VaultMetrics.purpose(null, allowed));
    }
}
