package dev.cardvault.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.crypto.SecretKey;

/** The key parts without HTTP or a database: KEK ring, data keys with budgets and rollover, fingerprints. */
@Tag("unit")
class KeyPartsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final InMemoryKeyRepository repository = new InMemoryKeyRepository();
    private final MasterKey master = masterKey();
    private final RecordingAudit audit = new RecordingAudit();

    private static MasterKey masterKey() {
        byte[] raw = new byte[32];
        dev.cardvault.crypto.Randomness.secure().nextBytes(raw);
        return FileMasterKey.fromBase64(Base64.getEncoder().encodeToString(raw), "test");
    }

    private KekRing ring(MasterKey key) {
        KekRing ring = new KekRing();
        ring.masterKey = key;
        ring.repository = repository;
        return ring;
    }

    private DataKeys dataKeys(KekRing ring, long maxEncryptions, long block) {
        DataKeys keys = new DataKeys();
        keys.audit = audit;
        keys.keks = ring;
        keys.repository = repository;
        keys.maxEncryptions = maxEncryptions;
        keys.reservationBlock = block;
        keys.cacheSize = 100;
        keys.init();
        return keys;
    }

    @Test
    void kekRing_emptyDatabase_createsVersion1_andLoadsIt() {
        KekRing ring = ring(master);
        ring.load().await().atMost(WAIT);
        assertTrue(ring.isLoaded());
        assertEquals(1, ring.activeVersion());
        assertEquals(1, repository.keks.size());
    }

    @Test
    void kekRing_otherMasterKey_refusesToLoad_namingBothIds() {
        ring(master).load().await().atMost(WAIT);
        MasterKey other = masterKey();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ring(other).load().await().atMost(WAIT));
        assertTrue(e.getMessage().contains(master.id()) && e.getMessage().contains(other.id()), e.getMessage());
    }

    @Test
    void kekRing_reload_followsANewActiveVersion_andForgetsRetired() {
        KekRing ring = ring(master);
        ring.load().await().atMost(WAIT);
        repository.keks.put(1, new KeyRepository.KekRow(1, "DECRYPT_ONLY", repository.keks.get(1).wrappedKey(), master.id()));
        repository.keks.put(2, new KeyRepository.KekRow(2, "ACTIVE", master.wrapNewKey(), master.id()));
        ring.poll().await().atMost(WAIT);
        assertEquals(2, ring.activeVersion());
        assertTrue(ring.has(1));
        repository.keks.put(1, new KeyRepository.KekRow(1, "RETIRED", null, master.id()));
        ring.reload().await().atMost(WAIT);
        assertFalse(ring.has(1));
    }

    @Test
    void dataKeys_rollOver_whenTheBudgetIsSpent() {
        KekRing ring = ring(master);
        ring.load().await().atMost(WAIT);
        DataKeys keys = dataKeys(ring, 6, 2); // three blocks of two per key
        Set<Long> used = new HashSet<>();
        for (int i = 0; i < 13; i++) {
            used.add(keys.forEncryption("acme").await().atMost(WAIT).id());
        }
        assertEquals(3, used.size(), "13 encryptions at 6 per key need 3 keys");
        assertEquals(3, repository.keysOf("acme"));
        repository.dataKeys.values().forEach(k -> assertTrue(k.reserved() <= 6, "a key was reserved beyond its budget"));
        // Each key's creation and each rollover is recorded, with the key it names.
        assertEquals(3, audit.events.stream().filter(e -> e.type() == dev.cardvault.audit.AuditType.KEY_CREATED).count());
        assertEquals(2, audit.events.stream().filter(e -> e.type() == dev.cardvault.audit.AuditType.DATA_KEY_ROLLED).count());
        assertTrue(audit.events.stream().allMatch(e -> "acme".equals(e.tenant()) && e.detail().startsWith("key=data-key-")));
    }

    @Test
    void dataKeys_manyConcurrentRequests_allGetAKey_noneBeyondItsBudget() throws Exception {
        KekRing ring = ring(master);
        ring.load().await().atMost(WAIT);
        DataKeys keys = dataKeys(ring, 12, 4); // the test profile's tiny budget
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<DataKey>> got = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                got.add(pool.submit(() -> keys.forEncryption("acme").await().atMost(WAIT)));
            }
            for (Future<DataKey> f : got) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(repository.keysOf("acme") >= 50, "600 encryptions at 12 per key need at least 50 keys");
        repository.dataKeys.values().forEach(k -> assertTrue(k.reserved() <= 12, "a key was reserved beyond its budget"));
    }

    @Test
    void dataKeys_afterARotation_newDataUsesTheNewVersion() {
        KekRing ring = ring(master);
        ring.load().await().atMost(WAIT);
        DataKeys keys = dataKeys(ring, 1000, 100);
        DataKey before = keys.forEncryption("acme").await().atMost(WAIT);
        repository.keks.put(1, new KeyRepository.KekRow(1, "DECRYPT_ONLY", repository.keks.get(1).wrappedKey(), master.id()));
        repository.keks.put(2, new KeyRepository.KekRow(2, "ACTIVE", master.wrapNewKey(), master.id()));
        ring.reload().await().atMost(WAIT);
        DataKey after = keys.forEncryption("acme").await().atMost(WAIT);
        assertEquals(1, before.kekVersion());
        assertEquals(2, after.kekVersion());
        assertEquals(before.id(), keys.forDecryption(before.id(), "acme").await().atMost(WAIT).id(), "old data still decrypts");
    }

    @Test
    void dataKeys_forDecryption_ofAnotherTenant_fails() {
        KekRing ring = ring(master);
        ring.load().await().atMost(WAIT);
        DataKeys keys = dataKeys(ring, 1000, 100);
        long id = keys.forEncryption("acme").await().atMost(WAIT).id();
        // A checked failure reaches an awaiting caller wrapped; the reveal path sees it as is.
        for (Runnable lookup : List.<Runnable> of(() -> keys.forDecryption(id, "globex").await().atMost(WAIT),
                () -> keys.forDecryption(9999, "acme").await().atMost(WAIT))) {
            Throwable e = assertThrows(java.util.concurrent.CompletionException.class, lookup::run);
            assertTrue(e.getCause() instanceof DecryptionFailedException, String.valueOf(e.getCause()));
        }
    }

    @Test
    void fingerprints_sameCardSameTenant_match_otherTenant_differs_andSurviveARestart() {
        FingerprintKeys fp = new FingerprintKeys();
        fp.masterKey = master;
        fp.repository = repository;
        fp.load().await().atMost(WAIT);
        byte[] a = fp.fingerprint("acme", "4111111111111111");
        assertArrayEquals(a, fp.fingerprint("acme", "4111111111111111"));
        assertFalse(java.util.Arrays.equals(a, fp.fingerprint("globex", "4111111111111111")));
        FingerprintKeys restarted = new FingerprintKeys();
        restarted.masterKey = master;
        restarted.repository = repository;
        restarted.load().await().atMost(WAIT);
        assertArrayEquals(a, restarted.fingerprint("acme", "4111111111111111"));
    }

    @Test
    void masterKey_wrapNewKey_isAFreshKeyEachTime() throws Exception {
        byte[] one = master.wrapNewKey();
        byte[] two = master.wrapNewKey();
        assertFalse(java.util.Arrays.equals(one, two));
        SecretKey k = master.unwrap(one);
        k.destroy();
    }
}
