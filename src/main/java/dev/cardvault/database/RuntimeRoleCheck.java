package dev.cardvault.database;

import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * What is wrong with the database role a client connects as, for a service that must not be able
 * to rewrite its own audit trail: a superuser, an owner of schema {@code public} or of a table in
 * it (directly or through role membership: an owner can disable triggers, re-grant itself or drop
 * the table), or a role allowed to UPDATE, DELETE or TRUNCATE {@code audit_event}.
 */
public final class RuntimeRoleCheck {

    /** The role, and one column per rule; NULL or false where the rule holds. */
    static final String QUERY = """
            SELECT r.rolname,
                   r.rolsuper,
                   pg_has_role(current_user, n.nspowner, 'MEMBER') AS owns_schema,
                   (SELECT string_agg(t.tablename, ', ' ORDER BY t.tablename) FROM pg_tables t
                     WHERE t.schemaname = 'public' AND pg_has_role(current_user, t.tableowner, 'MEMBER')) AS owned_tables,
                   CASE WHEN to_regclass('public.audit_event') IS NOT NULL THEN
                       nullif(concat_ws(', ',
                           CASE WHEN has_table_privilege('public.audit_event', 'UPDATE') THEN 'UPDATE' END,
                           CASE WHEN has_table_privilege('public.audit_event', 'DELETE') THEN 'DELETE' END,
                           CASE WHEN has_table_privilege('public.audit_event', 'TRUNCATE') THEN 'TRUNCATE' END), '')
                   END AS audit_writes
            FROM pg_roles r, pg_namespace n
            WHERE r.rolname = current_user AND n.nspname = 'public'
            """;

    private RuntimeRoleCheck() {
    }

    /** The reasons the connected role must not run the service; empty when it may. */
    public static Uni<Problems> of(SqlClient client) {
        return client.query(QUERY).execute().map(rows -> problems(rows.iterator().next()));
    }

    static Problems problems(Row row) {
        List<String> reasons = new ArrayList<>();
        if (row.getBoolean("rolsuper")) {
            reasons.add("is a superuser"); // a superuser passes every other rule too: one reason is enough
        } else {
            if (row.getBoolean("owns_schema")) {
                reasons.add("owns schema public");
            }
            String tables = row.getString("owned_tables");
            if (tables != null) {
                reasons.add("owns tables in it (" + tables + ")");
            }
            String writes = row.getString("audit_writes");
            if (writes != null) {
                reasons.add("may " + writes + " audit_event");
            }
        }
        return new Problems(row.getString("rolname"), List.copyOf(reasons));
    }

    /** The connected role and what is wrong with it. */
    public record Problems(String role, List<String> reasons) {

        public boolean none() {
            return reasons.isEmpty();
        }

        /** One sentence: what is wrong and what to do instead. */
        public String sentence() {
            return "the database role \"" + role + "\" that the service connects as (quarkus.datasource.username) "
                    + String.join(", ", reasons) + ": connect as a runtime role that is not a superuser, owns nothing and "
                    + "holds only the grants the migrations give it, and run the migrations as the schema owner "
                    + "(cardvault.migration.username and cardvault.migration.password)";
        }
    }
}
