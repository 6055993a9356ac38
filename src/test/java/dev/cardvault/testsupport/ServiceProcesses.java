package dev.cardvault.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import dev.cardvault.database.EmbeddedPostgresServer;
import io.vertx.core.json.JsonObject;

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

    /**
     * The process's log for an assertion message; never throws. The prod profile logs JSON lines:
     * each is shown as the dev and test pattern shows a record ({@code time LEVEL [category]
     * (thread) rid=... message}, then the exception chain's types and messages), so that a test
     * reads the text of a message (quotes and line breaks unescaped) whatever the profile.
     * {@link #jsonLines} gives the records themselves.
     */
    public static String read(Path log) {
        String raw;
        try {
            raw = Files.readString(log);
        } catch (IOException e) {
            return "(no log)";
        }
        StringBuilder out = new StringBuilder(raw.length());
        raw.lines().forEach(line -> {
            JsonObject record = jsonRecord(line);
            if (record == null) {
                out.append(line).append('\n');
                return;
            }
            JsonObject mdc = record.getJsonObject("mdc", new JsonObject());
            out.append(record.getString("timestamp", "")).append(' ').append(record.getString("level", "")).append(' ')
                    .append('[').append(record.getString("loggerName", "")).append("] (").append(record.getString("threadName", ""))
                    .append(") rid=").append(mdc.getString("requestId", "")).append(' ').append(record.getString("message", ""))
                    .append('\n');
            for (JsonObject e = record.getJsonObject("exception"); e != null;
                    e = e.getJsonObject("causedBy") == null ? null : e.getJsonObject("causedBy").getJsonObject("exception")) {
                out.append(e.getString("exceptionType", "")).append(": ").append(e.getString("message", "")).append('\n');
            }
        });
        return out.toString();
    }

    /** The JSON records (prod profile) in the process's log, in order; lines that are not one are left out. */
    public static List<JsonObject> jsonLines(Path log) throws IOException {
        List<JsonObject> records = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            JsonObject record = jsonRecord(line);
            if (record != null) {
                records.add(record);
            }
        }
        return records;
    }

    private static JsonObject jsonRecord(String line) {
        if (!line.startsWith("{")) {
            return null;
        }
        try {
            JsonObject record = new JsonObject(line);
            return record.containsKey("level") && record.containsKey("message") ? record : null;
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();

    /**
     * Starts the packaged jar in {@code workDir} with only {@code env} among the QUARKUS_, MP_JWT
     * and CARDVAULT_ variables, its output to {@code log}: compiled by C1 only and with a class
     * data archive, which together take a start-up from about 10 s of CPU to 4. These tests start
     * the jar some thirty times and never run it long; ContainerIT runs the image's own flags.
     */
    public static Process startJar(Path workDir, Map<String, String> env, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-XX:TieredStopAtLevel=1"));
        classArchive().ifPresent(archive -> command.add("-XX:SharedArchiveFile=" + archive));
        return start(command, workDir, env, log);
    }

    /** {@code command} and the jar, with only {@code env} among the QUARKUS_, MP_JWT and CARDVAULT_ variables. */
    private static Process start(List<String> command, Path workDir, Map<String, String> env, Path log) throws IOException {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of("-jar", JAR.toString()));
        ProcessBuilder pb = new ProcessBuilder(all).directory(workDir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("MP_JWT") || k.startsWith("CARDVAULT_"));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Optional<Path> archive;

    /**
     * The classes a dev-profile start-up loads, dumped once per build of the jar (a run started,
     * made ready and stopped). Without it the jar starts as usual, only slower.
     */
    private static synchronized Optional<Path> classArchive() {
        if (archive != null) {
            return archive;
        }
        archive = Optional.empty();
        try {
            // Beside target/quarkus-app, not in it: that directory is what the image ships.
            Path file = JAR.getParent().resolveSibling("it-classes-" + Files.getLastModifiedTime(JAR).toMillis() + ".jsa");
            if (!Files.exists(file)) {
                Path work = Files.createTempDirectory("cardvault-cds");
                Path log = work.resolve("service.log");
                int port = freePort();
                Process p = start(List.of(java(), "-XX:TieredStopAtLevel=1", "-XX:ArchiveClassesAtExit=" + file), work,
                        Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port)), log);
                try {
                    awaitReady(p, HttpApi.at(port), log, Duration.ofSeconds(120));
                } finally {
                    p.destroy(); // a clean exit writes the archive
                    p.waitFor(60, TimeUnit.SECONDS);
                }
            }
            if (Files.size(file) > 0) {
                archive = Optional.of(file);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | AssertionError e) {
            System.err.println("No class data archive for the packaged jar (" + e.getClass().getSimpleName() + "): it starts without one");
        }
        return archive;
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
