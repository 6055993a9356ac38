package dev.cardvault.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.cardvault.crypto.Randomness;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * This instance's audit chain. Events queue up while one batch is being committed and go out
 * together in the next one (group commit): requests never wait on a lock, the chain never forks
 * (one writer per chain), and the database sees one INSERT and one commit per batch.
 *
 * <p>Each instance, and each start of it, gets its own chain id, so replicas sharing a database
 * each keep a linear chain; the verifier checks every chain. An event's caller is answered only
 * after its batch is durably committed; if the commit fails, every caller in the batch gets
 * {@link AuditUnavailableException} and the chain head does not move.
 */
@ApplicationScoped
public class AuditAppender {

    private static final Logger LOG = Logger.getLogger(AuditAppender.class);
    static final int MAX_BATCH = 1000;

    @Inject
    AuditRepository repository;

    private final String chain = newChainId();
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushing = new AtomicBoolean();
    // Written only by the single flusher; published by the flushing flag's release.
    private long chainSeq;
    private String head = AuditChain.GENESIS;

    private record Pending(AuditEvent event, Instant at, CompletableFuture<Void> done, Context context) {
    }

    public String chain() {
        return chain;
    }

    /** Completes once the event is durably stored; fails with {@link AuditUnavailableException} otherwise. */
    public Uni<Void> append(AuditEvent event) {
        Pending p = new Pending(event, AuditChain.truncate(Instant.now()), new CompletableFuture<>(), Vertx.currentContext());
        queue.add(p);
        flush();
        return Uni.createFrom().completionStage(p.done);
    }

    private void flush() {
        if (!flushing.compareAndSet(false, true)) {
            return; // the running flush picks this event up when it is done
        }
        List<Pending> batch = new ArrayList<>();
        Pending p;
        while (batch.size() < MAX_BATCH && (p = queue.poll()) != null) {
            batch.add(p);
        }
        if (batch.isEmpty()) {
            flushing.set(false);
            if (!queue.isEmpty()) {
                flush();
            }
            return;
        }
        int n = batch.size();
        AuditRepository.Batch b = new AuditRepository.Batch(chain, new Long[n], new java.time.OffsetDateTime[n], new String[n],
                new String[n], new String[n], new String[n], new String[n], new String[n], new String[n], new String[n],
                new String[n], new String[n]);
        long seq = chainSeq;
        String prev = head;
        for (int i = 0; i < n; i++) {
            Pending e = batch.get(i);
            AuditEvent ev = e.event();
            seq++;
            String hash = AuditChain.hash(prev, chain, seq, e.at(), ev.type().name(), ev.subject(), ev.tenant(), ev.token(),
                    ev.purpose(), ev.outcome().name(), ev.sourceIp(), ev.requestId());
            b.chainSeq()[i] = seq;
            b.at()[i] = e.at().atOffset(ZoneOffset.UTC);
            b.type()[i] = ev.type().name();
            b.subject()[i] = ev.subject();
            b.tenant()[i] = ev.tenant();
            b.token()[i] = ev.token();
            b.purpose()[i] = ev.purpose();
            b.outcome()[i] = ev.outcome().name();
            b.sourceIp()[i] = ev.sourceIp();
            b.requestId()[i] = ev.requestId();
            b.prevHash()[i] = prev;
            b.hash()[i] = hash;
            prev = hash;
        }
        long lastSeq = seq;
        String lastHash = prev;
        repository.insert(b).subscribe().with(ok -> {
            chainSeq = lastSeq;
            head = lastHash;
            flushing.set(false);
            batch.forEach(e -> complete(e, null));
            flush();
        }, failure -> {
            LOG.errorf("Audit batch of %d event(s) could not be written: %s", n, failure.toString());
            flushing.set(false);
            AuditUnavailableException ex = new AuditUnavailableException(failure);
            batch.forEach(e -> complete(e, ex));
            flush();
        });
    }

    /** Resumes each waiting request on its own Vert.x context. */
    private static void complete(Pending p, Throwable failure) {
        Runnable r = failure == null ? () -> p.done().complete(null) : () -> p.done().completeExceptionally(failure);
        if (p.context() != null) {
            p.context().runOnContext(v -> r.run());
        } else {
            r.run();
        }
    }

    private static String newChainId() {
        byte[] b = new byte[8];
        Randomness.secure().nextBytes(b);
        return "c-" + HexFormat.of().formatHex(b);
    }
}
