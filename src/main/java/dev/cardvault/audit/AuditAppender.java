package dev.cardvault.audit;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.cardvault.crypto.Randomness;
import dev.cardvault.database.DatabaseFailures;
import dev.cardvault.database.PipelinedTransaction;
import dev.cardvault.database.Waiters;
import dev.cardvault.logging.LogFields;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.mutiny.CompositeException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * This instance's audit chain. Events queue up while one batch is being committed and go out
 * together in the next one (group commit): requests never wait on a lock, the chain never forks
 * (one writer per chain), and the database sees one INSERT and one commit per batch. Every caller
 * waits for its batch, so a batch takes as few round trips as it can: one when its rows can be
 * written all-or-nothing ({@link Companion#writesAll}), else two ({@link PipelinedTransaction}).
 *
 * <p>An event's caller is answered only after its batch is durably committed. When a commit
 * fails, every caller in the batch gets {@link AuditUnavailableException}, readiness turns DOWN,
 * and the next batch starts a new chain: the failed commit may have landed after all (a lost
 * acknowledgement), so continuing the old chain from memory could fork it. Every chain opens with
 * a CHAIN_STARTED event that links the newest checkpoint and the heads of the chains written
 * since, so a removed chain is noticed by the verifier.
 *
 * <p>A state change that must not happen without its event ({@link #appendAtomically}) runs in a
 * batch of its own: the change and the event commit together, or neither does.
 */
@ApplicationScoped
public class AuditAppender {

    private static final Logger LOG = Logger.getLogger(AuditAppender.class);
    static final int MAX_BATCH = 1000;
    /**
     * Commits can land out of order: a new chain also links heads of events numbered up to this
     * many positions before the newest checkpoint's end.
     */
    static final long LINK_MARGIN = 10_000;

    @Inject
    AuditRepository repository;

    @Inject
    AuditKeys keys;

    @Inject
    dev.cardvault.metrics.VaultMetrics metrics;

    /**
     * The audit.flush span of each batch: a no-op tracer while tracing is off, and also in a build
     * without the OpenTelemetry extension's beans ({@code quarkus.otel.enabled=false}).
     */
    @Inject
    jakarta.enterprise.inject.Instance<Tracer> tracers;

    private Tracer tracer;

    @jakarta.annotation.PostConstruct
    void pickTracer() {
        tracer = tracers.isResolvable() ? tracers.get() : io.opentelemetry.api.OpenTelemetry.noop().getTracer("cardvault");
    }

    /** Time of new events; tests move it ({@link #useClock}) to write into past months. */
    private volatile Clock clock = Clock.systemUTC();

    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushing = new AtomicBoolean();
    // Written only by the single flusher; published by the flushing flag's release.
    private volatile String chain;
    private long chainSeq;
    private String head = AuditChain.GENESIS;
    private volatile boolean needsNewChain = true;
    private volatile boolean healthy = true;
    private volatile boolean healRequested;
    private volatile boolean loseNextAcknowledgement;
    // When the batch being written was sent (writing: one is): read by readiness, on another thread.
    private volatile boolean writing;
    private volatile long writingSince;

    /**
     * A batch that has waited on the database longer than a request may wait holds every audited
     * operation of this instance behind it (a connection lost without a reset waits until TCP gives
     * up, about 15 minutes): readiness reports it.
     */
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "cardvault.http.request-timeout", defaultValue = "10s")
    java.time.Duration stallAfter;
    private final AtomicLong writtenAgainStepwise = new AtomicLong();

    /**
     * Rows written in the same transaction as their audit events (one commit for both): a
     * tokenize stores its token row and its TOKEN_CREATED event together.
     */
    public interface Companion<T> {
        /** @return per row, whether it was written; an event whose row was not written is dropped */
        Uni<boolean[]> write(SqlClient tx, List<T> rows);

        /**
         * Writes every row or fails with a unique violation (SQLSTATE 23505) when one is taken: a
         * batch whose rows all offer this goes out in one round trip, its events computed before
         * the rows are written. After such a failure the batch is written again with
         * {@link #write}. Optional ({@link #writesAll}).
         */
        default Uni<Void> writeAll(SqlClient tx, List<T> rows) {
            throw new UnsupportedOperationException("not offered");
        }

        /** Whether {@link #writeAll} is offered. */
        default boolean writesAll() {
            return false;
        }

        /** The event as recorded once its row is written (e.g. with the token the row ended up with). */
        default AuditEvent eventFor(T row, AuditEvent event) {
            return event;
        }
    }

    private record Pending(AuditEvent event, Instant at, CompletableFuture<Object> done, Context context,
            Companion<Object> companion, Object row, Function<SqlClient, Uni<Object>> work,
            Function<Object, List<AuditEvent>> eventsOf) {

        boolean exclusive() {
            return work != null;
        }
    }

    /** A companion's row value is taken: the transaction rolled back, nothing was written. */
    private static final class ValueTaken extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ValueTaken(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    /** A failure of an atomic change itself (not of the trail): the transaction is rolled back, the chain is fine. */
    private static final class ChangeRefused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ChangeRefused(Throwable cause) {
            super(null, cause, false, false);
        }
    }

    private record Written(String chain, long lastSeq, String lastHash, Object[] results, AuditRepository.Batch events) {
    }

    /** This instance's current chain id (null before its first event). */
    public String chain() {
        return chain;
    }

    /** False after a failed write until a write succeeds again: readiness reports it. */
    public boolean isHealthy() {
        return healthy;
    }

    /** Whether the batch being written has waited on the database longer than a request may wait. */
    public boolean isStalled() {
        // writing before writingSince: the start time read is then this batch's or a later one's, never an
        // earlier batch's (which would report a stall that is not there)
        return writing && !stallAfter.isZero() && System.nanoTime() - writingSince > stallAfter.toNanos();
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
        Pending p = new Pending(event, now(), new CompletableFuture<>(), Vertx.currentContext(), (Companion<Object>) companion, row,
                null, null);
        queue.add(p);
        flush();
        return Uni.createFrom().completionStage(p.done).map(Boolean.class::cast);
    }

    /**
     * Runs {@code change} and stores the events {@code eventsOf} makes of its result in one
     * transaction: all or nothing. A failure of the change is passed to the caller as is (and
     * nothing is written); a failure of the trail as {@link AuditUnavailableException} (and the
     * change is rolled back). {@code eventsOf} may return no event: the change then stands alone.
     */
    @SuppressWarnings("unchecked")
    public <T> Uni<T> appendAtomically(Function<SqlClient, Uni<T>> change, Function<T, List<AuditEvent>> eventsOf) {
        Pending p = new Pending(null, now(), new CompletableFuture<>(), Vertx.currentContext(), null, null,
                tx -> change.apply(tx).map(r -> (Object) r), r -> eventsOf.apply((T) r));
        queue.add(p);
        flush();
        return Uni.createFrom().completionStage(p.done).map(r -> (T) r);
    }

    /**
     * After a failure, tries to open a new chain even when no event is waiting (readiness calls
     * this, so that an idle instance becomes ready again once the database is back).
     */
    public void heal() {
        if (!healthy) {
            healRequested = true;
            flush();
        }
    }

    /** Test seam: the clock of new events. */
    void useClock(Clock c) {
        clock = c;
    }

    /** Test seam: the next batch opens a new chain (as after a failure, without one). */
    void startNewChain() {
        needsNewChain = true;
    }

    /** Test seam: batches sent at once that had a taken value and were written again stepwise. */
    long writtenAgainStepwise() {
        return writtenAgainStepwise.get();
    }

    /** Test seam: how long a batch may wait before readiness reports the trail stalled; returns the previous value. */
    java.time.Duration useStallAfter(java.time.Duration d) {
        java.time.Duration before = stallAfter;
        stallAfter = d;
        return before;
    }

    /** Test seam: the next successful commit is reported as failed, as when its acknowledgement is lost. */
    void loseNextAcknowledgement() {
        loseNextAcknowledgement = true;
    }

    private Instant now() {
        return AuditChain.truncate(clock.instant());
    }

    /** The trail's own time, that new events are stamped with: windows over the trail are in it. */
    Instant trailTime() {
        return clock.instant();
    }

    private void flush() {
        if (!flushing.compareAndSet(false, true)) {
            return; // the running flush picks this event up when it is done
        }
        List<Pending> batch = new ArrayList<>();
        Pending p;
        while (batch.size() < MAX_BATCH && (p = queue.peek()) != null) {
            if (p.exclusive() && !batch.isEmpty()) {
                break; // an atomic change goes in a batch of its own
            }
            batch.add(queue.poll());
            if (p.exclusive()) {
                break;
            }
        }
        boolean startChain = needsNewChain;
        if (batch.isEmpty() && !(startChain && healRequested)) {
            flushing.set(false);
            if (!queue.isEmpty()) {
                flush();
            }
            return;
        }
        healRequested = false;
        String chainId = startChain ? newChainId() : chain;
        long startSeq = startChain ? 0 : chainSeq;
        String startHash = startChain ? AuditChain.GENESIS : head;
        int n = batch.size();
        // One span per batch, a child of whichever request started the flush; never an event's content.
        Span span = tracer.spanBuilder("audit.flush").setAttribute("cardvault.audit.batch.size", n)
                .setAttribute("cardvault.audit.new_chain", startChain).startSpan();
        writingSince = System.nanoTime();
        writing = true;
        Uni<Written> written = canGoAtOnce(startChain, batch)
                ? atOnce(batch, chainId, startSeq, startHash).onFailure(AuditAppender::valueTaken).recoverWithUni(() -> {
                    writtenAgainStepwise.incrementAndGet();
                    return stepwise(startChain, batch, chainId, startSeq, startHash);
                })
                : stepwise(startChain, batch, chainId, startSeq, startHash);
        written
                .subscribe().with(w -> {
                    writing = false;
                    span.setAttribute("cardvault.audit.events", w.lastSeq() - startSeq);
                    if (loseNextAcknowledgement) {
                        loseNextAcknowledgement = false;
                        failed(batch, new IllegalStateException("acknowledgement lost (test seam)"), span);
                        return;
                    }
                    span.end();
                    chain = w.chain();
                    chainSeq = w.lastSeq();
                    head = w.lastHash();
                    needsNewChain = false;
                    healthy = true;
                    flushing.set(false);
                    for (int i = 0; i < n; i++) {
                        complete(batch.get(i), w.results()[i], null);
                    }
                    flush();
                }, failure -> {
                    writing = false;
                    if (failure instanceof ChangeRefused refused) {
                        // The change itself was refused and rolled back; the trail is as it was.
                        span.setAttribute("cardvault.audit.change_refused", true);
                        span.end();
                        flushing.set(false);
                        complete(batch.get(0), null, refused.getCause());
                        flush();
                        return;
                    }
                    failed(batch, failure, span);
                });
    }

    /** Every entry an event (no atomic change), every row all-or-nothing, and no chain to open. */
    private static boolean canGoAtOnce(boolean startChain, List<Pending> batch) {
        for (Pending p : batch) {
            if (p.exclusive() || (p.companion() != null && !p.companion().writesAll())) {
                return false;
            }
        }
        return !startChain;
    }

    /**
     * The whole batch in one round trip: BEGIN, each companion's rows, the events (hashed as if
     * every row is written) and COMMIT all go out before any answer. A taken value fails its
     * statement, PostgreSQL rolls the transaction back, and the batch is written stepwise.
     */
    private Uni<Written> atOnce(List<Pending> batch, String chainId, long startSeq, String startHash) {
        int n = batch.size();
        List<AuditEvent> events = new ArrayList<>(n);
        List<Instant> times = new ArrayList<>(n);
        Object[] results = new Object[n];
        for (int i = 0; i < n; i++) {
            Pending p = batch.get(i);
            events.add(p.companion() == null ? p.event() : p.companion().eventFor(p.row(), p.event()));
            times.add(p.at());
            results[i] = Boolean.TRUE;
        }
        Map<Companion<Object>, List<Integer>> groups = byCompanion(batch);
        AuditRepository.Batch b = chainBatch(chainId, events, times, startSeq, startHash);
        Written w = new Written(chainId, startSeq + n, b.hash()[n - 1], results, b);
        return repository.inPipelinedTransaction(tx -> Uni.createFrom().nullItem(), (tx, none) -> {
            List<Uni<Void>> statements = new ArrayList<>(groups.size() + 1);
            groups.forEach((companion, entries) -> statements.add(companion.writeAll(tx, rowsOf(batch, entries))
                    .onFailure(DatabaseFailures::uniqueViolation).transform(ValueTaken::new)));
            statements.add(repository.insert(tx, b));
            return Uni.combine().all().unis(statements).collectFailures().discardItems().replaceWith(w);
        });
    }

    /** A row's value was taken (alone, or with the failures it caused behind it in the pipeline). */
    private static boolean valueTaken(Throwable failure) {
        return failure instanceof ValueTaken
                || failure instanceof CompositeException c && c.getCauses().stream().anyMatch(AuditAppender::valueTaken);
    }

    /** Opens the chain if needed, writes the rows (learning which were written), then their events. */
    private Uni<Written> stepwise(boolean startChain, List<Pending> batch, String chainId, long startSeq, String startHash) {
        int n = batch.size();
        return repository.inPipelinedTransaction(tx -> (startChain ? chainStarted(tx) : Uni.createFrom().<AuditEvent> nullItem())
                .flatMap(opening -> changes(tx, batch).map(changed -> {
                    List<AuditEvent> events = new ArrayList<>(n + 1);
                    List<Instant> times = new ArrayList<>(n + 1);
                    if (opening != null) {
                        events.add(opening);
                        times.add(now());
                    }
                    for (int i = 0; i < n; i++) {
                        for (AuditEvent e : changed.events().get(i)) {
                            events.add(e);
                            times.add(batch.get(i).at());
                        }
                    }
                    AuditRepository.Batch b = events.isEmpty() ? null : chainBatch(chainId, events, times, startSeq, startHash);
                    return new Written(chainId, startSeq + events.size(), b == null ? startHash : b.hash()[events.size() - 1],
                            changed.results(), b);
                })),
                // the batch's one INSERT goes out together with COMMIT
                (tx, w) -> w.events() == null ? Uni.createFrom().item(w) : repository.insert(tx, w.events()).replaceWith(w));
    }

    private void failed(List<Pending> batch, Throwable failure, Span span) {
        // The failure's class only: a database error's message is not for the traces.
        span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
        span.end();
        // Written on the context of whichever request started the flush: not that request's line.
        LogFields.detached(eventTypes(batch),
                () -> LOG.errorf("Audit batch of %d event(s) could not be written: %s", batch.size(), failure.toString()));
        metrics.auditWriteFailed(batch.size());
        needsNewChain = true;
        healthy = false;
        flushing.set(false);
        AuditUnavailableException ex = new AuditUnavailableException(failure);
        batch.forEach(e -> complete(e, null, ex));
        flush();
    }

    /** The batch's event types, for its log line: distinct, comma-separated; null when none is known yet (atomic changes). */
    private static String eventTypes(List<Pending> batch) {
        String types = batch.stream().filter(p -> p.event() != null).map(p -> p.event().type().name()).distinct()
                .collect(java.util.stream.Collectors.joining(","));
        return types.isEmpty() ? null : types;
    }

    private record Changed(List<List<AuditEvent>> events, Object[] results) {
    }

    /**
     * Runs the batch's changes: an atomic change (alone in its batch), or each companion once for
     * its rows. Returns per entry the event to record (null: none) and the caller's result.
     */
    private static Uni<Changed> changes(SqlClient tx, List<Pending> batch) {
        int n = batch.size();
        List<List<AuditEvent>> events = new ArrayList<>(java.util.Collections.nCopies(n, List.<AuditEvent> of()));
        Object[] results = new Object[n];
        if (n == 1 && batch.get(0).exclusive()) {
            Pending p = batch.get(0);
            // deferred: a change that throws instead of failing its Uni is refused the same way
            return Uni.createFrom().deferred(() -> p.work().apply(tx)).onFailure().transform(ChangeRefused::new).map(r -> {
                results[0] = r;
                events.set(0, p.eventsOf().apply(r));
                return new Changed(events, results);
            });
        }
        for (int i = 0; i < n; i++) {
            Pending e = batch.get(i);
            if (e.companion() == null) {
                events.set(i, List.of(e.event()));
                results[i] = Boolean.TRUE;
            }
        }
        Uni<Changed> chain = Uni.createFrom().item(new Changed(events, results));
        for (Map.Entry<Companion<Object>, List<Integer>> g : byCompanion(batch).entrySet()) {
            List<Object> rows = rowsOf(batch, g.getValue());
            chain = chain.flatMap(c -> g.getKey().write(tx, rows).map(ok -> {
                for (int k = 0; k < ok.length; k++) {
                    int i = g.getValue().get(k);
                    Pending e = batch.get(i);
                    results[i] = ok[k];
                    events.set(i, ok[k] ? List.of(g.getKey().eventFor(e.row(), e.event())) : List.of());
                }
                return c;
            }));
        }
        return chain;
    }

    /** The positions of the entries with rows, per companion, in batch order. */
    private static Map<Companion<Object>, List<Integer>> byCompanion(List<Pending> batch) {
        Map<Companion<Object>, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            Companion<Object> companion = batch.get(i).companion();
            if (companion != null) {
                groups.computeIfAbsent(companion, c -> new ArrayList<>()).add(i);
            }
        }
        return groups;
    }

    private static List<Object> rowsOf(List<Pending> batch, List<Integer> entries) {
        return entries.stream().map(i -> batch.get(i).row()).toList();
    }

    /** The opening event of a new chain: links the newest checkpoint and the heads written since. */
    private Uni<AuditEvent> chainStarted(SqlClient tx) {
        return repository.latestCheckpoint(tx).flatMap(latest -> repository
                .headsAfter(tx, latest.map(c -> Math.max(0, c.uptoSeq() - LINK_MARGIN)).orElse(0L))
                .map(heads -> AuditEvent.service(AuditType.CHAIN_STARTED, Outcome.SUCCESS, null, null,
                        CheckpointPayload.links(latest.orElse(null), heads))));
    }

    /** Hashes the events onto the chain, in order. */
    private AuditRepository.Batch chainBatch(String chainId, List<AuditEvent> events, List<Instant> times, long startSeq,
            String startHash) {
        int n = events.size();
        AuditRepository.Batch b = AuditRepository.Batch.of(chainId, n);
        String keyId = keys.chainKeyId();
        long seq = startSeq;
        String prev = startHash;
        for (int i = 0; i < n; i++) {
            AuditEvent ev = events.get(i);
            seq++;
            AuditChain.Fields f = new AuditChain.Fields(prev, chainId, seq, times.get(i), ev.type().name(), ev.subject(), ev.tenant(),
                    ev.token(), ev.purpose(), ev.outcome().name(), ev.sourceIp(), ev.requestId(), ev.detail(), keyId);
            String hash = AuditChain.hash(keys, f);
            b.set(i, f, hash);
            prev = hash;
        }
        return b;
    }

    /** Resumes each waiting request on its own Vert.x context. */
    private static void complete(Pending p, Object result, Throwable failure) {
        Waiters.complete(p.context(), p.done(), result, failure);
    }

    private static String newChainId() {
        byte[] b = new byte[8];
        Randomness.secure().nextBytes(b);
        return "c-" + HexFormat.of().formatHex(b);
    }
}
