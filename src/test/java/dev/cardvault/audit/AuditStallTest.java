package dev.cardvault.audit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * A batch that waits on the database longer than a request may wait holds every audited operation
 * of the instance behind it: readiness reports the trail DOWN until the batch is answered.
 */
@QuarkusTest
class AuditStallTest {

    @Inject
    AuditAppender appender;

    @Test
    void aBatchWaitingLongerThanTheRequestTimeout_makesTheInstanceNotReady_untilItIsAnswered() throws Exception {
        Duration configured = appender.useStallAfter(Duration.ofMillis(300));
        try {
            String detail = "stall-" + System.nanoTime();
            try (Connection c = Db.superuser()) {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                    s.execute("LOCK TABLE audit_event IN ACCESS EXCLUSIVE MODE"); // every batch now waits for this transaction
                }
                var write = appender.append(AuditEvent.service(AuditType.TOKEN_CREATED, Outcome.SUCCESS, "stall-probe", null, detail))
                        .subscribeAsCompletionStage();

                JsonPath down = awaitAuditCheck("DOWN", Duration.ofSeconds(10));
                assertEquals("DOWN", down.getString(CHECK + ".status"));
                assertTrue(down.getString(CHECK + ".data.stalled").contains("longer than the request timeout"));
                assertTrue(appender.isHealthy(), "nothing failed: the batch is waiting, not lost");
                c.rollback();
                write.get(10, TimeUnit.SECONDS);
            }
            JsonPath up = awaitAuditCheck("UP", Duration.ofSeconds(10));
            assertEquals("UP", up.getString(CHECK + ".status"));
            assertEquals(1, Db.scalar("SELECT count(*) FROM audit_event WHERE detail = ?", detail), "the batch was written once answered");
            assertTrue(AuditTrail.verify().getBoolean("valid"));
        } finally {
            appender.useStallAfter(configured);
        }
    }

    @Test
    void answeredBatches_leaveNoStallBehind() throws InterruptedException {
        Duration configured = appender.useStallAfter(Duration.ofMillis(300));
        try {
            for (int i = 0; i < 20; i++) {
                appender.append(AuditEvent.service(AuditType.TOKEN_CREATED, Outcome.SUCCESS, "stall-probe", null, "quick-" + i))
                        .await().atMost(Duration.ofSeconds(10));
            }
            Thread.sleep(600); // past the limit: a batch still counted as in flight would show now
            assertEquals("UP", readiness().getString(CHECK + ".status"));
        } finally {
            appender.useStallAfter(configured);
        }
    }

    private static final String CHECK = "checks.find { it.name == 'audit trail' }";

    /** Readiness, polled until its "audit trail" check reports {@code status} or the time is up. */
    private static JsonPath awaitAuditCheck(String status, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        JsonPath ready = readiness();
        while (!status.equals(ready.getString(CHECK + ".status")) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            ready = readiness();
        }
        return ready;
    }

    private static JsonPath readiness() {
        return given().get("/q/health/ready").then().extract().jsonPath();
    }
}
