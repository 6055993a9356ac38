package dev.cardvault.keys;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * When key bytes leave memory. A key taken out of use (an evicted data key, a retired KEK) may
 * still be in the hands of a request that fetched it a moment before: it is zeroed after a grace
 * period longer than any request. Sealing zeroes at once (requests in flight then fail).
 */
final class KeyMemory {

    static final long GRACE_SECONDS = 120;

    private KeyMemory() {
    }

    static void wipeLater(Runnable destroy) {
        CompletableFuture.runAsync(destroy, CompletableFuture.delayedExecutor(GRACE_SECONDS, TimeUnit.SECONDS));
    }
}
