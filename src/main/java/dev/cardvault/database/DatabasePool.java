package dev.cardvault.database;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

/**
 * The service's PostgreSQL pool, as Quarkus configures it, with a bounded wait for a connection:
 * at most {@code cardvault.database.pool.max-waiting} operations queue for one, each for at most
 * {@code cardvault.database.pool.wait-timeout}. Past either, the operation fails at once and the
 * caller gets 503 {@code database-unavailable}, instead of a queue that grows while the database
 * is slow and drains long after every caller has given up.
 *
 * <p>The pool connects with the options Quarkus resolved at start (Quarkus' own pool asks a
 * supplier per connection, for credentials providers): rotating provider credentials are not
 * supported with it (docs/reliability.md).
 */
@ApplicationScoped
public class DatabasePool implements PgPoolCreator {

    @ConfigProperty(name = "cardvault.database.pool.wait-timeout", defaultValue = "5s")
    Duration waitTimeout;

    @ConfigProperty(name = "cardvault.database.pool.max-waiting", defaultValue = "256")
    int maxWaiting;

    @Override
    @SuppressWarnings("deprecation") // Quarkus casts the result to PgPool
    public Pool create(Input input) {
        PoolOptions options = new PoolOptions(input.poolOptions())
                .setMaxWaitQueueSize(maxWaiting)
                .setConnectionTimeout((int) Math.max(1, waitTimeout.toMillis()))
                .setConnectionTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS);
        return PgPool.pool(input.vertx(), input.pgConnectOptionsList(), options);
    }
}
