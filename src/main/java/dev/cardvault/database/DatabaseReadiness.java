package dev.cardvault.database;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Ready only while the database answers a trivial query within
 * {@code cardvault.database.health-timeout}. Replaces Quarkus' own datasource checks, which wait up
 * to 20 s on a database that accepts connections but never answers (a frozen server): a probe must
 * answer before the kubelet gives up on it.
 */
@Readiness
@ApplicationScoped
public class DatabaseReadiness implements AsyncHealthCheck {

    private static final String NAME = "database";

    @Inject
    Pool pool;

    @ConfigProperty(name = "cardvault.database.health-timeout", defaultValue = "2s")
    Duration timeout;

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1").execute()
                .map(rows -> HealthCheckResponse.up(NAME))
                .ifNoItem().after(timeout).fail()
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named(NAME).down()
                        .withData("reason", e instanceof io.smallrye.mutiny.TimeoutException
                                ? "no answer within " + timeout.toMillis() + " ms"
                                : DatabaseFailures.unavailable(e) ? "unreachable" : "query failed")
                        .build());
    }
}
