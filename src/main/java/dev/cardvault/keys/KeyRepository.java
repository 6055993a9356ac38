package dev.cardvault.keys;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Single-statement access to the key tables; no crypto here, only wrapped bytes. */
@ApplicationScoped
public class KeyRepository {

    public record KekRow(int version, String state, byte[] wrappedKey, String masterKeyId) {
    }

    public record DataKeyRow(long id, String tenant, int kekVersion, byte[] wrappedKey, long reserved) {
    }

    @Inject
    Pool pool;

    public Uni<List<KekRow>> keks() {
        return pool.preparedQuery("SELECT version, state, wrapped_key, master_key_id FROM kek ORDER BY version")
                .execute()
                .map(rows -> {
                    java.util.ArrayList<KekRow> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new KekRow(r.getInteger("version"), r.getString("state"),
                            bytes(r, "wrapped_key"), r.getString("master_key_id"))));
                    return out;
                });
    }

    /** Inserts the first KEK version unless another instance got there first; true when this call did. */
    public Uni<Boolean> insertFirstKek(byte[] wrapped, String masterKeyId) {
        return pool.preparedQuery("INSERT INTO kek (version, state, wrapped_key, master_key_id) VALUES (1, 'ACTIVE', $1, $2) "
                + "ON CONFLICT DO NOTHING")
                .execute(Tuple.of(io.vertx.core.buffer.Buffer.buffer(wrapped), masterKeyId)).map(rows -> rows.rowCount() == 1);
    }

    public Uni<Optional<KekRow>> rootKey(String name) {
        return pool.preparedQuery("SELECT wrapped_key, master_key_id FROM root_key WHERE name = $1")
                .execute(Tuple.of(name))
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(rows.iterator().next()).map(r -> new KekRow(0, "ACTIVE", bytes(r, "wrapped_key"),
                                r.getString("master_key_id"))));
    }

    /** Inserts a root key unless another instance got there first; true when this call did. */
    public Uni<Boolean> insertRootKey(String name, byte[] wrapped, String masterKeyId) {
        return pool.preparedQuery("INSERT INTO root_key (name, wrapped_key, master_key_id) VALUES ($1, $2, $3) "
                + "ON CONFLICT DO NOTHING")
                .execute(Tuple.of(name, io.vertx.core.buffer.Buffer.buffer(wrapped), masterKeyId)).map(rows -> rows.rowCount() == 1);
    }

    /** The named root key, created (wrapped by the master key) when missing. Reports whether this call created it. */
    public Uni<CreatedOrFound> rootKeyOrCreate(String name, MasterKey masterKey) {
        return rootKey(name).flatMap(row -> row.isPresent() ? Uni.createFrom().item(new CreatedOrFound(row.get(), false))
                : insertRootKey(name, masterKey.wrapNewKey(), masterKey.id())
                        .flatMap(created -> rootKey(name).map(r -> new CreatedOrFound(
                                r.orElseThrow(() -> new IllegalStateException("root key " + name + " missing")), created))));
    }

    public record CreatedOrFound(KekRow row, boolean created) {
    }

    public Uni<Optional<DataKeyRow>> activeDataKey(String tenant) {
        return pool.preparedQuery("SELECT id, tenant, kek_version, wrapped_key, reserved FROM data_key "
                + "WHERE tenant = $1 AND active")
                .execute(Tuple.of(tenant))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(dataKey(rows.iterator().next())));
    }

    public Uni<Optional<DataKeyRow>> dataKey(long id) {
        return pool.preparedQuery("SELECT id, tenant, kek_version, wrapped_key, reserved FROM data_key WHERE id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(dataKey(rows.iterator().next())));
    }

    /**
     * @return the new key's id, or empty when another request created the tenant's active key first,
     *         or when {@code kekVersion} is no longer the ACTIVE KEK (a rotation was approved meanwhile)
     */
    public Uni<Optional<Long>> insertActiveDataKey(io.vertx.mutiny.sqlclient.SqlClient client, String tenant, int kekVersion,
            byte[] wrapped, long reserved) {
        return client.preparedQuery("INSERT INTO data_key (tenant, kek_version, wrapped_key, active, reserved) "
                + "SELECT $1, $2, $3, true, $4 WHERE EXISTS (SELECT 1 FROM kek WHERE version = $2 AND state = 'ACTIVE') "
                + "ON CONFLICT (tenant) WHERE active DO NOTHING RETURNING id")
                .execute(Tuple.of(tenant, kekVersion, io.vertx.core.buffer.Buffer.buffer(wrapped), reserved))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getLong("id")));
    }

    /** Reserves {@code block} more encryptions; false when that would pass {@code limit} or the key is no longer active. */
    public Uni<Boolean> reserve(long id, long block, long limit) {
        return pool.preparedQuery("UPDATE data_key SET reserved = reserved + $2 "
                + "WHERE id = $1 AND active AND reserved + $2 <= $3 RETURNING reserved")
                .execute(Tuple.of(id, block, limit))
                .map(rows -> rows.size() == 1);
    }

    /** @return whether this call retired the key (false when another request already did) */
    public Uni<Boolean> deactivate(io.vertx.mutiny.sqlclient.SqlClient client, long id) {
        return client.preparedQuery("UPDATE data_key SET active = false WHERE id = $1 AND active")
                .execute(Tuple.of(id)).map(rows -> rows.rowCount() == 1);
    }

    /** A data key to be emptied (its records re-encrypted elsewhere) and then destroyed. */
    public record EmptyingKey(long id, String tenant, boolean active, boolean shredding) {
    }

    /**
     * Data keys to empty and destroy, oldest first: those up to a re-key's cutoff ({@code cutoff}
     * below 0: none), and those with a record deleted at least {@code shredWithin} ago.
     */
    public Uni<List<EmptyingKey>> toEmpty(long cutoff, java.time.Duration shredWithin, int limit) {
        return pool.preparedQuery("SELECT id, tenant, active, shred_requested_at <= now() - make_interval(secs => $2) AS shredding "
                + "FROM data_key WHERE id <= $1 OR shred_requested_at <= now() - make_interval(secs => $2) ORDER BY id LIMIT $3")
                .execute(Tuple.of(cutoff, (double) shredWithin.toMillis() / 1000, limit)).map(rows -> {
                    List<EmptyingKey> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new EmptyingKey(r.getLong("id"), r.getString("tenant"), r.getBoolean("active"),
                            Boolean.TRUE.equals(r.getBoolean("shredding")))));
                    return out;
                });
    }

    /**
     * Destroys a data key that no record uses any more and that stopped encrypting at least
     * {@code grace} ago (so no replica still writes with it); false otherwise.
     */
    public Uni<Boolean> destroyIfEmpty(io.vertx.mutiny.sqlclient.SqlClient tx, long id, java.time.Duration grace) {
        return tx.preparedQuery("DELETE FROM data_key WHERE id = $1 AND NOT active AND retired_at <= now() - make_interval(secs => $2) "
                + "AND NOT EXISTS (SELECT 1 FROM token WHERE data_key_id = $1)")
                .execute(Tuple.of(id, (double) grace.toMillis() / 1000)).map(rows -> rows.rowCount() == 1);
    }

    /** Of these data key ids, the ones that still exist, each with whether it is active. */
    public Uni<java.util.Map<Long, Boolean>> states(java.util.Collection<Long> ids) {
        return pool.preparedQuery("SELECT id, active FROM data_key WHERE id = ANY($1)")
                .execute(Tuple.of(ids.toArray(new Long[0]))).map(rows -> {
                    java.util.Map<Long, Boolean> out = new java.util.HashMap<>();
                    rows.forEach(r -> out.put(r.getLong("id"), r.getBoolean("active")));
                    return out;
                });
    }

    public Uni<Integer> activeKekVersion() {
        return pool.preparedQuery("SELECT version FROM kek WHERE state = 'ACTIVE'").execute()
                .map(rows -> rows.size() == 0 ? 0 : rows.iterator().next().getInteger("version"));
    }

    private static DataKeyRow dataKey(Row r) {
        return new DataKeyRow(r.getLong("id"), r.getString("tenant"), r.getInteger("kek_version"),
                bytes(r, "wrapped_key"), r.getLong("reserved"));
    }

    private static byte[] bytes(Row r, String column) {
        Buffer b = r.getBuffer(column);
        return b == null ? null : b.getBytes();
    }
}
