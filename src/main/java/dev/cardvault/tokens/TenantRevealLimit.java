package dev.cardvault.tokens;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.cardvault.time.VaultClock;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The tenant-wide limit on revealed card numbers per minute, shared by all replicas through
 * PostgreSQL, so that N replicas do not multiply it (the per-subject {@link RevealRateLimiter}
 * is per replica). Fixed one-minute windows (UTC). A replica takes allowance from the database in
 * blocks of 1 % of the limit (1 to 100 cards) and spends it locally, so a billing run costs one
 * row update per block, not one per reveal. The limit is never exceeded; near the end of a window
 * up to one block per replica may go unused. Off when the limit is 0; a tenant's own limit, if
 * set, replaces the default.
 */
@ApplicationScoped
public class TenantRevealLimit {

    static final long WINDOW_MILLIS = 60_000;
    private static final Uni<Long> NO_WAIT = Uni.createFrom().item(0L);

    // Takes up to $3 of the allowance left under $4 in the window, and returns how much it took;
    // windows over an hour old go in the same statement.
    private static final String TAKE = "WITH old AS (DELETE FROM reveal_allowance WHERE tenant = $1 AND window_start < $5) "
            + "INSERT INTO reveal_allowance AS a (tenant, window_start, taken, last_grant) VALUES ($1, $2, LEAST($3, $4), LEAST($3, $4)) "
            + "ON CONFLICT (tenant, window_start) DO UPDATE SET taken = a.taken + GREATEST(0, LEAST($3, $4 - a.taken)), "
            + "last_grant = GREATEST(0, LEAST($3, $4 - a.taken)) RETURNING last_grant";

    static final String PROPERTY = "cardvault.detokenize.tenant-rate-limit-per-minute";

    /** The limit of every tenant without its own ({@code PROPERTY.<tenant>}); 0 is none. */
    @ConfigProperty(name = PROPERTY, defaultValue = "0")
    int perMinute;

    @Inject
    Pool pool;

    @Inject
    VaultClock clock;

    /** Allowance this replica has taken from the database and not spent yet, per tenant. */
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();

    private static final class Lease {
        final int limit;
        long window;
        int remaining;

        Lease(int limit) {
            this.limit = limit;
        }
    }

    private Lease lease(String tenant) {
        return leases.computeIfAbsent(tenant, t -> new Lease(ConfigProvider.getConfig()
                .getOptionalValue(PROPERTY + "." + t, Integer.class).orElse(perMinute)));
    }

    public boolean enabled(String tenant) {
        return lease(tenant).limit > 0;
    }

    /**
     * Takes {@code units} card numbers from the tenant's allowance for this minute, all or none.
     *
     * @return 0 when taken, else the whole seconds until the next window
     */
    public Uni<Long> tryAcquire(String tenant, int units) {
        Lease lease = lease(tenant);
        int limit = lease.limit;
        if (limit <= 0) {
            return NO_WAIT;
        }
        long now = clock.millis();
        long window = now / WINDOW_MILLIS;
        long wait = Math.max(1, ((window + 1) * WINDOW_MILLIS - now + 999) / 1000);
        if (units > limit) {
            return Uni.createFrom().item(wait);
        }
        int fromLease;
        synchronized (lease) {
            if (lease.window != window) {
                lease.window = window;
                lease.remaining = 0;
            }
            if (lease.remaining >= units) {
                lease.remaining -= units;
                return NO_WAIT;
            }
            fromLease = lease.remaining;
            lease.remaining = 0;
        }
        int missing = units - fromLease;
        // Blocks of 1 % of the limit, 1 to 100 cards.
        int ask = Math.max(missing, Math.max(1, Math.min(100, limit / 100)));
        OffsetDateTime start = OffsetDateTime.ofInstant(Instant.ofEpochMilli(window * WINDOW_MILLIS), ZoneOffset.UTC);
        return pool.preparedQuery(TAKE).execute(Tuple.of(tenant, start, ask, limit, start.minusHours(1)))
                .map(rows -> {
                    int granted = rows.iterator().next().getInteger("last_grant");
                    boolean fits = granted >= missing;
                    synchronized (lease) {
                        if (lease.window == window) {
                            // Whatever this request does not spend stays with the replica for the window.
                            lease.remaining += fits ? granted - missing : granted + fromLease;
                        }
                    }
                    return fits ? 0L : wait;
                });
    }
}
