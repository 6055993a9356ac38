package dev.cardvault.database;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * With quarkus.datasource.* set, the service uses that server and starts no embedded one. The
 * "external" server here is a separate PostgreSQL process that the service does not manage, used
 * the way a developer points dev mode at their own database: one role that migrates and serves
 * (the two-role set-up runs in every other test).
 */
@QuarkusTest
@TestProfile(ExternalDatabaseTest.External.class)
class ExternalDatabaseTest {

    static volatile EmbeddedPostgresServer external;

    public static class External implements QuarkusTestProfile {
        @Override
        public java.util.List<TestResourceEntry> testResources() {
            return java.util.List.of(new TestResourceEntry(ExternalServer.class));
        }
    }

    public static class ExternalServer implements QuarkusTestResourceLifecycleManager {
        @Override
        public Map<String, String> start() {
            try {
                external = EmbeddedPostgresServer.start(Files.createTempDirectory("cv-external").resolve("pgdata"), false, true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of(
                    "quarkus.datasource.reactive.url", external.reactiveUrl(),
                    "quarkus.datasource.jdbc.url", external.jdbcUrl(),
                    // One role for everything, as on a developer's own PostgreSQL. (Named for migrations
                    // too, so that CI's CARDVAULT_MIGRATION_* for its own server do not apply here.)
                    "quarkus.datasource.username", EmbeddedPostgresServer.OWNER,
                    "cardvault.migration.username", EmbeddedPostgresServer.OWNER,
                    "cardvault.migration.password", EmbeddedPostgresServer.UNCHECKED_PASSWORD);
        }

        @Override
        public void stop() {
            try {
                if (external != null) {
                    external.close();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Test
    void configuredServer_isUsed_andNoEmbeddedServerIsStarted() throws Exception {
        var config = ConfigProvider.getConfig();
        assertTrue(config.getOptionalValue("cardvault.embedded-db.port", String.class).isEmpty(),
                "an embedded database was started although one is configured");
        assertEquals(external.reactiveUrl(), config.getValue("quarkus.datasource.reactive.url", String.class));

        // Flyway migrated the configured server.
        try (Connection c = external.superuserConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
            rs.next();
            assertTrue(rs.getInt(1) >= 1);
        }
        // The grants callback found no separate runtime role and left the owner's privileges alone.
        try (Connection c = external.superuserConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT has_table_privilege('" + EmbeddedPostgresServer.OWNER + "', 'token', 'TRUNCATE'), "
                        + "has_table_privilege('" + EmbeddedPostgresServer.RUNTIME + "', 'token', 'SELECT')")) {
            rs.next();
            assertTrue(rs.getBoolean(1));
            assertFalse(rs.getBoolean(2), "the unused runtime role got grants");
        }
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
