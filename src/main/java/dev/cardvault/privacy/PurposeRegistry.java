package dev.cardvault.privacy;

import java.time.Duration;
import java.time.Period;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.cardvault.database.Waiters;
import dev.cardvault.tokens.PurposePolicies;
import dev.cardvault.tokens.TenantPurposes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The controller registry as the token path reads it: one small query per tenant, cached for
 * {@code cardvault.privacy.registry-refresh} (other replicas see a change within that time; this
 * one at once, {@link #forget}). Read through the SQL client, not Hibernate: it runs on every
 * tokenization and reveal.
 */
@ApplicationScoped
public class PurposeRegistry implements PurposePolicies {

    private static final int MAX_TENANTS = 10_000;

    @Inject
    Pool pool;

    @ConfigProperty(name = "cardvault.detokenize.allowed-purposes")
    Set<String> globalRevealPurposes;

    @ConfigProperty(name = "cardvault.privacy.registry-refresh", defaultValue = "2s")
    Duration refresh;

    /** A tenant's purposes: loading (shared by the requests that ask meanwhile), or loaded. */
    private record Entry(Uni<TenantPurposes> value, long loadedAt, boolean loaded) {
    }

    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    @Override
    public Uni<TenantPurposes> of(String tenant) {
        long now = System.nanoTime();
        Entry e = cache.get(tenant);
        if (e != null && now - e.loadedAt() < refresh.toNanos()) {
            // A load still in flight answers on the loading request's context.
            return e.loaded() ? e.value() : Waiters.onOwnContext(e.value());
        }
        if (cache.size() > MAX_TENANTS) {
            cache.clear();
        }
        Entry fresh = new Entry(load(tenant).memoize().indefinitely(), now, false);
        cache.put(tenant, fresh);
        // Once loaded, the value itself: no shared load to wait for. A failed load is not kept:
        // the next request asks the database again.
        return fresh.value().invoke(p -> cache.replace(tenant, fresh, new Entry(Uni.createFrom().item(p), now, true)))
                .onFailure().invoke(x -> cache.remove(tenant, fresh));
    }

    /** Drops the cached registry of a tenant after a change made here. */
    public void forget(String tenant) {
        cache.remove(tenant);
    }

    public Set<String> globalRevealPurposes() {
        return Set.copyOf(globalRevealPurposes);
    }

    private Uni<TenantPurposes> load(String tenant) {
        return pool.preparedQuery("SELECT c.state, p.code, p.legal_basis, p.retention, p.reveal_purposes, p.active "
                + "FROM controller c LEFT JOIN controller_purpose p ON p.tenant = c.tenant WHERE c.tenant = $1")
                .execute(Tuple.of(tenant)).map(rows -> {
                    boolean closed = false;
                    Map<String, TenantPurposes.Rule> rules = new HashMap<>();
                    for (var r : rows) {
                        closed = "CLOSED".equals(r.getString("state"));
                        String code = r.getString("code");
                        if (code != null) {
                            String reveals = r.getString("reveal_purposes");
                            rules.put(code, new TenantPurposes.Rule(code, r.getString("legal_basis"), Period.parse(r.getString("retention")),
                                    reveals.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(reveals.split(","))),
                                    r.getBoolean("active")));
                        }
                    }
                    return new TenantPurposes(tenant, closed, rules, globalRevealPurposes);
                });
    }
}
