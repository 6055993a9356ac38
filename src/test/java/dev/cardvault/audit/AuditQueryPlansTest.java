package dev.cardvault.audit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Db;
import io.quarkus.test.junit.QuarkusTest;

/**
 * How the auditors' queries find their rows on a large trail, under the generic plans the
 * connection pool's prepared statements get after a few executions (forced here), on events
 * inserted for the test and rolled back:
 * <ul>
 * <li>the events page: each filter through its column's index. The former single statement with
 * {@code ($n IS NULL OR col = $n)} read the whole trail in seq order for a rare subject, type or
 * token: 0.8 to 1.2 s over 2 M events, against under 1 ms now;</li>
 * <li>a period (the summary, the export): through the BRIN index on {@code at}, not every row of
 * the month's partition.</li>
 * </ul>
 */
@QuarkusTest
class AuditQueryPlansTest {

    private static final int EVENTS = 60_000;
    /** The events go to next month's partition (made ahead, empty): the same spread whatever today's date. */
    private static final String NEXT_MONTH = "(date_trunc('month', now()) + interval '1 month')";

    @Test
    void eachFilter_findsItsRowsThroughItsIndex_underAGenericPlan() throws Exception {
        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            String partition = largeTrail(c, s);
            try {
                assertUses(s, partition, AuditRepository.pageQuery(false, false, true), "'plan-subject-7'", "subject_seq_idx");
                assertUses(s, partition, AuditRepository.pageQuery(true, false, false), "'KEY_ROTATION_APPROVED'", "type_seq_idx");
                assertUses(s, partition, AuditRepository.pageQuery(false, true, false), "'tok_plan42'", "token_seq_idx");
                assertUses(s, partition, AuditRepository.pageQuery(true, false, true), "'TOKEN_REVEALED', 'plan-subject-7'", "_seq_idx");
                assertUses(s, partition, AuditRepository.pageQuery(false, false, false), null, "pkey");
            } finally {
                c.rollback();
            }
        }
    }

    @Test
    void aPeriodOfTheTrail_isFoundThroughTheBrinIndexOnAt() throws Exception {
        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            String partition = largeTrail(c, s);
            try {
                // The shape of the summary's and the export's statements: an hour of a partition that holds many.
                s.execute("PREPARE period(timestamptz, timestamptz) AS SELECT subject, count(*) FROM audit_event "
                        + "WHERE at >= $1 AND at < $2 AND type = 'DETOKENIZED' AND outcome = 'SUCCESS' GROUP BY subject");
                String plan = plan(s, "EXPLAIN EXECUTE period(" + NEXT_MONTH + " + interval '1 hour', " + NEXT_MONTH
                        + " + interval '2 hours')");
                assertTrue(plan.contains("Bitmap Index Scan on " + partition + "_at_idx"), "expected the BRIN index on " + partition
                        + ":\n" + plan);
            } finally {
                c.rollback();
            }
        }
    }

    /**
     * {@value #EVENTS} events over every type, 1,000 subjects and 28 days of next month's
     * partition (returned), analyzed; all rolled back with the transaction.
     */
    private static String largeTrail(Connection c, Statement s) throws SQLException {
        c.setAutoCommit(false);
        String types = Arrays.stream(AuditType.values()).map(t -> "'" + t.name() + "'").collect(Collectors.joining(","));
        s.execute("INSERT INTO audit_event (chain, chain_seq, at, type, subject, tenant, token, outcome, prev_hash, hash) "
                + "SELECT 'plan-test', g, " + NEXT_MONTH + " + interval '28 days' * g / " + EVENTS + ", "
                + "(ARRAY[" + types + "])[1 + g % " + AuditType.values().length + "], 'plan-subject-' || (g % 1000), 'plan-tenant', "
                + "'tok_plan' || g, 'SUCCESS', 'x', 'y' FROM generate_series(1, " + EVENTS + ") g");
        s.execute("ANALYZE audit_event");
        s.execute("SET LOCAL plan_cache_mode = force_generic_plan");
        try (ResultSet r = s.executeQuery("SELECT tableoid::regclass FROM audit_event WHERE chain = 'plan-test' LIMIT 1")) {
            r.next();
            return r.getString(1);
        }
    }

    private static String plan(Statement s, String explain) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (ResultSet r = s.executeQuery(explain)) {
            while (r.next()) {
                plan.append(r.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    /** The generic plan of {@code sql} (seq, then {@code filters}, then the limit) scans {@code partition} through {@code index}. */
    private static void assertUses(Statement s, String partition, String sql, String filters, String index) throws SQLException {
        int texts = filters == null ? 0 : filters.split(",").length;
        String types = "bigint" + ", text".repeat(texts) + ", int";
        s.execute("DEALLOCATE ALL");
        s.execute("PREPARE page(" + types + ") AS " + sql);
        String plan = plan(s, "EXPLAIN EXECUTE page(0, " + (filters == null ? "" : filters + ", ") + "100)");
        String scan = plan.lines().filter(l -> l.contains(" on " + partition + " ")).findFirst().orElse("");
        assertTrue(scan.contains("Index Scan using " + partition + "_") && scan.contains(index),
                "expected " + index + " on " + partition + " for " + sql + ":\n" + plan);
    }
}
