package dev.cardvault.database;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * How application.properties maps the two roles onto Flyway: cardvault.migration.* when set, the
 * datasource's own connection otherwise, and the runtime role as the grants' placeholder.
 */
@Tag("unit")
class MigrationSettingsTest {

    private static SmallRyeConfig config(Map<String, String> environment) throws IOException {
        Properties application = new Properties();
        try (InputStream in = MigrationSettingsTest.class.getResourceAsStream("/application.properties")) {
            application.load(in);
        }
        Map<String, String> defaults = new HashMap<>();
        application.stringPropertyNames().forEach(k -> defaults.put(k, application.getProperty(k)));
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(defaults, "application.properties", 250))
                .withSources(new PropertiesConfigSource(environment, "environment", 300)).build();
    }

    @Test
    void migrationRole_set_isWhatFlywayUses_andTheRuntimeRoleIsThePlaceholder() throws IOException {
        SmallRyeConfig c = config(Map.of("quarkus.datasource.username", "cardvault_app", "quarkus.datasource.password", "app",
                "cardvault.migration.username", "cardvault", "cardvault.migration.password", "owner"));
        assertEquals("cardvault", c.getValue("quarkus.flyway.username", String.class));
        assertEquals(Optional.of("owner"), c.getOptionalValue("quarkus.flyway.password", String.class));
        assertEquals("cardvault_app", c.getValue("quarkus.flyway.placeholders.runtime_role", String.class));
    }

    @Test
    void migrationRole_unset_flywayFallsBackToTheDatasource() throws IOException {
        SmallRyeConfig c = config(Map.of("quarkus.datasource.username", "dev", "quarkus.datasource.password", "secret"));
        assertEquals("dev", c.getValue("quarkus.flyway.username", String.class));
        // No password of its own: Quarkus then migrates through the datasource, as its user.
        assertEquals(Optional.empty(), c.getOptionalValue("quarkus.flyway.password", String.class));
        assertEquals("dev", c.getValue("quarkus.flyway.placeholders.runtime_role", String.class));
    }
}
