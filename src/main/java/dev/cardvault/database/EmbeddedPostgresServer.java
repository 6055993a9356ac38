package dev.cardvault.database;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server run from the zonky binaries, for machines where no database is
 * configured (dev mode, tests, a trial on a laptop).
 *
 * <p>Ownership of the data directory is a file lock on {@code <dataDir>.lock}, held for the life
 * of the JVM: a second CardVault process on the same directory fails fast and says which process
 * holds it. A postmaster left running by a process that was killed (SIGKILL leaves the postgres
 * child orphaned) is detected through {@code postmaster.pid} and shut down before a fresh server
 * starts, so we never silently talk to a server nobody owns.
 *
 * <p>zonky starts postgres with {@code -F} (fsync off) and {@code synchronous_commit=off}; card
 * data must survive a power cut, so durability is switched back on unless {@code durable} is false
 * (throwaway test directories).
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgresServer.class);
    public static final String DATABASE = "cardvault";
    /** Owns the database and its schema; Flyway migrates as this role. */
    public static final String OWNER = "cardvault";
    /** The service's role: owns nothing, holds only the grants the migrations give it. */
    public static final String RUNTIME = "cardvault_app";
    /** The server trusts local connections (it listens on localhost only), so no password is checked. */
    public static final String UNCHECKED_PASSWORD = "trust";

    private final Path dataDir;
    private final boolean deleteOnClose;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final EmbeddedPostgres postgres;
    private volatile boolean closed;

    private EmbeddedPostgresServer(Path dataDir, boolean deleteOnClose, FileChannel lockChannel, FileLock lock,
            EmbeddedPostgres postgres) {
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.postgres = postgres;
    }

    /**
     * Takes ownership of {@code dataDir}, stops an orphaned postmaster if one is found there, and
     * starts PostgreSQL with the {@code cardvault} database, its owner role {@code cardvault} and
     * the runtime role {@code cardvault_app} in place.
     *
     * @throws DataDirectoryInUseException when another process holds the directory
     */
    public static EmbeddedPostgresServer start(Path dataDir, boolean durable, boolean deleteOnClose) throws IOException {
        return start(dataDir, durable, deleteOnClose, 0);
    }

    /** As {@link #start(Path, boolean, boolean)}, on a given port (0: any free one), so that a restart keeps its address. */
    public static EmbeddedPostgresServer start(Path dataDir, boolean durable, boolean deleteOnClose, int port) throws IOException {
        Path dir = dataDir.toAbsolutePath().normalize();
        Files.createDirectories(dir);
        Path lockFile = dir.resolveSibling(dir.getFileName() + ".lock");
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            channel.close();
            throw new DataDirectoryInUseException(dir, "this process");
        }
        if (lock == null) {
            String holder = readHolder(channel);
            channel.close();
            throw new DataDirectoryInUseException(dir, holder);
        }
        try {
            writeHolder(channel);
            stopOrphanedPostmaster(dir);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dir.toFile())
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    // Stopped by its owner (the service's hook waits for the application to stop first:
                    // SERVICE_STOPPING is written to it), not by a JVM hook racing the shutdown.
                    .setRegisterShutdownHook(false)
                    .setServerConfig("listen_addresses", "localhost")
                    .setServerConfig("max_connections", "200");
            if (port > 0) {
                builder.setPort(port);
            }
            if (durable) {
                builder.setServerConfig("fsync", "on")
                        .setServerConfig("synchronous_commit", "on")
                        .setServerConfig("full_page_writes", "on");
            }
            EmbeddedPostgres pg = builder.start();
            ensureDatabase(pg);
            return new EmbeddedPostgresServer(dir, deleteOnClose, channel, lock, pg);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    public Path dataDir() {
        return dataDir;
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + port() + "/" + DATABASE;
    }

    public String reactiveUrl() {
        return "postgresql://localhost:" + port() + "/" + DATABASE;
    }

    /** A superuser connection, for tests and maintenance only; the service connects as {@link #RUNTIME}. */
    public Connection superuserConnection() throws SQLException {
        return postgres.getDatabase("postgres", DATABASE).getConnection();
    }

    /** Stops PostgreSQL cleanly (fast shutdown: open sessions are rolled back) and releases the directory. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            postgres.close();
        } finally {
            lock.release();
            lockChannel.close();
            if (deleteOnClose) {
                deleteRecursively(dataDir);
                Files.deleteIfExists(dataDir.resolveSibling(dataDir.getFileName() + ".lock"));
            }
        }
    }

    /** The pid recorded in {@code postmaster.pid}, if a postmaster is running on this directory. */
    static OptionalLong runningPostmaster(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return OptionalLong.empty();
        }
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return OptionalLong.empty();
            }
            long pid = Long.parseLong(lines.get(0).trim());
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isPresent() && handle.get().isAlive() && isPostgres(handle.get())) {
                return OptionalLong.of(pid);
            }
            return OptionalLong.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static boolean isPostgres(ProcessHandle handle) {
        // Compare by executable name: a recycled pid may belong to anything.
        return handle.info().command().map(c -> c.endsWith("/postgres") || c.endsWith("postgres")).orElse(false);
    }

    private static void stopOrphanedPostmaster(Path dataDir) throws IOException {
        OptionalLong orphan = runningPostmaster(dataDir);
        if (orphan.isEmpty()) {
            return;
        }
        long pid = orphan.getAsLong();
        LOG.warnf("Found an orphaned embedded PostgreSQL (pid %d) on %s, left by a CardVault process that did not "
                + "shut down; stopping it before starting a fresh one", pid, dataDir);
        ProcessHandle handle = ProcessHandle.of(pid).orElse(null);
        if (handle == null) {
            return;
        }
        // SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, checkpoint, exit.
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).redirectErrorStream(true).start();
            kill.waitFor(10, TimeUnit.SECONDS);
            handle.onExit().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warnf("Orphaned PostgreSQL (pid %d) did not stop in time; killing it (crash recovery will run)", pid);
            handle.destroyForcibly();
            try {
                handle.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e2) {
                throw new IOException("Could not stop the orphaned PostgreSQL process " + pid + " on " + dataDir, e2);
            }
        }
    }

    private static void ensureDatabase(EmbeddedPostgres pg) throws IOException {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            // Plain roles, not superusers: privileges and triggers then mean something. The runtime
            // role is created here for directories made before it existed too; the migrations grant it.
            for (String role : List.of(OWNER, RUNTIME)) {
                s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN "
                        + "CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE; END IF; END $$");
            }
            boolean exists;
            try (var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                exists = rs.next();
            }
            if (!exists) {
                s.execute("CREATE DATABASE " + DATABASE + " OWNER " + OWNER);
            }
        } catch (SQLException e) {
            throw new IOException("Could not prepare the embedded database: " + e.getMessage(), e);
        }
    }

    private static String readHolder(FileChannel channel) {
        try {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(64);
            int n = channel.read(buf, 0);
            String pid = n > 0 ? new String(buf.array(), 0, n, StandardCharsets.US_ASCII).trim() : "";
            return pid.matches("\\d+") ? "process " + pid : "another process";
        } catch (IOException e) {
            return "another process";
        }
    }

    private static void writeHolder(FileChannel channel) throws IOException {
        channel.truncate(0);
        channel.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        channel.force(true);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Another process (or this one) already runs the embedded database on this directory. */
    public static final class DataDirectoryInUseException extends IOException {
        private static final long serialVersionUID = 1L;

        DataDirectoryInUseException(Path dir, String holder) {
            super("The embedded database directory " + dir + " is in use by " + holder
                    + " (another CardVault instance). Stop that instance, set cardvault.embedded-db.data-dir to "
                    + "another directory, or point quarkus.datasource.reactive.url and quarkus.datasource.jdbc.url "
                    + "at a PostgreSQL server.");
        }
    }
}
