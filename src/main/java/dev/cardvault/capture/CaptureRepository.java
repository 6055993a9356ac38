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

import dev.cardvault.time.VaultClock;
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
            + "locale, secret_hash, expires_at, created_at, completed_at, token, brand, last4, exp_month, exp_year, callback_url, fields, key_seq, recording_control_url, recording_paused_at, purpose, consent_ref";

    @Inject
    Pool pool;

    @Inject
    VaultClock clock;

    Pool pool() {
        return pool;
    }

    Uni<Void> insert(SqlClient tx, CaptureSession s) {
        return tx.preparedQuery("INSERT INTO capture_session (id, tenant, created_by, channel, state, allowed_origins, format, "
                + "deterministic, metadata, locale, secret_hash, expires_at, callback_url, fields, recording_control_url, purpose, "
                + "consent_ref) VALUES ($1, $2, $3, $4, 'OPEN', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
                .execute(Tuple.from(new Object[] { s.id(), s.tenant(), s.createdBy(), s.channel(), s.allowedOrigins().toArray(new String[0]),
                        s.format(), s.deterministic(), new JsonObject(Map.copyOf(s.metadata())), s.locale(),
                        io.vertx.core.buffer.Buffer.buffer(s.secretHash()), s.expiresAt().atOffset(ZoneOffset.UTC), s.callbackUrl(),
                        s.fields().toArray(new String[0]), s.recordingControlUrl(), s.purpose(), s.consentRef() }))
                .replaceWithVoid();
    }

    Uni<Optional<CaptureSession>> find(String id) {
        return pool.preparedQuery("SELECT " + COLUMNS + ", (SELECT entry FROM capture_entry WHERE session_id = $1) AS entry "
                + "FROM capture_session WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(session(rows.iterator().next())));
    }

    /** OPEN (or SUBMITTING) and past its expiry → EXPIRED; true when this call did it. */
    Uni<Boolean> expire(SqlClient tx, String id) {
        // Not a SUBMITTING one: its card is being stored right now, and completes or fails on its own.
        return tx.preparedQuery("UPDATE capture_session SET state = 'EXPIRED' WHERE id = $1 "
                + "AND state = 'OPEN' AND expires_at <= $2").execute(Tuple.of(id, clock.offsetNow())).map(rows -> rows.rowCount() == 1)
                .flatMap(done -> done ? addEvent(tx, id, "expired", new JsonObject()).flatMap(x -> ended(tx, id)).replaceWith(true)
                        : Uni.createFrom().item(false));
    }

    Uni<Boolean> cancel(SqlClient tx, String id) {
        return tx.preparedQuery("UPDATE capture_session SET state = 'CANCELLED', completed_at = now() WHERE id = $1 "
                + "AND state = 'OPEN' AND expires_at > $2").execute(Tuple.of(id, clock.offsetNow())).map(rows -> rows.rowCount() == 1)
                .flatMap(done -> done ? addEvent(tx, id, "cancelled", new JsonObject()).flatMap(x -> ended(tx, id)).replaceWith(true)
                        : Uni.createFrom().item(false));
    }

    /** Claims the session for one card: only one submission at a time, and only while it is open. */
    Uni<Boolean> claim(String id) {
        return pool.preparedQuery("UPDATE capture_session SET state = 'SUBMITTING' WHERE id = $1 AND state = 'OPEN' AND expires_at > $2")
                .execute(Tuple.of(id, clock.offsetNow())).map(rows -> rows.rowCount() == 1);
    }

    /** A phone entry that could not be stored ends the session: the customer keys again in a new one. */
    Uni<Void> failSubmitting(String id) {
        return pool.withTransaction(tx -> tx.preparedQuery("UPDATE capture_session SET state = 'FAILED' WHERE id = $1 "
                + "AND state = 'SUBMITTING'").execute(Tuple.of(id)).flatMap(rows -> rows.rowCount() == 1
                        ? addEvent(tx, id, "failed", new JsonObject().put("reason", "not-stored")).flatMap(x -> ended(tx, id))
                        : Uni.createFrom().voidItem()));
    }

    /** Submissions that never finished (the instance storing the card died): failed, two minutes past their expiry. */
    Uni<Void> failStuckSubmissions() {
        return pool.preparedQuery("SELECT id FROM capture_session WHERE state = 'SUBMITTING' AND expires_at <= $1")
                .execute(Tuple.of(clock.offsetNow().minusMinutes(2))).flatMap(rows -> {
                    Uni<Void> all = Uni.createFrom().voidItem();
                    for (var r : rows) {
                        String id = r.getString("id");
                        all = all.flatMap(v -> failSubmitting(id));
                    }
                    return all;
                });
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
                .map(rows -> rows.rowCount() == 1)
                .flatMap(done -> done ? addEvent(tx, id, "completed", new JsonObject().put("token", token).put("brand", brand)
                        .put("last4", last4).put("expMonth", expMonth).put("expYear", expYear)).flatMap(x -> ended(tx, id))
                        .replaceWith(true) : Uni.createFrom().item(false));
    }

    /**
     * After a session ended in any state: its keyed digits are dropped, and the recorder it paused is
     * told to resume (delivered and retried like a webhook).
     */
    Uni<Void> ended(SqlClient tx, String id) {
        return dropEntry(tx, id).flatMap(x -> tx.preparedQuery("INSERT INTO capture_webhook (session_id, kind, tenant, url, body, state) SELECT id, 'resume', tenant, "
                + "recording_control_url, json_build_object('sessionId', id, 'action', 'RESUME')::text, 'PENDING' FROM capture_session "
                + "WHERE id = $1 AND recording_paused_at IS NOT NULL ON CONFLICT DO NOTHING").execute(Tuple.of(id)).replaceWithVoid());
    }

    Uni<Boolean> markPaused(SqlClient tx, String id) {
        return tx.preparedQuery("UPDATE capture_session SET recording_paused_at = now() WHERE id = $1 AND recording_paused_at IS NULL")
                .execute(Tuple.of(id)).map(rows -> rows.rowCount() == 1);
    }

    /** Open sessions past their expiry, oldest first. */
    Uni<List<String>> overdue(int limit) {
        return pool.preparedQuery("SELECT id FROM capture_session WHERE state = 'OPEN' AND expires_at <= $2 "
                + "ORDER BY expires_at LIMIT $1").execute(Tuple.of(limit, clock.offsetNow())).map(rows -> {
                    List<String> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(r.getString("id")));
                    return out;
                });
    }

    /** One thing the agent's event stream shows, numbered per session, in the transaction of the change it shows. */
    Uni<Void> addEvent(SqlClient tx, String sessionId, String type, JsonObject data) {
        return tx.preparedQuery("INSERT INTO capture_event (session_id, seq, type, data) VALUES ($1, "
                + "(SELECT coalesce(max(seq), 0) + 1 FROM capture_event WHERE session_id = $1), $2, $3)")
                .execute(Tuple.of(sessionId, type, data)).replaceWithVoid();
    }

    record Event(long seq, String type, JsonObject data) {
    }

    Uni<List<Event>> eventsAfter(String sessionId, long afterSeq) {
        return pool.preparedQuery("SELECT seq, type, data FROM capture_event WHERE session_id = $1 AND seq > $2 ORDER BY seq")
                .execute(Tuple.of(sessionId, afterSeq)).map(rows -> {
                    List<Event> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new Event(r.getLong("seq"), r.getString("type"), r.getJsonObject("data"))));
                    return out;
                });
    }

    /**
     * Stores a phone entry after key press {@code seq}, only if no other chunk was applied since
     * {@code previousSeq} and the session is still open: concurrent chunks cannot both apply.
     */
    Uni<Boolean> saveEntry(SqlClient tx, String id, long previousSeq, long seq, byte[] entry, Long dataKey, int fieldIndex,
            int digitsEntered, int attempt, String state) {
        return tx.preparedQuery("UPDATE capture_session SET key_seq = $3, field_index = $4, "
                + "digits_entered = $5, attempt = $6, state = $7 WHERE id = $1 AND key_seq = $2 AND state = 'OPEN' AND expires_at > $8")
                .execute(Tuple.from(new Object[] { id, previousSeq, seq, fieldIndex, digitsEntered, attempt, state, clock.offsetNow() }))
                .map(rows -> rows.rowCount() == 1)
                .flatMap(saved -> !saved ? Uni.createFrom().item(false) : (entry == null ? dropEntry(tx, id)
                        : tx.preparedQuery("INSERT INTO capture_entry (session_id, entry) VALUES ($1, $2) "
                                + "ON CONFLICT (session_id) DO UPDATE SET entry = excluded.entry")
                                .execute(Tuple.of(id, io.vertx.core.buffer.Buffer.buffer(entry))).replaceWithVoid())
                        .replaceWith(true));
    }

    /** The keyed digits are gone with the entry (the session ended, or nothing is pending). */
    Uni<Void> dropEntry(SqlClient tx, String id) {
        return tx.preparedQuery("DELETE FROM capture_entry WHERE session_id = $1").execute(Tuple.of(id)).replaceWithVoid();
    }

    /** A delivery to make, in the completion's transaction. */
    Uni<Void> insertWebhook(SqlClient tx, String sessionId, String tenant, String url, String body) {
        return tx.preparedQuery("INSERT INTO capture_webhook (session_id, kind, tenant, url, body, state) "
                + "VALUES ($1, 'completed', $2, $3, $4, 'PENDING')")
                .execute(Tuple.of(sessionId, tenant, url, body)).replaceWithVoid();
    }

    /** A due delivery, leased for {@code leaseSeconds} so that no other run sends it meanwhile. */
    record Delivery(String sessionId, String kind, String tenant, String url, String body, int attempts) {
    }

    Uni<List<Delivery>> leaseDue(int limit, int leaseSeconds) {
        return pool.preparedQuery("UPDATE capture_webhook SET next_attempt_at = now() + make_interval(secs => $2) WHERE (session_id, kind) IN "
                + "(SELECT session_id, kind FROM capture_webhook WHERE state = 'PENDING' AND next_attempt_at <= now() "
                + "ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING session_id, kind, tenant, url, body, attempts")
                .execute(Tuple.of(limit, leaseSeconds)).map(rows -> {
                    List<Delivery> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new Delivery(r.getString("session_id"), r.getString("kind"), r.getString("tenant"), r.getString("url"),
                            r.getString("body"), r.getInteger("attempts"))));
                    return out;
                });
    }

    Uni<Void> delivered(SqlClient tx, Delivery d, int status) {
        return tx.preparedQuery("UPDATE capture_webhook SET state = 'DELIVERED', attempts = attempts + 1, last_status = $2, "
                + "delivered_at = now() WHERE session_id = $1 AND kind = $3").execute(Tuple.of(d.sessionId(), status, d.kind()))
                .replaceWithVoid();
    }

    /** A failed attempt: retried after {@code retryInSeconds}, or given up ({@code retryInSeconds} null). */
    Uni<Void> attemptFailed(SqlClient tx, Delivery d, Integer status, Double retryInSeconds) {
        return tx.preparedQuery("UPDATE capture_webhook SET attempts = attempts + 1, last_status = $2, "
                + "state = CASE WHEN $3::float8 IS NULL THEN 'FAILED' ELSE 'PENDING' END, "
                + "next_attempt_at = now() + make_interval(secs => coalesce($3::float8, 0)) WHERE session_id = $1 AND kind = $4")
                .execute(Tuple.of(d.sessionId(), status, retryInSeconds, d.kind())).replaceWithVoid();
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
                r.getValue("exp_year") == null ? null : r.getInteger("exp_year"), r.getString("callback_url"),
                Arrays.asList(r.getArrayOfStrings("fields")), r.getBuffer("entry") == null ? null : r.getBuffer("entry").getBytes(),
                null, r.getLong("key_seq"), r.getString("recording_control_url"),
                instant(r.getOffsetDateTime("recording_paused_at")), r.getString("purpose"), r.getString("consent_ref"));
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }
}
