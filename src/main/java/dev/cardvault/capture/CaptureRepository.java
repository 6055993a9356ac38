package dev.cardvault.capture;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** Capture session rows; every state change is conditional on the state it leaves, so concurrent callers cannot both win. */
@ApplicationScoped
public class CaptureRepository {

    private static final String COLUMNS = "id, tenant, created_by, channel, state, allowed_origins, format, deterministic, metadata, "
            + "locale, secret_hash, expires_at, created_at, completed_at, token, brand, last4, exp_month, exp_year, callback_url";

    @Inject
    Pool pool;

    Pool pool() {
        return pool;
    }

    Uni<Void> insert(SqlClient tx, CaptureSession s) {
        return tx.preparedQuery("INSERT INTO capture_session (id, tenant, created_by, channel, state, allowed_origins, format, "
                + "deterministic, metadata, locale, secret_hash, expires_at, callback_url) "
                + "VALUES ($1, $2, $3, $4, 'OPEN', $5, $6, $7, $8, $9, $10, $11, $12)")
                .execute(Tuple.from(new Object[] { s.id(), s.tenant(), s.createdBy(), s.channel(), s.allowedOrigins().toArray(new String[0]),
                        s.format(), s.deterministic(), new JsonObject(Map.copyOf(s.metadata())), s.locale(),
                        io.vertx.core.buffer.Buffer.buffer(s.secretHash()), s.expiresAt().atOffset(ZoneOffset.UTC), s.callbackUrl() }))
                .replaceWithVoid();
    }

    Uni<Optional<CaptureSession>> find(String id) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM capture_session WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(session(rows.iterator().next())));
    }

    /** OPEN (or SUBMITTING) and past its expiry → EXPIRED; true when this call did it. */
    Uni<Boolean> expire(SqlClient tx, String id) {
        return tx.preparedQuery("UPDATE capture_session SET state = 'EXPIRED' WHERE id = $1 AND state IN ('OPEN', 'SUBMITTING') "
                + "AND expires_at <= now()").execute(Tuple.of(id)).map(rows -> rows.rowCount() == 1);
    }

    Uni<Boolean> cancel(SqlClient tx, String id) {
        return tx.preparedQuery("UPDATE capture_session SET state = 'CANCELLED', completed_at = now() WHERE id = $1 AND state = 'OPEN' "
                + "AND expires_at > now()").execute(Tuple.of(id)).map(rows -> rows.rowCount() == 1);
    }

    /** Claims the session for one card: only one submission at a time, and only while it is open. */
    Uni<Boolean> claim(String id) {
        return pool.preparedQuery("UPDATE capture_session SET state = 'SUBMITTING' WHERE id = $1 AND state = 'OPEN' AND expires_at > now()")
                .execute(Tuple.of(id)).map(rows -> rows.rowCount() == 1);
    }

    /** A submission that stored nothing gives the session back. */
    Uni<Void> release(String id) {
        return pool.preparedQuery("UPDATE capture_session SET state = 'OPEN' WHERE id = $1 AND state = 'SUBMITTING'")
                .execute(Tuple.of(id)).replaceWithVoid();
    }

    Uni<Boolean> complete(SqlClient tx, String id, String token, String brand, String last4, int expMonth, int expYear) {
        return tx.preparedQuery("UPDATE capture_session SET state = 'COMPLETED', completed_at = now(), token = $2, brand = $3, "
                + "last4 = $4, exp_month = $5, exp_year = $6 WHERE id = $1 AND state = 'SUBMITTING'")
                .execute(Tuple.from(new Object[] { id, token, brand, last4, (short) expMonth, (short) expYear }))
                .map(rows -> rows.rowCount() == 1);
    }

    /** A delivery to make, in the completion's transaction. */
    Uni<Void> insertWebhook(SqlClient tx, String sessionId, String tenant, String url, String body) {
        return tx.preparedQuery("INSERT INTO capture_webhook (session_id, tenant, url, body, state) VALUES ($1, $2, $3, $4, 'PENDING')")
                .execute(Tuple.of(sessionId, tenant, url, body)).replaceWithVoid();
    }

    /** A due delivery, leased for {@code leaseSeconds} so that no other run sends it meanwhile. */
    record Delivery(String sessionId, String tenant, String url, String body, int attempts) {
    }

    Uni<List<Delivery>> leaseDue(int limit, int leaseSeconds) {
        return pool.preparedQuery("UPDATE capture_webhook SET next_attempt_at = now() + make_interval(secs => $2) WHERE session_id IN "
                + "(SELECT session_id FROM capture_webhook WHERE state = 'PENDING' AND next_attempt_at <= now() "
                + "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING session_id, tenant, url, body, attempts")
                .execute(Tuple.of(limit, leaseSeconds)).map(rows -> {
                    List<Delivery> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new Delivery(r.getString("session_id"), r.getString("tenant"), r.getString("url"),
                            r.getString("body"), r.getInteger("attempts"))));
                    return out;
                });
    }

    Uni<Void> delivered(SqlClient tx, String sessionId, int status) {
        return tx.preparedQuery("UPDATE capture_webhook SET state = 'DELIVERED', attempts = attempts + 1, last_status = $2, "
                + "delivered_at = now() WHERE session_id = $1").execute(Tuple.of(sessionId, status)).replaceWithVoid();
    }

    /** A failed attempt: retried after {@code retryInSeconds}, or given up ({@code retryInSeconds} null). */
    Uni<Void> attemptFailed(SqlClient tx, String sessionId, Integer status, Double retryInSeconds) {
        return tx.preparedQuery("UPDATE capture_webhook SET attempts = attempts + 1, last_status = $2, "
                + "state = CASE WHEN $3::float8 IS NULL THEN 'FAILED' ELSE 'PENDING' END, "
                + "next_attempt_at = now() + make_interval(secs => coalesce($3::float8, 0)) WHERE session_id = $1")
                .execute(Tuple.of(sessionId, status, retryInSeconds)).replaceWithVoid();
    }

    private static CaptureSession session(Row r) {
        JsonObject md = r.getJsonObject("metadata");
        Map<String, String> metadata = new java.util.LinkedHashMap<>();
        if (md != null) {
            md.forEach(e -> metadata.put(e.getKey(), String.valueOf(e.getValue())));
        }
        Buffer hash = r.getBuffer("secret_hash");
        String[] origins = r.getArrayOfStrings("allowed_origins");
        return new CaptureSession(r.getString("id"), r.getString("tenant"), r.getString("created_by"), r.getString("channel"),
                r.getString("state"), origins == null ? List.of() : Arrays.asList(origins), r.getString("format"),
                r.getBoolean("deterministic"), metadata, r.getString("locale"), hash == null ? null : hash.getBytes(),
                instant(r.getOffsetDateTime("expires_at")), instant(r.getOffsetDateTime("created_at")),
                instant(r.getOffsetDateTime("completed_at")), r.getString("token"), r.getString("brand"), r.getString("last4"),
                r.getValue("exp_month") == null ? null : r.getInteger("exp_month"),
                r.getValue("exp_year") == null ? null : r.getInteger("exp_year"), r.getString("callback_url"));
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
