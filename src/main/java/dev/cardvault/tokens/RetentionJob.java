package dev.cardvault.tokens;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.database.AdvisoryLock;
import dev.cardvault.keys.KeyHierarchy;
import dev.cardvault.time.VaultClock;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Keeps nothing longer than needed (GDPR Art. 5(1)(e), PCI DSS 3.2.1): destroys tokens past their
 * {@code expiresAt}, and tokens whose card expired more than the retention period ago (default 18
 * months, overridable per tenant). Runs on one replica at a time (a PostgreSQL advisory lock held
 * on one connection for the run), deletes in bounded batches, each committed with its
 * TOKENS_PURGED events (count per tenant and reason), and logs counts only. A token whose
 * processing is restricted (GDPR Art. 18) is kept: restriction exists so that data the controller
 * would delete stays available to the cardholder (Art. 18(1)(b), (c)); lifting it lets it go.
 */
@ApplicationScoped
public class RetentionJob {

    private static final Logger LOG = Logger.getLogger(RetentionJob.class);
    /** Advisory lock id: "CVRETAIN" in ASCII; public for ThreeReplicasIT, which holds it. */
    public static final long LOCK_KEY = 0x4356_5245_5441_494EL;

    @Inject
    Pool pool;

    @Inject
    Audit audit;

    @Inject
    KeyHierarchy keys;

    @Inject
    VaultClock clock;

    @ConfigProperty(name = "cardvault.retention.card-expired-months", defaultValue = "18")
    int cardExpiredMonths;

    /** e.g. {@code acme=24,globex=6}: months after card expiry per tenant. */
    @ConfigProperty(name = "cardvault.retention.card-expired-months-by-tenant")
    Optional<List<String>> byTenant;

    @ConfigProperty(name = "cardvault.retention.batch-size", defaultValue = "1000")
    int batchSize;

    public record Result(boolean ran, long expiredTokens, long expiredCards) {
    }

    @Scheduled(identity = "retention", every = "${cardvault.retention.every:1h}",
            delayed = "${cardvault.retention.initial-delay:5m}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        if (!keys.isLoaded()) {
            return Uni.createFrom().voidItem(); // sealed: the vault does nothing until unsealed
        }
        return runOnce().replaceWithVoid();
    }

    public Uni<Result> runOnce() {
        return AdvisoryLock.ifFree(pool, LOCK_KEY, this::purge)
                .map(r -> r.orElseGet(() -> {
                    LOG.debug("Retention purge skipped: another replica is running it");
                    return new Result(false, 0, 0);
                }))
                .invoke(r -> {
                    if (r.ran() && (r.expiredTokens() > 0 || r.expiredCards() > 0)) {
                        LOG.infof("Retention purge: %d token(s) past expiresAt, %d token(s) of cards expired beyond retention",
                                r.expiredTokens(), r.expiredCards());
                    }
                });
    }

    private Uni<Result> purge(SqlConnection lockHolder) {
        Map<String, Integer> overrides = overrides();
        LocalDate today = LocalDate.now(clock);
        String[] overridden = overrides.keySet().toArray(String[]::new);
        Uni<Long> expired = batches("DELETE FROM token WHERE token IN (SELECT token FROM token "
                + "WHERE expires_at <= $2 AND NOT restricted LIMIT $1) RETURNING tenant",
                Tuple.of(batchSize, clock.offsetNow()), "expiresAt", 0);
        Uni<Long> cards = batches("DELETE FROM token WHERE token IN (SELECT token FROM token "
                + "WHERE make_date(exp_year, exp_month, 1) + interval '1 month' <= $2::date AND tenant <> ALL($3) AND NOT restricted LIMIT $1) "
                + "RETURNING tenant", Tuple.of(batchSize, today.minusMonths(cardExpiredMonths), overridden),
                "cardExpired+" + cardExpiredMonths + "months", 0);
        for (Map.Entry<String, Integer> o : overrides.entrySet()) {
            Uni<Long> before = cards;
            cards = before.flatMap(n -> batches("DELETE FROM token WHERE token IN (SELECT token FROM token "
                    + "WHERE make_date(exp_year, exp_month, 1) + interval '1 month' <= $2::date AND tenant = $3 AND NOT restricted LIMIT $1) "
                    + "RETURNING tenant", Tuple.of(batchSize, today.minusMonths(o.getValue()), o.getKey()),
                    "cardExpired+" + o.getValue() + "months", n));
        }
        Uni<Long> cardsTotal = cards;
        return expired.flatMap(e -> cardsTotal.map(c -> new Result(true, e, c)));
    }

    /**
     * Repeats a bounded DELETE until a batch comes back short. Each batch and its TOKENS_PURGED
     * events (one per tenant, with the count and the reason) commit together.
     */
    private Uni<Long> batches(String sql, Tuple args, String reason, long soFar) {
        return audit.recordAllAtomically(tx -> tx.preparedQuery(sql).execute(args).map(rows -> {
            Map<String, Long> byTenant = new TreeMap<>();
            rows.forEach(r -> byTenant.merge(r.getString("tenant"), 1L, Long::sum));
            return byTenant;
        }), byTenant -> byTenant.entrySet().stream().map(e -> AuditEvent.service(AuditType.TOKENS_PURGED, Outcome.SUCCESS,
                e.getKey(), null, "count=" + e.getValue() + " reason=" + reason)).toList()).flatMap(byTenant -> {
                    long n = byTenant.values().stream().mapToLong(Long::longValue).sum();
                    long total = soFar + n;
                    return n < batchSize ? Uni.createFrom().item(total) : batches(sql, args, reason, total);
                });
    }

    private Map<String, Integer> overrides() {
        Map<String, Integer> out = new HashMap<>();
        byTenant.ifPresent(list -> list.forEach(entry -> {
            String[] kv = entry.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalStateException("cardvault.retention.card-expired-months-by-tenant: expected tenant=months, got " + entry);
            }
            out.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
        }));
        return out;
    }
}
