package dev.cardvault.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.PoolOptions;

/**
 * The pipelined transaction commits all or nothing, and leaves its connection clean. A pool of one
 * connection makes every run use the same backend, and the probe table is temporary (per session).
 */
@QuarkusTest
class PipelinedTransactionTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    Vertx vertx;

    private Pool pool;

    @BeforeEach
    void onePooledConnection() {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.reactive.url", String.class);
        pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(url).setUser("postgres").setPassword(""))
                .with(new PoolOptions().setMaxSize(1)).using(vertx).build();
        pool.query("CREATE TEMP TABLE probe (id int PRIMARY KEY)").execute().await().atMost(WAIT);
    }

    @AfterEach
    void close() {
        pool.close().await().atMost(WAIT);
    }

    @Test
    void bothParts_commitTogether() {
        int backend = backend();
        String result = PipelinedTransaction.run(pool, tx -> insert(tx, 1).flatMap(v -> insert(tx, 2)).replaceWith("first"),
                (tx, a) -> insert(tx, 3).replaceWith(a + "+last")).await().atMost(WAIT);

        assertEquals("first+last", result);
        assertEquals(3, count());
        assertEquals(backend, backend(), "the same connection throughout");
    }

    @Test
    void aFailingLastStatement_rollsBackTheFirstPart_andTheConnectionGoesOn() {
        int backend = backend();
        RuntimeException failure = assertThrows(RuntimeException.class,
                () -> PipelinedTransaction.run(pool, tx -> insert(tx, 10), (tx, v) -> insert(tx, 10)).await().atMost(WAIT));

        assertEquals("23505", ((PgException) failure).getSqlState(), "the statement's own failure, a duplicate key");
        assertEquals(0, count(), "nothing of the transaction committed");
        assertEquals(backend, backend());
        assertEquals("idle", transactionState(), "the connection went back without an open transaction");
        PipelinedTransaction.run(pool, tx -> insert(tx, 11), (tx, v) -> insert(tx, 12)).await().atMost(WAIT);
        assertEquals(2, count());
    }

    @Test
    void aFailingFirstPart_neverRunsTheLast_andCommitsNothing() {
        AtomicBoolean lastRan = new AtomicBoolean();
        assertThrows(PgException.class, () -> PipelinedTransaction.run(pool, tx -> insert(tx, 20).flatMap(v -> insert(tx, 20)),
                (tx, v) -> {
                    lastRan.set(true);
                    return insert(tx, 21);
                }).await().atMost(WAIT));

        assertFalse(lastRan.get());
        assertEquals(0, count());
        assertEquals("idle", transactionState());
    }

    @Test
    void aFirstPartThatSendsNothing_failsAndCommitsNothing_whenTheLastFails() {
        // BEGIN, the one statement and COMMIT all go out before any answer.
        assertThrows(PgException.class, () -> PipelinedTransaction.run(pool, tx -> Uni.createFrom().voidItem(),
                (tx, v) -> tx.query("INSERT INTO probe VALUES (30), (30)").execute()).await().atMost(WAIT));
        assertEquals(0, count());
        assertEquals("idle", transactionState());

        PipelinedTransaction.run(pool, tx -> Uni.createFrom().voidItem(), (tx, v) -> insert(tx, 31)).await().atMost(WAIT);
        assertEquals(1, count());
    }

    private static Uni<Void> insert(SqlClient tx, int id) {
        return tx.preparedQuery("INSERT INTO probe VALUES ($1)").execute(Tuple.of(id)).replaceWithVoid();
    }

    private long count() {
        return pool.query("SELECT count(*) FROM probe").execute().await().atMost(WAIT).iterator().next().getLong(0);
    }

    private int backend() {
        return pool.query("SELECT pg_backend_pid()").execute().await().atMost(WAIT).iterator().next().getInteger(0);
    }

    /** This connection's state as the server sees it (checked from a second statement on the same backend). */
    private String transactionState() {
        return pool.query("SELECT CASE WHEN now() = statement_timestamp() THEN 'idle' ELSE 'in transaction' END").execute()
                .await().atMost(WAIT).iterator().next().getString(0);
    }
}
