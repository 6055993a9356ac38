package dev.cardvault.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.codahale.shamir.Scheme;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.crypto.KeyWrap;
import dev.cardvault.crypto.Randomness;
import dev.cardvault.crypto.SecretAccess;
import dev.cardvault.crypto.SecretKey;
import dev.cardvault.time.VaultClock;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * Master key rotation, approved under dual control through {@link RotationService}: every KEK and
 * root key is rewrapped by a new master key in the approval's transaction.
 *
 * <ul>
 * <li>PKCS#11: a new key is generated inside the token (label {@code <key-label>.<n>}) and is in
 * force as soon as the approval commits. A kill before the commit leaves the old key in force and
 * the rotation awaiting approval (an unused key may remain in the token); after it, every instance
 * finds the new key by the id the database records.
 * <li>Custodian shares: the new key's shares are answered once, to the approver, and the keys
 * rewrapped by it wait beside the current ones; only when {@code threshold} custodians confirm
 * with their new shares that the new key can be rebuilt do they replace them. Shares lost before
 * that cost nothing: the old key stays in force and the rotation expires.
 * </ul>
 * Instances that did not perform the rotation follow it at their next poll: with an HSM they
 * switch to the new key; with shares they seal themselves and are unsealed with the new shares.
 */
@ApplicationScoped
public class MasterKeyRotation {

    private static final Logger LOG = Logger.getLogger(MasterKeyRotation.class);

    @Inject
    MasterKey masterKey;

    @Inject
    Seal seal;

    @Inject
    SealRepository sealRepository;

    @Inject
    RotationRepository rotations;

    @Inject
    KeyRepository keys;

    @Inject
    KeyHierarchy hierarchy;

    @Inject
    Audit audit;

    @ConfigProperty(name = "cardvault.seal.unseal-timeout", defaultValue = "10m")
    Duration shareTimeout;

    @Inject
    VaultClock clock;

    private final ShareCollector confirmations = new ShareCollector(() -> clock.nanoTime());
    /** New HSM keys between the approval's commit and their adoption here. */
    private final Map<String, Pkcs11MasterKey.Generation> adopting = new ConcurrentHashMap<>();

    void requireRotatable() {
        if (!(masterKey instanceof SharedMasterKey) && !(masterKey instanceof Pkcs11MasterKey)) {
            throw new RotationRefused(RotationRefused.Reason.NOT_ROTATABLE, "The master key comes from a file: it is replaced "
                    + "by its operator, not rotated here. Rotation needs cardvault.master-key.source=pkcs11 or shares.");
        }
    }

    /** Within the last approval's transaction: the new master key and every key rewrapped by it. */
    Uni<Rotation> apply(SqlClient tx, Rotation r, String approver) {
        requireRotatable();
        if (masterKey instanceof Pkcs11MasterKey p11) {
            Pkcs11MasterKey.Generation next = p11.newGeneration();
            return rewrapAll(tx, next::wrap, next.id(), false)
                    .flatMap(v -> rotations.approveMaster(tx, r.id(), approver, next.id(), false))
                    .invoke(done -> adopting.put(done.id(), next));
        }
        return sealRepository.config().flatMap(config -> {
            SealRepository.Config c = config.orElseThrow(() -> new IllegalStateException("no seal configuration"));
            SecretKey key = SecretKey.generate();
            String id = FileMasterKey.idOf(key);
            KeyWrap wrap = new KeyWrap(key);
            List<String> texts = new ArrayList<>();
            new Scheme(Randomness.secure(), c.shares(), c.threshold()).split(key.bytes(SecretAccess.grant())).forEach((index, value) -> {
                Share share = new Share(index, value);
                texts.add(share.encode());
                share.wipe();
            });
            key.destroy();
            return rewrapAll(tx, wrap::wrap, id, true)
                    .eventually(wrap::destroy)
                    .flatMap(v -> rotations.approveMaster(tx, r.id(), approver, id, true))
                    .map(done -> done.withShares(texts));
        });
    }

    private Uni<Void> rewrapAll(SqlClient tx, java.util.function.Function<SecretKey, byte[]> wrapNew, String newId, boolean pending) {
        return rotations.masterWrapped(tx).flatMap(all -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (RotationRepository.MasterWrapped k : all) {
                SecretKey plain = masterKey.unwrapStored(k.wrappedKey(), k.masterKeyId(), k.what());
                byte[] rewrapped;
                try {
                    rewrapped = wrapNew.apply(plain);
                } finally {
                    plain.destroy();
                }
                chain = chain.flatMap(v -> rotations.storeRewrapped(tx, k, rewrapped, newId, pending));
            }
            return chain;
        });
    }

    /** After the approval committed: an HSM key is in force from now on in this instance. */
    void committed(Rotation r) {
        Pkcs11MasterKey.Generation next = adopting.remove(r.id());
        if (next != null && masterKey instanceof Pkcs11MasterKey p11) {
            p11.adopt(next);
            LOG.infof("Master key rotation %s completed: %s is in force", r.id(), next.id());
        } else if (Rotation.AWAITING_SHARES.equals(r.state())) {
            LOG.infof("Master key rotation %s approved: the new master key %s is in force once %s custodians confirm its shares",
                    r.id(), r.nextMasterKeyId(), "enough");
        }
    }

    /**
     * One custodian's share of the new master key. At the threshold the key is rebuilt; if it is the
     * new key, the rewrapped keys replace the current ones and the new key is in force here.
     */
    public Uni<Rotation> confirm(AuditContext who, String id, String text) {
        if (!RotationService.isWellFormedId(id) || !id.startsWith("mkr_")) {
            return Uni.createFrom().failure(RotationRefused.notFound()); // a card number in the path included
        }
        if (!(masterKey instanceof SharedMasterKey shared)) {
            return Uni.createFrom().failure(new RotationRefused(RotationRefused.Reason.NOT_ROTATABLE,
                    "Only a master key from custodian shares is confirmed with shares."));
        }
        return rotations.expireAwaitingShares(id).flatMap(x -> rotations.find(id)).flatMap(found -> {
            Rotation r = found.orElseThrow(RotationRefused::notFound);
            if (!Rotation.AWAITING_SHARES.equals(r.state())) {
                throw new RotationRefused(RotationRefused.Reason.NOT_PENDING, "This rotation is " + r.state()
                        + ", not awaiting the confirmation of new shares.");
            }
            Share share;
            try {
                share = Share.parse(text);
            } catch (IllegalArgumentException e) {
                throw new SealRefused(SealRefused.Reason.MALFORMED_SHARE, e.getMessage() + " Nothing was counted.");
            }
            return sealRepository.config().flatMap(config -> {
                int threshold = config.orElseThrow().threshold();
                Optional<Map<Integer, byte[]>> parts = confirmations.offer(id, who.subject(), share, threshold, shareTimeout);
                if (parts.isEmpty()) {
                    return audit.record(who.event(AuditType.MASTER_KEY_SHARE_CONFIRMED, Outcome.SUCCESS, id, null)
                            .withDetail("progress=" + confirmations.progress(id, shareTimeout) + "/" + threshold))
                            .onFailure().invoke(e -> confirmations.withdraw(who.subject()))
                            .replaceWith(r);
                }
                return complete(who, r, parts.get(), threshold, shared);
            });
        });
    }

    private Uni<Rotation> complete(AuditContext who, Rotation r, Map<Integer, byte[]> parts, int threshold, SharedMasterKey shared) {
        byte[] raw = new Scheme(Randomness.secure(), Math.max(parts.size(), threshold), threshold).join(parts);
        parts.values().forEach(v -> java.util.Arrays.fill(v, (byte) 0));
        SecretKey key = SecretKey.adopt(raw);
        boolean right = MessageDigest.isEqual(FileMasterKey.idOf(key).getBytes(StandardCharsets.US_ASCII),
                r.nextMasterKeyId().getBytes(StandardCharsets.US_ASCII));
        if (!right) {
            key.destroy();
            return audit.record(who.event(AuditType.MASTER_KEY_SHARE_CONFIRMED, Outcome.FAILED, r.id(), null)
                    .withDetail("reason=shares-do-not-rebuild-the-new-master-key"))
                    .onItemOrFailure().transformToUni((v, e) -> Uni.createFrom().failure(new SealRefused(SealRefused.Reason.UNSEAL_FAILED,
                            "The shares given do not rebuild the new master key. Progress was reset: each custodian gives their "
                                    + "new share again.")));
        }
        return audit.recordAtomically(tx -> rotations.completeMaster(tx, r.id(), r.nextMasterKeyId()), done -> done
                ? AuditEvent.service(AuditType.MASTER_KEY_ROTATED, Outcome.SUCCESS, null, r.id(),
                        "masterKey=" + r.nextMasterKeyId() + " rewrapped=every KEK and root key confirmedBy=" + who.subject())
                : null)
                .invoke(done -> {
                    if (done) {
                        shared.open(key);
                        seal.masterKeyRotated(r.nextMasterKeyId());
                        LOG.infof("Master key rotation %s completed: %s is in force", r.id(), r.nextMasterKeyId());
                    }
                    key.destroy();
                })
                .onFailure().invoke(key::destroy)
                .flatMap(done -> rotations.find(r.id()).map(Optional::orElseThrow));
    }

    /**
     * Follows a rotation completed on another instance: an HSM instance switches to the key the
     * database now names; an instance with shares cannot rebuild the new key alone and seals itself.
     */
    @Scheduled(identity = "master-key-poll", every = "${cardvault.keys.poll-interval:2s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> poll() {
        if (!hierarchy.isLoaded() || !(masterKey instanceof SharedMasterKey || masterKey instanceof Pkcs11MasterKey)) {
            return Uni.createFrom().voidItem();
        }
        return sealRepository.wrappingMasterKey().flatMap(inForce -> {
            if (inForce.isEmpty() || inForce.get().equals(masterKey.id())) {
                return Uni.createFrom().voidItem();
            }
            if (masterKey instanceof Pkcs11MasterKey p11) {
                p11.follow(inForce.get());
                LOG.infof("The master key was rotated on another instance: %s is in force here too", inForce.get());
                return Uni.createFrom().voidItem();
            }
            LOG.warnf("The master key was rotated on another instance (%s is in force); this instance holds the old one and "
                    + "seals itself: unseal it with the new shares", inForce.get());
            return seal.sealBecause("master-key-rotated");
        }).onFailure().invoke(e -> LOG.debugf("Master key poll failed: %s", e.toString())).onFailure().recoverWithNull();
    }
}
