package dev.cardvault.keys;

import java.time.Duration;
import java.time.Instant;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.cardvault.metrics.VaultMetrics;
import dev.cardvault.time.VaultClock;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * The key hierarchy's gauges: seal state, age of the active KEK against its cryptoperiod, and the
 * rewrap backlog. A scrape never queries the database: the KEK's creation time and the backlog are
 * read by a short scheduled query ({@code cardvault.metrics.refresh-every}) and kept here; the age
 * is computed from the kept time at scrape.
 */
@Startup
@ApplicationScoped
public class KeyMetrics {

    private static final Logger LOG = Logger.getLogger(KeyMetrics.class);

    /** How long a KEK may be ACTIVE before it is due for rotation (PCI DSS 3.6.4); the alert compares the age with it. */
    @ConfigProperty(name = "cardvault.keys.kek-cryptoperiod", defaultValue = "P365D")
    Duration cryptoperiod;

    @Inject
    VaultMetrics metrics;

    @Inject
    Seal seal;

    @Inject
    RotationRepository rotations;

    @Inject
    VaultClock clock;

    // NaN until the first refresh: an alert compares nothing rather than a made-up value.
    private volatile Instant activeSince;
    private volatile double backlog = Double.NaN;

    @PostConstruct
    void register() {
        metrics.gauge(VaultMetrics.SEALED, "1 while this instance is sealed (no keys in memory), else 0", () -> seal.sealed() ? 1 : 0);
        metrics.gauge(VaultMetrics.KEK_AGE, "Seconds since the active key-encrypting key was created", this::age);
        metrics.gauge(VaultMetrics.KEK_CRYPTOPERIOD, "The configured cryptoperiod of a key-encrypting key (cardvault.keys.kek-cryptoperiod)",
                () -> cryptoperiod.toSeconds());
        metrics.gauge(VaultMetrics.REWRAP_BACKLOG, "Data keys still wrapped by a KEK version other than the active one", () -> backlog);
    }

    private double age() {
        Instant since = activeSince;
        return since == null ? Double.NaN : Duration.between(since, clock.instant()).toMillis() / 1000.0;
    }

    @Scheduled(identity = "key-metrics", every = "${cardvault.metrics.refresh-every:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return rotations.activeKek().invoke(k -> k.ifPresent(v -> {
            activeSince = v.createdAt().toInstant();
            backlog = v.backlog();
        })).replaceWithVoid()
                // The last values stay; the database's own alerts say why it does not answer.
                .onFailure().invoke(e -> LOG.debugf("Key metrics not refreshed: %s", e.toString())).onFailure().recoverWithNull();
    }
}
