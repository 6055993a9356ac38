package dev.cardvault.database;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.quarkus.runtime.ExecutionMode;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;

/**
 * Starts the embedded PostgreSQL before the datasources read their configuration, and supplies
 * their URLs. Does nothing when a database is configured ({@code quarkus.datasource.reactive.url}
 * or {@code quarkus.datasource.jdbc.url}, from any source, including {@code QUARKUS_DATASOURCE_*}
 * environment variables), when {@code cardvault.embedded-db.enabled=false}, and at build time. In
 * any profile but dev and test, a missing database is an error, not a reason to start one.
 *
 * <p>Quarkus builds its configuration several times in one JVM (build step, static and runtime
 * init, dev-mode reloads, test restarts), each time in a fresh class loader, so the running server
 * is remembered in a system property keyed by directory rather than in a static field.
 */
public final class EmbeddedDatabaseConfigSourceFactory implements ConfigSourceFactory {

    static final String ENABLED = "cardvault.embedded-db.enabled";
    static final String DATA_DIR = "cardvault.embedded-db.data-dir";
    static final String EPHEMERAL = "cardvault.embedded-db.ephemeral";
    private static final String RUNNING_PREFIX = "cardvault.internal.embedded-db.port.";
    private static final int ORDINAL = 150; // below application.properties (250): explicit settings win

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (ExecutionMode.current() == ExecutionMode.UNSET) {
            return List.of(); // build time: nothing to connect to yet
        }
        return sources(context);
    }

    static Iterable<ConfigSource> sources(ConfigSourceContext context) {
        if (isSet(context, "quarkus.datasource.reactive.url") || isSet(context, "quarkus.datasource.jdbc.url")
                || "false".equalsIgnoreCase(value(context, ENABLED, "true"))) {
            return List.of();
        }
        List<String> profiles = context.getProfiles();
        if (!profiles.contains("dev") && !profiles.contains("test")) {
            // A production vault never keeps cards in a database it started for itself.
            throw new IllegalStateException("No database is configured for the " + String.join(",", profiles) + " profile: set "
                    + "quarkus.datasource.reactive.url, quarkus.datasource.jdbc.url, quarkus.datasource.username and "
                    + "quarkus.datasource.password (QUARKUS_DATASOURCE_*) to your PostgreSQL server. The embedded "
                    + "PostgreSQL starts only in the dev and test profiles.");
        }
        if (!embeddedPostgresPackaged()) {
            throw new IllegalStateException("No database is configured, and this build carries no embedded PostgreSQL (it was "
                    + "packaged for the container image, with -Dcardvault.image): set quarkus.datasource.reactive.url, "
                    + "quarkus.datasource.jdbc.url, quarkus.datasource.username and quarkus.datasource.password "
                    + "(QUARKUS_DATASOURCE_*), or package without -Dcardvault.image.");
        }
        boolean ephemeral = Boolean.parseBoolean(value(context, EPHEMERAL, "false"));
        int port = ephemeral ? startEphemeral() : startPersistent(Path.of(value(context, DATA_DIR, ".cardvault/pgdata")));
        Map<String, String> props = new HashMap<>();
        props.put("quarkus.datasource.reactive.url", "postgresql://localhost:" + port + "/" + EmbeddedPostgresServer.DATABASE);
        props.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + port + "/" + EmbeddedPostgresServer.DATABASE);
        props.put("quarkus.datasource.username", EmbeddedPostgresServer.RUNTIME);
        props.put("cardvault.migration.username", EmbeddedPostgresServer.OWNER);
        // Flyway connects as its own user only when it has a password (never checked here).
        props.put("cardvault.migration.password", EmbeddedPostgresServer.UNCHECKED_PASSWORD);
        props.put("cardvault.embedded-db.port", Integer.toString(port));
        return List.of(new PropertiesConfigSource(props, "cardvault-embedded-postgres", ORDINAL));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(ORDINAL);
    }

    private static int startPersistent(Path dataDir) {
        Path dir = dataDir.toAbsolutePath().normalize();
        return startOnce(RUNNING_PREFIX + dir, () -> EmbeddedPostgresServer.start(dir, true, false));
    }

    private static int startEphemeral() {
        return startOnce(RUNNING_PREFIX + "ephemeral", () -> {
            Path tmp = Files.createTempDirectory("cardvault-test-pg");
            // Throwaway data: durability would only slow the tests down.
            return EmbeddedPostgresServer.start(tmp.resolve("pgdata"), false, true);
        });
    }

    private interface Starter {
        EmbeddedPostgresServer start() throws IOException;
    }

    private static int startOnce(String key, Starter starter) {
        synchronized (System.getProperties()) {
            String running = System.getProperty(key);
            if (running != null) {
                return Integer.parseInt(running);
            }
            try {
                EmbeddedPostgresServer server = starter.start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> EmbeddedDatabaseShutdown.stopAfterApplication(server),
                        "cardvault-embedded-postgres-stop"));
                System.setProperty(key, Integer.toString(server.port()));
                return server.port();
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
    }

    /** False in the container image's build, which leaves the embedded PostgreSQL out (pom profile "image"). */
    static boolean embeddedPostgresPackaged() {
        try {
            Class.forName("io.zonky.test.db.postgres.embedded.EmbeddedPostgres", false,
                    EmbeddedDatabaseConfigSourceFactory.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static boolean isSet(ConfigSourceContext context, String name) {
        String v = value(context, name, null);
        return v != null && !v.isBlank();
    }

    private static String value(ConfigSourceContext context, String name, String defaultValue) {
        ConfigValue v = context.getValue(name);
        return v != null && v.getValue() != null ? v.getValue() : defaultValue;
    }
}
