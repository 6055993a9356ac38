package dev.cardvault.audit;

import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * The one audit API the rest of the service uses: {@code audit.record(ctx.event(TYPE, OUTCOME, token, purpose))}.
 */
@ApplicationScoped
public class Audit {

    private static final Logger LOG = Logger.getLogger(Audit.class);

    @Inject
    AuditAppender appender;

    /** Durable write; the operation must not complete (fail closed) if this fails. */
    public Uni<Void> record(AuditEvent event) {
        return appender.append(event);
    }

    /**
     * Durable write of the event together with a row of the operation it records, in one
     * transaction and one commit. False when the companion did not write the row.
     */
    public <T> Uni<Boolean> recordWith(AuditEvent event, AuditAppender.Companion<T> companion, T row) {
        return appender.appendWith(event, companion, row);
    }

    /**
     * A state change and its event in one transaction, or neither: {@code change} runs inside it,
     * {@code eventOf} makes the event from its result (null: no event). A refusal thrown by the
     * change reaches the caller unchanged; a trail failure is {@link AuditUnavailableException}.
     */
    public <T> Uni<T> recordAtomically(Function<SqlClient, Uni<T>> change, Function<T, AuditEvent> eventOf) {
        return appender.appendAtomically(change, r -> {
            AuditEvent e = eventOf.apply(r);
            return e == null ? List.of() : List.of(e);
        });
    }

    /** As {@link #recordAtomically}, for a change that several events record. */
    public <T> Uni<T> recordAllAtomically(Function<SqlClient, Uni<T>> change, Function<T, List<AuditEvent>> eventsOf) {
        return appender.appendAtomically(change, eventsOf);
    }

    /**
     * For events whose write must not change the answer (a denial is a denial either way): written
     * in the background; a failure is logged.
     */
    public void recordInBackground(AuditEvent event) {
        appender.append(event).subscribe().with(ok -> {
        }, failure -> LOG.errorf("Audit event %s/%s could not be written", event.type(), event.outcome()));
    }
}
