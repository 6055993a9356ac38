package dev.cardvault.keys;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.crypto.AesGcm;
import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.crypto.SecretKey;
import dev.cardvault.database.Waiters;
import io.smallrye.mutiny.Uni;

/**
 * Per-tenant data keys. For encryption, each tenant has one active key with an encryption budget
 * reserved from the database in blocks, so a key is rolled over long before random 96-bit nonces
 * become a risk (NIST SP 800-38D) without a database write per card. For decryption, any key of
 * the tenant, unwrapped once and then cached.
 */
@ApplicationScoped
public class DataKeys {

    private static final Logger LOG = Logger.getLogger(DataKeys.class);
    /** Each attempt after the first follows a refill that other requests emptied first. */
    static final int MAX_ATTEMPTS = 50;

    @Inject
    Audit audit;

    @Inject
    KekRing keks;

    @Inject
    KeyRepository repository;

    @ConfigProperty(name = "cardvault.keys.data-key-max-encryptions", defaultValue = "1073741824")
    long maxEncryptions;

    @ConfigProperty(name = "cardvault.keys.data-key-reservation-block", defaultValue = "65536")
    long reservationBlock;

    @ConfigProperty(name = "cardvault.keys.data-key-cache-size", defaultValue = "10000")
    int cacheSize;

    private Cache<Long, DataKey> unwrapped;
    private final Map<String, Budget> budgets = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> refills = new ConcurrentHashMap<>();

    /** Encryptions this instance may still do with a key. */
    private record Budget(DataKey key, AtomicLong remaining) {
        boolean take() {
            return remaining.getAndDecrement() > 0;
        }
    }

    private static final class Spent extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Spent() {
            super("data key budget spent by other requests", null, false, false);
        }
    }

    @PostConstruct
    void init() {
        unwrapped = Caffeine.newBuilder().maximumSize(cacheSize).<Long, DataKey> removalListener((id, key, cause) -> {
            if (cause.wasEvicted() && key != null && !inBudget(key)) {
                KeyMemory.wipeLater(key.aead()::destroy);
            }
        }).build();
    }

    private boolean inBudget(DataKey key) {
        Budget b = budgets.get(key.tenant());
        return b != null && b.key() == key;
    }

    /** Forgets every data key and zeroes it (sealing). */
    void unload() {
        budgets.clear();
        unwrapped.asMap().values().forEach(k -> k.aead().destroy());
        unwrapped.invalidateAll();
    }

    private long block() {
        return Math.max(1, Math.min(reservationBlock, maxEncryptions));
    }

    /** A data key of the tenant for one more encryption; reserves, creates or rolls keys as needed. */
    public Uni<DataKey> forEncryption(String tenant) {
        Budget budget = budgets.get(tenant);
        if (usable(budget) && budget.take()) {
            return Uni.createFrom().item(budget.key()); // the common case: no refill, no retry machinery
        }
        return Uni.createFrom().deferred(() -> {
            Budget current = budgets.get(tenant);
            if (usable(current) && current.take()) {
                return Uni.createFrom().item(current.key());
            }
            return refill(tenant, current).map(v -> {
                Budget fresh = budgets.get(tenant);
                if (usable(fresh) && fresh.take()) {
                    return fresh.key();
                }
                throw new Spent();
            });
        }).onFailure(Spent.class).retry().atMost(MAX_ATTEMPTS)
                .onFailure(Spent.class).transform(e -> new IllegalStateException("Could not obtain a data key for a tenant"));
    }

    /** A key made under a KEK version that is no longer active is not used for new data. */
    private boolean usable(Budget b) {
        return b != null && b.key().kekVersion() == keks.activeVersion();
    }

    /**
     * One refill per tenant at a time in this instance; requests that find the budget empty
     * meanwhile wait for that refill (a plain future: each waiter subscribes on its own) instead of
     * racing each other to the database.
     */
    private Uni<Void> refill(String tenant, Budget spent) {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = refills.putIfAbsent(tenant, mine);
        if (running != null) {
            return Waiters.onOwnContext(Uni.createFrom().completionStage(running)); // completed on the refilling request's context
        }
        return reserveOrRoll(tenant, spent)
                .onItemOrFailure().invoke((v, failure) -> {
                    refills.remove(tenant, mine);
                    if (failure != null) {
                        mine.completeExceptionally(failure);
                    } else {
                        mine.complete(null);
                    }
                })
                .onCancellation().invoke(() -> {
                    refills.remove(tenant, mine);
                    mine.completeExceptionally(new Spent()); // waiters try again
                });
    }

    private Uni<Void> reserveOrRoll(String tenant, Budget spent) {
        if (!usable(spent)) {
            return fromActiveKey(tenant);
        }
        return repository.reserve(spent.key().id(), block(), maxEncryptions).flatMap(ok -> {
            if (ok) {
                budgets.put(tenant, new Budget(spent.key(), new AtomicLong(block())));
                return Uni.createFrom().voidItem();
            }
            return retire(tenant, spent.key()).flatMap(v -> fromActiveKey(tenant));
        });
    }

    /** The tenant's active key (another replica may have made it), else a new one. */
    private Uni<Void> fromActiveKey(String tenant) {
        return repository.activeDataKey(tenant).flatMap(row -> {
            if (row.isEmpty()) {
                return create(tenant);
            }
            if (!keks.has(row.get().kekVersion())) {
                return keks.reload(); // the caller's next attempt finds the key unwrappable
            }
            DataKey key = unwrap(row.get());
            if (key.kekVersion() != keks.activeVersion()) {
                return retire(tenant, key); // left over from a rotation approved meanwhile
            }
            return repository.reserve(key.id(), block(), maxEncryptions).flatMap(ok -> {
                if (ok) {
                    budgets.put(tenant, new Budget(key, new AtomicLong(block())));
                    return Uni.createFrom().voidItem();
                }
                return retire(tenant, key);
            });
        });
    }

    private Uni<Void> create(String tenant) {
        int kekVersion = keks.activeVersion();
        SecretKey dek = SecretKey.generate();
        byte[] wrapped = keks.kek(kekVersion).wrap(dek);
        // The key and its KEY_CREATED event commit together.
        return audit.recordAtomically(tx -> repository.insertActiveDataKey(tx, tenant, kekVersion, wrapped, block()),
                id -> id.map(v -> AuditEvent.service(AuditType.KEY_CREATED, Outcome.SUCCESS, tenant, null,
                        "key=data-key-" + v + " kek=v" + kekVersion)).orElse(null)).flatMap(id -> {
            if (id.isEmpty()) {
                dek.destroy();
                // Another replica created the tenant's key first, or the KEK was rotated meanwhile.
                return keks.reload();
            }
            DataKey key = new DataKey(id.get(), tenant, kekVersion, new AesGcm(dek));
            dek.destroy();
            unwrapped.put(key.id(), key);
            budgets.put(tenant, new Budget(key, new AtomicLong(block())));
            return Uni.createFrom().voidItem();
        });
    }

    private Uni<Void> retire(String tenant, DataKey key) {
        return audit.recordAtomically(tx -> repository.deactivate(tx, key.id()),
                changed -> changed ? AuditEvent.service(AuditType.DATA_KEY_ROLLED, Outcome.SUCCESS, tenant, null,
                        "key=data-key-" + key.id() + " kek=v" + key.kekVersion()) : null).invoke(changed -> {
            budgets.computeIfPresent(tenant, (t, b) -> b.key().id() == key.id() ? null : b);
            if (unwrapped.getIfPresent(key.id()) != key) {
                KeyMemory.wipeLater(key.aead()::destroy); // evicted while it encrypted: nothing else holds it now
            }
            if (changed) {
                LOG.infof("Data key %d of tenant %s reached its encryption budget or KEK version; rolled over", key.id(), tenant);
            }
        }).replaceWithVoid();
    }

    /**
     * Follows changes made anywhere (another replica, a re-key, a shredding): stops encrypting with
     * a key that is no longer active, and forgets (zeroes, after the grace period) keys that were
     * destroyed. One query per poll interval.
     */
    @io.quarkus.scheduler.Scheduled(identity = "data-key-poll", every = "${cardvault.keys.poll-interval:2s}",
            concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        java.util.Set<Long> ids = new java.util.HashSet<>(unwrapped.asMap().keySet());
        budgets.values().forEach(b -> ids.add(b.key().id()));
        if (ids.isEmpty() || !keks.isLoaded()) {
            return Uni.createFrom().voidItem();
        }
        return repository.states(ids).invoke(active -> follow(ids, active)).replaceWithVoid()
                .onFailure().invoke(e -> LOG.debugf("Data key poll failed: %s", e.toString())).onFailure().recoverWithNull();
    }

    /** Applies what the database said of the keys asked about: id → active (absent: destroyed). */
    private void follow(java.util.Set<Long> asked, Map<Long, Boolean> active) {
        budgets.values().removeIf(b -> asked.contains(b.key().id()) && !Boolean.TRUE.equals(active.get(b.key().id())));
        for (Long id : asked) {
            if (!active.containsKey(id)) {
                destroyed(id);
            }
        }
    }

    /** Stops encrypting with this key in this instance (the next card gets the tenant's current key). */
    public void stopUsing(long id) {
        budgets.values().removeIf(b -> b.key().id() == id);
    }

    /** The key was destroyed: forgotten here, its bytes zeroed after the grace period. */
    public void destroyed(long id) {
        stopUsing(id);
        DataKey gone = unwrapped.getIfPresent(id);
        unwrapped.invalidate(id);
        if (gone != null) {
            KeyMemory.wipeLater(gone.aead()::destroy);
        }
    }

    /** The data key that made a ciphertext; it must belong to {@code tenant}, else decryption fails. */
    public Uni<DataKey> forDecryption(long id, String tenant) {
        DataKey cached = unwrapped.getIfPresent(id);
        if (cached != null) {
            return cached.tenant().equals(tenant) ? Uni.createFrom().item(cached) : Uni.createFrom().failure(new DecryptionFailedException());
        }
        return repository.dataKey(id).flatMap(row -> {
            if (row.isEmpty() || !row.get().tenant().equals(tenant)) {
                return Uni.createFrom().failure(new DecryptionFailedException());
            }
            // Rewrapped under a version approved on another replica a moment ago: load it first.
            Uni<Void> ready = keks.has(row.get().kekVersion()) ? Uni.createFrom().voidItem() : keks.reload();
            return ready.map(v -> unwrap(row.get()));
        });
    }

    private DataKey unwrap(KeyRepository.DataKeyRow row) {
        return unwrapped.get(row.id(), id -> {
            try {
                SecretKey dek = keks.kek(row.kekVersion()).unwrap(row.wrappedKey());
                try {
                    return new DataKey(id, row.tenant(), row.kekVersion(), new AesGcm(dek));
                } finally {
                    dek.destroy();
                }
            } catch (DecryptionFailedException e) {
                throw new IllegalStateException("Data key " + id + " does not unwrap under KEK v" + row.kekVersion());
            }
        });
    }
}
