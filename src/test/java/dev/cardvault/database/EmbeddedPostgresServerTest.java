package dev.cardvault.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded server against real PostgreSQL processes: durability settings, data kept across
 * a restart, an orphaned postmaster after a crash, and a directory held by another process.
 */
class EmbeddedPostgresServerTest {

    @TempDir
    Path tmp;

    private static String query(EmbeddedPostgresServer server, String sql) throws Exception {
        try (Connection c = server.superuserConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void exec(EmbeddedPostgresServer server, String sql) throws Exception {
        try (Connection c = server.superuserConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Test
    void durableServer_hasFsyncAndSynchronousCommitOn_andAPlainServiceRole() throws Exception {
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(tmp.resolve("pgdata"), true, false)) {
            assertEquals("on", query(server, "SHOW fsync"));
            assertEquals("on", query(server, "SHOW synchronous_commit"));
            assertEquals("on", query(server, "SHOW full_page_writes"));
            assertEquals("false", query(server, "SELECT rolsuper::text FROM pg_roles WHERE rolname = 'cardvault'"));
            assertEquals("cardvault", query(server, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'cardvault'"));
            // The service's runtime role: may log in, nothing more (the migrations grant it the rest).
            assertEquals("t f f f", query(server, "SELECT concat_ws(' ', rolcanlogin, rolsuper, rolcreatedb, rolcreaterole) "
                    + "FROM pg_roles WHERE rolname = 'cardvault_app'"));
            assertEquals("0", query(server, "SELECT count(*) FROM pg_class WHERE relowner = 'cardvault_app'::regrole"));
        }
    }

    @Test
    void directoryMadeBeforeTheRuntimeRoleExisted_getsIt_andKeepsItsData() throws Exception {
        Path dir = tmp.resolve("pgdata");
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dir, true, false)) {
            // What an earlier version left: the owner and its data, no runtime role.
            exec(server, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here'); ALTER TABLE kept OWNER TO cardvault; "
                    + "DROP ROLE cardvault_app");
        }
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dir, true, false)) {
            assertEquals("1", query(server, "SELECT count(*) FROM pg_roles WHERE rolname = 'cardvault_app' AND NOT rolsuper"));
            assertEquals("still here", query(server, "SELECT v FROM kept"));
        }
    }

    @Test
    void data_survivesACleanRestart() throws Exception {
        Path dir = tmp.resolve("pgdata");
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dir, true, false)) {
            exec(server, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
        }
        assertFalse(Files.exists(dir.resolve("postmaster.pid")), "postmaster was not stopped");
        try (EmbeddedPostgresServer server = EmbeddedPostgresServer.start(dir, true, false)) {
            assertEquals("still here", query(server, "SELECT v FROM kept"));
        }
    }

    @Test
    void orphanedPostmasterAfterSigkill_isStopped_andAFreshServerStarts() throws Exception {
        Path dir = tmp.resolve("pgdata");
        // A separate JVM owns the server and is killed with SIGKILL, leaving postgres orphaned.
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                EmbeddedServerChild.class.getName(), dir.toString()).redirectErrorStream(true).start();
        long orphanPid;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.startsWith("READY")) {
                // skip the child's log output
            }
            assertTrue(line != null, "child never reported READY");
            orphanPid = EmbeddedPostgresServer.runningPostmaster(dir.toAbsolutePath()).orElseThrow();
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook runs
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertTrue(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false),
                "expected the postmaster to outlive its killed parent");

        try (EmbeddedPostgresServer fresh = EmbeddedPostgresServer.start(dir, true, false)) {
            assertFalse(ProcessHandle.of(orphanPid).map(ProcessHandle::isAlive).orElse(false), "orphan still running");
            long freshPid = EmbeddedPostgresServer.runningPostmaster(dir.toAbsolutePath()).orElseThrow();
            assertNotEquals(orphanPid, freshPid);
            assertEquals("committed before the crash", query(fresh, "SELECT v FROM kept"));
        }
    }

    @Test
    void directoryHeldByAnotherProcess_isRefusedWithItsPid() throws Exception {
        Path dir = tmp.resolve("pgdata");
        Files.createDirectories(dir);
        Path lockFile = tmp.resolve("pgdata.lock");
        // Another JVM takes the lock the way a running CardVault does.
        Path holder = tmp.resolve("LockHolder.java");
        Files.writeString(holder, """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                public class LockHolder {
                    public static void main(String[] a) throws Exception {
                        FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        c.lock();
                        c.write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\\n").getBytes()), 0);
                        System.out.println("locked");
                        Thread.sleep(60_000);
                    }
                }
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, holder.toString(), lockFile.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            var e = assertThrows(EmbeddedPostgresServer.DataDirectoryInUseException.class,
                    () -> EmbeddedPostgresServer.start(dir, true, false));
            assertTrue(e.getMessage().contains("process " + p.pid()), e.getMessage());
            assertTrue(e.getMessage().contains("cardvault.embedded-db.data-dir"), e.getMessage());
            assertFalse(Files.exists(dir.resolve("postmaster.pid")), "a server was started anyway");
        } finally {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
