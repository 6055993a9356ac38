package dev.cardvault.tokens;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.MovableClock;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The tenant-wide reveal limit (tests set 7 a minute for tl-a and tl-b): shared by the tenant's
 * subjects, all or nothing for a batch, a fresh allowance in the next minute. ThreeReplicasIT
 * shows it shared by three processes.
 */
@QuarkusTest
class TenantRevealLimitTest {

    private static final String PURPOSE = "RECURRING_BILLING";

    @Inject
    MovableClock clock;

    /** Starts each test one second into a fresh minute, so that it runs inside one window. */
    @BeforeEach
    void freshWindow() {
        long intoMinute = clock.millis() % TenantRevealLimit.WINDOW_MILLIS;
        clock.advance(Duration.ofMillis(TenantRevealLimit.WINDOW_MILLIS - intoMinute + 1_000));
    }

    @Test
    void subjectsOfOneTenant_shareItsLimit_aBatchIsAllOrNothing_andTheNextMinuteHasAFreshAllowance() throws Exception {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            tokens.add(Api.tokenized("tl-a", Api.card(TestCards.randomVisa())));
        }
        String first = Api.bearer("billing-one", "tl-a", "detokenizer");
        String second = Api.bearer("billing-two", "tl-a", "detokenizer");
        Api.revealBatch(first, tokens.subList(0, 4), PURPOSE).then().statusCode(200);

        Response limited = Api.revealBatch(second, tokens.subList(4, 8), PURPOSE);
        limited.then().statusCode(429).contentType("application/problem+json")
                .body("type", equalTo("https://cardvault.dev/problems/rate-limited"))
                .body("detail", containsString("organisation")).body(not(containsString("\"pan\"")));
        long retryAfter = Long.parseLong(limited.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        Api.revealBatch(second, tokens.subList(4, 7), PURPOSE).then().statusCode(200); // 7 of 7
        Api.reveal(first, tokens.get(9), PURPOSE).then().statusCode(429);
        // Another tenant is not affected.
        String other = Api.tokenized("acme", Api.card(TestCards.randomVisa()));
        Api.reveal(Api.bearer("billing-one", "acme", "detokenizer"), other, PURPOSE).then().statusCode(200);

        List<Map<String, Object>> events = new ArrayList<>(AuditTrail.events("type=DETOKENIZED&subject=billing-one"));
        events.addAll(AuditTrail.events("type=DETOKENIZED&subject=billing-two"));
        assertEquals(5, events.stream().filter(e -> "tl-a".equals(e.get("tenant")) && "DENIED".equals(e.get("outcome"))
                && "reason=tenant-rate-limited".equals(e.get("detail"))).count(), "denied events");
        assertEquals(7L, (long) Db.scalar("SELECT sum(taken) FROM reveal_allowance WHERE tenant = 'tl-a'"));

        clock.advance(Duration.ofSeconds(retryAfter));
        Api.revealBatch(first, tokens.subList(7, 10), PURPOSE).then().statusCode(200);
    }

    @Test
    void concurrentReveals_neverExceedTheLimit() throws Exception {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            tokens.add(Api.tokenized("tl-b", Api.card(TestCards.randomVisa())));
        }
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < tokens.size(); i++) {
                String token = tokens.get(i);
                String billing = Api.bearer("billing-" + (char) ('a' + i), "tl-b", "detokenizer");
                answers.add(CompletableFuture.supplyAsync(() -> Api.reveal(billing, token, PURPOSE).statusCode(), pool));
            }
            List<Integer> statuses = answers.stream().map(CompletableFuture::join).toList();
            assertEquals(7, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
            assertEquals(13, statuses.stream().filter(s -> s == 429).count(), statuses.toString());
        } finally {
            pool.shutdownNow();
        }
    }
}
