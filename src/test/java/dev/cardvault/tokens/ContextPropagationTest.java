package dev.cardvault.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.smallrye.context.SmallRyeContextManagerProvider;
import io.smallrye.context.SmallRyeThreadContext;

/**
 * Mutiny propagates no thread context (application.properties says why), and a request still
 * sees its own request-scoped state after a grouped statement another request may have sent.
 */
@QuarkusTest
class ContextPropagationTest {

    private static final int CALLERS = 8;

    @Inject
    TokenLookups lookups;

    @Test
    void mutinyCapturesNoThreadContext() {
        // What Mutiny's interceptor uses (the default thread context), and what a new one is built as: both empty,
        // so the operators take their functions as they are.
        SmallRyeThreadContext used = SmallRyeContextManagerProvider.getManager().defaultThreadContext();
        SmallRyeThreadContext built = (SmallRyeThreadContext) SmallRyeContextManagerProvider.instance().getContextManager()
                .newThreadContextBuilder().build();
        for (SmallRyeThreadContext context : List.of(used, built)) {
            assertTrue(context.isEmpty(), "propagated " + context.getPlan().propagatedProviders + ", cleared "
                    + context.getPlan().clearedProviders);
        }
    }

    @Test
    void aRequestKeepsItsOwnCaller_afterAGroupedLookupAnotherRequestSent() throws Exception {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            tokens.add(Api.tokenized(tenant("ctx-lookup", i), Api.card(TestCards.randomVisa())));
        }
        long statementsBefore = lookups.statements();
        List<Response> answers = whileLocked("token", 48, "ctx-lookup", "lookup", tokens,
                () -> lookups.statements() == statementsBefore + 1, () -> lookups.waiting() == 47);
        assertOwnCaller(answers, "ctx-lookup");
        answers.forEach(r -> assertEquals(1, (int) r.path("found"), "each request finds its own tenant's token"));
        assertEquals(2, lookups.statements() - statementsBefore, "the first lookup alone, then the other 47 together");
    }

    @Test
    void aRequestKeepsItsOwnCaller_afterWaitingForAnotherRequestsDataKeyRefill() throws Exception {
        // One tenant, no key yet: the first request creates it, the others wait for that refill.
        assertOwnCaller(whileLocked("data_key", 8, "ctx-key", "data-key", null, () -> true, () -> true), "ctx-key");
    }

    @Test
    void aRequestKeepsItsOwnCaller_afterWaitingForAnotherRequestsLoadOfThePurposes() throws Exception {
        assertOwnCaller(whileLocked("controller", 16, "ctx-purposes", "purposes", null, () -> true, () -> true), "ctx-purposes");
    }

    /** Tenant {@code i % 2} of a test: callers of one tenant share its key and purposes. */
    private static String tenant(String prefix, int caller) {
        return prefix + "-" + (caller % 2);
    }

    /**
     * {@code calls} probe requests by {@link #CALLERS} subjects, sent while {@code table} is
     * locked: the first alone, until {@code firstWaiting} holds (its statement sent, so that it
     * waits alone), then the others, which queue behind it; the lock is released once
     * {@code queued} holds (and a moment more, for the requests still arriving).
     */
    private static List<Response> whileLocked(String table, int calls, String prefix, String hop, List<String> tokens,
            BooleanSupplier firstWaiting, BooleanSupplier queued) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls);
        try (Connection c = Db.connect()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE");
            }
            List<Future<Response>> sent = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                int who = i % CALLERS;
                String bearer = Api.bearer("ctx-agent-" + who, tenant(prefix, who), "tokenizer");
                String token = tokens == null ? "" : tokens.get(who);
                sent.add(pool.submit(() -> Api.as(bearer, null).queryParam("token", token).get("/v1/test-probe/caller-after-" + hop)));
                if (i == 0) {
                    await(firstWaiting, "the first request's statement was not sent");
                }
            }
            await(queued, "the requests did not queue behind the locked statement");
            Thread.sleep(500);
            c.rollback();
            List<Response> answers = new ArrayList<>();
            for (Future<Response> f : sent) {
                answers.add(f.get(10, TimeUnit.SECONDS));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(BooleanSupplier condition, String otherwise) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(condition.getAsBoolean(), otherwise);
    }

    private static void assertOwnCaller(List<Response> answers, String prefix) {
        for (int i = 0; i < answers.size(); i++) {
            Response r = answers.get(i);
            int who = i % CALLERS;
            assertEquals(200, r.statusCode(), r.asString());
            assertEquals("ctx-agent-" + who, r.path("before"));
            assertEquals("ctx-agent-" + who, r.path("after"), "request " + i + " went on as another request's caller");
            assertEquals(tenant(prefix, who), r.path("tenant"));
        }
    }
}
