package dev.cardvault.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Batches whose rows are all-or-nothing go out in one round trip with events hashed before the
 * rows are written; a taken value sends the batch again stepwise, and the trail stays whole.
 */
@QuarkusTest
class AuditBatchesTest {

    @Inject
    AuditAppender appender;

    /** Rows of a probe table with a unique value, offered both ways like new token rows. */
    private final AuditAppender.Companion<String> probeRows = new AuditAppender.Companion<>() {
        @Override
        public Uni<boolean[]> write(SqlClient tx, List<String> rows) {
            return tx.preparedQuery("INSERT INTO batch_probe SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING v")
                    .execute(Tuple.of(rows.toArray(String[]::new))).map(written -> {
                        List<String> in = new ArrayList<>();
                        written.forEach(r -> in.add(r.getString(0)));
                        boolean[] ok = new boolean[rows.size()];
                        for (int i = 0; i < ok.length; i++) {
                            ok[i] = in.contains(rows.get(i));
                        }
                        return ok;
                    });
        }

        @Override
        public Uni<Void> writeAll(SqlClient tx, List<String> rows) {
            return tx.preparedQuery("INSERT INTO batch_probe SELECT unnest($1::text[])").execute(Tuple.of(rows.toArray(String[]::new)))
                    .replaceWithVoid();
        }

        @Override
        public boolean writesAll() {
            return true;
        }
    };

    @BeforeEach
    void probeTable() throws Exception {
        sql("CREATE TABLE batch_probe (v text PRIMARY KEY)", "INSERT INTO batch_probe VALUES ('taken')",
                "GRANT SELECT, INSERT ON batch_probe TO " + runtimeRole());
    }

    @AfterEach
    void dropProbe() throws Exception {
        sql("DROP TABLE batch_probe");
    }

    @Test
    void aTakenValue_sendsTheBatchAgainStepwise_onlyItsRowIsRefused_andTheTrailVerifies() throws Exception {
        long retriesBefore = appender.writtenAgainStepwise();
        String tag = "batch-" + System.nanoTime();
        List<String> values = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            values.add(i == 17 ? "taken" : tag + "-" + i);
        }

        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (String v : values) { // concurrent: they share batches, one of which holds the taken value
            results.add(appender.appendWith(event(v), probeRows, v).subscribeAsCompletionStage());
        }

        for (int i = 0; i < values.size(); i++) {
            assertEquals(i != 17, results.get(i).get(10, TimeUnit.SECONDS), "row " + i + " written");
        }
        assertEquals(39, Db.scalar("SELECT count(*) FROM batch_probe WHERE v LIKE ?", tag + "-%"));
        assertEquals(39, Db.scalar("SELECT count(*) FROM audit_event WHERE detail LIKE ?", tag + "-%"), "one event per written row");
        assertEquals(0, Db.scalar("SELECT count(*) FROM audit_event WHERE detail = 'taken'"), "no event for the refused row");
        assertEquals(1, appender.writtenAgainStepwise() - retriesBefore, "the batch with the taken value, sent again stepwise");
        assertTrue(AuditTrail.verify().getBoolean("valid"));
    }

    @Test
    void batchesWithoutATakenValue_areNotSentAgain() throws Exception {
        long retriesBefore = appender.writtenAgainStepwise();
        String tag = "batch-" + System.nanoTime();
        List<CompletableFuture<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            results.add(appender.appendWith(event(tag + "-" + i), probeRows, tag + "-" + i).subscribeAsCompletionStage());
            results.add(appender.append(event(tag + "-plain-" + i)).replaceWith(true).subscribeAsCompletionStage());
        }
        for (CompletableFuture<Boolean> r : results) {
            assertTrue(r.get(10, TimeUnit.SECONDS));
        }
        assertEquals(60, Db.scalar("SELECT count(*) FROM audit_event WHERE detail LIKE ?", tag + "-%"));
        assertEquals(0, appender.writtenAgainStepwise() - retriesBefore);
        assertTrue(AuditTrail.verify().getBoolean("valid"));
    }

    private static AuditEvent event(String detail) {
        return AuditEvent.service(AuditType.TOKEN_CREATED, Outcome.SUCCESS, "batch-probe", null, detail);
    }

    private static String runtimeRole() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig().getOptionalValue("quarkus.datasource.username", String.class)
                .orElse("cardvault");
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }
}
