package dev.cardvault.keys;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.cardvault.crypto.AesGcm;
import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.crypto.Hmac;
import dev.cardvault.crypto.KeyWrap;
import dev.cardvault.crypto.SecretKey;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;

/**
 * The loaded key hierarchy: master key → KEK versions → per-tenant data keys, plus the
 * fingerprint root. Loads and checks everything at start-up and fails closed: a KEK or root that
 * the configured master key cannot unwrap stops the service instead of being replaced.
 *
 * <p>Unwrapped keys live only here, in memory. Data keys for encryption are handed out against an
 * encryption budget reserved in blocks from the database, so a key is rolled over long before
 * random 96-bit nonces become a risk, without a database write per encryption.
 */
@ApplicationScoped
public class KeyHierarchy {

    private static final Logger LOG = Logger.getLogger(KeyHierarchy.class);
    static final String FINGERPRINT_ROOT = "fingerprint";
    // Each attempt is a lost race for a block; only a burst against a nearly spent key needs more than one.
    private static final int MAX_ATTEMPTS = 20;

    @Inject
    MasterKey masterKey;

    @Inject
    KeyRepository repository;

    /** Rollover threshold per data key; NIST SP 800-38D caps random-nonce GCM at 2^32 messages. */
    @ConfigProperty(name = "cardvault.keys.data-key-max-encryptions", defaultValue = "1073741824")
    long maxEncryptions;

    @ConfigProperty(name = "cardvault.keys.data-key-reservation-block", defaultValue = "65536")
    long reservationBlock;

    @ConfigProperty(name = "cardvault.keys.data-key-cache-size", defaultValue = "10000")
    int cacheSize;

    private volatile boolean loaded;
    private volatile int activeKekVersion;
    private final Map<Integer, KeyWrap> keks = new ConcurrentHashMap<>();
    private volatile SecretKey fingerprintRoot;
    private final Map<String, Hmac> fingerprintKeys = new ConcurrentHashMap<>();
    private final Map<String, ActiveDataKey> activeByTenant = new ConcurrentHashMap<>();
    private Map<Long, DataKey> byId;

    private static final class ActiveDataKey {
        final DataKey key;
        final AtomicLong remaining;

        ActiveDataKey(DataKey key, long remaining) {
            this.key = key;
            this.remaining = new AtomicLong(remaining);
        }
    }

    void onStart(@Observes StartupEvent event) {
        load().await().atMost(Duration.ofSeconds(60));
    }

    public boolean isLoaded() {
        return loaded;
    }

    public int activeKekVersion() {
        return activeKekVersion;
    }

    /** The wrapping of one KEK version, for the rewrap job only. */
    KeyWrap kek(int version) {
        KeyWrap k = keks.get(version);
        if (k == null) {
            throw new IllegalStateException("KEK v" + version + " is not loaded");
        }
        return k;
    }

    MasterKey masterKey() {
        return masterKey;
    }

    Uni<Void> load() {
        byId = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, DataKey> eldest) {
                return size() > cacheSize;
            }
        });
        return repository.keks()
                .flatMap(rows -> rows.isEmpty() ? createFirstKek().flatMap(v -> repository.keks()) : Uni.createFrom().item(rows))
                .invoke(this::unwrapKeks)
                .flatMap(v -> repository.rootKey(FINGERPRINT_ROOT))
                .flatMap(row -> row.isPresent() ? Uni.createFrom().item(row)
                        : repository.insertRootKey(FINGERPRINT_ROOT, masterKey.wrap(SecretKey.generate()), masterKey.id())
                                .flatMap(v -> repository.rootKey(FINGERPRINT_ROOT)))
                .invoke(row -> {
                    KeyRepository.KekRow r = row.orElseThrow(() -> new IllegalStateException("fingerprint root key missing"));
                    fingerprintRoot = unwrapWithMaster(r, "the fingerprint root key");
                    loaded = true;
                    LOG.infof("Key hierarchy loaded: %s, KEK v%d active, %d KEK version(s) available",
                            masterKey.describe(), activeKekVersion, keks.size());
                })
                .replaceWithVoid();
    }

    private Uni<Void> createFirstKek() {
        SecretKey kek = SecretKey.generate();
        byte[] wrapped = masterKey.wrap(kek);
        kek.destroy();
        LOG.info("No key-encrypting key yet: creating KEK v1");
        return repository.insertFirstKek(wrapped, masterKey.id());
    }

    /**
     * Re-reads the KEK versions: picks up a new ACTIVE version approved on any replica and forgets
     * RETIRED ones. Cheap when nothing changed (one query).
     */
    public Uni<Void> reloadKeks() {
        return repository.keks().invoke(rows -> {
            int before = activeKekVersion;
            unwrapKeks(rows);
            if (before != activeKekVersion) {
                activeByTenant.clear(); // new data keys come from the new version
                LOG.infof("KEK v%d is now active (was v%d)", activeKekVersion, before);
            }
        }).replaceWithVoid();
    }

    /** Polls for a rotation approved on another replica; every replica follows within seconds. */
    @io.quarkus.scheduler.Scheduled(identity = "kek-poll", every = "${cardvault.keys.poll-interval:2s}",
            concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> pollActiveVersion() {
        if (!loaded) {
            return Uni.createFrom().voidItem();
        }
        return repository.activeKekVersion().flatMap(v -> v != 0 && v != activeKekVersion ? reloadKeks() : Uni.createFrom().voidItem());
    }

    private synchronized void unwrapKeks(List<KeyRepository.KekRow> rows) {
        Integer active = null;
        java.util.Set<Integer> live = new java.util.HashSet<>();
        for (KeyRepository.KekRow row : rows) {
            if ("RETIRED".equals(row.state())) {
                keks.remove(row.version());
                continue;
            }
            live.add(row.version());
            if (keks.containsKey(row.version())) {
                if ("ACTIVE".equals(row.state())) {
                    active = row.version();
                }
                continue;
            }
            SecretKey kek = unwrapWithMaster(row, "KEK v" + row.version());
            keks.put(row.version(), new KeyWrap(kek));
            kek.destroy();
            if ("ACTIVE".equals(row.state())) {
                active = row.version();
            }
        }
        keks.keySet().retainAll(live);
        if (active == null) {
            throw new IllegalStateException("No ACTIVE key-encrypting key in the database; refusing to encrypt anything");
        }
        activeKekVersion = active;
    }

    private SecretKey unwrapWithMaster(KeyRepository.KekRow row, String what) {
        if (!masterKey.id().equals(row.masterKeyId())) {
            throw new IllegalStateException(what + " was wrapped by master key " + row.masterKeyId()
                    + ", but the configured one is " + masterKey.id() + ": configure the master key this database was created with");
        }
        try {
            return masterKey.unwrap(row.wrappedKey());
        } catch (DecryptionFailedException e) {
            throw new IllegalStateException(what + " does not unwrap with " + masterKey.describe()
                    + ": the stored key is damaged or the master key is wrong");
        }
    }

    /** The tenant's fingerprint of a PAN: HMAC-SHA-256 under a per-tenant key derived (HKDF) from the root. */
    public byte[] fingerprint(String tenant, String panDigits) {
        requireLoaded();
        Hmac hmac = fingerprintKeys.computeIfAbsent(tenant,
                t -> {
                    SecretKey k = Hmac.derive(fingerprintRoot, "cardvault/fingerprint/v1/tenant:" + t);
                    Hmac h = new Hmac(k);
                    k.destroy();
                    return h;
                });
        return hmac.mac(panDigits.getBytes(StandardCharsets.US_ASCII));
    }

    /** A data key of the tenant for one more encryption; creates or rolls the key as needed. */
    public Uni<DataKey> dataKeyForEncryption(String tenant) {
        requireLoaded();
        ActiveDataKey current = activeByTenant.get(tenant);
        if (current != null && current.remaining.getAndDecrement() > 0) {
            return Uni.createFrom().item(current.key);
        }
        return refill(tenant, current, 0);
    }

    private long block() {
        return Math.max(1, Math.min(reservationBlock, maxEncryptions));
    }

    private Uni<DataKey> refill(String tenant, ActiveDataKey current, int attempt) {
        if (attempt >= MAX_ATTEMPTS) {
            return Uni.createFrom().failure(new IllegalStateException("Could not obtain a data key for a tenant"));
        }
        Uni<Boolean> reserved = current == null ? Uni.createFrom().item(false)
                : repository.reserve(current.key.id(), block(), maxEncryptions);
        return reserved.flatMap(ok -> {
            if (ok) {
                current.remaining.set(block() - 1);
                return Uni.createFrom().item(current.key);
            }
            Uni<Void> retire = current == null ? Uni.createFrom().voidItem()
                    : repository.deactivate(current.key.id()).invoke(changed -> {
                        activeByTenant.remove(tenant, current);
                        if (changed) {
                            LOG.infof("Data key %d of tenant %s reached its encryption budget; rolled over", current.key.id(), tenant);
                        }
                    }).replaceWithVoid();
            return retire.flatMap(v -> repository.activeDataKey(tenant)).flatMap(row -> {
                if (row.isPresent()) {
                    DataKey key = toDataKey(row.get());
                    ActiveDataKey candidate = new ActiveDataKey(key, 0);
                    return repository.reserve(key.id(), block(), maxEncryptions).flatMap(got -> {
                        if (got) {
                            candidate.remaining.set(block() - 1);
                            activeByTenant.put(tenant, candidate);
                            return Uni.createFrom().item(key);
                        }
                        return refill(tenant, candidate, attempt + 1);
                    });
                }
                return createDataKey(tenant).flatMap(created -> created.isPresent()
                        ? Uni.createFrom().item(created.get())
                        // Lost a race, or our KEK was rotated away meanwhile: re-read the versions and retry.
                        : reloadKeks().flatMap(v -> refill(tenant, null, attempt + 1)));
            });
        });
    }

    private Uni<Optional<DataKey>> createDataKey(String tenant) {
        int kekVersion = activeKekVersion;
        SecretKey dek = SecretKey.generate();
        byte[] wrapped = keks.get(kekVersion).wrap(dek);
        return repository.insertActiveDataKey(tenant, kekVersion, wrapped, block()).map(id -> id.map(newId -> {
            DataKey key = new DataKey(newId, tenant, kekVersion, new AesGcm(dek));
            dek.destroy();
            byId.put(newId, key);
            activeByTenant.put(tenant, new ActiveDataKey(key, block() - 1));
            return key;
        }));
    }

    /** The data key that made a ciphertext, for decryption; it must belong to {@code tenant}. */
    public Uni<DataKey> dataKeyForDecryption(long id, String tenant) {
        requireLoaded();
        DataKey cached = byId.get(id);
        if (cached != null) {
            return cached.tenant().equals(tenant) ? Uni.createFrom().item(cached)
                    : Uni.createFrom().failure(new DecryptionFailedException());
        }
        return repository.dataKey(id).flatMap(row -> {
            if (row.isEmpty() || !row.get().tenant().equals(tenant)) {
                return Uni.createFrom().failure(new DecryptionFailedException());
            }
            if (!keks.containsKey(row.get().kekVersion())) {
                // Rewrapped under a version approved on another replica a moment ago.
                return reloadKeks().map(v -> toDataKey(row.get()));
            }
            return Uni.createFrom().item(toDataKey(row.get()));
        });
    }

    private DataKey toDataKey(KeyRepository.DataKeyRow row) {
        DataKey cached = byId.get(row.id());
        if (cached != null) {
            return cached;
        }
        KeyWrap kek = keks.get(row.kekVersion());
        if (kek == null) {
            throw new IllegalStateException("Data key " + row.id() + " is wrapped by KEK v" + row.kekVersion()
                    + ", which is not available");
        }
        try {
            SecretKey dek = kek.unwrap(row.wrappedKey());
            DataKey key = new DataKey(row.id(), row.tenant(), row.kekVersion(), new AesGcm(dek));
            dek.destroy();
            byId.put(row.id(), key);
            return key;
        } catch (DecryptionFailedException e) {
            throw new IllegalStateException("Data key " + row.id() + " does not unwrap under KEK v" + row.kekVersion());
        }
    }

    private void requireLoaded() {
        if (!loaded) {
            throw new IllegalStateException("The key hierarchy is not loaded");
        }
    }
}
