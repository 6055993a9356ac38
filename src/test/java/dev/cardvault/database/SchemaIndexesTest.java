package dev.cardvault.database;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Db;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Every index costs an insert on every row written, and the hot tables take thousands of rows a
 * second: no plain B-tree index may be a leading prefix of another index of the same table, which
 * serves its queries as well.
 */
@QuarkusTest
class SchemaIndexesTest {

    // Both plain (no expression, no predicate), same access method; the redundant one neither
    // unique nor a primary key (those enforce a rule, not only speed a query).
    private static final String PREFIXES = """
            SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
            FROM pg_index a
            JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
            JOIN pg_class ca ON ca.oid = a.indexrelid
            JOIN pg_class cb ON cb.oid = b.indexrelid AND cb.relam = ca.relam
            JOIN pg_am am ON am.oid = ca.relam AND am.amname = 'btree'
            JOIN pg_namespace n ON n.oid = ca.relnamespace AND n.nspname = 'public'
            WHERE NOT a.indisunique AND a.indpred IS NULL AND b.indpred IS NULL
              AND a.indexprs IS NULL AND b.indexprs IS NULL
              AND (' ' || b.indkey::text || ' ') LIKE (' ' || a.indkey::text || ' %')
            ORDER BY 1, 2""";

    @Test
    void noIndexIsAPrefixOfAnotherOnTheSameTable() throws Exception {
        List<String> redundant = new ArrayList<>();
        try (Connection c = Db.superuser(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(PREFIXES)) {
            while (rs.next()) {
                redundant.add(rs.getString(1) + " is a prefix of " + rs.getString(2));
            }
        }
        assertEquals(List.of(), redundant);
    }
}
