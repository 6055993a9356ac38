package dev.cardvault.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.cardvault.database.EmbeddedPostgresServer;

/** Small helpers for tests that run the packaged service as a separate process. */
public final class ServiceProcesses {

    private ServiceProcesses() {
    }

    /** A port nobody listens on right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The process's log for an assertion message; never throws. */
    public static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();

    /**
     * Starts the packaged jar in {@code workDir} with only {@code env} among the QUARKUS_, MP_JWT
     * and CARDVAULT_ variables, its output to {@code log}, compiled by C1 only.
     */
    public static Process startJar(Path workDir, Map<String, String> env, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // C1 only: these tests start the jar some thirty times and never run it long; it halves the
        // CPU a start-up takes. ContainerIT runs the image's own flags.
        ProcessBuilder pb = new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-jar", JAR.toString()).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("MP_JWT") || k.startsWith("CARDVAULT_"));
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Waits until the service answers ready; fails with its log if it exits or takes longer. */
    public static void awaitReady(Process service, HttpApi api, Path log, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new AssertionError("service exited early:\n" + read(log));
            }
            try {
                if (api.status("/q/health/ready", null) == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new AssertionError("service not ready in " + within.toSeconds() + " s:\n" + read(log));
    }

    /**
     * The dev profile on port {@code port} and on {@code db}: the runtime role for the service,
     * the owner for Flyway, as with the embedded database.
     */
    public static Map<String, String> devOn(EmbeddedPostgresServer db, int port) {
        String url = "localhost:" + db.port() + "/" + EmbeddedPostgresServer.DATABASE;
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_PROFILE", "dev");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://" + url);
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://" + url);
        env.put("QUARKUS_DATASOURCE_USERNAME", EmbeddedPostgresServer.RUNTIME);
        env.put("CARDVAULT_MIGRATION_USERNAME", EmbeddedPostgresServer.OWNER);
        env.put("CARDVAULT_MIGRATION_PASSWORD", EmbeddedPostgresServer.UNCHECKED_PASSWORD);
        return env;
    }
}
