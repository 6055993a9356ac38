package dev.cardvault.database;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * Tells a database that cannot be reached (down, restarting, failing over, out of connections)
 * from a statement that failed. The first is the caller's cue to retry (503); the second is a bug
 * or a constraint (500 or a mapped problem).
 */
public final class DatabaseFailures {

    private static final int MAX_DEPTH = 16;

    private DatabaseFailures() {
    }

    public static boolean unavailable(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof java.net.SocketException || t instanceof java.net.UnknownHostException
                    || t instanceof ClosedConnectionException || t instanceof TimeoutException
                    || t instanceof io.smallrye.mutiny.TimeoutException) {
                return true;
            }
            if (t instanceof PgException pg && pg.getSqlState() != null && unavailableState(pg.getSqlState())) {
                return true;
            }
            if (t instanceof io.vertx.core.http.ConnectionPoolTooBusyException) {
                return true; // the pool's queue for a free connection is full
            }
            if (t.getClass() == io.vertx.core.VertxException.class && "Timeout waiting for connection".equals(t.getMessage())) {
                return true; // the pool's wait for a free connection ran out (Vert.x has no class of its own for it)
            }
        }
        return false;
    }

    /** A unique violation (SQLSTATE 23505): a value that must be unique is taken. */
    public static boolean uniqueViolation(Throwable failure) {
        return failure instanceof PgException pg && "23505".equals(pg.getSqlState());
    }

    /** The failure's chain as class names and SQLSTATEs, for a log line: never a message, which may quote data. */
    public static String summary(Throwable failure) {
        StringBuilder sb = new StringBuilder();
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++, t = t.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName());
            if (t instanceof PgException pg && pg.getSqlState() != null) {
                sb.append(' ').append(pg.getSqlState());
            }
        }
        return sb.toString();
    }

    /**
     * SQLSTATE class 08 (connection exception) but 08P01 (a protocol violation: a bug, not an outage),
     * 57P01 to 57P05 (administrator or crash shutdown, cannot connect now, database dropped, idle
     * session timeout), 57014 (statement cancelled, by a timeout among others), 53300 (too many
     * connections), 25006 (read-only transaction: connected to a standby after a failover).
     */
    static boolean unavailableState(String state) {
        return (state.startsWith("08") && !state.equals("08P01")) || state.startsWith("57P") || state.equals("57014")
                || state.equals("53300") || state.equals("25006");
    }
}
