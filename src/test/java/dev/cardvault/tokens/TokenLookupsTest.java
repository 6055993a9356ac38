package dev.cardvault.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;

/** Reveal lookups of concurrent requests share statements, and each still sees only its own tenant's tokens. */
@QuarkusTest
class TokenLookupsTest {

    @Inject
    TokenLookups lookups;

    @Test
    void concurrentLookups_shareStatements_eachGetsOnlyItsOwnTenantsTokens() throws Exception {
        String a = Api.tokenized("lookup-a", Api.card(TestCards.randomVisa()));
        String b = Api.tokenized("lookup-b", Api.card(TestCards.randomVisa()));
        String missing = "tok_" + "z".repeat(22);
        String[] asked = { a, b, missing }; // every request asks for both tenants' tokens
        long before = lookups.statements();

        List<CompletableFuture<Map<String, TokenRow>>> results = new ArrayList<>();
        try (Connection c = Db.connect()) {
            // The first statement waits for this lock, so the other 59 lookups surely arrive while it is in flight.
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE token IN ACCESS EXCLUSIVE MODE");
            }
            for (int i = 0; i < 60; i++) {
                results.add(lookups.findLive(i % 2 == 0 ? "lookup-a" : "lookup-b", asked).subscribeAsCompletionStage());
            }
            c.rollback();
        }

        for (int i = 0; i < results.size(); i++) {
            Map<String, TokenRow> found = results.get(i).get(10, TimeUnit.SECONDS);
            String own = i % 2 == 0 ? a : b;
            assertEquals(Set.of(own), found.keySet(), "lookup " + i + " must find its own tenant's token and nothing else");
            assertEquals(i % 2 == 0 ? "lookup-a" : "lookup-b", found.get(own).tenant());
        }
        long statements = lookups.statements() - before;
        // The first goes out alone; the other 59 (177 tokens, under the 1,000 a statement takes) queue behind it
        // and go out together. One statement each would be 60.
        assertEquals(2, statements, "60 concurrent lookups took " + statements + " statements");
    }

    @Test
    void aFailedStatement_failsItsLookups_andTheNextLookupsStillGo() {
        String token = Api.tokenized("lookup-c", Api.card(TestCards.randomVisa()));
        // PostgreSQL refuses a NUL character in text: the statement fails.
        var failed = lookups.findLive("lookup-c", new String[] { "tok_\u0000" }).subscribeAsCompletionStage();
        assertThrows(ExecutionException.class, () -> failed.get(10, TimeUnit.SECONDS));

        Map<String, TokenRow> found = lookups.findLive("lookup-c", new String[] { token }).await().atMost(Duration.ofSeconds(10));

        assertEquals(Set.of(token), found.keySet());
    }

    @Test
    void aStatementThatDoesNotAnswer_failsAtTheTimeout_andFreesTheLaneForLaterLookups() throws Exception {
        String token = Api.tokenized("lookup-d", Api.card(TestCards.randomVisa()));
        Duration configured = lookups.useTimeout(Duration.ofMillis(300));
        try (Connection c = Db.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE token IN ACCESS EXCLUSIVE MODE"); // every lookup now waits for this transaction
            }
            var stuck = lookups.findLive("lookup-d", new String[] { token }).subscribeAsCompletionStage();
            var queued = lookups.findLive("lookup-d", new String[] { token }).subscribeAsCompletionStage();

            // Completed with a failure, not still waiting when get gives up (that would be a TimeoutException).
            assertThrows(ExecutionException.class, () -> stuck.get(5, TimeUnit.SECONDS), "the stuck statement fails at its timeout");
            assertThrows(ExecutionException.class, () -> queued.get(5, TimeUnit.SECONDS), "the lookup behind it is sent, and fails the same way");
            c.rollback();
        } finally {
            lookups.useTimeout(configured);
        }

        Map<String, TokenRow> found = lookups.findLive("lookup-d", new String[] { token }).await().atMost(Duration.ofSeconds(10));

        assertEquals(Set.of(token), found.keySet());
    }
}
