package dev.cardvault.audit;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Appends and reads audit rows. There is no update and no delete, here or in the database. */
@ApplicationScoped
public class AuditRepository {

    /** A stored event, as read back for the API and for verification. */
    public record StoredEvent(long seq, String chain, long chainSeq, OffsetDateTime at, String type, String subject,
            String tenant, String token, String purpose, String outcome, String sourceIp, String requestId,
            String prevHash, String hash) {
    }

    /** Column arrays of one batch; row i of each array is one event. */
    record Batch(String chain, Long[] chainSeq, OffsetDateTime[] at, String[] type, String[] subject, String[] tenant,
            String[] token, String[] purpose, String[] outcome, String[] sourceIp, String[] requestId, String[] prevHash,
            String[] hash) {
    }

    private static final String COLUMNS = "seq, chain, chain_seq, at, type, subject, tenant, token, purpose, outcome, "
            + "source_ip, request_id, prev_hash, hash";

    @Inject
    Pool pool;

    <T> Uni<T> inTransaction(java.util.function.Function<io.vertx.mutiny.sqlclient.SqlConnection, Uni<T>> work) {
        return pool.withTransaction(work);
    }

    /** One statement for the whole batch (inside the batch's transaction: one commit), rows in chain order. */
    Uni<Void> insert(io.vertx.mutiny.sqlclient.SqlClient client, Batch b) {
        return client.preparedQuery("INSERT INTO audit_event (chain, chain_seq, at, type, subject, tenant, token, purpose, "
                + "outcome, source_ip, request_id, prev_hash, hash) "
                + "SELECT $1, u.cs, u.at, u.ty, u.su, u.te, u.tk, u.pu, u.ou, u.ip, u.ri, u.ph, u.h FROM unnest("
                + "$2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
                + "$10::text[], $11::text[], $12::text[], $13::text[]) WITH ORDINALITY "
                + "AS u(cs, at, ty, su, te, tk, pu, ou, ip, ri, ph, h, ord) ORDER BY u.ord")
                .execute(Tuple.from(new Object[] { b.chain(), b.chainSeq(), b.at(), b.type(), b.subject(), b.tenant(),
                        b.token(), b.purpose(), b.outcome(), b.sourceIp(), b.requestId(), b.prevHash(), b.hash() }))
                .replaceWithVoid();
    }

    public Uni<List<StoredEvent>> page(long afterSeq, int limit, String type, String token, String subject) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM audit_event WHERE seq > $1 "
                + "AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR token = $3) "
                + "AND ($4::text IS NULL OR subject = $4) ORDER BY seq LIMIT $5")
                .execute(Tuple.of(afterSeq, type, token, subject, limit))
                .map(AuditRepository::events);
    }

    /** The position of the newest event, 0 for an empty trail. */
    public Uni<Long> highestSeq() {
        return pool.preparedQuery("SELECT coalesce(max(seq), 0) AS s FROM audit_event").execute()
                .map(rows -> rows.iterator().next().getLong("s"));
    }

    /** Every event after {@code afterSeq}, in global order, a page at a time (for verification). */
    public Uni<List<StoredEvent>> all(long afterSeq, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2")
                .execute(Tuple.of(afterSeq, limit))
                .map(AuditRepository::events);
    }

    private static List<StoredEvent> events(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<StoredEvent> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new StoredEvent(r.getLong("seq"), r.getString("chain"), r.getLong("chain_seq"),
                    r.getOffsetDateTime("at"), r.getString("type"), r.getString("subject"), r.getString("tenant"),
                    r.getString("token"), r.getString("purpose"), r.getString("outcome"), r.getString("source_ip"),
                    r.getString("request_id"), r.getString("prev_hash"), r.getString("hash")));
        }
        return out;
    }
}
