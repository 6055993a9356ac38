package dev.cardvault.keys;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.crypto.SecretKey;
import dev.cardvault.database.AdvisoryLock;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Moves every data key under the new KEK version, in bounded batches, on one replica at a time
 * (advisory lock). All progress is in the database (each key records its KEK version), so a
 * restart resumes where it stopped. When nothing is left under the old version it is RETIRED
 * and its wrapped material destroyed.
 */
@ApplicationScoped
public class RewrapJob {

    private static final Logger LOG = Logger.getLogger(RewrapJob.class);
    /** Advisory lock id: "CVREWRAP" in ASCII; public for ThreeReplicasIT, which holds it. */
    public static final long LOCK_KEY = 0x4356_5245_5752_4150L;

    @ConfigProperty(name = "cardvault.keys.rewrap.batch-size", defaultValue = "500")
    int batchSize;

    /** Batches per scheduled run; progress is visible (GET /v1/keys/rotations/{id}) between runs. */
    @ConfigProperty(name = "cardvault.keys.rewrap.batches-per-run", defaultValue = "20")
    int batchesPerRun;

    @Inject
    Pool pool;

    @Inject
    RotationRepository rotations;

    @Inject
    KekRing keks;

    @Inject
    Audit audit;

    @Scheduled(identity = "rewrap", every = "${cardvault.keys.rewrap.every:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return keks.isLoaded() ? runOnce(batchesPerRun).replaceWithVoid() : Uni.createFrom().voidItem();
    }

    /** Runs up to {@code maxBatches} batches of the rotation in progress, if any; returns its state after. */
    public Uni<Optional<Rotation>> runOnce(int maxBatches) {
        return AdvisoryLock.ifFree(pool, LOCK_KEY, conn -> rotations.rewrapping().flatMap(r -> r.isEmpty()
                ? Uni.createFrom().item(r)
                : keks.reload().flatMap(v -> batches(r.get(), maxBatches)).flatMap(v -> rotations.find(r.get().id()))))
                .map(r -> r.flatMap(x -> x));
    }

    private Uni<Void> batches(Rotation r, int remaining) {
        if (remaining <= 0) {
            return Uni.createFrom().voidItem();
        }
        int to = r.toVersion();
        return rotations.notUnder(to, batchSize).flatMap(batch -> {
            if (batch.isEmpty()) {
                // Completion, retirement (the old KEKs' material is destroyed) and their events commit together.
                return audit.recordAllAtomically(tx -> rotations.complete(tx, r.id(), to), retired -> retired.map(versions -> {
                    List<AuditEvent> events = new ArrayList<>();
                    events.add(new AuditEvent(AuditType.KEY_ROTATION_COMPLETED, Outcome.SUCCESS, AuditEvent.SERVICE, null, r.id(),
                            "requestedBy:" + r.requestedBy() + ",approvedBy:" + String.join("+", r.approvedBy()), null, null));
                    versions.forEach(v -> events.add(AuditEvent.service(AuditType.KEK_RETIRED, Outcome.SUCCESS, null, r.id(),
                            "key=kek-v" + v + " material=destroyed")));
                    return events;
                }).orElse(List.of())).flatMap(done -> {
                    if (done.isEmpty()) {
                        return Uni.createFrom().voidItem(); // a key appeared meanwhile: next run picks it up
                    }
                    LOG.infof("Rotation %s completed: every data key is under KEK v%d; older versions retired", r.id(), to);
                    return keks.reload();
                });
            }
            List<RotationRepository.WrappedDataKey> rewrapped = new ArrayList<>(batch.size());
            for (RotationRepository.WrappedDataKey k : batch) {
                try {
                    SecretKey dek = keks.kek(k.kekVersion()).unwrap(k.wrappedKey());
                    rewrapped.add(new RotationRepository.WrappedDataKey(k.id(), k.kekVersion(), keks.kek(to).wrap(dek)));
                    dek.destroy();
                } catch (DecryptionFailedException e) {
                    return Uni.createFrom().failure(new IllegalStateException(
                            "Data key " + k.id() + " does not unwrap under KEK v" + k.kekVersion() + "; rewrap stopped"));
                }
            }
            return rotations.rewrap(r.id(), rewrapped, to).flatMap(n -> batches(r, remaining - 1));
        });
    }
}
