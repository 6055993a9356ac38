package dev.cardvault.keys;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/** The audit API in memory for unit tests: changes run without a transaction, their events are kept. */
final class RecordingAudit extends Audit {

    final List<AuditEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public Uni<Void> record(AuditEvent event) {
        events.add(event);
        return Uni.createFrom().voidItem();
    }

    @Override
    public <T> Uni<T> recordAtomically(Function<SqlClient, Uni<T>> change, Function<T, AuditEvent> eventOf) {
        return change.apply(null).invoke(r -> {
            AuditEvent e = eventOf.apply(r);
            if (e != null) {
                events.add(e);
            }
        });
    }
}
