package dev.cardvault.database;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** With no database configured, the service runs on the embedded server it started itself, migrated by Flyway. */
@QuarkusTest
class EmbeddedDatabaseTest {

    @Test
    void serviceStartsOnTheEmbeddedServer_migratedAndReady() throws Exception {
        var config = ConfigProvider.getConfig();
        String configuredUrl = System.getenv("QUARKUS_DATASOURCE_JDBC_URL");
        if (configuredUrl != null) {
            // CI's second run points the suite at a real server: then no embedded one may start.
            assertTrue(config.getOptionalValue("cardvault.embedded-db.port", String.class).isEmpty());
            return;
        }
        int port = config.getValue("cardvault.embedded-db.port", Integer.class);
        // Two roles: Flyway migrates as the owner, the service connects as the runtime role.
        assertEquals(EmbeddedPostgresServer.RUNTIME, config.getValue("quarkus.datasource.username", String.class));
        assertEquals(EmbeddedPostgresServer.OWNER, config.getValue("quarkus.flyway.username", String.class));
        try (var c = DriverManager.getConnection("jdbc:postgresql://localhost:" + port + "/cardvault", EmbeddedPostgresServer.OWNER, "");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
            rs.next();
            assertTrue(rs.getInt(1) >= 1, "Flyway did not migrate the embedded database");
        }
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
