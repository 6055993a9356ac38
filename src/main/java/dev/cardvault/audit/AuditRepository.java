package dev.cardvault.audit;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.database.PipelinedTransaction;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/** Appends and reads audit rows, checkpoints and export records. There is no update and no delete, here or in the database. */
@ApplicationScoped
public class AuditRepository {

    /** A stored event, as read back for the API, for verification and for export. */
    public record StoredEvent(long seq, String chain, long chainSeq, OffsetDateTime at, String type, String subject,
            String tenant, String token, String purpose, String outcome, String sourceIp, String requestId, String detail,
            String keyId, String prevHash, String hash) {

        public AuditChain.Fields fields() {
            return new AuditChain.Fields(prevHash, chain, chainSeq, at.toInstant(), type, subject, tenant, token, purpose, outcome,
                    sourceIp, requestId, detail, keyId);
        }
    }

    /** Column arrays of one batch; row i of each array is one event. */
    record Batch(String chain, Long[] chainSeq, OffsetDateTime[] at, String[] type, String[] subject, String[] tenant,
            String[] token, String[] purpose, String[] outcome, String[] sourceIp, String[] requestId, String[] detail,
            String[] keyId, String[] prevHash, String[] hash) {

        static Batch of(String chain, int n) {
            return new Batch(chain, new Long[n], new OffsetDateTime[n], new String[n], new String[n], new String[n], new String[n],
                    new String[n], new String[n], new String[n], new String[n], new String[n], new String[n], new String[n],
                    new String[n]);
        }

        void set(int i, AuditChain.Fields f, String hash) {
            chainSeq[i] = f.chainSeq();
            at[i] = f.at().atOffset(ZoneOffset.UTC);
            type[i] = f.type();
            subject[i] = f.subject();
            tenant[i] = f.tenant();
            token[i] = f.token();
            purpose[i] = f.purpose();
            outcome[i] = f.outcome();
            sourceIp[i] = f.sourceIp();
            requestId[i] = f.requestId();
            detail[i] = f.detail();
            keyId[i] = f.keyId();
            prevHash[i] = f.prevHash();
            this.hash[i] = hash;
        }
    }

    /** A chain's newest event: its position and hash. */
    public record Head(String chain, long chainSeq, String hash) {
    }

    public record Checkpoint(long id, OffsetDateTime at, long uptoSeq, String keyId, String payload, byte[] signature) {
    }

    private static final String COLUMNS = "seq, chain, chain_seq, at, type, subject, tenant, token, purpose, outcome, "
            + "source_ip, request_id, detail, key_id, prev_hash, hash";
    private static final String INSERT = "INSERT INTO audit_event (chain, chain_seq, at, type, subject, tenant, token, purpose, "
            + "outcome, source_ip, request_id, detail, key_id, prev_hash, hash) "
            + "SELECT $1, u.cs, u.at, u.ty, u.su, u.te, u.tk, u.pu, u.ou, u.ip, u.ri, u.de, u.ki, u.ph, u.h FROM unnest("
            + "$2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
            + "$10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[]) WITH ORDINALITY "
            + "AS u(cs, at, ty, su, te, tk, pu, ou, ip, ri, de, ki, ph, h, ord) ORDER BY u.ord";

    @Inject
    Pool pool;

    Pool pool() {
        return pool;
    }

    <T> Uni<T> inTransaction(Function<SqlConnection, Uni<T>> work) {
        return pool.withTransaction(work);
    }

    /** A transaction whose BEGIN goes out with {@code first}'s first statement and COMMIT with {@code last}'s statements. */
    <A, T> Uni<T> inPipelinedTransaction(Function<SqlConnection, Uni<A>> first, BiFunction<SqlConnection, A, Uni<T>> last) {
        return PipelinedTransaction.run(pool, first, last);
    }

    /** An event held while the service was sealed, with the time it happened. */
    record HeldEvent(long id, Instant at, AuditEvent event) {
    }

    /** Holds events that cannot be chained now (the service is sealed), in the caller's transaction. */
    Uni<Void> hold(SqlClient client, List<AuditEvent> events, Instant at) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (AuditEvent e : events) {
            all = all.flatMap(v -> client.preparedQuery("INSERT INTO audit_held (at, type, subject, tenant, token, purpose, outcome, "
                    + "source_ip, request_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                    .execute(Tuple.from(new Object[] { at.atOffset(java.time.ZoneOffset.UTC), e.type().name(), e.subject(),
                            e.tenant(), e.token(), e.purpose(), e.outcome().name(), e.sourceIp(), e.requestId(), e.detail() }))
                    .replaceWithVoid());
        }
        return all;
    }

    /**
     * Takes (deletes) up to {@code limit} held events, oldest first. An instance releasing at the
     * same time waits for this one's delete and then finds those rows gone: no event is chained twice.
     * (No FOR UPDATE: that needs UPDATE, which the runtime role does not have on this table.)
     */
    Uni<List<HeldEvent>> takeHeld(SqlClient tx, int limit) {
        return tx.preparedQuery("DELETE FROM audit_held WHERE id IN (SELECT id FROM audit_held ORDER BY id LIMIT $1) "
                + "RETURNING id, at, type, subject, tenant, token, purpose, outcome, source_ip, "
                + "request_id, detail").execute(Tuple.of(limit)).map(rows -> {
                    List<HeldEvent> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new HeldEvent(r.getLong("id"), r.getOffsetDateTime("at").toInstant(),
                            new AuditEvent(AuditType.valueOf(r.getString("type")), Outcome.valueOf(r.getString("outcome")),
                                    r.getString("subject"), r.getString("tenant"), r.getString("token"), r.getString("purpose"),
                                    r.getString("source_ip"), r.getString("request_id"), r.getString("detail")))));
                    out.sort(java.util.Comparator.comparingLong(HeldEvent::id));
                    return out;
                });
    }

    /** Whether any event is held. */
    Uni<Boolean> anyHeld() {
        return pool.query("SELECT EXISTS (SELECT 1 FROM audit_held)").execute().map(rows -> rows.iterator().next().getBoolean(0));
    }

    /** One statement for the whole batch (inside the batch's transaction: one commit), rows in chain order. */
    Uni<Void> insert(SqlClient client, Batch b) {
        return client.preparedQuery(INSERT)
                .execute(Tuple.from(new Object[] { b.chain(), b.chainSeq(), b.at(), b.type(), b.subject(), b.tenant(),
                        b.token(), b.purpose(), b.outcome(), b.sourceIp(), b.requestId(), b.detail(), b.keyId(), b.prevHash(),
                        b.hash() }))
                .replaceWithVoid();
    }

    /** Events after {@code afterSeq} in trail order, only those matching each filter given (null: any). */
    public Uni<List<StoredEvent>> page(long afterSeq, int limit, String type, String token, String subject) {
        List<Object> args = new ArrayList<>(5);
        args.add(afterSeq);
        for (String value : new String[] { type, token, subject }) {
            if (value != null) {
                args.add(value);
            }
        }
        args.add(limit);
        return pool.preparedQuery(pageQuery(type != null, token != null, subject != null)).execute(Tuple.from(args))
                .map(AuditRepository::events);
    }

    /**
     * One statement per combination of filters, each prepared once. A single statement with
     * {@code ($n IS NULL OR type = $n)} gets a generic plan that walks the whole trail in seq
     * order and filters it (a full scan for a rare subject or one token); with only the filters
     * given, each uses its (column, seq) index. AuditQueryPlansTest checks the plans.
     */
    static String pageQuery(boolean type, boolean token, boolean subject) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM audit_event WHERE seq > $1");
        int n = 1;
        if (type) {
            sql.append(" AND type = $").append(++n);
        }
        if (token) {
            sql.append(" AND token = $").append(++n);
        }
        if (subject) {
            sql.append(" AND subject = $").append(++n);
        }
        return sql.append(" ORDER BY seq LIMIT $").append(++n).toString();
    }

    /** Counts over {@code from <= at < to}, for the auditors' console (GET /v1/audit/summary). */
    public record Activity(List<HourlyReveals> revealsByHour, List<SubjectCount> topSubjects, long denied, List<DeniedCount> topDenied,
            long highestSeq, Optional<Checkpoint> lastCheckpoint) {
    }

    /** Successful reveals of one purpose (null: none stated) in the UTC hour starting at {@code hour}. */
    public record HourlyReveals(Instant hour, String purpose, long reveals) {
    }

    public record SubjectCount(String subject, long count) {
    }

    public record DeniedCount(String subject, String type, long count) {
    }

    /**
     * Reveals per hour and purpose, the {@code top} subjects by reveals, and denied attempts, in one
     * read-only transaction (one snapshot). The range bound prunes the partitions (by {@code at}).
     */
    public Uni<Activity> activity(Instant from, Instant to, int top) {
        Tuple window = Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC));
        Tuple range = Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC), top);
        return pool.withTransaction(tx -> tx.query("SET TRANSACTION READ ONLY ISOLATION LEVEL REPEATABLE READ").execute()
                .flatMap(v -> tx.preparedQuery("SELECT date_trunc('hour', at AT TIME ZONE 'UTC') AS hour, purpose, count(*) AS n "
                        + "FROM audit_event WHERE at >= $1 AND at < $2 AND type = 'DETOKENIZED' AND outcome = 'SUCCESS' "
                        + "GROUP BY 1, 2 ORDER BY 1, 2").execute(window))
                .flatMap(hours -> tx.preparedQuery("SELECT subject, count(*) AS n FROM audit_event WHERE at >= $1 AND at < $2 "
                        + "AND type = 'DETOKENIZED' AND outcome = 'SUCCESS' GROUP BY subject ORDER BY n DESC, subject LIMIT $3")
                        .execute(range)
                        .flatMap(subjects -> tx.preparedQuery("SELECT subject, type, count(*) AS n, sum(count(*)) OVER () AS total "
                                + "FROM audit_event WHERE at >= $1 AND at < $2 AND outcome = 'DENIED' GROUP BY subject, type "
                                + "ORDER BY n DESC, subject, type LIMIT $3").execute(range)
                                .flatMap(denied -> highestSeq(tx).flatMap(seq -> latestCheckpoint(tx)
                                        .map(last -> activity(hours, subjects, denied, seq, last)))))));
    }

    private static Activity activity(RowSet<Row> hours, RowSet<Row> subjects, RowSet<Row> denied, long highestSeq,
            Optional<Checkpoint> lastCheckpoint) {
        List<HourlyReveals> byHour = new ArrayList<>(hours.size());
        for (Row r : hours) {
            byHour.add(new HourlyReveals(r.getLocalDateTime("hour").toInstant(ZoneOffset.UTC), r.getString("purpose"), r.getLong("n")));
        }
        List<SubjectCount> top = new ArrayList<>(subjects.size());
        for (Row r : subjects) {
            top.add(new SubjectCount(r.getString("subject"), r.getLong("n")));
        }
        List<DeniedCount> refused = new ArrayList<>(denied.size());
        long total = 0;
        for (Row r : denied) {
            refused.add(new DeniedCount(r.getString("subject"), r.getString("type"), r.getLong("n")));
            total = r.getNumeric("total").longValue();
        }
        return new Activity(byHour, top, total, refused, highestSeq, lastCheckpoint);
    }

    /** A tenant's events about these tokens, oldest first, at most {@code limit} (a data subject's access history). */
    public Uni<List<StoredEvent>> ofTokens(String tenant, String[] tokens, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM audit_event WHERE token = ANY($1) AND tenant = $2 ORDER BY seq LIMIT $3")
                .execute(Tuple.of(tokens, tenant, limit))
                .map(AuditRepository::events);
    }

    /** The position of the newest event, 0 for an empty trail. */
    public Uni<Long> highestSeq() {
        return highestSeq(pool);
    }

    Uni<Long> highestSeq(SqlClient client) {
        return client.preparedQuery("SELECT coalesce(max(seq), 0) AS s FROM audit_event").execute()
                .map(rows -> rows.iterator().next().getLong("s"));
    }

    /** Every event after {@code afterSeq}, in global order, a page at a time (for verification). */
    public Uni<List<StoredEvent>> all(long afterSeq, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2")
                .execute(Tuple.of(afterSeq, limit))
                .map(AuditRepository::events);
    }

    /** Events with {@code from <= at < to}, after {@code afterSeq}, in global order (for export). */
    public Uni<List<StoredEvent>> between(Instant from, Instant to, long afterSeq, int limit) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM audit_event WHERE at >= $1 AND at < $2 AND seq > $3 "
                + "ORDER BY seq LIMIT $4")
                .execute(Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC), afterSeq, limit))
                .map(AuditRepository::events);
    }

    /**
     * The newest event of every chain with events after {@code afterSeq}: the heads a checkpoint
     * signs and a new chain links. Reads only the rows after that position (the primary key
     * bounds it), aggregates them, and fetches each head through the chain index.
     */
    Uni<List<Head>> headsAfter(SqlClient client, long afterSeq) {
        return client.preparedQuery("SELECT e.chain, e.chain_seq, e.hash FROM (SELECT chain, max(chain_seq) AS m FROM audit_event "
                + "WHERE seq > $1 GROUP BY chain) h JOIN audit_event e ON e.chain = h.chain AND e.chain_seq = h.m")
                .execute(Tuple.of(afterSeq))
                .map(AuditRepository::heads);
    }

    Uni<Optional<Checkpoint>> latestCheckpoint(SqlClient client) {
        return client.preparedQuery("SELECT id, at, upto_seq, key_id, payload, signature FROM audit_checkpoint "
                + "ORDER BY id DESC LIMIT 1").execute()
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(checkpoint(rows.iterator().next())));
    }

    /** Whether anything but checkpoint events was written after {@code seq}. */
    Uni<Boolean> activitySince(SqlClient client, long seq) {
        return client.preparedQuery("SELECT EXISTS (SELECT 1 FROM audit_event WHERE seq > $1 AND type <> 'CHECKPOINT_SIGNED') AS e")
                .execute(Tuple.of(seq)).map(rows -> rows.iterator().next().getBoolean("e"));
    }

    Uni<Long> insertCheckpoint(SqlClient tx, Instant at, long uptoSeq, String keyId, String payload, byte[] signature) {
        return tx.preparedQuery("INSERT INTO audit_checkpoint (at, upto_seq, key_id, payload, signature) "
                + "VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .execute(Tuple.of(at.atOffset(ZoneOffset.UTC), uptoSeq, keyId, payload,
                        io.vertx.core.buffer.Buffer.buffer(signature)))
                .map(rows -> rows.iterator().next().getLong("id"));
    }

    public Uni<Long> highestCheckpointId() {
        return pool.preparedQuery("SELECT coalesce(max(id), 0) AS i FROM audit_checkpoint").execute()
                .map(rows -> rows.iterator().next().getLong("i"));
    }

    /** Checkpoints after {@code afterId}, oldest first. */
    public Uni<List<Checkpoint>> checkpoints(long afterId, int limit) {
        return pool.preparedQuery("SELECT id, at, upto_seq, key_id, payload, signature FROM audit_checkpoint WHERE id > $1 "
                + "ORDER BY id LIMIT $2").execute(Tuple.of(afterId, limit))
                .map(AuditRepository::checkpoints);
    }

    /** Checkpoints signed in {@code [from, to)} and the first one after it (it vouches for the end of the period). */
    Uni<List<Checkpoint>> checkpointsCovering(Instant from, Instant to) {
        return pool.preparedQuery("(SELECT id, at, upto_seq, key_id, payload, signature FROM audit_checkpoint "
                + "WHERE at >= $1 AND at < $2) UNION ALL (SELECT id, at, upto_seq, key_id, payload, signature "
                + "FROM audit_checkpoint WHERE at >= $2 ORDER BY id LIMIT 1) ORDER BY id")
                .execute(Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC)))
                .map(AuditRepository::checkpoints);
    }

    /** Each chain's newest anchor: where it continues after retired months. */
    Uni<List<Head>> anchors() {
        return pool.preparedQuery("SELECT DISTINCT ON (chain) chain, chain_seq, hash FROM audit_anchor ORDER BY chain, chain_seq DESC")
                .execute()
                .map(AuditRepository::heads);
    }

    Uni<Void> insertExport(SqlClient tx, String id, Instant from, Instant to, long events, String digest, byte[] signature,
            String requestedBy) {
        return tx.preparedQuery("INSERT INTO audit_export (id, from_at, to_at, events, digest, signature, requested_by) "
                + "VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .execute(Tuple.from(new Object[] { id, from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC), events, digest,
                        io.vertx.core.buffer.Buffer.buffer(signature), requestedBy }))
                .replaceWithVoid();
    }

    private static List<Head> heads(RowSet<Row> rows) {
        List<Head> out = new ArrayList<>(rows.size());
        rows.forEach(r -> out.add(new Head(r.getString("chain"), r.getLong("chain_seq"), r.getString("hash"))));
        return out;
    }

    private static List<Checkpoint> checkpoints(RowSet<Row> rows) {
        List<Checkpoint> out = new ArrayList<>(rows.size());
        rows.forEach(r -> out.add(checkpoint(r)));
        return out;
    }

    private static Checkpoint checkpoint(Row r) {
        Buffer sig = r.getBuffer("signature");
        return new Checkpoint(r.getLong("id"), r.getOffsetDateTime("at"), r.getLong("upto_seq"), r.getString("key_id"),
                r.getString("payload"), sig.getBytes());
    }

    private static List<StoredEvent> events(RowSet<Row> rows) {
        List<StoredEvent> out = new ArrayList<>(rows.size());
        for (Row r : rows) {
            out.add(new StoredEvent(r.getLong("seq"), r.getString("chain"), r.getLong("chain_seq"),
                    r.getOffsetDateTime("at"), r.getString("type"), r.getString("subject"), r.getString("tenant"),
                    r.getString("token"), r.getString("purpose"), r.getString("outcome"), r.getString("source_ip"),
                    r.getString("request_id"), r.getString("detail"), r.getString("key_id"), r.getString("prev_hash"),
                    r.getString("hash")));
        }
        return out;
    }
}
