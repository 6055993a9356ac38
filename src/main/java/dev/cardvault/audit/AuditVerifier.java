package dev.cardvault.audit;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.crypto.Ed25519;
import io.smallrye.mutiny.Uni;

/**
 * Verifies the whole trail: the checkpoints first (each names its predecessor's digest; the newest
 * carries a valid signature, which vouches for all of them), then every event in global order
 * under {@link ChainCheck}: content under the chain key, continuity from each chain's start or
 * newest anchor, and every head a checkpoint signed or a new chain linked still present.
 *
 * <p>What remains undetectable: removal of events written after the newest checkpoint by someone
 * who also removes every later checkpoint and CHAIN_STARTED link. Auditors who keep the checkpoints
 * they read ({@code GET /v1/audit/checkpoints}) close that gap for everything before them.
 */
@io.quarkus.runtime.Startup // its gauge is registered at start-up
@ApplicationScoped
public class AuditVerifier {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(AuditVerifier.class);

    static final int PAGE = 5000;

    @Inject
    AuditRepository repository;

    @Inject
    AuditKeys keys;

    @Inject
    dev.cardvault.metrics.VaultMetrics metrics;

    /** The last verification's verdict on this instance: 1 valid, 0 invalid, NaN none yet. */
    private volatile double lastValid = Double.NaN;

    @jakarta.annotation.PostConstruct
    void registerGauge() {
        metrics.gauge(dev.cardvault.metrics.VaultMetrics.AUDIT_VERIFY_VALID,
                "Whether the last verification of the audit trail on this instance found it valid (1) or not (0); NaN before the first",
                () -> lastValid);
    }

    /**
     * Verifies the trail now and then, when {@code cardvault.audit.verify-every} is set (off by
     * default: a verification reads every event); otherwise only GET /v1/audit/verify does.
     */
    @io.quarkus.scheduler.Scheduled(identity = "audit-verify", every = "${cardvault.audit.verify-every:off}",
            delayed = "${cardvault.audit.verify-initial-delay:5m}",
            concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        if (!keys.isLoaded()) {
            return Uni.createFrom().voidItem();
        }
        return verify().invoke(r -> {
            if (!r.valid()) {
                LOG.errorf("Scheduled audit verification: the trail is INVALID (%s at seq %s)", r.problem(), r.firstInvalidSeq());
            }
        }).replaceWithVoid().onFailure().invoke(e -> LOG.warnf("Scheduled audit verification did not finish: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    public record Result(boolean valid, long events, int chains, long checkpoints, String head, Long firstInvalidSeq,
            String problem, String chain, String reason) {
    }

    private static final class Checkpoints {
        long count;
        AuditRepository.Checkpoint latest;
        String latestDigest;
        final Map<String, AuditRepository.Head> heads = new HashMap<>();
        String problem;
    }

    public Uni<Result> verify() {
        return repository.anchors().flatMap(anchorList -> {
            Map<String, AuditRepository.Head> anchors = new HashMap<>();
            anchorList.forEach(a -> anchors.put(a.chain(), a));
            return checkpoints(new Checkpoints(), 0).flatMap(cps -> {
                ChainCheck check = new ChainCheck(keys, false, anchors);
                if (cps.problem != null) {
                    check.fail(ChainCheck.Problem.CHECKPOINT_INVALID, null, null, cps.problem);
                } else {
                    cps.heads.values().forEach(h -> check.require(h, "checkpoint " + cps.latest.id() + " (or an earlier one)"));
                }
                return events(check, 0).map(c -> {
                    c.finish();
                    ChainCheck.Failure f = c.failure();
                    lastValid = f == null ? 1 : 0;
                    return new Result(f == null, c.events(), c.chains(), cps.count, c.head(), f == null ? null : f.seq(),
                            f == null ? null : f.problem().name(), f == null ? null : f.chain(), f == null ? null : f.reason());
                });
            });
        });
    }

    private Uni<Checkpoints> checkpoints(Checkpoints cps, long afterId) {
        return repository.checkpoints(afterId, PAGE).flatMap(page -> {
            for (AuditRepository.Checkpoint c : page) {
                if (cps.problem != null) {
                    break;
                }
                cps.count++;
                CheckpointPayload p;
                try {
                    p = CheckpointPayload.parse(c.payload());
                } catch (IllegalArgumentException e) {
                    cps.problem = "checkpoint " + c.id() + " is not a checkpoint payload (altered)";
                    break;
                }
                String expectedPrev = cps.latestDigest == null ? CheckpointPayload.NONE : cps.latestDigest;
                if (!expectedPrev.equals(p.prev())) {
                    cps.problem = "checkpoint " + c.id() + " does not name its predecessor's digest: a checkpoint before it "
                            + "was removed or altered";
                    break;
                }
                p.heads().forEach(h -> cps.heads.merge(h.chain(), h, (a, b) -> a.chainSeq() >= b.chainSeq() ? a : b));
                cps.latest = c;
                cps.latestDigest = CheckpointPayload.digest(c.payload());
            }
            if (cps.problem != null || page.size() < PAGE) {
                if (cps.problem == null && cps.latest != null && !signatureValid(cps.latest)) {
                    cps.problem = "the signature of checkpoint " + cps.latest.id() + " does not verify (altered)";
                }
                return Uni.createFrom().item(cps);
            }
            return checkpoints(cps, page.get(page.size() - 1).id());
        });
    }

    boolean signatureValid(AuditRepository.Checkpoint c) {
        try {
            return Ed25519.verify(keys.publicKey(c.keyId()), CheckpointPayload.bytes(c.payload()), c.signature());
        } catch (IllegalStateException unknownKey) {
            return false;
        }
    }

    private Uni<ChainCheck> events(ChainCheck check, long afterSeq) {
        if (check.failed()) {
            return Uni.createFrom().item(check);
        }
        return repository.all(afterSeq, PAGE).flatMap(events -> {
            events.forEach(check::accept);
            if (events.size() < PAGE || check.failed()) {
                return Uni.createFrom().item(check);
            }
            return events(check, events.get(events.size() - 1).seq());
        });
    }

    /** Verifies events already in memory (global seq order), without checkpoints or anchors. */
    static Result verify(AuditKeys keys, List<AuditRepository.StoredEvent> events) {
        ChainCheck check = new ChainCheck(keys, false, Map.of());
        events.forEach(check::accept);
        check.finish();
        ChainCheck.Failure f = check.failure();
        return new Result(f == null, check.events(), check.chains(), 0, check.head(), f == null ? null : f.seq(),
                f == null ? null : f.problem().name(), f == null ? null : f.chain(), f == null ? null : f.reason());
    }
}
