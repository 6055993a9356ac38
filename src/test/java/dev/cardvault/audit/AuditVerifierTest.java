package dev.cardvault.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.cardvault.crypto.Ed25519;
import dev.cardvault.crypto.Hmac;
import dev.cardvault.crypto.SecretKey;

/** The chain rules on events in memory: two replicas' chains interleaved, as several instances on one database write them. */
@Tag("unit")
class AuditVerifierTest {

    /** Real HMAC and Ed25519 keys, held in memory. */
    static final class TestKeys implements AuditKeys {
        private final Hmac chainKey = new Hmac(SecretKey.generate());
        private final Ed25519 signer = new Ed25519(SecretKey.generate());

        @Override
        public boolean isLoaded() {
            return true;
        }

        @Override
        public String chainKeyId() {
            return "audit-chain-1";
        }

        @Override
        public byte[] mac(String keyId, byte[] message) {
            if (!chainKeyId().equals(keyId)) {
                throw new IllegalStateException("unknown key");
            }
            return chainKey.mac(message);
        }

        @Override
        public String signingKeyId() {
            return "audit-signing-1";
        }

        @Override
        public byte[] sign(byte[] message) {
            return signer.sign(message);
        }

        @Override
        public byte[] publicKey(String keyId) {
            return signer.publicKey();
        }
    }

    private final TestKeys keys = new TestKeys();

    private List<AuditRepository.StoredEvent> interleaved(int perChain) {
        Map<String, String> heads = new HashMap<>(Map.of("c-a", AuditChain.GENESIS, "c-b", AuditChain.GENESIS));
        List<AuditRepository.StoredEvent> out = new ArrayList<>();
        long seq = 0;
        for (int i = 1; i <= perChain; i++) {
            for (String chain : List.of("c-a", "c-b")) {
                Instant at = AuditChain.truncate(Instant.now());
                String prev = heads.get(chain);
                AuditChain.Fields f = new AuditChain.Fields(prev, chain, i, at, "TOKEN_CREATED", "s", "acme", "tok_" + i, null,
                        "SUCCESS", "10.0.0.1", "r" + i, null, keys.chainKeyId());
                String hash = AuditChain.hash(keys, f);
                out.add(stored(++seq, f, hash));
                heads.put(chain, hash);
            }
        }
        return out;
    }

    private static AuditRepository.StoredEvent stored(long seq, AuditChain.Fields f, String hash) {
        return new AuditRepository.StoredEvent(seq, f.chain(), f.chainSeq(), f.at().atOffset(ZoneOffset.UTC), f.type(), f.subject(),
                f.tenant(), f.token(), f.purpose(), f.outcome(), f.sourceIp(), f.requestId(), f.detail(), f.keyId(), f.prevHash(),
                hash);
    }

    private AuditVerifier.Result run(List<AuditRepository.StoredEvent> events) {
        return AuditVerifier.verify(keys, events);
    }

    @Test
    void interleavedChains_areEachValid() {
        AuditVerifier.Result r = run(interleaved(50));
        assertEquals(true, r.valid());
        assertEquals(100, r.events());
        assertEquals(2, r.chains());
        assertNull(r.firstInvalidSeq());
    }

    @Test
    void alteredEventInOneChain_isFound_byItsGlobalSeq() {
        List<AuditRepository.StoredEvent> events = interleaved(10);
        AuditRepository.StoredEvent e = events.get(7);
        events.set(7, new AuditRepository.StoredEvent(e.seq(), e.chain(), e.chainSeq(), e.at(), "TOKEN_DELETED", e.subject(),
                e.tenant(), e.token(), e.purpose(), e.outcome(), e.sourceIp(), e.requestId(), e.detail(), e.keyId(), e.prevHash(),
                e.hash()));
        AuditVerifier.Result r = run(events);
        assertEquals(false, r.valid());
        assertEquals(8L, r.firstInvalidSeq());
        assertEquals("ALTERED", r.problem());
    }

    @Test
    void alteredEvent_withItsHashRecomputedWithoutTheKey_isFound() {
        List<AuditRepository.StoredEvent> events = interleaved(10);
        AuditRepository.StoredEvent e = events.get(7);
        // An attacker who can write rows recomputes the hash the only way open without the key.
        AuditChain.Fields forged = new AuditChain.Fields(e.prevHash(), e.chain(), e.chainSeq(), e.at().toInstant(), "TOKEN_DELETED",
                e.subject(), e.tenant(), e.token(), e.purpose(), e.outcome(), e.sourceIp(), e.requestId(), e.detail(), e.keyId());
        String plain = AuditChain.legacyHash(forged);
        events.set(7, stored(e.seq(), forged, plain));
        AuditVerifier.Result r = run(events);
        assertEquals("ALTERED", r.problem());
        assertEquals(8L, r.firstInvalidSeq());
    }

    @Test
    void removedEvent_isReportedAtTheNextEventOfItsChain() {
        List<AuditRepository.StoredEvent> events = interleaved(10);
        events.remove(4); // seq 5: chain c-a, chain_seq 3
        AuditVerifier.Result r = run(events);
        assertEquals(false, r.valid());
        assertEquals(7L, r.firstInvalidSeq()); // c-a's chain_seq 4
        assertEquals("REMOVED_EVENT", r.problem());
    }

    @Test
    void removedTail_andRemovedChain_areFound_againstASignedHead() {
        List<AuditRepository.StoredEvent> events = interleaved(10);
        AuditRepository.StoredEvent headA = events.get(18); // c-a, chain_seq 10
        AuditRepository.StoredEvent headB = events.get(19);
        List<AuditRepository.StoredEvent> withoutTail = new ArrayList<>(events.subList(0, 17)); // c-a ends at 9
        ChainCheck check = new ChainCheck(keys, false, Map.of());
        check.require(new AuditRepository.Head("c-a", headA.chainSeq(), headA.hash()), "checkpoint 1");
        withoutTail.forEach(check::accept);
        check.finish();
        assertEquals(ChainCheck.Problem.REMOVED_TAIL, check.failure().problem());

        ChainCheck chainGone = new ChainCheck(keys, false, Map.of());
        chainGone.require(new AuditRepository.Head("c-b", headB.chainSeq(), headB.hash()), "checkpoint 1");
        events.stream().filter(e -> e.chain().equals("c-a")).forEach(chainGone::accept);
        chainGone.finish();
        assertEquals(ChainCheck.Problem.REMOVED_CHAIN, chainGone.failure().problem());
        assertTrue(chainGone.failure().reason().contains("c-b"));
    }

    @Test
    void emptyTrail_isInvalid() {
        assertEquals("EMPTY", run(List.of()).problem());
    }

    @Test
    void checkpointPayload_roundTrips_andItsSignatureCoversEveryByte() {
        CheckpointPayload p = new CheckpointPayload(Instant.parse("2026-11-30T03:00:00Z"), 42, CheckpointPayload.NONE, "audit-signing-1",
                List.of(new AuditRepository.Head("c-b", 7, "ab".repeat(32)), new AuditRepository.Head("c-a", 3, "cd".repeat(32))));
        String text = p.render();
        assertEquals(text, CheckpointPayload.parse(text).render());
        byte[] sig = keys.sign(CheckpointPayload.bytes(text));
        assertTrue(Ed25519.verify(keys.publicKey("x"), CheckpointPayload.bytes(text), sig));
        assertEquals(false, Ed25519.verify(keys.publicKey("x"), CheckpointPayload.bytes(text.replace("c-a 3", "c-a 2")), sig));
    }
}
