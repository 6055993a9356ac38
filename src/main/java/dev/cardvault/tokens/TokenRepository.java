package dev.cardvault.tokens;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * Single-statement access to the token table. Prepared statements (cached per connection by the
 * pool), one round trip each; the database decides uniqueness.
 */
@ApplicationScoped
public class TokenRepository {

    static final String VIEW_COLUMNS = "token, format, brand, bin, last4, exp_month, exp_year, fingerprint, created_at, "
            + "expires_at, metadata";

    /** A new token row; {@code fingerprint} is raw HMAC bytes. */
    public record NewToken(String token, String tenant, TokenFormat format, boolean deterministic, byte[] fingerprint,
            String brand, String bin, String last4, int expMonth, int expYear, long dataKeyId, byte[] ciphertext,
            Map<String, String> metadata, Instant expiresAt, Instant createdAt) {
    }

    @Inject
    Pool pool;

    private static final String INSERT = "INSERT INTO token (token, tenant, format, deterministic, fingerprint, brand, bin, "
            + "last4, exp_month, exp_year, data_key_id, ciphertext, metadata, expires_at) "
            + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

    /**
     * Writes new (non-deterministic) token rows inside the audit batch's transaction, so a token and
     * its TOKEN_CREATED event share one commit. Result {@code i} says whether row {@code i} was
     * written. A row whose token value is taken, by an existing row or by an earlier row of the same
     * batch (two format-preserving draws can coincide), is not written and not overwritten: its
     * caller draws again.
     */
    public Uni<boolean[]> insertMany(io.vertx.mutiny.sqlclient.SqlClient tx, java.util.List<NewToken> rows) {
        int n = rows.size();
        boolean[] firstOfItsValue = new boolean[n];
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            firstOfItsValue[i] = seen.add(rows.get(i).token());
        }
        java.util.List<NewToken> unique = new java.util.ArrayList<>(seen.size());
        for (int i = 0; i < n; i++) {
            if (firstOfItsValue[i]) {
                unique.add(rows.get(i));
            }
        }
        return insertDistinct(tx, unique).map(inserted -> {
            boolean[] ok = new boolean[n];
            for (int i = 0; i < n; i++) {
                // Values are distinct among the rows sent, so a returned value names exactly one of them.
                ok[i] = firstOfItsValue[i] && inserted.contains(rows.get(i).token());
            }
            return ok;
        });
    }

    /** One statement for rows with distinct token values; the values that were written. */
    private Uni<java.util.Set<String>> insertDistinct(io.vertx.mutiny.sqlclient.SqlClient tx, java.util.List<NewToken> rows) {
        int n = rows.size();
        String[] token = new String[n], tenant = new String[n], format = new String[n], brand = new String[n], bin = new String[n],
                last4 = new String[n], metadata = new String[n];
        Boolean[] deterministic = new Boolean[n];
        io.vertx.core.buffer.Buffer[] fingerprint = new io.vertx.core.buffer.Buffer[n], ciphertext = new io.vertx.core.buffer.Buffer[n];
        Short[] expMonth = new Short[n], expYear = new Short[n];
        Long[] dataKey = new Long[n];
        OffsetDateTime[] expiresAt = new OffsetDateTime[n];
        OffsetDateTime[] createdAt = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            NewToken t = rows.get(i);
            token[i] = t.token();
            tenant[i] = t.tenant();
            format[i] = t.format().name();
            deterministic[i] = t.deterministic();
            fingerprint[i] = io.vertx.core.buffer.Buffer.buffer(t.fingerprint());
            brand[i] = t.brand();
            bin[i] = t.bin();
            last4[i] = t.last4();
            expMonth[i] = (short) t.expMonth();
            expYear[i] = (short) t.expYear();
            dataKey[i] = t.dataKeyId();
            ciphertext[i] = io.vertx.core.buffer.Buffer.buffer(t.ciphertext());
            metadata[i] = new JsonObject(new HashMap<>(t.metadata())).encode();
            expiresAt[i] = offset(t.expiresAt());
            createdAt[i] = offset(t.createdAt());
        }
        return tx.preparedQuery("INSERT INTO token (token, tenant, format, deterministic, fingerprint, brand, bin, last4, "
                + "exp_month, exp_year, data_key_id, ciphertext, metadata, expires_at, created_at) "
                + "SELECT u.t, u.te, u.f, u.d, u.fp, u.b, u.bi, u.l4, u.em, u.ey, u.dk, u.ct, u.md::jsonb, u.ea, u.ca FROM unnest("
                + "$1::text[], $2::text[], $3::text[], $4::boolean[], $5::bytea[], $6::text[], $7::text[], $8::text[], "
                + "$9::smallint[], $10::smallint[], $11::bigint[], $12::bytea[], $13::text[], $14::timestamptz[], $15::timestamptz[]) "
                + "AS u(t, te, f, d, fp, b, bi, l4, em, ey, dk, ct, md, ea, ca) ON CONFLICT DO NOTHING RETURNING token")
                .execute(Tuple.from(new Object[] { token, tenant, format, deterministic, fingerprint, brand, bin, last4, expMonth,
                        expYear, dataKey, ciphertext, metadata, expiresAt, createdAt }))
                .map(result -> {
                    java.util.Set<String> inserted = new java.util.HashSet<>();
                    result.forEach(r -> inserted.add(r.getString("token")));
                    return inserted;
                });
    }

    /** The API view of a token row just written (what RETURNING would give), without reading it back. */
    static TokenView viewOf(NewToken t) {
        return new TokenView(t.token(), t.format().name(), t.brand(), t.bin(), t.last4(), t.expMonth(), t.expYear(),
                Base64.getUrlEncoder().withoutPadding().encodeToString(t.fingerprint()), t.createdAt().toString(),
                t.expiresAt() == null ? null : t.expiresAt().toString(), t.metadata());
    }

    /** Inserts a deterministic token unless one exists for (tenant, format, fingerprint); empty then. */
    public Uni<Optional<TokenView>> insertDeterministic(NewToken t) {
        return pool.preparedQuery(INSERT + " ON CONFLICT (tenant, format, fingerprint) WHERE deterministic DO NOTHING "
                + "RETURNING " + VIEW_COLUMNS).execute(tuple(t))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(view(rows.iterator().next())));
    }

    public Uni<Optional<String>> findDeterministic(String tenant, TokenFormat format, byte[] fingerprint) {
        return pool.preparedQuery("SELECT token FROM token WHERE tenant = $1 AND format = $2 AND fingerprint = $3 AND deterministic")
                .execute(Tuple.of(tenant, format.name(), io.vertx.core.buffer.Buffer.buffer(fingerprint)))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("token")));
    }

    /** Refreshes a deterministic token with the newest card record, expiry and metadata. */
    public Uni<Optional<TokenView>> refreshDeterministic(NewToken t) {
        return pool.preparedQuery("UPDATE token SET exp_month = $3, exp_year = $4, data_key_id = $5, ciphertext = $6, "
                + "metadata = $7, expires_at = $8 WHERE token = $1 AND tenant = $2 AND deterministic RETURNING " + VIEW_COLUMNS)
                .execute(Tuple.from(new Object[] { t.token(), t.tenant(), t.expMonth(), t.expYear(), t.dataKeyId(),
                        io.vertx.core.buffer.Buffer.buffer(t.ciphertext()), new JsonObject(new HashMap<>(t.metadata())), offset(t.expiresAt()) }))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(view(rows.iterator().next())));
    }

    /** A live token of the tenant: other tenants' and expired tokens are not found. */
    public Uni<Optional<TokenView>> find(String token, String tenant) {
        return pool.preparedQuery("SELECT " + VIEW_COLUMNS + " FROM token WHERE token = $1 AND tenant = $2 "
                + "AND (expires_at IS NULL OR expires_at > now())")
                .execute(Tuple.of(token, tenant))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(view(rows.iterator().next())));
    }

    /** What a reveal needs of a live token: which data key made its ciphertext, and the ciphertext. */
    public record Sealed(String token, long dataKeyId, byte[] ciphertext) {
    }

    /** Live tokens of the tenant among {@code tokens}, in one query. */
    public Uni<Map<String, Sealed>> findSealed(String tenant, String[] tokens) {
        return pool.preparedQuery("SELECT token, data_key_id, ciphertext FROM token WHERE tenant = $1 AND token = ANY($2) "
                + "AND (expires_at IS NULL OR expires_at > now())")
                .execute(Tuple.of(tenant, tokens))
                .map(rows -> {
                    Map<String, Sealed> out = new HashMap<>();
                    rows.forEach(r -> out.put(r.getString("token"),
                            new Sealed(r.getString("token"), r.getLong("data_key_id"), r.getBuffer("ciphertext").getBytes())));
                    return out;
                });
    }

    /** Destroys the row, ciphertext included. @return whether a live or expired token of the tenant was deleted */
    public Uni<Boolean> delete(String token, String tenant) {
        return pool.preparedQuery("DELETE FROM token WHERE token = $1 AND tenant = $2 "
                + "AND (expires_at IS NULL OR expires_at > now())")
                .execute(Tuple.of(token, tenant)).map(rows -> rows.rowCount() == 1);
    }

    /** Destroys every token of one card in the tenant (all formats), in one statement. */
    public Uni<Integer> deleteByFingerprint(String tenant, byte[] fingerprint) {
        return pool.preparedQuery("DELETE FROM token WHERE tenant = $1 AND fingerprint = $2")
                .execute(Tuple.of(tenant, io.vertx.core.buffer.Buffer.buffer(fingerprint))).map(rows -> rows.rowCount());
    }

    static boolean isTokenCollision(Throwable t) {
        return t instanceof PgException pg && "23505".equals(pg.getSqlState()) && "token_pkey".equals(pg.getConstraint());
    }

    private static Tuple tuple(NewToken t) {
        return Tuple.from(new Object[] { t.token(), t.tenant(), t.format().name(), t.deterministic(),
                io.vertx.core.buffer.Buffer.buffer(t.fingerprint()), t.brand(), t.bin(), t.last4(), (short) t.expMonth(), (short) t.expYear(),
                t.dataKeyId(), io.vertx.core.buffer.Buffer.buffer(t.ciphertext()), new JsonObject(new HashMap<>(t.metadata())),
                offset(t.expiresAt()) });
    }

    private static OffsetDateTime offset(Instant i) {
        return i == null ? null : i.atOffset(ZoneOffset.UTC);
    }

    private static TokenView view(Row r) {
        JsonObject meta = r.getJsonObject("metadata");
        Map<String, String> metadata = new HashMap<>();
        if (meta != null) {
            meta.forEach(e -> metadata.put(e.getKey(), String.valueOf(e.getValue())));
        }
        OffsetDateTime expires = r.getOffsetDateTime("expires_at");
        return new TokenView(r.getString("token"), r.getString("format"), r.getString("brand"), r.getString("bin"),
                r.getString("last4"), r.getShort("exp_month"), r.getShort("exp_year"),
                Base64.getUrlEncoder().withoutPadding().encodeToString(r.getBuffer("fingerprint").getBytes()),
                r.getOffsetDateTime("created_at").toInstant().toString(),
                expires == null ? null : expires.toInstant().toString(), metadata);
    }
}
