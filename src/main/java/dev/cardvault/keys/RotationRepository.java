package dev.cardvault.keys;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.time.VaultClock;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** Rotation rows and the key-table changes of a rotation. */
@ApplicationScoped
public class RotationRepository {

    static final String COLUMNS = "id, kind, state, reason, requested_by, requested_at, expires_at, approved_by, approved_at, "
            + "from_version, to_version, total, rewrapped, completed_at, rekey_cutoff, next_master_key_id";

    public record KekStatus(int version, String state, OffsetDateTime createdAt, long dataKeys) {
    }

    public record WrappedDataKey(long id, int kekVersion, byte[] wrappedKey) {
    }

    @Inject
    Pool pool;

    @Inject
    VaultClock clock;

    /** The new rotation; empty when another one is open (the one-open-rotation index decides, across replicas). */
    public Uni<Optional<Rotation>> insert(SqlClient tx, String id, String kind, String reason, String requestedBy,
            OffsetDateTime expiresAt) {
        return tx.preparedQuery("INSERT INTO key_rotation (id, kind, state, reason, requested_by, expires_at) "
                + "VALUES ($1, $5, 'PENDING_APPROVAL', $2, $3, $4) ON CONFLICT DO NOTHING RETURNING " + COLUMNS)
                .execute(Tuple.of(id, reason, requestedBy, expiresAt, kind))
                .map(rows -> rows.size() == 0 ? Optional.<Rotation> empty() : Optional.of(rotation(rows.iterator().next())));
    }

    public Uni<Optional<Rotation>> find(String id) {
        return find(pool, id, false);
    }

    Uni<Optional<Rotation>> find(SqlClient client, String id, boolean forUpdate) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM key_rotation WHERE id = $1" + (forUpdate ? " FOR UPDATE" : ""))
                .execute(Tuple.of(id)).map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rotation(rows.iterator().next())));
    }

    public Uni<List<Rotation>> recent() {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM key_rotation ORDER BY requested_at DESC LIMIT 50").execute()
                .map(RotationRepository::rotations);
    }

    public Uni<Optional<Rotation>> rekeying() {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM key_rotation WHERE state = 'REKEYING'").execute()
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rotation(rows.iterator().next())));
    }

    /**
     * Within the approval transaction of a re-key: every data key stops encrypting (each tenant's
     * next card gets a new key), and every key up to the newest one now is to be emptied and destroyed.
     */
    Uni<Rotation> activateRekey(SqlClient tx, String id, String approver) {
        return tx.preparedQuery("UPDATE data_key SET active = false WHERE active").execute()
                .flatMap(x -> tx.preparedQuery("UPDATE key_rotation SET state = 'REKEYING', approved_by = array_append(approved_by, $2), "
                        + "approved_at = now(), rekey_cutoff = (SELECT coalesce(max(id), 0) FROM data_key), "
                        + "total = (SELECT count(*) FROM token) WHERE id = $1 RETURNING " + COLUMNS).execute(Tuple.of(id, approver)))
                .map(rows -> rotation(rows.iterator().next()));
    }

    /** Completes a re-key once no data key up to its cutoff is left; false when some is (or it was completed already). */
    public Uni<Boolean> completeRekey(SqlClient tx, String id) {
        return tx.preparedQuery("UPDATE key_rotation r SET state = 'COMPLETED', completed_at = now() WHERE id = $1 "
                + "AND state = 'REKEYING' AND NOT EXISTS (SELECT 1 FROM data_key d WHERE d.id <= r.rekey_cutoff)")
                .execute(Tuple.of(id)).map(rows -> rows.rowCount() == 1);
    }

    public Uni<Void> countRekeyed(String id, int records) {
        return pool.preparedQuery("UPDATE key_rotation SET rewrapped = rewrapped + $2 WHERE id = $1")
                .execute(Tuple.of(id, records)).replaceWithVoid();
    }

    public Uni<Optional<Rotation>> rewrapping() {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM key_rotation WHERE state = 'REWRAPPING'").execute()
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rotation(rows.iterator().next())));
    }

    public Uni<Void> expireIfDue(String id) {
        return pool.preparedQuery("UPDATE key_rotation SET state = 'EXPIRED' WHERE id = $1 AND state = 'PENDING_APPROVAL' "
                + "AND expires_at <= $2").execute(Tuple.of(id, clock.offsetNow())).replaceWithVoid();
    }

    /** A master key rotation whose new shares were not confirmed in time: expired, its pending keys dropped. */
    public Uni<Boolean> expireAwaitingShares(String id) {
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE key_rotation SET state = 'EXPIRED' WHERE id = $1 "
                + "AND state = 'AWAITING_SHARES' AND expires_at <= $2").execute(Tuple.of(id, clock.offsetNow())).flatMap(rows -> rows.rowCount() == 0
                        ? Uni.createFrom().item(false)
                        : tx.query("UPDATE kek SET next_wrapped_key = NULL").execute()
                                .flatMap(x -> tx.query("UPDATE root_key SET next_wrapped_key = NULL").execute()).replaceWith(true)));
    }

    public Uni<Optional<Rotation>> awaitingShares() {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM key_rotation WHERE state = 'AWAITING_SHARES'").execute()
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rotation(rows.iterator().next())));
    }

    /** A key wrapped by the master key: a KEK version or a root key. */
    public record MasterWrapped(Integer kekVersion, String rootName, byte[] wrappedKey, String masterKeyId) {
        String what() {
            return kekVersion != null ? "KEK v" + kekVersion : "the root key " + rootName;
        }
    }

    /** Every key the master key wraps, locked for the rotation's transaction. */
    Uni<List<MasterWrapped>> masterWrapped(SqlClient tx) {
        return tx.query("SELECT version, wrapped_key, master_key_id FROM kek WHERE wrapped_key IS NOT NULL ORDER BY version FOR UPDATE")
                .execute().flatMap(keks -> tx.query("SELECT name, wrapped_key, master_key_id FROM root_key ORDER BY name FOR UPDATE")
                        .execute().map(roots -> {
                            List<MasterWrapped> out = new ArrayList<>();
                            keks.forEach(r -> out.add(new MasterWrapped(r.getInteger("version"), null, r.getBuffer("wrapped_key").getBytes(),
                                    r.getString("master_key_id"))));
                            roots.forEach(r -> out.add(new MasterWrapped(null, r.getString("name"), r.getBuffer("wrapped_key").getBytes(),
                                    r.getString("master_key_id"))));
                            return out;
                        }));
    }

    /**
     * Stores a key rewrapped by the new master key: in force at once ({@code pending} false), or
     * beside the current one until the new shares are confirmed.
     */
    Uni<Void> storeRewrapped(SqlClient tx, MasterWrapped k, byte[] rewrapped, String newMasterKeyId, boolean pending) {
        io.vertx.core.buffer.Buffer b = io.vertx.core.buffer.Buffer.buffer(rewrapped);
        String table = k.kekVersion() != null ? "kek" : "root_key";
        String where = k.kekVersion() != null ? "version = $1" : "name = $1";
        Object key = k.kekVersion() != null ? k.kekVersion() : k.rootName();
        String sql = pending ? "UPDATE " + table + " SET next_wrapped_key = $2 WHERE " + where
                : "UPDATE " + table + " SET wrapped_key = $2, master_key_id = $3, next_wrapped_key = NULL WHERE " + where;
        return (pending ? tx.preparedQuery(sql).execute(Tuple.of(key, b)) : tx.preparedQuery(sql).execute(Tuple.of(key, b, newMasterKeyId)))
                .replaceWithVoid();
    }

    /** The last approval of a master key rotation: completed now (HSM), or awaiting the new shares' confirmation. */
    Uni<Rotation> approveMaster(SqlClient tx, String id, String approver, String newMasterKeyId, boolean awaitShares) {
        return tx.preparedQuery("UPDATE key_rotation SET state = $3, approved_by = array_append(approved_by, $2), approved_at = now(), "
                + "next_master_key_id = $4, completed_at = CASE WHEN $3 = 'COMPLETED' THEN now() END WHERE id = $1 RETURNING " + COLUMNS)
                .execute(Tuple.of(id, approver, awaitShares ? Rotation.AWAITING_SHARES : Rotation.COMPLETED, newMasterKeyId))
                .map(rows -> rotation(rows.iterator().next()));
    }

    /** The new shares were confirmed: the pending keys replace the current ones, the new master key is in force. */
    Uni<Boolean> completeMaster(SqlClient tx, String id, String newMasterKeyId) {
        return tx.preparedQuery("UPDATE key_rotation SET state = 'COMPLETED', completed_at = now() WHERE id = $1 "
                + "AND state = 'AWAITING_SHARES' AND next_master_key_id = $2").execute(Tuple.of(id, newMasterKeyId)).flatMap(rows -> {
                    if (rows.rowCount() != 1) {
                        return Uni.createFrom().item(false);
                    }
                    return tx.preparedQuery("UPDATE kek SET wrapped_key = next_wrapped_key, master_key_id = $1, next_wrapped_key = NULL "
                            + "WHERE next_wrapped_key IS NOT NULL").execute(Tuple.of(newMasterKeyId))
                            .flatMap(x -> tx.preparedQuery("UPDATE root_key SET wrapped_key = next_wrapped_key, master_key_id = $1, "
                                    + "next_wrapped_key = NULL WHERE next_wrapped_key IS NOT NULL").execute(Tuple.of(newMasterKeyId)))
                            .flatMap(x -> tx.preparedQuery("UPDATE seal_config SET master_key_id = $1").execute(Tuple.of(newMasterKeyId)))
                            .replaceWith(true);
                });
    }

    Uni<Rotation> addApproval(SqlClient tx, String id, String approver) {
        return tx.preparedQuery("UPDATE key_rotation SET approved_by = array_append(approved_by, $2) WHERE id = $1 RETURNING " + COLUMNS)
                .execute(Tuple.of(id, approver)).map(rows -> rotation(rows.iterator().next()));
    }

    /** Within the approval transaction: new ACTIVE version, previous one DECRYPT_ONLY, every tenant's data key rolled. */
    Uni<Rotation> activate(SqlClient tx, String id, String approver, byte[] wrappedKek, String masterKeyId) {
        return tx.preparedQuery("SELECT version, (SELECT count(*) FROM kek o WHERE o.wrapped_key IS NOT NULL AND o.master_key_id <> $1) "
                + "AS other FROM kek WHERE state = 'ACTIVE' FOR UPDATE").execute(Tuple.of(masterKeyId))
                .flatMap(active -> {
                    if (active.iterator().next().getLong("other") > 0) {
                        // This instance holds a master key rotated out elsewhere: the new KEK would not unwrap there.
                        throw new IllegalStateException("This instance's master key is no longer the one in force");
                    }
                    int from = active.iterator().next().getInteger("version");
                    return tx.preparedQuery("SELECT max(version) AS v FROM kek").execute().flatMap(max -> {
                        int to = max.iterator().next().getInteger("v") + 1;
                        return tx.preparedQuery("UPDATE kek SET state = 'DECRYPT_ONLY' WHERE state = 'ACTIVE'").execute()
                                .flatMap(x -> tx.preparedQuery("INSERT INTO kek (version, state, wrapped_key, master_key_id) "
                                        + "VALUES ($1, 'ACTIVE', $2, $3)").execute(Tuple.of(to, io.vertx.core.buffer.Buffer.buffer(wrappedKek), masterKeyId)))
                                .flatMap(x -> tx.preparedQuery("UPDATE data_key SET active = false WHERE active").execute())
                                .flatMap(x -> tx.preparedQuery("UPDATE key_rotation SET state = 'REWRAPPING', "
                                        + "approved_by = array_append(approved_by, $2), approved_at = now(), from_version = $3, "
                                        + "to_version = $4, total = (SELECT count(*) FROM data_key WHERE kek_version <> $4) "
                                        + "WHERE id = $1 RETURNING " + COLUMNS).execute(Tuple.of(id, approver, from, to)))
                                .map(rows -> rotation(rows.iterator().next()));
                    });
                });
    }

    public Uni<List<KekStatus>> kekStatus() {
        return pool.preparedQuery("SELECT k.version, k.state, k.created_at, count(d.id) AS data_keys FROM kek k "
                + "LEFT JOIN data_key d ON d.kek_version = k.version GROUP BY k.version ORDER BY k.version").execute()
                .map(rows -> {
                    List<KekStatus> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new KekStatus(r.getInteger("version"), r.getString("state"),
                            r.getOffsetDateTime("created_at"), r.getLong("data_keys"))));
                    return out;
                });
    }

    /** When the ACTIVE KEK was created, and how many data keys are still under another version; empty before KEK v1. */
    public record ActiveKek(OffsetDateTime createdAt, long backlog) {
    }

    /** One short query for the key metrics: a count over the data keys (a few per tenant, not per card). */
    public Uni<Optional<ActiveKek>> activeKek() {
        return pool.query("SELECT k.created_at, (SELECT count(*) FROM data_key d WHERE d.kek_version <> k.version) AS backlog "
                + "FROM kek k WHERE k.state = 'ACTIVE'").execute()
                .map(rows -> rows.size() == 0 ? Optional.<ActiveKek> empty() : Optional.of(new ActiveKek(
                        rows.iterator().next().getOffsetDateTime("created_at"), rows.iterator().next().getLong("backlog"))));
    }

    public Uni<List<WrappedDataKey>> notUnder(int version, int limit) {
        return pool.preparedQuery("SELECT id, kek_version, wrapped_key FROM data_key WHERE kek_version <> $1 ORDER BY id LIMIT $2")
                .execute(Tuple.of(version, limit)).map(rows -> {
                    List<WrappedDataKey> out = new ArrayList<>();
                    rows.forEach(r -> out.add(new WrappedDataKey(r.getLong("id"), r.getInteger("kek_version"),
                            r.getBuffer("wrapped_key").getBytes())));
                    return out;
                });
    }

    /** One batch in one transaction: each key rewrapped only if still under the version it was read with. */
    public Uni<Integer> rewrap(String rotationId, List<WrappedDataKey> rewrapped, int toVersion) {
        List<Tuple> updates = rewrapped.stream().map(k -> Tuple.of(k.id(), io.vertx.core.buffer.Buffer.buffer(k.wrappedKey()),
                toVersion, k.kekVersion())).toList();
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE data_key SET wrapped_key = $2, kek_version = $3 "
                + "WHERE id = $1 AND kek_version = $4").executeBatch(updates)
                .flatMap(rows -> {
                    int n = 0;
                    for (RowSet<Row> r = rows; r != null; r = r.next()) {
                        n += r.rowCount();
                    }
                    int done = n;
                    return tx.preparedQuery("UPDATE key_rotation SET rewrapped = rewrapped + $2 WHERE id = $1")
                            .execute(Tuple.of(rotationId, done)).map(x -> done);
                }));
    }

    /**
     * Retires every non-active version that wraps nothing any more (material destroyed), and
     * completes the rotation, inside the caller's transaction.
     *
     * @return the versions retired, or empty when the rotation was not completed (a data key is
     *         still under an old version, or another replica completed it)
     */
    public Uni<Optional<List<Integer>>> complete(SqlClient tx, String rotationId, int toVersion) {
        return tx.preparedQuery("SELECT count(*) AS n FROM data_key WHERE kek_version <> $1")
                .execute(Tuple.of(toVersion)).flatMap(rows -> {
                    if (rows.iterator().next().getLong("n") > 0) {
                        return Uni.createFrom().item(Optional.<List<Integer>> empty());
                    }
                    return tx.preparedQuery("UPDATE key_rotation SET state = 'COMPLETED', completed_at = now() "
                            + "WHERE id = $1 AND state = 'REWRAPPING'").execute(Tuple.of(rotationId)).flatMap(done -> {
                                if (done.rowCount() != 1) {
                                    return Uni.createFrom().item(Optional.<List<Integer>> empty());
                                }
                                return tx.preparedQuery("UPDATE kek SET state = 'RETIRED', wrapped_key = NULL "
                                        + "WHERE state = 'DECRYPT_ONLY' AND NOT EXISTS "
                                        + "(SELECT 1 FROM data_key d WHERE d.kek_version = kek.version) RETURNING version")
                                        .execute().map(retired -> {
                                            List<Integer> versions = new ArrayList<>();
                                            retired.forEach(r -> versions.add(r.getInteger("version")));
                                            return Optional.of(versions);
                                        });
                            });
                });
    }

    private static List<Rotation> rotations(RowSet<Row> rows) {
        List<Rotation> out = new ArrayList<>();
        rows.forEach(r -> out.add(rotation(r)));
        return out;
    }

    static Rotation rotation(Row r) {
        String[] approvers = r.getArrayOfStrings("approved_by");
        return new Rotation(r.getString("id"), r.getString("kind"), r.getString("state"), r.getString("reason"), r.getString("requested_by"),
                r.getOffsetDateTime("requested_at"), r.getOffsetDateTime("expires_at"),
                approvers == null ? List.of() : Arrays.asList(approvers), r.getOffsetDateTime("approved_at"),
                r.getInteger("from_version"), r.getInteger("to_version"), r.getLong("total"), r.getLong("rewrapped"),
                r.getOffsetDateTime("completed_at"), r.getLong("rekey_cutoff"), r.getString("next_master_key_id"), null);
    }
}
