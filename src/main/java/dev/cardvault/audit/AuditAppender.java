package dev.cardvault.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import io.vertx.mutiny.sqlclient.SqlClient;

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

    /**
     * Rows written in the same transaction as their audit events (one commit for both): a
     * tokenize stores its token row and its TOKEN_CREATED event together.
     */
    public interface Companion<T> {
        /** @return per row, whether it was written; an event whose row was not written is dropped */
        Uni<boolean[]> write(SqlClient tx, List<T> rows);
    }

    private record Pending(AuditEvent event, Instant at, CompletableFuture<Boolean> done, Context context,
            Companion<Object> companion, Object row) {
    }

    private record Written(long lastSeq, String lastHash, boolean[] written) {
    }

    public String chain() {
        return chain;
    }

    /** Completes once the event is durably stored; fails with {@link AuditUnavailableException} otherwise. */
    public Uni<Void> append(AuditEvent event) {
        return appendWith(event, null, null).replaceWithVoid();
    }

    /**
     * Stores {@code row} through {@code companion} and the event in one transaction. Completes with
     * false when the companion did not write the row (the event is then not stored either).
     */
    @SuppressWarnings("unchecked")
    public <T> Uni<Boolean> appendWith(AuditEvent event, Companion<T> companion, T row) {
        Pending p = new Pending(event, AuditChain.truncate(Instant.now()), new CompletableFuture<>(), Vertx.currentContext(),
                (Companion<Object>) companion, row);
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
        long startSeq = chainSeq;
        String startHash = head;
        repository.inTransaction(tx -> writeCompanions(tx, batch).flatMap(written -> {
            AuditRepository.Batch b = chainBatch(batch, written, startSeq, startHash);
            Written w = new Written(startSeq + b.chainSeq().length,
                    b.hash().length == 0 ? startHash : b.hash()[b.hash().length - 1], written);
            return b.hash().length == 0 ? Uni.createFrom().item(w) : repository.insert(tx, b).replaceWith(w);
        })).subscribe().with(w -> {
            chainSeq = w.lastSeq();
            head = w.lastHash();
            flushing.set(false);
            for (int i = 0; i < n; i++) {
                complete(batch.get(i), w.written()[i], null);
            }
            flush();
        }, failure -> {
            LOG.errorf("Audit batch of %d event(s) could not be written: %s", n, failure.toString());
            flushing.set(false);
            AuditUnavailableException ex = new AuditUnavailableException(failure);
            batch.forEach(e -> complete(e, false, ex));
            flush();
        });
    }

    /** Runs each companion once for its rows of the batch; events without a companion count as written. */
    private static Uni<boolean[]> writeCompanions(SqlClient tx, List<Pending> batch) {
        boolean[] written = new boolean[batch.size()];
        Map<Companion<Object>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Pending e = batch.get(i);
            if (e.companion() == null) {
                written[i] = true;
            } else {
                groups.computeIfAbsent(e.companion(), c -> new ArrayList<>()).add(i);
            }
        }
        Uni<boolean[]> chain = Uni.createFrom().item(written);
        for (Map.Entry<Companion<Object>, List<Integer>> g : groups.entrySet()) {
            List<Object> rows = g.getValue().stream().map(i -> batch.get(i).row()).toList();
            chain = chain.flatMap(w -> g.getKey().write(tx, rows).map(ok -> {
                for (int k = 0; k < ok.length; k++) {
                    w[g.getValue().get(k)] = ok[k];
                }
                return w;
            }));
        }
        return chain;
    }

    /** Hashes the written events of the batch onto the chain, in queue order. */
    private AuditRepository.Batch chainBatch(List<Pending> batch, boolean[] written, long startSeq, String startHash) {
        int n = 0;
        for (boolean w : written) {
            n += w ? 1 : 0;
        }
        AuditRepository.Batch b = new AuditRepository.Batch(chain, new Long[n], new java.time.OffsetDateTime[n], new String[n],
                new String[n], new String[n], new String[n], new String[n], new String[n], new String[n], new String[n],
                new String[n], new String[n]);
        long seq = startSeq;
        String prev = startHash;
        int i = 0;
        for (int j = 0; j < batch.size(); j++) {
            if (!written[j]) {
                continue;
            }
            Pending e = batch.get(j);
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
            i++;
        }
        return b;
    }

    /** Resumes each waiting request on its own Vert.x context. */
    private static void complete(Pending p, boolean written, Throwable failure) {
        Runnable r = failure == null ? () -> p.done().complete(written) : () -> p.done().completeExceptionally(failure);
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
