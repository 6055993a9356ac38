package dev.cardvault.database;

import java.util.concurrent.CompletableFuture;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Requests that wait on a statement shared with others (the audit trail's group commit, grouped
 * reveal lookups): the statement completes on whichever event loop sent it, and each waiting
 * request must go on on its own. Mutiny propagates no thread context here (application.properties),
 * so a request's state (its request scope, its reactive session) is wherever its Vert.x context is.
 */
public final class Waiters {

    private Waiters() {
    }

    /**
     * {@code shared} as the subscriber's own: an answer that arrives on another thread or another
     * request's context (a shared load, an HTTP client's thread) is handed back on the subscriber's
     * context; one that arrives on it goes on directly. Unchanged for a subscriber outside Vert.x.
     */
    public static <T> Uni<T> onOwnContext(Uni<T> shared) {
        return Uni.createFrom().deferred(() -> {
            Context own = Vertx.currentContext();
            if (own == null) {
                return shared;
            }
            return shared.emitOn(task -> {
                if (Vertx.currentContext() == own) {
                    task.run();
                } else {
                    own.runOnContext(v -> task.run());
                }
            });
        });
    }

    /** Completes {@code done} on {@code context} (directly when null: a caller outside Vert.x). */
    public static <T> void complete(Context context, CompletableFuture<T> done, T result, Throwable failure) {
        Runnable r = failure == null ? () -> done.complete(result) : () -> done.completeExceptionally(failure);
        if (context != null) {
            context.runOnContext(v -> r.run());
        } else {
            r.run();
        }
    }
}
