package dev.cardvault.database;

import java.util.Optional;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Runs background work on one replica at a time: a session-level PostgreSQL advisory lock, held
 * on one pooled connection for the whole run and released on success and on failure (and by the
 * server if the process dies); or, for work inside one transaction, a transaction-level lock.
 */
public final class AdvisoryLock {

    private AdvisoryLock() {
    }

    /** @return the work's result, or empty when another session holds the lock */
    public static <T> Uni<Optional<T>> ifFree(Pool pool, long key, Function<SqlConnection, Uni<T>> work) {
        return pool.withConnection(conn -> conn.preparedQuery("SELECT pg_try_advisory_lock($1) AS got").execute(Tuple.of(key))
                .flatMap(rows -> {
                    if (!rows.iterator().next().getBoolean("got")) {
                        return Uni.createFrom().item(Optional.<T> empty());
                    }
                    Uni<Void> unlock = conn.preparedQuery("SELECT pg_advisory_unlock($1)").execute(Tuple.of(key)).replaceWithVoid();
                    return work.apply(conn).call(r -> unlock).onFailure().call(e -> unlock).map(Optional::ofNullable);
                }));
    }

    /** Waits for the lock and holds it until the transaction {@code tx} ends: turns between replicas. */
    public static Uni<Void> forTransaction(SqlClient tx, long key) {
        return tx.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(key)).replaceWithVoid();
    }
}
