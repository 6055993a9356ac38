package dev.cardvault.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Two replicas' chains interleaved in one table, as several instances on one database write them. */
@Tag("unit")
class AuditVerifierTest {

    private static List<AuditRepository.StoredEvent> interleaved(int perChain) {
        Map<String, String> heads = new HashMap<>(Map.of("c-a", AuditChain.GENESIS, "c-b", AuditChain.GENESIS));
        List<AuditRepository.StoredEvent> out = new ArrayList<>();
        long seq = 0;
        for (int i = 1; i <= perChain; i++) {
            for (String chain : List.of("c-a", "c-b")) {
                Instant at = AuditChain.truncate(Instant.now());
                String prev = heads.get(chain);
                String hash = AuditChain.hash(prev, chain, i, at, "TOKEN_CREATED", "s", "acme", "tok_" + i, null, "SUCCESS",
                        "10.0.0.1", "r" + i);
                out.add(new AuditRepository.StoredEvent(++seq, chain, i, at.atOffset(ZoneOffset.UTC), "TOKEN_CREATED", "s",
                        "acme", "tok_" + i, null, "SUCCESS", "10.0.0.1", "r" + i, prev, hash));
                heads.put(chain, hash);
            }
        }
        return out;
    }

    private static AuditVerifier.Result run(List<AuditRepository.StoredEvent> events) {
        return AuditVerifier.verify(events);
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
                e.tenant(), e.token(), e.purpose(), e.outcome(), e.sourceIp(), e.requestId(), e.prevHash(), e.hash()));
        AuditVerifier.Result r = run(events);
        assertEquals(false, r.valid());
        assertEquals(8L, r.firstInvalidSeq());
    }

    @Test
    void removedEvent_isReportedAtTheNextEventOfItsChain() {
        List<AuditRepository.StoredEvent> events = interleaved(10);
        events.remove(4); // seq 5: chain c-a, chain_seq 3
        AuditVerifier.Result r = run(events);
        assertEquals(false, r.valid());
        assertEquals(7L, r.firstInvalidSeq()); // c-a's chain_seq 4
    }
}
