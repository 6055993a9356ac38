package dev.cardvault.tokens;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.card.Pan;
import dev.cardvault.keys.DataKey;
import dev.cardvault.keys.DataKeys;
import dev.cardvault.keys.FingerprintKeys;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;

/** The batch insert that shares the audit transaction: results match rows by position. */
@QuarkusTest
class TokenRepositoryTest {

    @Inject
    TokenRepository repository;

    @Inject
    DataKeys dataKeys;

    @Inject
    FingerprintKeys fingerprints;

    @Inject
    Pool pool;

    private TokenRow row(String token, String tenant, String pan) {
        DataKey key = dataKeys.forEncryption(tenant).await().atMost(Duration.ofSeconds(10));
        Pan p = Pan.parse(pan);
        byte[] ciphertext = CardRecordCipher.encrypt(new CardRecordCipher.CardRecord(p.digits(), 12, 2031, null), key, tenant, token);
        return new TokenRow(token, tenant, TokenFormat.LAST4, false, fingerprints.fingerprint(tenant, p.digits()),
                p.brand().name(), p.bin(), p.last4(), 12, 2031, key.id(), ciphertext, Map.of(), null,
                Instant.now().truncatedTo(ChronoUnit.MICROS), null, null, null, false);
    }

    /** A format-preserving token stored for a new card of {@code tenant}: a value later rows find taken. */
    private String storedToken(String tenant) {
        Pan pan = Pan.parse(TestCards.randomVisa());
        TokenRow existing = row(TokenGenerator.generate(TokenFormat.LAST4, pan), tenant, pan.digits());
        pool.withTransaction(tx -> repository.insertMany(tx, List.of(existing))).await().atMost(Duration.ofSeconds(10));
        return existing.token();
    }

    @Test
    void insertMany_sameValueTwiceInOneBatch_onlyTheFirstSucceeds() throws Exception {
        Pan first = Pan.parse(TestCards.randomVisa());
        String value = TokenGenerator.generate(TokenFormat.LAST4, first);
        // Two requests of different tenants drew the same format-preserving value in one batch.
        List<TokenRow> rows = List.of(row(value, "dup-a", first.digits()), row(value, "dup-b", TestCards.randomVisa()),
                row(TokenGenerator.generate(TokenFormat.LAST4, first), "dup-a", first.digits()));

        boolean[] written = pool.withTransaction(tx -> repository.insertMany(tx, rows)).await().atMost(Duration.ofSeconds(10));

        assertArrayEquals(new boolean[] { true, false, true }, written);
        try (Connection c = Db.connect(); PreparedStatement s = c.prepareStatement("SELECT tenant FROM token WHERE token = ?")) {
            s.setString(1, value);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                assertEquals("dup-a", rs.getString(1), "the row under that value must be the first request's");
            }
        }
    }

    @Test
    void insertMany_valueTakenByAnEarlierBatch_isNotOverwritten() {
        String value = storedToken("dup-c");

        TokenRow later = row(value, "dup-d", TestCards.randomVisa());
        boolean[] written = pool.withTransaction(tx -> repository.insertMany(tx, List.of(later))).await().atMost(Duration.ofSeconds(10));

        assertArrayEquals(new boolean[] { false }, written);
    }

    @Test
    void insertAll_aTakenValue_failsTheWholeStatement_andWritesNoRow() {
        String taken = storedToken("all-a");
        String fresh = TokenGenerator.generate(TokenFormat.LAST4, Pan.parse(TestCards.randomVisa()));
        List<TokenRow> rows = List.of(row(fresh, "all-b", TestCards.randomVisa()), row(taken, "all-b", TestCards.randomVisa()));

        io.vertx.pgclient.PgException failure = org.junit.jupiter.api.Assertions.assertThrows(io.vertx.pgclient.PgException.class,
                () -> pool.withTransaction(tx -> repository.insertAll(tx, rows)).await().atMost(Duration.ofSeconds(10)));

        assertEquals("23505", failure.getSqlState(), "a unique violation, which the audit batch sends again stepwise");
        assertEquals(0, pool.preparedQuery("SELECT count(*) FROM token WHERE token = $1").execute(io.vertx.mutiny.sqlclient.Tuple.of(fresh))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0), "no row of the statement is written");
    }
}
