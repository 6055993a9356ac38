package dev.cardvault.audit;

import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.cardvault.database.AdvisoryLock;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * Signs the heads of the chains (Ed25519) every {@code cardvault.audit.checkpoint-interval} when
 * anything was written since the last checkpoint, and on demand, then records CHECKPOINT_SIGNED.
 * Replicas take turns (a transaction-scoped advisory lock), so the checkpoints form one chain.
 */
@ApplicationScoped
public class AuditCheckpoints {

    private static final Logger LOG = Logger.getLogger(AuditCheckpoints.class);
    /** Advisory lock id: "CVCHKPNT" in ASCII. */
    static final long LOCK_KEY = 0x4356_4348_4B50_4E54L;

    @Inject
    Audit audit;

    @Inject
    AuditRepository repository;

    @Inject
    AuditKeys keys;

    /** A signed checkpoint as stored, and how many chain heads it signs. */
    public record Signed(AuditRepository.Checkpoint checkpoint, int heads) {
    }

    @Scheduled(identity = "audit-checkpoint", every = "${cardvault.audit.checkpoint-interval:1m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        if (!keys.isLoaded()) {
            return Uni.createFrom().voidItem();
        }
        return sign(AuditContext.service(), false).replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Audit checkpoint not signed this time: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /**
     * Signs a checkpoint now; unless {@code always}, only when events other than checkpoints were
     * written since the last one. Empty when nothing was signed. The checkpoint commits in a
     * transaction of its own (reading the heads takes a moment, and the trail's writers must not
     * wait for it); its CHECKPOINT_SIGNED event follows.
     */
    public Uni<Optional<Signed>> sign(AuditContext who, boolean always) {
        return repository.inTransaction(tx -> AdvisoryLock.forTransaction(tx, LOCK_KEY).flatMap(v -> repository.latestCheckpoint(tx)).flatMap(latest -> {
            Uni<Boolean> due = always || latest.isEmpty() ? Uni.createFrom().item(true)
                    : repository.activitySince(tx, latest.get().uptoSeq());
            return due.flatMap(d -> !d ? Uni.createFrom().item(Optional.<Signed> empty()) : build(tx, latest));
        })).call(signed -> signed.isEmpty() ? Uni.createFrom().voidItem()
                : audit.record(who.event(AuditType.CHECKPOINT_SIGNED, Outcome.SUCCESS, null, null).withDetail("checkpoint="
                        + signed.get().checkpoint().id() + " upto=" + signed.get().checkpoint().uptoSeq() + " heads=" + signed.get().heads())));
    }

    private Uni<Optional<Signed>> build(SqlClient tx, Optional<AuditRepository.Checkpoint> latest) {
        long after = latest.map(c -> Math.max(0, c.uptoSeq() - AuditAppender.LINK_MARGIN)).orElse(0L);
        return repository.highestSeq(tx).flatMap(upto -> repository.headsAfter(tx, after).flatMap(heads -> {
            Instant at = AuditChain.truncate(Instant.now());
            CheckpointPayload payload = new CheckpointPayload(at, upto,
                    latest.map(c -> CheckpointPayload.digest(c.payload())).orElse(CheckpointPayload.NONE), keys.signingKeyId(), heads);
            String text = payload.render();
            byte[] signature = keys.sign(CheckpointPayload.bytes(text));
            return repository.insertCheckpoint(tx, at, upto, keys.signingKeyId(), text, signature)
                    .map(id -> Optional.of(new Signed(new AuditRepository.Checkpoint(id, at.atOffset(java.time.ZoneOffset.UTC), upto,
                            keys.signingKeyId(), text, signature), heads.size())));
        }));
    }
}
