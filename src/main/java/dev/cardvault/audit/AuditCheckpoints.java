package dev.cardvault.audit;

import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.cardvault.crypto.Ed25519;
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

    /** A signed checkpoint. */
    public record Signed(long id, CheckpointPayload payload, byte[] signature) {
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
        return repository.separately(tx -> lock(tx).flatMap(v -> repository.latestCheckpoint(tx)).flatMap(latest -> {
            Uni<Boolean> due = always || latest.isEmpty() ? Uni.createFrom().item(true)
                    : repository.activitySince(tx, latest.get().uptoSeq());
            return due.flatMap(d -> !d ? Uni.createFrom().item(Optional.<Signed> empty()) : build(tx, latest));
        })).call(signed -> signed.isEmpty() ? Uni.createFrom().voidItem()
                : audit.record(who.event(AuditType.CHECKPOINT_SIGNED, Outcome.SUCCESS, null, null).withDetail("checkpoint="
                        + signed.get().id() + " upto=" + signed.get().payload().upto() + " heads=" + signed.get().payload().heads().size())));
    }

    private Uni<Void> lock(SqlClient tx) {
        return tx.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(io.vertx.mutiny.sqlclient.Tuple.of(LOCK_KEY))
                .replaceWithVoid();
    }

    private Uni<Optional<Signed>> build(SqlClient tx, Optional<AuditRepository.Checkpoint> latest) {
        long after = latest.map(c -> Math.max(0, c.uptoSeq() - AuditAppender.LINK_MARGIN)).orElse(0L);
        return tx.preparedQuery("SELECT coalesce(max(seq), 0) AS s FROM audit_event").execute()
                .map(rows -> rows.iterator().next().getLong("s"))
                .flatMap(upto -> repository.headsAfter(tx, after).flatMap(heads -> {
                    Instant at = AuditChain.truncate(Instant.now());
                    CheckpointPayload payload = new CheckpointPayload(at, upto,
                            latest.map(c -> CheckpointPayload.digest(c.payload())).orElse(CheckpointPayload.NONE),
                            keys.signingKeyId(), heads);
                    String text = payload.render();
                    byte[] signature = keys.sign(CheckpointPayload.bytes(text));
                    return repository.insertCheckpoint(tx, at, upto, keys.signingKeyId(), text, signature)
                            .map(id -> Optional.of(new Signed(id, payload, signature)));
                }));
    }

    /** Whether the checkpoint's signature verifies under its key. */
    public boolean verifies(AuditRepository.Checkpoint c) {
        try {
            return Ed25519.verify(keys.publicKey(c.keyId()), CheckpointPayload.bytes(c.payload()), c.signature());
        } catch (IllegalStateException unknownKey) {
            return false;
        }
    }
}
