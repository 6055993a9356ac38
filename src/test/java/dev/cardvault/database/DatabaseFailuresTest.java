package dev.cardvault.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

@Tag("unit")
class DatabaseFailuresTest {

    @Test
    void anUnreachableDatabase_isRecognised_howeverDeepItIsWrapped() {
        assertTrue(DatabaseFailures.unavailable(new ConnectException("Connection refused")));
        assertTrue(DatabaseFailures.unavailable(new CompletionException(new IllegalStateException(ClosedConnectionException.INSTANCE))));
        assertTrue(DatabaseFailures.unavailable(new PgException("terminating connection due to administrator command", "FATAL", "57P01", null)));
        assertTrue(DatabaseFailures.unavailable(new PgException("the database system is starting up", "FATAL", "57P03", null)));
        assertTrue(DatabaseFailures.unavailable(new PgException("connection failure", "FATAL", "08006", null)));
        assertTrue(DatabaseFailures.unavailable(new PgException("too many connections", "FATAL", "53300", null)));
        assertTrue(DatabaseFailures.unavailable(new PgException("cannot execute INSERT in a read-only transaction", "ERROR", "25006", null)));
        assertTrue(DatabaseFailures.unavailable(new PgException("canceling statement due to statement timeout", "ERROR", "57014", null)));
        assertTrue(DatabaseFailures.unavailable(new java.net.SocketException("Connection reset")));
        assertTrue(DatabaseFailures.unavailable(new java.net.UnknownHostException("db.internal")));
        assertTrue(DatabaseFailures.unavailable(new io.smallrye.mutiny.TimeoutException()));
        assertTrue(DatabaseFailures.unavailable(new io.vertx.core.VertxException("Timeout waiting for connection", true)));
        assertTrue(DatabaseFailures.unavailable(new io.vertx.core.http.ConnectionPoolTooBusyException("Connection pool reached max wait queue size of 256")));
    }

    @Test
    void aFailedStatement_isNotAnOutage() {
        assertFalse(DatabaseFailures.unavailable(new PgException("duplicate key value violates unique constraint", "ERROR", "23505", null)));
        assertFalse(DatabaseFailures.unavailable(new PgException("permission denied for table token", "ERROR", "42501", null)));
        assertFalse(DatabaseFailures.unavailable(new IllegalStateException("bug")));
        assertFalse(DatabaseFailures.unavailable(new PgException("protocol violation", "FATAL", "08P01", null)));
        assertFalse(DatabaseFailures.unavailable(new io.vertx.core.VertxException("Timeout", true)));
        assertFalse(DatabaseFailures.unavailable(null));
    }

    @Test
    void summary_namesClassesAndStates_neverMessages() {
        PgException pg = new PgException("Key (fingerprint)=(4111111111111111) already exists", "ERROR", "23505", null);
        String summary = DatabaseFailures.summary(new CompletionException("wrapped 4111111111111111", pg));
        assertEquals("CompletionException <- PgException 23505", summary);
    }
}
