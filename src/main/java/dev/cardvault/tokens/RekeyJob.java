package dev.cardvault.tokens;

import java.time.Duration;
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
import dev.cardvault.database.AdvisoryLock;
import dev.cardvault.keys.DataKeys;
import dev.cardvault.keys.KeyHierarchy;
import dev.cardvault.keys.KeyRepository;
import dev.cardvault.keys.Rotation;
import dev.cardvault.keys.RotationRepository;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Empties data keys and destroys them: during a re-key, every key up to its cutoff; at any time,
 * crypto-shredding, every key under which a record was deleted at least
 * {@code cardvault.erasure.shred-within} ago. A key stops encrypting first; its remaining records
 * are re-encrypted under the tenant's current key in bounded batches (each record moved only if
 * it is still under the old key, so reveals and deletes race safely); once none is left and the
 * grace period has passed, the key row is deleted. One replica at a time; a restart resumes from
 * what the database says.
 */
@ApplicationScoped
public class RekeyJob {

    private static final Logger LOG = Logger.getLogger(RekeyJob.class);
    static final long LOCK_KEY = 0x4356_5245_4B45_5953L;
    private static final int KEYS_PER_PASS = 100;

    @Inject
    Pool pool;

    @Inject
    KeyHierarchy hierarchy;

    @Inject
    DataKeys dataKeys;

    @Inject
    KeyRepository keys;

    @Inject
    RotationRepository rotations;

    @Inject
    TokenRepository tokens;

    @Inject
    Audit audit;

    @ConfigProperty(name = "cardvault.keys.rekey.batch-size", defaultValue = "500")
    int batchSize;

    @ConfigProperty(name = "cardvault.keys.rekey.batches-per-run", defaultValue = "20")
    int batchesPerRun;

    @ConfigProperty(name = "cardvault.erasure.shred-within", defaultValue = "24h")
    Duration shredWithin;

    @ConfigProperty(name = "cardvault.keys.retired-key-grace", defaultValue = "2m")
    Duration grace;

    /** What one run did. */
    public record Result(boolean ran, long moved, long destroyed, boolean rekeyCompleted) {
    }

    @Scheduled(identity = "rekey", every = "${cardvault.keys.rekey.every:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        if (!hierarchy.isLoaded()) {
            return Uni.createFrom().voidItem();
        }
        return runOnce(batchesPerRun).replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Re-key/shredding run failed, retried next time: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /** Up to {@code maxBatches} batches of records moved, then any emptied key destroyed. */
    public Uni<Result> runOnce(int maxBatches) {
        return AdvisoryLock.ifFree(pool, LOCK_KEY, conn -> rotations.rekeying().flatMap(rekey -> {
            long cutoff = rekey.map(r -> r.rekeyCutoff() == null ? -1L : r.rekeyCutoff()).orElse(-1L);
            return keys.toEmpty(cutoff, shredWithin, KEYS_PER_PASS).flatMap(due -> {
                Pass pass = new Pass(rekey, maxBatches);
                Uni<Void> all = Uni.createFrom().voidItem();
                for (KeyRepository.EmptyingKey k : due) {
                    all = all.flatMap(v -> empty(k, pass));
                }
                return all.flatMap(v -> complete(rekey)).map(done -> new Result(true, pass.moved, pass.destroyed, done));
            });
        })).map(r -> r.orElse(new Result(false, 0, 0, false)));
    }

    private static final class Pass {
        final Optional<Rotation> rekey;
        int batchesLeft;
        long moved;
        long destroyed;

        Pass(Optional<Rotation> rekey, int batches) {
            this.rekey = rekey;
            this.batchesLeft = batches;
        }
    }

    private Uni<Void> empty(KeyRepository.EmptyingKey k, Pass pass) {
        String reason = k.shredding() ? "shred" : "rekey";
        String ref = pass.rekey.filter(r -> !k.shredding()).map(Rotation::id).orElse(null);
        Uni<Void> stopped = !k.active() ? Uni.createFrom().voidItem()
                : audit.recordAtomically(tx -> keys.deactivate(tx, k.id()), changed -> changed
                        ? AuditEvent.service(AuditType.DATA_KEY_ROLLED, Outcome.SUCCESS, k.tenant(), ref,
                                "key=data-key-" + k.id() + " reason=" + reason)
                        : null).replaceWithVoid();
        return stopped.invoke(() -> dataKeys.stopUsing(k.id())).flatMap(v -> moveBatches(k, pass, ref));
    }

    private Uni<Void> moveBatches(KeyRepository.EmptyingKey k, Pass pass, String ref) {
        return tokens.underKey(k.id(), batchSize).flatMap(records -> {
            if (records.isEmpty()) {
                return destroy(k, pass, ref);
            }
            if (pass.batchesLeft <= 0) {
                return Uni.createFrom().voidItem();
            }
            pass.batchesLeft--;
            return reencrypt(k.id(), records).flatMap(moved -> {
                pass.moved += moved;
                Uni<Void> counted = ref == null || moved == 0 ? Uni.createFrom().voidItem() : rotations.countRekeyed(ref, moved);
                // Fewer moved than read: some records do not decrypt and stay; do not spin on them.
                return moved == 0 ? counted : counted.flatMap(v -> moveBatches(k, pass, ref));
            });
        });
    }

    private Uni<Integer> reencrypt(long fromKey, List<TokenRepository.SealedRecord> records) {
        List<TokenRepository.SealedRecord> moved = new ArrayList<>();
        List<Long> toKeys = new ArrayList<>();
        return Multi.createFrom().iterable(records).onItem().transformToUniAndConcatenate(r -> dataKeys.forDecryption(fromKey, r.tenant())
                .flatMap(old -> dataKeys.forEncryption(r.tenant()).map(now -> {
                    if (now.id() == fromKey) {
                        return false; // not yet switched away from in this instance; the next run moves it
                    }
                    try {
                        CardRecordCipher.CardRecord card = CardRecordCipher.decrypt(r.ciphertext(), old, r.tenant(), r.token());
                        moved.add(new TokenRepository.SealedRecord(r.token(), r.tenant(),
                                CardRecordCipher.encrypt(card, now, r.tenant(), r.token())));
                        toKeys.add(now.id());
                    } catch (DecryptionFailedException e) {
                        LOG.errorf("The record of token %s does not decrypt under data key %d; it stays there and the key is kept",
                                r.token(), fromKey);
                    }
                    return true;
                }))).collect().asList().flatMap(v -> tokens.move(fromKey, moved, toKeys));
    }

    private Uni<Void> destroy(KeyRepository.EmptyingKey k, Pass pass, String ref) {
        return audit.recordAtomically(tx -> keys.destroyIfEmpty(tx, k.id(), grace), destroyed -> destroyed
                ? AuditEvent.service(AuditType.DATA_KEY_DESTROYED, Outcome.SUCCESS, k.tenant(), ref,
                        "key=data-key-" + k.id() + " reason=" + (k.shredding() ? "shred" : "rekey"))
                : null).invoke(destroyed -> {
                    if (destroyed) {
                        pass.destroyed++;
                        dataKeys.destroyed(k.id());
                        LOG.infof("Data key %d of tenant %s destroyed (%s)", k.id(), k.tenant(), k.shredding() ? "shredding" : "re-key");
                    }
                }).replaceWithVoid();
    }

    private Uni<Boolean> complete(Optional<Rotation> rekey) {
        if (rekey.isEmpty()) {
            return Uni.createFrom().item(false);
        }
        Rotation r = rekey.get();
        return audit.recordAtomically(tx -> rotations.completeRekey(tx, r.id()), done -> done
                ? AuditEvent.service(AuditType.DATA_REKEY_COMPLETED, Outcome.SUCCESS, null, r.id(), "cutoff=" + r.rekeyCutoff())
                : null).invoke(done -> {
                    if (done) {
                        LOG.infof("Re-key %s completed: every data key up to %d destroyed", r.id(), r.rekeyCutoff());
                    }
                });
    }
}
