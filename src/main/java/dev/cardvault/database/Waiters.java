package dev.cardvault.database;

import java.util.concurrent.CompletableFuture;

import io.vertx.core.Context;

/**
 * Requests that wait on a statement shared with others (the audit trail's group commit, grouped
 * reveal lookups): the statement completes on whichever event loop sent it, and each waiting
 * request must go on on its own.
 */
public final class Waiters {

    private Waiters() {
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
