package dev.cardvault.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgBuilder;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;

/**
 * The service's database role (quarkus.datasource.username) cannot touch the audit trail beyond
 * reading and appending, nor change the schema or its own privileges: the migrations run as the
 * schema owner and grant the runtime role only what the service needs.
 */
@QuarkusTest
class RuntimeRoleTest {

    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    @Inject
    Pool pool;

    @Inject
    Vertx vertx;

    @Inject
    Flyway flyway;

    private static String runtimeRole() {
        return ConfigProvider.getConfig().getValue("quarkus.datasource.username", String.class);
    }

    private static String ownerRole() {
        return ConfigProvider.getConfig().getValue("cardvault.migration.username", String.class);
    }

    private static boolean bool(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void runtimeRole_isNotTheOwner_andOwnsNothing() throws Exception {
        assertNotEquals(ownerRole(), runtimeRole(), "the service and the migrations must use different roles");
        try (Connection c = Db.connect()) {
            assertFalse(bool(c, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"));
            assertEquals(0, count(c, "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"));
            assertEquals(0, count(c, "SELECT count(*) FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"));
            assertFalse(bool(c, "SELECT pg_has_role(current_user, nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = 'public'"));
        }
    }

    @Test
    void runtimeRole_cannotRewriteTheAuditTrail_norChangeTheSchemaOrItsPrivileges() throws Exception {
        String me = runtimeRole();
        List<String> refused = List.of(
                "UPDATE audit_event SET subject = 'x'",
                "DELETE FROM audit_event",
                "TRUNCATE audit_event",
                "ALTER TABLE audit_event DISABLE TRIGGER ALL",
                "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete",
                "DROP TABLE audit_event",
                "ALTER TABLE audit_event OWNER TO \"" + me + "\"",
                "ALTER TABLE audit_event ADD COLUMN forged text",
                "CREATE TABLE public.shadow (v text)",
                "CREATE SCHEMA shadow",
                "CREATE FUNCTION public.shadow() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "SET session_replication_role = replica", // triggers off: superusers only
                "DELETE FROM root_key",
                "UPDATE root_key SET name = name");
        List<String> accepted = new ArrayList<>();
        try (Connection c = Db.connect(); Statement s = c.createStatement()) {
            for (String sql : refused) {
                try {
                    s.execute(sql);
                    accepted.add(sql);
                } catch (SQLException e) {
                    assertEquals(INSUFFICIENT_PRIVILEGE, e.getSQLState(), sql + ": " + e.getMessage());
                }
            }
            // A GRANT without grant options is no error but a warning that nothing was granted.
            for (String grantee : List.of("\"" + me + "\"", "PUBLIC")) {
                for (String privilege : List.of("UPDATE", "DELETE", "TRUNCATE", "ALL")) {
                    String sql = "GRANT " + privilege + " ON audit_event TO " + grantee;
                    s.clearWarnings();
                    try {
                        s.execute(sql);
                        SQLWarning w = s.getWarnings();
                        assertTrue(w != null && "01007".equals(w.getSQLState()), sql + ": expected 'no privileges were granted', got " + w);
                    } catch (SQLException e) {
                        assertEquals(INSUFFICIENT_PRIVILEGE, e.getSQLState(), sql + ": " + e.getMessage());
                    }
                }
            }
            for (String privilege : List.of("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")) {
                assertFalse(bool(c, "SELECT has_table_privilege(current_user, 'audit_event', '" + privilege + "')"), privilege);
            }
        }
        assertEquals(List.of(), accepted, "statements the runtime role was allowed to run");
    }

    @Test
    void runtimeRole_readsAndAppendsTheTrail_andHasExactlyTheGrantedPrivileges() throws Exception {
        Map<String, String> expected = Map.ofEntries(
                Map.entry("kek", "SELECT, INSERT, UPDATE, DELETE"),
                Map.entry("data_key", "SELECT, INSERT, UPDATE, DELETE"),
                Map.entry("token", "SELECT, INSERT, UPDATE, DELETE"),
                Map.entry("key_rotation", "SELECT, INSERT, UPDATE, DELETE"),
                Map.entry("root_key", "SELECT, INSERT"),
                Map.entry("audit_event", "SELECT, INSERT"),
                Map.entry("audit_checkpoint", "SELECT, INSERT"),
                Map.entry("audit_export", "SELECT, INSERT"),
                Map.entry("audit_anchor", "SELECT"),
                Map.entry("audit_held", "SELECT, INSERT, DELETE"),
                Map.entry("seal_config", "SELECT, INSERT"),
                Map.entry("capture_session", "SELECT, INSERT, UPDATE, DELETE"),
                Map.entry("capture_webhook", "SELECT, INSERT, UPDATE, DELETE"),
                Map.entry("capture_event", "SELECT, INSERT, DELETE"),
                Map.entry("connector_transaction", "SELECT, INSERT, DELETE"),
                Map.entry("controller", "SELECT, INSERT, UPDATE"),
                Map.entry("controller_purpose", "SELECT, INSERT, UPDATE"),
                Map.entry("offboarding", "SELECT, INSERT, UPDATE"),
                Map.entry("import_job", "SELECT, INSERT, UPDATE, DELETE"),
                Map.entry("reveal_allowance", "SELECT, INSERT, UPDATE, DELETE"),
                Map.entry("capture_entry", "SELECT, INSERT, UPDATE, DELETE"),
                Map.entry("transient_cvc", "SELECT, INSERT, UPDATE, DELETE"));
        try (Connection c = Db.connect()) {
            for (var table : expected.entrySet()) {
                if (!bool(c, "SELECT to_regclass('public." + table.getKey() + "') IS NOT NULL")) {
                    continue; // a table of a later migration
                }
                for (String privilege : List.of("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")) {
                    boolean has = bool(c, "SELECT has_table_privilege(current_user, 'public." + table.getKey() + "', '" + privilege + "')");
                    assertEquals(table.getValue().contains(privilege), has, table.getKey() + " " + privilege);
                }
            }
            // A master key rotation rewraps root keys and names the new master key: those columns only.
            for (String column : List.of("wrapped_key", "master_key_id", "next_wrapped_key")) {
                assertTrue(bool(c, "SELECT has_column_privilege(current_user, 'public.root_key', '" + column + "', 'UPDATE')"), column);
            }
            assertFalse(bool(c, "SELECT has_column_privilege(current_user, 'public.root_key', 'name', 'UPDATE')"));
            assertTrue(bool(c, "SELECT has_column_privilege(current_user, 'public.seal_config', 'master_key_id', 'UPDATE')"));
            assertFalse(bool(c, "SELECT has_column_privilege(current_user, 'public.seal_config', 'threshold', 'UPDATE')"));
            assertTrue(bool(c, "SELECT has_table_privilege(current_user, 'flyway_schema_history', 'SELECT')"));
            assertFalse(bool(c, "SELECT has_table_privilege(current_user, 'flyway_schema_history', 'INSERT')"));
            // Every table in public the service may touch at all is on the list.
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                    + "AND relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(current_user, oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')")) {
                while (rs.next()) {
                    String t = rs.getString(1);
                    assertTrue(expected.containsKey(t) || t.equals("flyway_schema_history"), "privileges on a table not on the list: " + t);
                }
            }
            // Identity columns need no sequence privilege, so none is granted (and INSERT works, below); a
            // serial column's sequence gets USAGE only, and only where its table may be inserted into.
            assertEquals(0, count(c, "SELECT count(*) FROM (SELECT s.oid, d.deptype, d.refobjid FROM pg_class s "
                    + "LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i') "
                    + "WHERE s.relkind = 'S' AND s.relnamespace = 'public'::regnamespace OFFSET 0) q "
                    + "WHERE CASE WHEN q.deptype = 'a' THEN has_sequence_privilege(q.oid, 'SELECT, UPDATE') "
                    + "OR (has_sequence_privilege(q.oid, 'USAGE') AND NOT has_table_privilege(q.refobjid, 'INSERT')) "
                    + "ELSE has_sequence_privilege(q.oid, 'USAGE, SELECT, UPDATE') END"));
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                assertEquals(1, s.executeUpdate("INSERT INTO data_key (tenant, kek_version, wrapped_key, active, reserved) "
                        + "SELECT 'runtime-role-test', version, '\\x00', false, 0 FROM kek ORDER BY version LIMIT 1"));
                assertTrue(count(c, "SELECT count(*) FROM audit_event") >= 0);
            } finally {
                c.rollback();
            }
            // Partition maintenance belongs to the owner's scheduled job.
            for (String fn : List.of("public.audit_ensure_partitions(integer, timestamptz)", "public.audit_retire_partitions(interval)")) {
                assertTrue(bool(c, "SELECT to_regprocedure('" + fn + "') IS NOT NULL"), fn);
                assertFalse(bool(c, "SELECT has_function_privilege(current_user, '" + fn + "', 'EXECUTE')"), fn);
            }
        }
    }

    @Test
    void grants_areReappliedAfterEveryMigrate_evenWithNothingToMigrate() throws Exception {
        try (Connection owner = Db.owner(); Statement s = owner.createStatement()) {
            s.execute("GRANT TRUNCATE ON token TO \"" + runtimeRole() + "\""); // drift: someone granted more
        }
        try (Connection c = Db.connect()) {
            assertTrue(bool(c, "SELECT has_table_privilege(current_user, 'token', 'TRUNCATE')"));
        }
        assertEquals(0, flyway.migrate().migrationsExecuted);
        try (Connection c = Db.connect()) {
            assertFalse(bool(c, "SELECT has_table_privilege(current_user, 'token', 'TRUNCATE')"), "the afterMigrate callback did not run");
            assertTrue(bool(c, "SELECT has_table_privilege(current_user, 'token', 'DELETE')"));
        }
    }

    @Test
    void grantsCallback_whenTheRuntimeRoleIsTheOwner_succeedsAndChangesNothing() throws Exception {
        String owner = ownerRole();
        Flyway oneRole = Flyway.configure().configuration(flyway.getConfiguration())
                .placeholders(Map.of("runtime_role", owner)).load();
        assertEquals(0, oneRole.migrate().migrationsExecuted);
        try (Connection c = Db.owner()) {
            assertTrue(bool(c, "SELECT has_table_privilege(current_user, 'token', 'TRUNCATE')"), "the owner's own privileges were taken");
        }
        try (Connection c = Db.connect()) {
            assertTrue(bool(c, "SELECT has_table_privilege(current_user, 'audit_event', 'INSERT')"), "the runtime role's grants were taken");
        }
    }

    @Test
    void check_passesTheRuntimeRole_andNamesWhatIsWrongWithTheOwnerAndASuperuser() throws Exception {
        RuntimeRoleCheck.Problems runtime = RuntimeRoleCheck.of(pool).await().atMost(Duration.ofSeconds(30));
        assertEquals(runtimeRole(), runtime.role());
        assertEquals(List.of(), runtime.reasons());

        var config = ConfigProvider.getConfig();
        PgConnectOptions options = PgConnectOptions.fromUri(config.getValue("quarkus.datasource.reactive.url", String.class));
        Pool ownerPool = PgBuilder.pool().connectingTo(new PgConnectOptions(options).setUser(ownerRole())
                .setPassword(config.getOptionalValue("cardvault.migration.password", String.class).orElse(""))).using(vertx).build();
        Pool superuserPool = PgBuilder.pool().connectingTo(new PgConnectOptions(options).setUser("postgres").setPassword(""))
                .using(vertx).build();
        try {
            RuntimeRoleCheck.Problems owner = RuntimeRoleCheck.of(ownerPool).await().atMost(Duration.ofSeconds(30));
            assertEquals(ownerRole(), owner.role());
            assertTrue(owner.reasons().stream().anyMatch(r -> r.startsWith("owns tables in it (") && r.contains("audit_event")), owner.reasons().toString());
            // The owner of the database owns schema public (PostgreSQL 15+: through pg_database_owner).
            assertTrue(owner.reasons().contains("owns schema public"), owner.reasons().toString());
            assertTrue(owner.sentence().contains("\"" + ownerRole() + "\"") && owner.sentence().contains("cardvault.migration.username"),
                    owner.sentence());

            RuntimeRoleCheck.Problems superuser = RuntimeRoleCheck.of(superuserPool).await().atMost(Duration.ofSeconds(30));
            assertEquals(List.of("is a superuser"), superuser.reasons());
        } finally {
            ownerPool.closeAndAwait();
            superuserPool.closeAndAwait();
        }
    }

    @Test
    void check_namesAuditWritePrivileges_ofAnotherwiseHarmlessRole() throws Exception {
        // A role the owner granted UPDATE and TRUNCATE on the trail (the triggers would still refuse; the privilege must not exist).
        String role = "cardvault_rt_check";
        try (Connection owner = Db.superuser(); Statement s = owner.createStatement()) {
            s.execute("DROP ROLE IF EXISTS " + role);
            s.execute("CREATE ROLE " + role + " LOGIN");
            s.execute("GRANT UPDATE, TRUNCATE ON audit_event TO " + role);
        }
        var config = ConfigProvider.getConfig();
        PgConnectOptions options = PgConnectOptions.fromUri(config.getValue("quarkus.datasource.reactive.url", String.class));
        Pool rolePool = PgBuilder.pool().connectingTo(new PgConnectOptions(options).setUser(role).setPassword("")).using(vertx).build();
        try {
            RuntimeRoleCheck.Problems problems = RuntimeRoleCheck.of(rolePool).await().atMost(Duration.ofSeconds(30));
            assertEquals(List.of("may UPDATE, TRUNCATE audit_event"), problems.reasons());
        } finally {
            rolePool.closeAndAwait();
            try (Connection owner = Db.superuser(); Statement s = owner.createStatement()) {
                s.execute("REVOKE ALL ON audit_event FROM " + role);
                s.execute("DROP ROLE " + role);
            }
        }
    }
}
