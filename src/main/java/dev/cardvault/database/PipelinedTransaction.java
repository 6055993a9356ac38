package dev.cardvault.database;

import java.util.function.BiFunction;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * A transaction in two round trips instead of four: BEGIN goes out with the first statement and
 * COMMIT with the last, because the PostgreSQL client pipelines the commands sent on one
 * connection before their answers arrive (one round trip when the first part sends nothing). On a
 * busy machine each round trip waits for the database backend and then the event loop to be
 * scheduled, and a group commit that every waiting request depends on spent most of its time
 * there.
 *
 * <p>Nothing commits unless every command succeeded: a failing statement aborts the transaction
 * (PostgreSQL then answers the pipelined COMMIT with a rollback, and the statement's own failure
 * fails the whole), and after any failure a ROLLBACK goes out before the connection returns to
 * the pool. A failed BEGIN fails the whole too (BEGIN fails only with its connection, and then so
 * do the statements behind it).
 */
public final class PipelinedTransaction {

    private PipelinedTransaction() {
    }

    /**
     * Runs {@code first} (its first statement is sent right behind BEGIN; it may chain further
     * statements), then {@code last} together with COMMIT.
     *
     * @param last must send all its statements when subscribed (several subscribed together are
     *        fine): COMMIT is sent right behind them, so a statement sent later would run outside
     *        the transaction
     */
    public static <A, T> Uni<T> run(Pool pool, Function<SqlConnection, Uni<A>> first, BiFunction<SqlConnection, A, Uni<T>> last) {
        return pool.withConnection(conn -> {
            Uni<Void> begin = conn.query("BEGIN").execute().replaceWithVoid().memoize().indefinitely();
            begin.subscribe().with(ok -> {
            }, failed -> {
            }); // sent now, ahead of everything else; its outcome is joined below
            return Uni.createFrom().deferred(() -> first.apply(conn))
                    .flatMap(a -> Uni.combine().all()
                            .unis(Uni.createFrom().deferred(() -> last.apply(conn, a)), conn.query("COMMIT").execute())
                            .collectFailures() // both answered before a ROLLBACK can follow
                            .with((t, committed) -> t))
                    .call(() -> begin)
                    .onFailure().call(() -> conn.query("ROLLBACK").execute().onFailure().recoverWithNull());
        });
    }
}
