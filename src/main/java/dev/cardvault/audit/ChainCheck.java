package dev.cardvault.audit;

import java.util.HashMap;
import java.util.Map;

/**
 * The rules every audit trail (in the database, or an export) is checked against, fed one event
 * at a time in global order:
 * <ul>
 * <li>each event's hash matches its content under its key (ALTERED) — online only, the key never
 * leaves the vault;
 * <li>each chain runs 1, 2, 3… from its start or from its newest anchor (REMOVED_EVENT), and each
 * event links to the previous one of its chain (ALTERED);
 * <li>every chain head that a signed checkpoint or a CHAIN_STARTED event names is still there:
 * the chain exists (REMOVED_CHAIN) and reaches that position (REMOVED_TAIL) with that hash.
 * </ul>
 * The first problem found is reported. An export (a period of the trail, checked offline) is held
 * to the same rules within the period: its chains may begin mid-way, and a signed head is compared
 * where the export holds it.
 */
final class ChainCheck {

    enum Problem {
        ALTERED, REMOVED_EVENT, REMOVED_TAIL, REMOVED_CHAIN, CHECKPOINT_INVALID, EMPTY
    }

    record Failure(Problem problem, Long seq, String chain, String reason) {
    }

    private static final class State {
        long next;
        String prev;
        boolean started;
    }

    private final AuditKeys keys;
    private final boolean startMidChain;
    private final Map<String, AuditRepository.Head> anchors;
    private final Map<String, State> chains = new HashMap<>();
    private final Map<String, AuditRepository.Head> required = new HashMap<>();
    private final Map<String, String> requiredBy = new HashMap<>();
    private long events;
    private String head = AuditChain.GENESIS;
    private Failure failure;

    /**
     * @param keys null: event content is not checked (offline, without the chain key)
     * @param startMidChain whether a chain may begin at any position (an export of a period)
     * @param anchors where chains continue after retired months
     */
    ChainCheck(AuditKeys keys, boolean startMidChain, Map<String, AuditRepository.Head> anchors) {
        this.keys = keys;
        this.startMidChain = startMidChain;
        this.anchors = anchors;
    }

    /** A head that must be found (from a verified checkpoint, or a CHAIN_STARTED link); the highest per chain counts. */
    void require(AuditRepository.Head h, String source) {
        AuditRepository.Head known = required.get(h.chain());
        if (known == null || known.chainSeq() < h.chainSeq()) {
            required.put(h.chain(), h);
            requiredBy.put(h.chain(), source);
        }
    }

    void fail(Problem problem, Long seq, String chain, String reason) {
        if (failure == null) {
            failure = new Failure(problem, seq, chain, reason);
        }
    }

    boolean failed() {
        return failure != null;
    }

    void accept(AuditRepository.StoredEvent e) {
        if (failure != null) {
            return;
        }
        events++;
        State s = chains.computeIfAbsent(e.chain(), c -> {
            State n = new State();
            AuditRepository.Head anchor = anchors.get(c);
            n.next = anchor == null ? 1 : anchor.chainSeq() + 1;
            n.prev = anchor == null ? AuditChain.GENESIS : anchor.hash();
            return n;
        });
        if (startMidChain && !s.started) {
            s.next = e.chainSeq();
            s.prev = e.prevHash();
        }
        s.started = true;
        if (e.chainSeq() != s.next) {
            fail(Problem.REMOVED_EVENT, e.seq(), e.chain(), "event " + s.next + " of chain " + e.chain() + " is missing");
            return;
        }
        if (!s.prev.equals(e.prevHash())) {
            fail(Problem.ALTERED, e.seq(), e.chain(), "does not link to the previous event of its chain");
            return;
        }
        if (keys != null) {
            String expected;
            try {
                expected = AuditChain.hash(keys, e.fields());
            } catch (IllegalStateException unknownKey) {
                fail(Problem.ALTERED, e.seq(), e.chain(), "hashed under an unknown key id");
                return;
            }
            if (!expected.equals(e.hash())) {
                fail(Problem.ALTERED, e.seq(), e.chain(), "content does not match its hash (altered)");
                return;
            }
        }
        AuditRepository.Head r = required.get(e.chain());
        if (r != null && r.chainSeq() == e.chainSeq() && !r.hash().equals(e.hash())) {
            fail(Problem.ALTERED, e.seq(), e.chain(), "differs from the event " + requiredBy.get(e.chain()) + " signed");
            return;
        }
        if (!startMidChain && AuditType.CHAIN_STARTED.name().equals(e.type())) {
            CheckpointPayload.linkedHeads(e.detail()).forEach(h -> require(h, "CHAIN_STARTED of " + e.chain() + " linked"));
        }
        s.next = e.chainSeq() + 1;
        s.prev = e.hash();
        head = e.hash();
    }

    /** After the last event: every required head must have been reached. */
    void finish() {
        if (failure != null) {
            return;
        }
        if (startMidChain) {
            // An export is one period: heads outside it cannot be reached; those inside were compared in accept.
            return;
        }
        if (events == 0) {
            fail(Problem.EMPTY, null, null, "the trail is empty: every running instance writes at least its CHAIN_STARTED event");
            return;
        }
        for (AuditRepository.Head r : required.values()) {
            AuditRepository.Head anchor = anchors.get(r.chain());
            if (anchor != null && anchor.chainSeq() >= r.chainSeq()) {
                continue; // in a retired month
            }
            State s = chains.get(r.chain());
            if (s == null) {
                fail(Problem.REMOVED_CHAIN, null, r.chain(), "chain " + r.chain() + ", named by " + requiredBy.get(r.chain())
                        + " up to event " + r.chainSeq() + ", is missing");
                return;
            }
            if (s.next - 1 < r.chainSeq()) {
                fail(Problem.REMOVED_TAIL, null, r.chain(), "chain " + r.chain() + " ends at event " + (s.next - 1) + ", but "
                        + requiredBy.get(r.chain()) + " event " + r.chainSeq() + ": its newest events were removed");
                return;
            }
        }
    }

    long events() {
        return events;
    }

    int chains() {
        return chains.size();
    }

    String head() {
        return head;
    }

    Failure failure() {
        return failure;
    }
}
