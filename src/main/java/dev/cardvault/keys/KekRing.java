package dev.cardvault.keys;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.cardvault.crypto.KeyWrap;
import dev.cardvault.crypto.SecretKey;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * The key-encrypting keys, unwrapped: one ACTIVE version wraps new data keys, DECRYPT_ONLY
 * versions still unwrap old ones, RETIRED versions are forgotten. Every replica follows a
 * rotation approved anywhere within the poll interval.
 */
@ApplicationScoped
public class KekRing {

    private static final Logger LOG = Logger.getLogger(KekRing.class);

    @Inject
    MasterKey masterKey;

    @Inject
    KeyRepository repository;

    private final Map<Integer, KeyWrap> keks = new ConcurrentHashMap<>();
    private volatile int activeVersion;
    private volatile boolean loaded;

    /**
     * Unwraps every live version; on an empty database creates KEK v1 first. Fails closed.
     *
     * @return whether this call created KEK v1
     */
    Uni<Boolean> load() {
        return repository.keks().flatMap(rows -> rows.isEmpty()
                ? createFirst().flatMap(created -> repository.keks().invoke(this::loaded).replaceWith(created))
                : Uni.createFrom().item(rows).invoke(this::loaded).replaceWith(false));
    }

    private void loaded(List<KeyRepository.KekRow> rows) {
        apply(rows);
        loaded = true;
    }

    private Uni<Boolean> createFirst() {
        LOG.info("No key-encrypting key yet: creating KEK v1");
        return repository.insertFirstKek(masterKey.wrapNewKey(), masterKey.id());
    }

    /** Re-reads the versions: picks up a new ACTIVE one and forgets RETIRED ones. One query. */
    public Uni<Void> reload() {
        return repository.keks().invoke(rows -> {
            int before = activeVersion;
            apply(rows);
            if (before != activeVersion) {
                LOG.infof("KEK v%d is now active (was v%d)", activeVersion, before);
            }
        }).replaceWithVoid();
    }

    @Scheduled(identity = "kek-poll", every = "${cardvault.keys.poll-interval:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        if (!loaded) {
            return Uni.createFrom().voidItem();
        }
        return repository.activeKekVersion().flatMap(v -> v != 0 && v != activeVersion ? reload() : Uni.createFrom().voidItem());
    }

    private synchronized void apply(List<KeyRepository.KekRow> rows) {
        Integer active = null;
        Set<Integer> live = new HashSet<>();
        for (KeyRepository.KekRow row : rows) {
            if ("RETIRED".equals(row.state())) {
                continue;
            }
            live.add(row.version());
            keks.computeIfAbsent(row.version(), v -> {
                SecretKey kek = masterKey.unwrapStored(row.wrappedKey(), row.masterKeyId(), "KEK v" + v);
                try {
                    return new KeyWrap(kek);
                } finally {
                    kek.destroy();
                }
            });
            if ("ACTIVE".equals(row.state())) {
                active = row.version();
            }
        }
        for (Integer version : List.copyOf(keks.keySet())) {
            if (!live.contains(version)) {
                KeyWrap retired = keks.remove(version);
                // A request may still be unwrapping with it: zeroed after the grace period.
                KeyMemory.wipeLater(retired::destroy);
            }
        }
        if (active == null) {
            throw new IllegalStateException("No ACTIVE key-encrypting key in the database; refusing to encrypt anything");
        }
        activeVersion = active;
    }

    public boolean isLoaded() {
        return loaded;
    }

    /** Forgets every version and zeroes it (sealing). */
    synchronized void unload() {
        loaded = false;
        activeVersion = 0;
        keks.values().forEach(KeyWrap::destroy);
        keks.clear();
    }

    public int activeVersion() {
        return activeVersion;
    }

    public int versions() {
        return keks.size();
    }

    /** Whether this version is loaded (it may have been approved on another replica a moment ago). */
    public boolean has(int version) {
        return keks.containsKey(version);
    }

    /** The wrapping of one loaded version. */
    public KeyWrap kek(int version) {
        KeyWrap k = keks.get(version);
        if (k == null) {
            throw new IllegalStateException("KEK v" + version + " is not loaded");
        }
        return k;
    }
}
