package dev.cardvault.capture;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.auth.Caller;
import dev.cardvault.time.VaultClock;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The agent's event stream of a capture session: the events stored with each change, read from the
 * database so that the agent may be connected to any replica, polled at a short interval until the
 * session ends (or its expiry, recorded on the way). Only the session's creator reads it.
 */
@ApplicationScoped
public class CaptureEvents {

    static final Set<String> TERMINAL = Set.of("completed", "failed", "cancelled", "expired");
    private static final Duration POLL = Duration.ofMillis(250);

    @Inject
    CaptureService sessions;

    @Inject
    CaptureRepository repository;

    @Inject
    VaultClock clock;

    /** The stream of a session as Server-Sent Events, after the event a reconnecting client names. */
    Multi<jakarta.ws.rs.sse.OutboundSseEvent> sse(jakarta.ws.rs.sse.Sse sse, CaptureSession s, String lastEventId) {
        long after = lastEventId != null && lastEventId.matches("^[0-9]{1,9}$") ? Long.parseLong(lastEventId) : 0;
        return events(s.id(), s.expiresAt(), after).map(e -> sse.newEventBuilder().id(Long.toString(e.seq())).name(e.type())
                .mediaType(jakarta.ws.rs.core.MediaType.APPLICATION_JSON_TYPE).data(String.class, e.data().encode()).build());
    }

    /** The session whose stream the agent asks for: the creating agent's only. */
    Uni<CaptureSession> open(Caller agent, String id) {
        return sessions.find(agent, id).map(s -> {
            if (!s.createdBy().equals(agent.subject())) {
                throw CaptureRefused.notFound();
            }
            return s;
        });
    }

    Multi<CaptureRepository.Event> events(String id, Instant expiresAt, long afterSeq) {
        {
            AtomicLong last = new AtomicLong(afterSeq);
            java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
            Instant until = expiresAt.plusSeconds(5);
            return Multi.createBy().repeating().uni(() -> ended.get() || clock.instant().isAfter(until.plusSeconds(60))
                    ? Uni.createFrom().item(new Batch(java.util.List.of(), true))
                    : poll(id, last, until).invoke(b -> ended.set(b.done())))
                    .until(batch -> batch.done() && batch.events().isEmpty())
                    .onItem().transformToMultiAndConcatenate(batch -> Multi.createFrom().iterable(batch.events()));
        }
    }

    private record Batch(java.util.List<CaptureRepository.Event> events, boolean done) {
    }

    private Uni<Batch> poll(String id, AtomicLong last, Instant until) {
        Uni<Batch> read = repository.eventsAfter(id, last.get()).map(events -> {
            boolean terminal = events.stream().anyMatch(e -> TERMINAL.contains(e.type()));
            if (!events.isEmpty()) {
                last.set(events.get(events.size() - 1).seq());
            }
            return new Batch(events, terminal);
        });
        return read.flatMap(b -> {
            if (!b.events().isEmpty() || b.done()) {
                return Uni.createFrom().item(b);
            }
            if (clock.instant().isAfter(until)) {
                // Past its expiry and nobody has touched it: reading the session records EXPIRED (and its event).
                return sessions.expireIfDue(id).replaceWith(new Batch(java.util.List.of(), false)).onItem().delayIt().by(POLL);
            }
            return Uni.createFrom().item(b).onItem().delayIt().by(POLL);
        });
    }
}
