package dev.cardvault.audit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;

/**
 * Recomputes every chain from its genesis. An event is invalid when its hash does not match its
 * content, when it does not link to the previous event of its chain, or when its chain position
 * skips (an event before it was removed). Reports the lowest invalid global seq.
 *
 * <p>Not detectable by the chain alone: removal of the newest events of a chain (its tail). The
 * database refuses DELETE for everyone; only a superuser disabling the trigger could do it.
 */
@ApplicationScoped
public class AuditVerifier {

    static final int PAGE = 5000;

    @Inject
    AuditRepository repository;

    public record Result(boolean valid, long events, int chains, String head, Long firstInvalidSeq, String reason) {
    }

    private static final class ChainState {
        long nextChainSeq = 1;
        String prevHash = AuditChain.GENESIS;
    }

    private static final class Scan {
        final Map<String, ChainState> chains = new HashMap<>();
        long events;
        String head = AuditChain.GENESIS;
        Long firstInvalidSeq;
        String reason;
    }

    public Uni<Result> verify() {
        return page(new Scan(), 0).map(AuditVerifier::result);
    }

    /** Verifies events already in memory (global seq order). */
    static Result verify(List<AuditRepository.StoredEvent> events) {
        Scan scan = new Scan();
        check(scan, events);
        return result(scan);
    }

    private static Result result(Scan s) {
        return new Result(s.firstInvalidSeq == null, s.events, s.chains.size(), s.head, s.firstInvalidSeq, s.reason);
    }

    private Uni<Scan> page(Scan scan, long afterSeq) {
        return repository.all(afterSeq, PAGE).flatMap(events -> {
            check(scan, events);
            if (events.size() < PAGE || scan.firstInvalidSeq != null) {
                return Uni.createFrom().item(scan);
            }
            return page(scan, events.get(events.size() - 1).seq());
        });
    }

    static void check(Scan scan, List<AuditRepository.StoredEvent> events) {
        for (AuditRepository.StoredEvent e : events) {
            scan.events++;
            ChainState state = scan.chains.computeIfAbsent(e.chain(), c -> new ChainState());
            String reason = null;
            if (e.chainSeq() != state.nextChainSeq) {
                reason = "event " + state.nextChainSeq + " of chain " + e.chain() + " is missing";
            } else if (!state.prevHash.equals(e.prevHash())) {
                reason = "does not link to the previous event of its chain";
            } else if (!AuditChain.hash(e.prevHash(), e.chain(), e.chainSeq(), e.at().toInstant(), e.type(), e.subject(),
                    e.tenant(), e.token(), e.purpose(), e.outcome(), e.sourceIp(), e.requestId()).equals(e.hash())) {
                reason = "content does not match its hash (altered)";
            }
            if (reason != null) {
                scan.firstInvalidSeq = e.seq();
                scan.reason = reason;
                return;
            }
            state.nextChainSeq = e.chainSeq() + 1;
            state.prevHash = e.hash();
            scan.head = e.hash();
        }
    }
}
