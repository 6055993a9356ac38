package dev.cardvault.audit;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.cardvault.logging.LogFields;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * The one audit API the rest of the service uses: {@code audit.record(ctx.event(TYPE, OUTCOME, token, purpose))}.
 *
 * <p>While the service is sealed the trail's keys are not available to chain events: what happens
 * then (start, stop, unseal attempts, denials) is held in the database, in the same transaction as
 * any change it records, and moved into the chain with the time it happened once an instance is
 * unsealed ({@link #releaseHeld()}).
 */
@ApplicationScoped
public class Audit {

    private static final Logger LOG = Logger.getLogger(Audit.class);

    static final int RELEASE_BATCH = 500;

    @Inject
    AuditAppender appender;

    @Inject
    AuditKeys keys;

    @Inject
    AuditRepository repository;

    /** Durable write; the operation must not complete (fail closed) if this fails. */
    public Uni<Void> record(AuditEvent event) {
        LogFields.requestEvent(event.requestId() != null, event.type());
        if (!keys.isLoaded()) {
            return repository.hold(repository.pool(), List.of(event), AuditChain.truncate(Instant.now()));
        }
        return appender.append(event);
    }

    /**
     * Durable write of the event together with a row of the operation it records, in one
     * transaction and one commit. False when the companion did not write the row.
     */
    public <T> Uni<Boolean> recordWith(AuditEvent event, AuditAppender.Companion<T> companion, T row) {
        LogFields.requestEvent(event.requestId() != null, event.type());
        return appender.appendWith(event, companion, row);
    }

    /**
     * A state change and its event in one transaction, or neither: {@code change} runs inside it,
     * {@code eventOf} makes the event from its result (null: no event). A refusal thrown by the
     * change reaches the caller unchanged; a trail failure is {@link AuditUnavailableException}.
     */
    public <T> Uni<T> recordAtomically(Function<SqlClient, Uni<T>> change, Function<T, AuditEvent> eventOf) {
        return recordAllAtomically(change, r -> {
            AuditEvent e = eventOf.apply(r);
            return e == null ? List.of() : List.of(e);
        });
    }

    /** As {@link #recordAtomically}, for a change that several events record. */
    public <T> Uni<T> recordAllAtomically(Function<SqlClient, Uni<T>> change, Function<T, List<AuditEvent>> eventsOf) {
        if (!keys.isLoaded()) {
            Instant at = AuditChain.truncate(Instant.now());
            return repository.inTransaction(tx -> change.apply(tx)
                    .flatMap(r -> repository.hold(tx, eventsOf.apply(r), at).replaceWith(r)));
        }
        return appender.appendAtomically(change, eventsOf);
    }

    /**
     * Moves the events held while sealed into the chain, oldest first, each with {@code occurredAt}
     * (the time it happened) in its detail; each batch is taken from the holding table and chained
     * in one transaction. Returns how many were moved.
     */
    public Uni<Long> releaseHeld() {
        if (!keys.isLoaded()) {
            return Uni.createFrom().item(0L);
        }
        return appender.appendAtomically(tx -> repository.takeHeld(tx, RELEASE_BATCH), held -> held.stream()
                .map(h -> h.event().withDetail((h.event().detail() == null ? "" : h.event().detail() + " ")
                        + "occurredAt=" + h.at() + " heldWhileSealed=true"))
                .toList())
                .flatMap(held -> held.size() < RELEASE_BATCH ? Uni.createFrom().item((long) held.size())
                        : releaseHeld().map(more -> more + held.size()));
    }

    /** Releases held events now and then, so those of an instance that stays sealed are not left out. */
    @io.quarkus.scheduler.Scheduled(identity = "audit-held-release", every = "${cardvault.audit.held-release-every:30s}",
            concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> releaseScheduled() {
        if (!keys.isLoaded()) {
            return Uni.createFrom().voidItem();
        }
        return repository.anyHeld().flatMap(any -> any ? releaseHeld().replaceWithVoid() : Uni.createFrom().voidItem())
                .onFailure().invoke(e -> LOG.warnf("Held audit events not released this time: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /**
     * For events whose write must not change the answer (a denial is a denial either way): written
     * in the background; a failure is logged.
     */
    public void recordInBackground(AuditEvent event) {
        record(event).subscribe().with(ok -> {
        }, failure -> LogFields.withEvent(event.type().name(),
                () -> LOG.errorf("Audit event %s/%s could not be written", event.type(), event.outcome())));
    }
}
