package dev.cardvault.keys;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/**
 * Loads the key hierarchy at start-up (master key → KEK versions, fingerprint root) and fails
 * closed: a key the configured master key cannot unwrap stops the service instead of being
 * replaced. Readiness waits for it.
 */
@ApplicationScoped
public class KeyHierarchy {

    private static final Logger LOG = Logger.getLogger(KeyHierarchy.class);

    @Inject
    MasterKey masterKey;

    @Inject
    KekRing keks;

    @Inject
    FingerprintKeys fingerprints;

    void onStart(@Observes StartupEvent event) {
        keks.load().flatMap(v -> fingerprints.load()).await().atMost(Duration.ofSeconds(60));
        LOG.infof("Key hierarchy loaded: %s, KEK v%d active, %d KEK version(s) available", masterKey.describe(),
                keks.activeVersion(), keks.versions());
    }

    public boolean isLoaded() {
        return keks.isLoaded() && fingerprints.isLoaded();
    }
}
