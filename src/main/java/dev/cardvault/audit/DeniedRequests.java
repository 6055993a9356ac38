package dev.cardvault.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Denials of unauthenticated requests, counted per source address and written as one
 * ACCESS_DENIED event per address and minute ({@code detail: count=…, window=…}): whoever can
 * reach the ingress cannot fill the undeletable table. At most {@link #MAX_SOURCES} addresses are
 * told apart per minute; beyond that they are counted together under no address.
 */
@ApplicationScoped
public class DeniedRequests {

    private static final Logger LOG = Logger.getLogger(DeniedRequests.class);
    static final int MAX_SOURCES = 1000;
    private static final String OTHER = "";

    @Inject
    Audit audit;

    private volatile Window window = new Window(minute(Instant.now()));

    private record Window(Instant start, Map<String, AtomicLong> counts) {
        Window(Instant start) {
            this(start, new ConcurrentHashMap<>());
        }
    }

    /** Counts one unauthenticated denial from {@code sourceIp} (null when unknown). */
    public void count(String sourceIp) {
        Window w = window;
        String key = sourceIp == null ? OTHER : sourceIp;
        AtomicLong c = w.counts().get(key);
        if (c == null) {
            c = w.counts().size() < MAX_SOURCES ? w.counts().computeIfAbsent(key, k -> new AtomicLong())
                    : w.counts().computeIfAbsent(OTHER, k -> new AtomicLong());
        }
        c.incrementAndGet();
    }

    @Scheduled(identity = "denied-requests", every = "${cardvault.audit.denial-window:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return flush().onFailure().invoke(e -> LOG.errorf("Aggregated denials could not be written: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /** Writes the current window's counts, one event per address, and starts a new window. */
    public Uni<Void> flush() {
        Window w = window;
        window = new Window(minute(Instant.now()));
        if (w.counts().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> writes = new ArrayList<>();
        w.counts().forEach((ip, n) -> writes.add(audit.record(new AuditEvent(AuditType.ACCESS_DENIED, Outcome.DENIED, null, null,
                null, null, ip.isEmpty() ? null : ip, null, "unauthenticated count=" + n.get() + " window=" + w.start()))));
        return Uni.join().all(writes).andCollectFailures().replaceWithVoid();
    }

    private static Instant minute(Instant at) {
        return at.truncatedTo(ChronoUnit.MINUTES);
    }
}
