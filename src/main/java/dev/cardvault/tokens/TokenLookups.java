package dev.cardvault.tokens;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.cardvault.database.Waiters;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The reveal lookups of concurrent requests, one statement at a time: a lookup made while none is
 * in flight goes out at once; the ones made meanwhile wait for it and go out together in the next
 * statement. Under load the database sees one query for many reveals instead of one each, and an
 * idle vault adds no wait. Each pair is matched on tenant and token, in the query and again here.
 *
 * <p>A statement that has not answered within the request timeout fails its lookups and frees the
 * lane: their requests have been answered 503 by then, and one lost connection must not hold every
 * later reveal (its late answer is dropped).
 */
@ApplicationScoped
public class TokenLookups {

    /** Tokens per statement, roughly: requests are taken whole, and one holds at most 100. */
    static final int MAX_TOKENS = 1000;

    @Inject
    TokenRepository repository;

    @ConfigProperty(name = "cardvault.http.request-timeout", defaultValue = "10s")
    Duration timeout;

    private record Lookup(String tenant, String[] tokens, CompletableFuture<Map<String, TokenRow>> done, Context context) {
    }

    private final ConcurrentLinkedQueue<Lookup> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final AtomicLong statements = new AtomicLong();

    /** Live tokens of the tenant among {@code tokens}, by token value; made when subscribed to. */
    public Uni<Map<String, TokenRow>> findLive(String tenant, String[] tokens) {
        return Uni.createFrom().deferred(() -> {
            Lookup lookup = new Lookup(tenant, tokens, new CompletableFuture<>(), Vertx.currentContext());
            queue.add(lookup);
            send();
            return Uni.createFrom().completionStage(lookup.done());
        });
    }

    /** Test seam: how long a statement may take before its lookups fail; returns the previous value. */
    Duration useTimeout(Duration t) {
        Duration before = timeout;
        timeout = t;
        return before;
    }

    /** Statements sent so far (tests). */
    long statements() {
        return statements.get();
    }

    /** Lookups waiting for the statement in flight to complete (tests). */
    int waiting() {
        return queue.size();
    }

    private void send() {
        if (!inFlight.compareAndSet(false, true)) {
            return; // the statement in flight sends what is queued when it completes
        }
        List<Lookup> batch = new ArrayList<>();
        List<String> tenants = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        Lookup next;
        while (tokens.size() < MAX_TOKENS && (next = queue.poll()) != null) {
            batch.add(next);
            for (String t : next.tokens()) {
                tenants.add(next.tenant());
                tokens.add(t);
            }
        }
        if (batch.isEmpty()) {
            release();
            return;
        }
        statements.incrementAndGet();
        Uni<List<TokenRow>> query;
        try {
            query = repository.findLive(tenants.toArray(String[]::new), tokens.toArray(String[]::new));
        } catch (RuntimeException e) {
            query = Uni.createFrom().failure(e);
        }
        if (!timeout.isZero() && !timeout.isNegative()) { // zero turns the request timeout off, and this with it
            query = query.ifNoItem().after(timeout).fail();
        }
        query.subscribe().with(rows -> {
            release();
            Map<String, TokenRow> byToken = new HashMap<>();
            rows.forEach(r -> byToken.put(r.token(), r)); // the token is the primary key: one row each
            for (Lookup l : batch) {
                Map<String, TokenRow> found = new HashMap<>();
                for (String t : l.tokens()) {
                    TokenRow row = byToken.get(t);
                    if (row != null && row.tenant().equals(l.tenant())) {
                        found.put(t, row);
                    }
                }
                Waiters.complete(l.context(), l.done(), found, null);
            }
        }, failure -> {
            release();
            batch.forEach(l -> Waiters.complete(l.context(), l.done(), null, failure));
        });
    }

    private void release() {
        inFlight.set(false);
        if (!queue.isEmpty()) {
            send();
        }
    }
}
