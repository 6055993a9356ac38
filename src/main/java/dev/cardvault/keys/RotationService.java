package dev.cardvault.keys;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.card.CardShape;
import dev.cardvault.crypto.Randomness;
import dev.cardvault.time.VaultClock;
import io.smallrye.mutiny.Uni;

/**
 * Dual control over KEK rotation (PCI DSS 3.6.1.2): one key custodian requests, a different one
 * approves, and only then is anything changed. The approval itself is one database transaction:
 * new ACTIVE KEK version, the previous one DECRYPT_ONLY, every tenant's data key rolled.
 */
@ApplicationScoped
public class RotationService {

    private static final Logger LOG = Logger.getLogger(RotationService.class);

    private static final Pattern ID_SHAPE = Pattern.compile("^(rot|rk|mkr)_[0-9a-f]{20}$");

    /** What each kind of key operation is called in ids and in the trail. */
    private record Kind(String idPrefix, AuditType requested, AuditType approved) {
        static Kind of(String kind) {
            return switch (kind) {
                case Rotation.DATA -> new Kind("rk_", AuditType.DATA_REKEY_REQUESTED, AuditType.DATA_REKEY_APPROVED);
                case Rotation.MASTER -> new Kind("mkr_", AuditType.MASTER_KEY_ROTATION_REQUESTED, AuditType.MASTER_KEY_ROTATION_APPROVED);
                default -> new Kind("rot_", AuditType.KEY_ROTATION_REQUESTED, AuditType.KEY_ROTATION_APPROVED);
            };
        }
    }

    @Inject
    MasterKeyRotation masterRotation;

    @ConfigProperty(name = "cardvault.keys.rotation.approvals-required", defaultValue = "1")
    int approvalsRequired;

    @ConfigProperty(name = "cardvault.keys.rotation.approval-timeout", defaultValue = "PT24H")
    Duration approvalTimeout;

    @Inject
    VaultClock clock;

    @Inject
    RotationRepository rotations;

    @Inject
    MasterKey masterKey;

    @Inject
    KekRing keks;

    @Inject
    Audit audit;

    public int approvalsRequired() {
        return Math.max(1, approvalsRequired);
    }

    public Uni<Rotation> request(AuditContext who, String reason) {
        return request(who, reason, Rotation.KEK);
    }

    /** A request of any kind: a KEK rotation, a re-key of the data, a master key rotation. */
    public Uni<Rotation> request(AuditContext who, String reason, String kind) {
        AuditType requested = Kind.of(kind).requested();
        if (Rotation.MASTER.equals(kind)) {
            masterRotation.requireRotatable();
        }
        if (reason == null || reason.isBlank() || reason.length() > 500 || reason.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequest("reason", "is required: at most 500 characters, no control characters");
        }
        if (CardShape.contains(reason)) {
            throw new InvalidRequest("reason", "must not contain a card number");
        }
        String id = newId(Kind.of(kind).idPrefix());
        OffsetDateTime expires = clock.offsetNow().plus(approvalTimeout);
        // The request and its event commit together; a refused request is recorded as FAILED.
        return audit.recordAtomically(tx -> rotations.insert(tx, id, kind, reason.strip(), who.subject(), expires)
                .map(inserted -> inserted.orElseThrow(() -> new RotationRefused(RotationRefused.Reason.ANOTHER_OPEN,
                        "Another key rotation or re-key is awaiting approval or in progress; approve it, let it expire, "
                                + "or wait for it to complete."))),
                r -> who.event(requested, Outcome.SUCCESS, r.id(), null))
                .onFailure(RotationRefused.class).call(e -> audit.record(who.event(requested,
                        Outcome.FAILED, null, null)).onFailure().recoverWithNull());
    }

    /** A rotation id as we make them; anything else in the path (a card number above all) is not found. */
    public static boolean isWellFormedId(String id) {
        return id != null && ID_SHAPE.matcher(id).matches() && !CardShape.containsInIdentifier(id);
    }

    static String newId() {
        return newId("rot_");
    }

    private static String newId(String prefix) {
        byte[] b = new byte[10];
        Randomness.secure().nextBytes(b);
        String id = prefix + HexFormat.of().formatHex(b);
        // 20 hex characters may hold a Luhn-valid digit run; such an id would be refused in a path.
        return isWellFormedId(id) ? id : newId(prefix);
    }

    private static boolean isOfKind(String id, String kind) {
        return id.startsWith(Kind.of(kind).idPrefix());
    }

    public Uni<Rotation> approve(AuditContext who, String id) {
        return approve(who, id, Rotation.KEK);
    }

    /** An approval; the last required one activates the operation (a new KEK, or the re-key). */
    public Uni<Rotation> approve(AuditContext who, String id, String kind) {
        AuditType approved = Kind.of(kind).approved();
        if (!isWellFormedId(id) || !isOfKind(id, kind)) {
            return audit.record(who.event(approved, Outcome.FAILED, null, null))
                    .onItem().transformToUni(v -> Uni.createFrom().failure(RotationRefused.notFound()));
        }
        return rotations.expireIfDue(id)
                // The approval (and, with the last one, the new KEK) and its event commit together.
                .flatMap(v -> audit.recordAllAtomically(tx -> rotations.find(tx, id, true).flatMap(found -> {
                    Rotation r = found.orElseThrow(RotationRefused::notFound);
                    if (r.requestedBy().equals(who.subject())) {
                        throw new RotationRefused(RotationRefused.Reason.SELF_APPROVAL,
                                "Dual control: the custodian who requested a rotation cannot approve it; another key custodian must.");
                    }
                    if (!Rotation.PENDING.equals(r.state())) {
                        throw new RotationRefused(RotationRefused.Reason.NOT_PENDING,
                                "This rotation is " + r.state() + ", not awaiting approval.");
                    }
                    if (r.approvedBy().contains(who.subject())) {
                        throw new RotationRefused(RotationRefused.Reason.ALREADY_APPROVED, "You have already approved this rotation.");
                    }
                    if (r.approvedBy().size() + 1 < approvalsRequired()) {
                        return rotations.addApproval(tx, id, who.subject());
                    }
                    if (Rotation.DATA.equals(r.kind())) {
                        return rotations.activateRekey(tx, id, who.subject());
                    }
                    if (Rotation.MASTER.equals(r.kind())) {
                        return masterRotation.apply(tx, r, who.subject());
                    }
                    return rotations.activate(tx, id, who.subject(), masterKey.wrapNewKey(), masterKey.id());
                }), r -> approvalEvents(who, r)))
                .onFailure(RotationRefused.class).call(e -> audit.record(who.event(approved,
                        ((RotationRefused) e).reason() == RotationRefused.Reason.NOT_FOUND ? Outcome.FAILED : Outcome.DENIED, id, null))
                        .onFailure().recoverWithNull())
                .call(r -> {
                    if (Rotation.MASTER.equals(r.kind())) {
                        masterRotation.committed(r);
                        return Uni.createFrom().voidItem();
                    }
                    if (Rotation.REKEYING.equals(r.state())) {
                        LOG.infof("Re-key %s approved: every data key up to %d is emptied and destroyed, %d card record(s) to re-encrypt",
                                r.id(), r.rekeyCutoff(), r.total());
                        return Uni.createFrom().voidItem();
                    }
                    if (!Rotation.REWRAPPING.equals(r.state())) {
                        return Uni.createFrom().voidItem();
                    }
                    LOG.infof("Rotation %s approved: KEK v%d active, v%d decrypt-only, %d data key(s) to rewrap",
                            r.id(), r.toVersion(), r.fromVersion(), r.total());
                    return keks.reload();
                });
    }

    /** The approval; with the last one also the new KEK and the rollover of every active data key. */
    private static List<AuditEvent> approvalEvents(AuditContext who, Rotation r) {
        List<AuditEvent> events = new ArrayList<>();
        if (Rotation.MASTER.equals(r.kind())) {
            events.add(who.event(AuditType.MASTER_KEY_ROTATION_APPROVED, Outcome.SUCCESS, r.id(), "requestedBy:" + r.requestedBy()));
            if (Rotation.COMPLETED.equals(r.state())) {
                events.add(who.event(AuditType.MASTER_KEY_ROTATED, Outcome.SUCCESS, r.id(), null)
                        .withDetail("masterKey=" + r.nextMasterKeyId() + " rewrapped=every KEK and root key"));
            } else if (Rotation.AWAITING_SHARES.equals(r.state())) {
                events.add(who.event(AuditType.KEY_CREATED, Outcome.SUCCESS, r.id(), null)
                        .withDetail("key=master " + r.nextMasterKeyId() + " inForce=after custodians confirm the new shares"));
            }
            return events;
        }
        if (Rotation.DATA.equals(r.kind())) {
            events.add(who.event(AuditType.DATA_REKEY_APPROVED, Outcome.SUCCESS, r.id(), "requestedBy:" + r.requestedBy()));
            if (Rotation.REKEYING.equals(r.state())) {
                events.add(who.event(AuditType.DATA_KEY_ROLLED, Outcome.SUCCESS, r.id(), null)
                        .withDetail("keys=every active data key reason=rekey cutoff=" + r.rekeyCutoff()));
            }
            return events;
        }
        events.add(who.event(AuditType.KEY_ROTATION_APPROVED, Outcome.SUCCESS, r.id(), "requestedBy:" + r.requestedBy()));
        if (Rotation.REWRAPPING.equals(r.state())) {
            events.add(who.event(AuditType.KEY_CREATED, Outcome.SUCCESS, r.id(), null).withDetail("key=kek-v" + r.toVersion()));
            events.add(who.event(AuditType.DATA_KEY_ROLLED, Outcome.SUCCESS, r.id(), null)
                    .withDetail("keys=every active data key kek=v" + r.fromVersion()));
        }
        return events;
    }

    public Uni<Optional<Rotation>> find(String id) {
        return find(id, Rotation.KEK);
    }

    public Uni<Optional<Rotation>> find(String id, String kind) {
        if (!isWellFormedId(id) || !isOfKind(id, kind)) {
            return Uni.createFrom().item(Optional.empty());
        }
        return rotations.expireIfDue(id).flatMap(v -> rotations.find(id));
    }
}
