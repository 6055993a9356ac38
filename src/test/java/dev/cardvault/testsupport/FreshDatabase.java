package dev.cardvault.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

import dev.cardvault.database.EmbeddedPostgresServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * An empty database of its own for a test profile whose service must start from nothing (e.g. a
 * master key source that cannot share the suite's database): the same embedded server and the same
 * two roles as the service's own, on another port, removed afterwards. Its settings win over any
 * configured database (CI's second run), as the suite's own embedded one does.
 */
public class FreshDatabase implements QuarkusTestResourceLifecycleManager {

    private EmbeddedPostgresServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = EmbeddedPostgresServer.start(Files.createTempDirectory("cv-fresh").resolve("pgdata"), false, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of(
                "quarkus.datasource.reactive.url", server.reactiveUrl(),
                "quarkus.datasource.jdbc.url", server.jdbcUrl(),
                "quarkus.datasource.username", EmbeddedPostgresServer.RUNTIME,
                "quarkus.datasource.password", EmbeddedPostgresServer.UNCHECKED_PASSWORD,
                "cardvault.migration.username", EmbeddedPostgresServer.OWNER,
                "cardvault.migration.password", EmbeddedPostgresServer.UNCHECKED_PASSWORD);
    }

    @Override
    public void stop() {
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
