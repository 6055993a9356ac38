package dev.cardvault.tokens;

import java.lang.reflect.Array;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.time.VaultClock;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Single-statement access to the token table. One mapping each way: {@link #values} writes a
 * {@link TokenRow} as column values, {@link #fromRow} reads one back. Prepared statements (cached
 * per connection by the pool), one round trip each; the database decides uniqueness.
 */
@ApplicationScoped
public class TokenRepository {

    /** The columns, in the order of {@link #values} and {@link #TYPES}. */
    static final String COLUMNS = "token, tenant, format, deterministic, fingerprint, brand, bin, last4, exp_month, exp_year, "
            + "data_key_id, ciphertext, metadata, expires_at, created_at, purpose, legal_basis, consent_ref";
    /** What is read back: the written columns and the restriction flag (set only by a data-subject request). */
    static final String READ_COLUMNS = COLUMNS + ", restricted";
    private static final Class<?>[] TYPES = { String.class, String.class, String.class, Boolean.class, Buffer.class,
            String.class, String.class, String.class, Short.class, Short.class, Long.class, Buffer.class, String.class,
            OffsetDateTime.class, OffsetDateTime.class, String.class, String.class, String.class };
    private static final String SQL_TYPES = "text[], text[], text[], boolean[], bytea[], text[], text[], text[], smallint[], "
            + "smallint[], bigint[], bytea[], text[], timestamptz[], timestamptz[], text[], text[], text[]";
    /** Not expired by the vault's clock (the one that set {@code expires_at}), passed as {@code $3}. */
    private static final String LIVE = "(expires_at IS NULL OR expires_at > $3)";
    /** Many rows in one statement: one array parameter per column, unnested into rows. */
    private static final String INSERT_UNNEST = insertSql(false);
    private static final String INSERT_IMPORTED = insertSql(true);
    /** Every row or none: a taken token value fails the statement (and its transaction). */
    private static final String INSERT_ALL = INSERT_UNNEST.substring(0, INSERT_UNNEST.indexOf(" ON CONFLICT"));

    @Inject
    Pool pool;

    @Inject
    VaultClock clock;

    /**
     * Writes new (non-deterministic) token rows inside the audit batch's transaction, so a token and
     * its TOKEN_CREATED event share one commit. Result {@code i} says whether row {@code i} was
     * written. A row whose token value is taken, by an existing row or by an earlier row of the same
     * batch (two format-preserving draws can coincide), is not written and not overwritten: its
     * caller draws again.
     */
    public Uni<boolean[]> insertMany(SqlClient tx, List<TokenRow> rows) {
        return insertDistinct(tx, rows, null, null);
    }

    /**
     * Every row, in one statement that fails with a unique violation (SQLSTATE 23505) when any
     * row's token value is taken, so that it can be sent without waiting for its answer.
     */
    public Uni<Void> insertAll(SqlClient tx, List<TokenRow> rows) {
        return tx.preparedQuery(INSERT_ALL).execute(Tuple.from(columnArrays(rows, 0))).replaceWithVoid();
    }

    /**
     * A deterministic token, unless the tenant already has one for this card and format, or the
     * token value is taken: then empty, and the caller looks for the existing one or draws again.
     */
    public Uni<Optional<TokenView>> insertDeterministic(SqlClient tx, TokenRow row) {
        return insertDistinct(tx, List.of(row), null, null).map(ok -> ok[0] ? Optional.of(row.view()) : Optional.empty());
    }

    /**
     * One statement: the rows as one array per column, unnested. A row whose token value is taken,
     * by an existing row or by an earlier row of the same list, is not sent again; {@code lines}
     * (with {@code importId}) adds each row's import line. Result {@code i}: whether row {@code i}
     * was written.
     */
    private static Uni<boolean[]> insertDistinct(SqlClient tx, List<TokenRow> rows, List<Integer> lines, String importId) {
        int n = rows.size();
        boolean[] first = new boolean[n];
        Set<String> seen = new HashSet<>();
        List<TokenRow> distinct = new ArrayList<>(n);
        List<Integer> distinctLines = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            first[i] = seen.add(rows.get(i).token());
            if (first[i]) {
                distinct.add(rows.get(i));
                if (lines != null) {
                    distinctLines.add(lines.get(i));
                }
            }
        }
        Object[] params = columnArrays(distinct, lines == null ? 0 : 2);
        if (lines != null) {
            params[TYPES.length] = importId;
            params[TYPES.length + 1] = distinctLines.toArray(Integer[]::new);
        }
        return tx.preparedQuery(lines == null ? INSERT_UNNEST : INSERT_IMPORTED).execute(Tuple.from(params)).map(result -> {
            Set<String> inserted = new HashSet<>();
            result.forEach(r -> inserted.add(r.getString("token")));
            boolean[] ok = new boolean[n];
            for (int i = 0; i < n; i++) {
                // Values are distinct among the rows sent, so a returned value names exactly one of them.
                ok[i] = first[i] && inserted.contains(rows.get(i).token());
            }
            return ok;
        });
    }

    /** One array per column of {@link #COLUMNS}, row by row, and {@code extra} slots after them. */
    private static Object[] columnArrays(List<TokenRow> rows, int extra) {
        Object[] columns = new Object[TYPES.length + extra];
        for (int c = 0; c < TYPES.length; c++) {
            columns[c] = Array.newInstance(TYPES[c], rows.size());
        }
        for (int r = 0; r < rows.size(); r++) {
            Object[] v = values(rows.get(r));
            for (int c = 0; c < v.length; c++) {
                Array.set(columns[c], r, v[c]);
            }
        }
        return columns;
    }

    /** INSERT ... SELECT FROM unnest(one array per column) ON CONFLICT DO NOTHING, with the import columns or without. */
    private static String insertSql(boolean imported) {
        StringBuilder params = new StringBuilder();
        StringBuilder cols = new StringBuilder();
        String[] types = SQL_TYPES.split(", ");
        for (int c = 0; c < types.length; c++) {
            params.append(c == 0 ? "" : ", ").append('$').append(c + 1).append("::").append(types[c]);
            cols.append(c == 0 ? "" : ", ").append("c").append(c + 1);
        }
        String select = cols.toString().replace("c", "u.c").replace("u.c13,", "u.c13::jsonb,");
        return "INSERT INTO token (" + COLUMNS + (imported ? ", import_id, import_line" : "") + ") SELECT " + select
                + (imported ? ", $" + (types.length + 1) + ", u.line" : "") + " FROM unnest(" + params
                + (imported ? ", $" + (types.length + 2) + "::integer[]" : "") + ") AS u(" + cols + (imported ? ", line" : "")
                + ") ON CONFLICT DO NOTHING RETURNING token";
    }

    /**
     * Imported token rows, each with its import and line, in one statement inside the batch's
     * audit transaction. Result {@code i}: whether row {@code i} was written (not when its token
     * value is taken, or its line of this import was stored already; the caller looks again).
     */
    public Uni<boolean[]> insertImported(SqlClient tx, List<TokenRow> rows, List<Integer> lines, String importId) {
        return insertDistinct(tx, rows, lines, importId);
    }

    public Uni<Optional<String>> findDeterministic(SqlClient tx, String tenant, TokenFormat format, byte[] fingerprint) {
        return tx.preparedQuery("SELECT token FROM token WHERE tenant = $1 AND format = $2 AND fingerprint = $3 AND deterministic")
                .execute(Tuple.of(tenant, format.name(), Buffer.buffer(fingerprint)))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("token")));
    }

    /**
     * Refreshes a deterministic token with the newest card record, expiry and metadata, and the
     * purpose of its newest collection (with its legal basis and consent reference).
     */
    public Uni<Optional<TokenView>> refreshDeterministic(SqlClient tx, TokenRow row) {
        Object[] v = values(row);
        return tx.preparedQuery("UPDATE token SET exp_month = $3, exp_year = $4, data_key_id = $5, ciphertext = $6, "
                + "metadata = $7::text::jsonb, expires_at = $8, purpose = $9, legal_basis = $10, consent_ref = $11 "
                + "WHERE token = $1 AND tenant = $2 AND deterministic RETURNING " + READ_COLUMNS)
                .execute(Tuple.from(new Object[] { v[0], v[1], v[8], v[9], v[10], v[11], v[12], v[13], v[15], v[16], v[17] }))
                .map(rows -> first(rows).map(TokenRow::view));
    }

    /** A live token of the tenant: other tenants' and expired tokens are not found. */
    public Uni<Optional<TokenView>> find(String token, String tenant) {
        return pool.preparedQuery("SELECT " + READ_COLUMNS + " FROM token WHERE token = $1 AND tenant = $2 AND " + LIVE)
                .execute(Tuple.of(token, tenant, clock.offsetNow()))
                .map(rows -> first(rows).map(TokenRow::view));
    }

    /**
     * Live tokens among the pairs ({@code tenants[i]}, {@code tokens[i]}), in one query: a token is
     * found only for the tenant it is paired with. Lookups of concurrent requests go through
     * {@link TokenLookups}, which makes one such query of them.
     */
    Uni<List<TokenRow>> findLive(String[] tenants, String[] tokens) {
        // token = ANY uses the primary key; the pair filter keeps every token to its own tenant.
        return pool.preparedQuery("SELECT " + READ_COLUMNS + " FROM token WHERE token = ANY($2) AND " + LIVE
                + " AND (tenant, token) IN (SELECT * FROM unnest($1::text[], $2::text[]))")
                .execute(Tuple.of(tenants, tokens, clock.offsetNow()))
                .map(rows -> {
                    List<TokenRow> out = new ArrayList<>(rows.size());
                    rows.forEach(r -> out.add(fromRow(r)));
                    return out;
                });
    }

    /** A card record as stored under a data key, for re-encryption. */
    public record SealedRecord(String token, String tenant, byte[] ciphertext) {
    }

    /** Up to {@code limit} records encrypted under the data key. */
    public Uni<List<SealedRecord>> underKey(long dataKeyId, int limit) {
        return pool.preparedQuery("SELECT token, tenant, ciphertext FROM token WHERE data_key_id = $1 LIMIT $2")
                .execute(Tuple.of(dataKeyId, limit)).map(rows -> {
                    List<SealedRecord> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new SealedRecord(r.getString("token"), r.getString("tenant"),
                            r.getBuffer("ciphertext").getBytes())));
                    return out;
                });
    }

    /** Replaces records re-encrypted under a new key, each only if it is still under the old one; how many were. */
    public Uni<Integer> move(long fromKeyId, List<SealedRecord> reencrypted, List<Long> toKeyIds) {
        List<Tuple> updates = new java.util.ArrayList<>();
        for (int i = 0; i < reencrypted.size(); i++) {
            SealedRecord r = reencrypted.get(i);
            updates.add(Tuple.of(r.token(), io.vertx.core.buffer.Buffer.buffer(r.ciphertext()), toKeyIds.get(i), fromKeyId));
        }
        if (updates.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return pool.preparedQuery("UPDATE token SET ciphertext = $2, data_key_id = $3 WHERE token = $1 AND data_key_id = $4")
                .executeBatch(updates).map(rows -> {
                    int n = 0;
                    for (var r = rows; r != null; r = r.next()) {
                        n += r.rowCount();
                    }
                    return n;
                });
    }

    /** Destroys the row, ciphertext included. @return whether a live token of the tenant was deleted */
    public Uni<Boolean> delete(SqlClient tx, String token, String tenant) {
        return tx.preparedQuery("DELETE FROM token WHERE token = $1 AND tenant = $2 AND " + LIVE)
                .execute(Tuple.of(token, tenant, clock.offsetNow())).map(rows -> rows.rowCount() == 1);
    }

    /** Destroys every token of one card in the tenant (all formats), in one statement. */
    public Uni<Integer> deleteByFingerprint(SqlClient tx, String tenant, byte[] fingerprint) {
        return tx.preparedQuery("DELETE FROM token WHERE tenant = $1 AND fingerprint = $2")
                .execute(Tuple.of(tenant, Buffer.buffer(fingerprint))).map(RowSet::rowCount);
    }

    /** Every stored token of one card in the tenant (all formats, expired ones too): what a data-subject request covers. */
    public Uni<List<TokenRow>> byFingerprint(String tenant, byte[] fingerprint) {
        return pool.preparedQuery("SELECT " + READ_COLUMNS + " FROM token WHERE tenant = $1 AND fingerprint = $2 ORDER BY created_at, token")
                .execute(Tuple.of(tenant, Buffer.buffer(fingerprint))).map(rows -> {
                    List<TokenRow> out = new ArrayList<>();
                    rows.forEach(r -> out.add(fromRow(r)));
                    return out;
                });
    }

    /** Restricts (or lifts the restriction of) every token of one card in the tenant; how many changed. */
    public Uni<Integer> restrict(SqlClient tx, String tenant, byte[] fingerprint, boolean restricted) {
        return tx.preparedQuery("UPDATE token SET restricted = $3 WHERE tenant = $1 AND fingerprint = $2 AND restricted <> $3")
                .execute(Tuple.of(tenant, Buffer.buffer(fingerprint), restricted)).map(RowSet::rowCount);
    }

    /** Replaces a card record with its rectified one, only if it is still under the key it was read under. */
    public Uni<Boolean> rectify(SqlClient tx, TokenRow rectified, long readUnderKey) {
        return tx.preparedQuery("UPDATE token SET exp_month = $3, exp_year = $4, data_key_id = $5, ciphertext = $6 "
                + "WHERE token = $1 AND tenant = $2 AND data_key_id = $7")
                .execute(Tuple.from(new Object[] { rectified.token(), rectified.tenant(), (short) rectified.expMonth(),
                        (short) rectified.expYear(), rectified.dataKeyId(), Buffer.buffer(rectified.ciphertext()), readUnderKey }))
                .map(rows -> rows.rowCount() == 1);
    }

    /** A row as column values, in {@link #COLUMNS} order. */
    static Object[] values(TokenRow t) {
        return new Object[] { t.token(), t.tenant(), t.format().name(), t.deterministic(), Buffer.buffer(t.fingerprint()),
                t.brand(), t.bin(), t.last4(), (short) t.expMonth(), (short) t.expYear(), t.dataKeyId(),
                Buffer.buffer(t.ciphertext()), new JsonObject(new HashMap<>(t.metadata())).encode(), offset(t.expiresAt()),
                offset(t.createdAt()), t.purpose(), t.legalBasis(), t.consentRef() };
    }

    static TokenRow fromRow(Row r) {
        JsonObject meta = r.getJsonObject("metadata");
        Map<String, String> metadata = new HashMap<>();
        if (meta != null) {
            meta.forEach(e -> metadata.put(e.getKey(), String.valueOf(e.getValue())));
        }
        OffsetDateTime expires = r.getOffsetDateTime("expires_at");
        return new TokenRow(r.getString("token"), r.getString("tenant"), TokenFormat.valueOf(r.getString("format")),
                r.getBoolean("deterministic"), r.getBuffer("fingerprint").getBytes(), r.getString("brand"), r.getString("bin"),
                r.getString("last4"), r.getShort("exp_month"), r.getShort("exp_year"), r.getLong("data_key_id"),
                r.getBuffer("ciphertext").getBytes(), metadata, expires == null ? null : expires.toInstant(),
                r.getOffsetDateTime("created_at").toInstant(), r.getString("purpose"), r.getString("legal_basis"),
                r.getString("consent_ref"), Boolean.TRUE.equals(r.getBoolean("restricted")));
    }

    private static Optional<TokenRow> first(RowSet<Row> rows) {
        return rows.size() == 0 ? Optional.empty() : Optional.of(fromRow(rows.iterator().next()));
    }

    private static OffsetDateTime offset(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }
}
