package dev.cardvault.containment;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import dev.cardvault.testsupport.Db;

/** Every cell of every table as text, ciphertext and wrapped-key columns excepted, read as the superuser. */
public final class TableDump {

    private static final String TABLES = "SELECT table_schema, table_name FROM information_schema.tables "
            + "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_schema NOT LIKE 'pg\\_toast%' ORDER BY 1, 2";
    private static final String COLUMNS = "SELECT column_name, data_type FROM information_schema.columns "
            + "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position";

    private TableDump() {
    }

    /** Hands each non-null cell to {@code cell} as (where, text), where naming the table and column. */
    public static void forEachCell(BiConsumer<String, String> cell) throws SQLException {
        try (Connection c = Db.superuser()) {
            c.setAutoCommit(false); // so the driver streams with the fetch size
            List<String[]> tables = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(TABLES)) {
                while (rs.next()) {
                    tables.add(new String[] { rs.getString(1), rs.getString(2) });
                }
            }
            if (tables.stream().noneMatch(t -> t[1].equals("audit_event")) || tables.stream().noneMatch(t -> t[1].equals("token"))) {
                throw new IllegalStateException("table dump: audit_event or token not among the " + tables.size() + " tables found");
            }
            for (String[] t : tables) {
                dump(c, t[0], t[1], cell);
            }
            c.rollback();
        }
    }

    private static void dump(Connection c, String schema, String table, BiConsumer<String, String> cell) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(COLUMNS)) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    if (!(rs.getString(2).equals("bytea") && name.matches("(?i).*(ciphertext|wrapped_key).*"))) {
                        columns.add(name);
                    }
                }
            }
        }
        if (columns.isEmpty()) {
            return;
        }
        List<String> casts = columns.stream().map(col -> quote(col) + "::text").toList();
        String sql = "SELECT " + String.join(", ", casts) + " FROM " + quote(schema) + "." + quote(table);
        try (Statement st = c.createStatement()) {
            st.setFetchSize(2000);
            try (ResultSet rs = st.executeQuery(sql)) {
                while (rs.next()) {
                    for (int i = 0; i < columns.size(); i++) {
                        String text = rs.getString(i + 1);
                        if (text != null) {
                            cell.accept("table " + schema + "." + table + " column " + columns.get(i), text);
                        }
                    }
                }
            }
        }
    }

    private static final java.util.regex.Pattern DIGIT_RUN = java.util.regex.Pattern.compile("[0-9]{8,}");

    /**
     * Fails, naming the table and column, if any cell holds one of {@code numbers} (digit strings)
     * within a run of digits: what {@code text.contains(number)} finds, by set lookups instead of
     * one scan per number.
     */
    public static void assertNoneOf(java.util.Collection<String> numbers) throws SQLException {
        java.util.Set<String> wanted = new java.util.HashSet<>(numbers);
        if (wanted.stream().anyMatch(n -> !n.matches("[0-9]{8,}"))) {
            throw new IllegalArgumentException("digit strings of at least 8 digits only");
        }
        int[] lengths = wanted.stream().mapToInt(String::length).distinct().toArray();
        forEachCell((where, text) -> {
            java.util.regex.Matcher run = DIGIT_RUN.matcher(text);
            while (run.find()) {
                for (int length : lengths) {
                    for (int at = run.start(); at + length <= run.end(); at++) {
                        if (wanted.contains(text.substring(at, at + length))) {
                            throw new AssertionError("a card number in clear at " + where);
                        }
                    }
                }
            }
        });
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }
}
