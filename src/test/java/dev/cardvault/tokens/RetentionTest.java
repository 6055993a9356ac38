package dev.cardvault.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.MovableClock;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;

/** The retention purge against real rows: expired tokens, long-expired cards, per-tenant periods, one replica at a time. */
@QuarkusTest
class RetentionTest {

    @Inject
    RetentionJob job;

    @Inject
    MovableClock clock;

    private static void sql(String statement, String token) throws Exception {
        try (Connection c = Db.connect(); PreparedStatement s = c.prepareStatement(statement)) {
            s.setString(1, token);
            assertEquals(1, s.executeUpdate());
        }
    }

    private static boolean exists(String token) throws Exception {
        try (Connection c = Db.connect(); PreparedStatement s = c.prepareStatement("SELECT 1 FROM token WHERE token = ?")) {
            s.setString(1, token);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        }
    }

    @Test
    void purge_removesExpiredTokensAndLongExpiredCards_keepsTheRest() throws Exception {
        String expired = Api.tokenized("ret-a", Api.card(TestCards.randomVisa()).put("expiresAt", clock.instant().plusSeconds(60).toString()));
        String oldCard = Api.tokenized("ret-a", Api.card(TestCards.randomVisa()));
        // Card expired 19 months ago: beyond the default 18 months.
        YearMonth nineteen = YearMonth.now(ZoneOffset.UTC).minusMonths(20);
        sql("UPDATE token SET exp_year = " + nineteen.getYear() + ", exp_month = " + nineteen.getMonthValue() + " WHERE token = ?", oldCard);
        String recentlyExpiredCard = Api.tokenized("ret-a", Api.card(TestCards.randomVisa()));
        YearMonth twelve = YearMonth.now(ZoneOffset.UTC).minusMonths(12);
        sql("UPDATE token SET exp_year = " + twelve.getYear() + ", exp_month = " + twelve.getMonthValue() + " WHERE token = ?",
                recentlyExpiredCard);
        String longRetention = Api.tokenized("ret-long", Api.card(TestCards.randomVisa())); // this tenant keeps 240 months
        sql("UPDATE token SET exp_year = " + nineteen.getYear() + ", exp_month = " + nineteen.getMonthValue() + " WHERE token = ?",
                longRetention);
        String live = Api.tokenized("ret-a", Api.card(TestCards.randomVisa()));

        clock.advance(Duration.ofSeconds(61)); // past the first token's expiresAt
        RetentionJob.Result r = job.runOnce().await().indefinitely();
        assertTrue(r.ran());
        assertTrue(r.expiredTokens() >= 1 && r.expiredCards() >= 1, r.toString());
        assertFalse(exists(expired));
        assertFalse(exists(oldCard));
        assertTrue(exists(recentlyExpiredCard));
        assertTrue(exists(longRetention));
        assertTrue(exists(live));
        // Audit rows are never purged.
        try (Connection c = Db.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM audit_event WHERE token = '" + expired + "'")) {
            rs.next();
            assertEquals(1, rs.getInt(1));
        }
    }

    @Test
    void purge_runsOnOneReplicaAtATime() throws Exception {
        try (Connection other = Db.connect(); Statement s = other.createStatement()) {
            s.execute("SELECT pg_advisory_lock(" + RetentionJob.LOCK_KEY + ")"); // another replica is purging
            assertFalse(job.runOnce().await().indefinitely().ran());
            s.execute("SELECT pg_advisory_unlock(" + RetentionJob.LOCK_KEY + ")");
        }
        assertTrue(job.runOnce().await().indefinitely().ran());
    }
}
