package dev.cardvault.privacy;

import dev.cardvault.crypto.RandomIds;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.database.AdvisoryLock;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.keys.KeyHierarchy;
import dev.cardvault.time.VaultClock;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The end of a controller's contract (GDPR Art. 28(3)(g)), under dual control. The request is a
 * registry entity (Panache); the approval is one SQL transaction with its audit event, because it
 * deletes the tenant's tokens where the token path keeps them. Keys are then destroyed by the
 * re-key job (tokens.RekeyJob) after its grace period, and this job completes the off-boarding
 * with a signed receipt once the tenant has no data key left.
 */
@ApplicationScoped
public class Offboardings {

    private static final Logger LOG = Logger.getLogger(Offboardings.class);
    static final String PREFIX = "off_";
    private static final long LOCK_KEY = 0x4356_4f46_4642_4f41L;

    @Inject
    Pool pool;

    @Inject
    Audit audit;

    @Inject
    ControllerRegistry registry;

    @Inject
    PurposeRegistry purposes;

    @Inject
    Receipts receipts;

    @Inject
    ObjectMapper mapper;

    @Inject
    KeyHierarchy hierarchy;

    @ConfigProperty(name = "cardvault.privacy.offboarding.approval-timeout", defaultValue = "PT24H")
    Duration approvalTimeout;

    @Inject
    VaultClock clock;

    @ConfigProperty(name = "cardvault.audit.retention", defaultValue = "P13M")
    String auditRetention;

    public Uni<RegistryRequests.OffboardingView> request(PrivacyAudit who, String tenant, String reason) {
        if (!dev.cardvault.auth.TenantClaim.isValid(tenant)) {
            throw PrivacyRefused.noController();
        }
        List<dev.cardvault.errors.Violation> v = new java.util.ArrayList<>();
        String why = ControllerRegistry.text(v, "reason", reason, 500, true);
        if (!v.isEmpty()) {
            throw new InvalidRequest(v);
        }
        return registry.find(tenant).flatMap(c -> {
            if (c.closed()) {
                return Uni.createFrom().failure(PrivacyRefused.closed());
            }
            return registry.audited(() -> Offboarding.count("tenant = ?1 and state in ?2 and expiresAt > ?3", tenant,
                    List.of(Offboarding.PENDING_APPROVAL, Offboarding.SHREDDING), clock.instant()).flatMap(open -> {
                        if (open > 0) {
                            return Uni.createFrom().failure(new PrivacyRefused(PrivacyRefused.Reason.OFFBOARDING_OPEN,
                                    "An off-boarding of this controller is already open; approve it or let it expire."));
                        }
                        // An expired request still holds the one-open slot in the database: mark it first.
                        return Offboarding.update("state = ?1 where tenant = ?2 and state = ?3 and expiresAt <= ?4", Offboarding.EXPIRED,
                                tenant, Offboarding.PENDING_APPROVAL, clock.instant()).flatMap(x -> {
                                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                                    Offboarding o = new Offboarding();
                                    o.id = RandomIds.letters(PREFIX);
                                    o.tenant = tenant;
                                    o.state = Offboarding.PENDING_APPROVAL;
                                    o.reason = why;
                                    o.requestedBy = who.caller().subject();
                                    o.requestedAt = now;
                                    o.expiresAt = now.plus(approvalTimeout);
                                    return o.<Offboarding> persist();
                                });
                    }), o -> who.event(AuditType.CONTROLLER_OFFBOARD_REQUESTED, tenant, null).withDetail("offboarding=" + o.id))
                    .map(this::view);
        });
    }

    public Uni<RegistryRequests.OffboardingView> find(String tenant, String id) {
        if (!RandomIds.wellFormed(id, PREFIX)) {
            return Uni.createFrom().failure(notFound());
        }
        return Panache.withSession(() -> Offboarding.<Offboarding> findById(id)).map(o -> {
            if (o == null || !o.tenant.equals(tenant)) {
                throw notFound();
            }
            return view(o);
        });
    }

    public Uni<RegistryRequests.OffboardingView> approve(PrivacyAudit who, String tenant, String id) {
        String approver = who.caller().subject();
        return find(tenant, id).flatMap(o -> {
            if (!Offboarding.PENDING_APPROVAL.equals(o.state())) {
                return Uni.createFrom().failure(new PrivacyRefused(PrivacyRefused.Reason.NOT_PENDING,
                        "This off-boarding is " + o.state() + ", not waiting for approval."));
            }
            if (o.requestedBy().equals(approver)) {
                return Uni.createFrom().failure(new PrivacyRefused(PrivacyRefused.Reason.SELF_APPROVAL,
                        "Dual control: a processor-admin other than the requester must approve an off-boarding."));
            }
            return audit.recordAtomically(tx -> shred(tx, tenant, id, approver), counts -> counts == null ? null
                    : who.event(AuditType.CONTROLLER_OFFBOARD_APPROVED, tenant, null).withDetail("offboarding=" + id + " tokens="
                            + counts[0] + " sessions=" + counts[1] + " dataKeys=" + counts[2]))
                    .flatMap(counts -> {
                        if (counts == null) {
                            return Uni.createFrom().failure(new PrivacyRefused(PrivacyRefused.Reason.NOT_PENDING,
                                    "This off-boarding is no longer waiting for approval."));
                        }
                        purposes.forget(tenant);
                        LOG.infof("Controller %s off-boarded: %d tokens and %d capture sessions deleted, %d data keys to destroy",
                                tenant, counts[0], counts[1], counts[2]);
                        return find(tenant, id);
                    });
        });
    }

    /** The approval's transaction: null if the off-boarding was not (or no longer) pending; else tokens, sessions, data keys. */
    private Uni<long[]> shred(SqlClient tx, String tenant, String id, String approver) {
        return tx.preparedQuery("UPDATE offboarding SET state = 'SHREDDING', approved_by = $3, approved_at = now() "
                + "WHERE id = $1 AND tenant = $2 AND state = 'PENDING_APPROVAL' AND expires_at > $4 AND requested_by <> $3")
                .execute(Tuple.of(id, tenant, approver, clock.offsetNow())).flatMap(updated -> {
                    if (updated.rowCount() != 1) {
                        return Uni.createFrom().nullItem();
                    }
                    long[] counts = new long[3];
                    return tx.preparedQuery("UPDATE controller SET state = 'CLOSED', closed_at = now(), updated_at = now() WHERE tenant = $1")
                            .execute(Tuple.of(tenant))
                            .flatMap(x -> exec(tx, "UPDATE controller_purpose SET active = false, updated_at = now() WHERE tenant = $1", tenant))
                            .flatMap(x -> exec(tx, "DELETE FROM transient_cvc WHERE tenant = $1", tenant))
                            .flatMap(x -> exec(tx, "DELETE FROM capture_entry WHERE session_id IN "
                                    + "(SELECT id FROM capture_session WHERE tenant = $1)", tenant))
                            .flatMap(x -> exec(tx, "DELETE FROM capture_event WHERE session_id IN "
                                    + "(SELECT id FROM capture_session WHERE tenant = $1)", tenant))
                            .flatMap(x -> exec(tx, "DELETE FROM capture_webhook WHERE tenant = $1", tenant))
                            .flatMap(x -> exec(tx, "DELETE FROM connector_transaction WHERE tenant = $1", tenant))
                            .flatMap(x -> exec(tx, "DELETE FROM import_job WHERE tenant = $1", tenant))
                            .flatMap(x -> exec(tx, "DELETE FROM capture_session WHERE tenant = $1", tenant)).invoke(n -> counts[1] = n)
                            .flatMap(x -> exec(tx, "DELETE FROM token WHERE tenant = $1", tenant)).invoke(n -> counts[0] = n)
                            // Due at once: the re-key job empties and destroys them after its grace period.
                            .flatMap(x -> exec(tx, "UPDATE data_key SET shred_requested_at = '-infinity' WHERE tenant = $1", tenant))
                            .invoke(n -> counts[2] = n)
                            .flatMap(x -> tx.preparedQuery("UPDATE offboarding SET tokens_deleted = $2, sessions_deleted = $3, "
                                    + "data_keys = $4 WHERE id = $1").execute(Tuple.of(id, counts[0], counts[1], counts[2])))
                            .replaceWith(counts);
                });
    }

    private static Uni<Long> exec(SqlClient tx, String sql, String tenant) {
        return tx.preparedQuery(sql).execute(Tuple.of(tenant)).map(rows -> (long) rows.rowCount());
    }

    @Scheduled(identity = "offboarding", every = "${cardvault.privacy.offboarding.every:5s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        if (!hierarchy.isLoaded()) {
            return Uni.createFrom().voidItem();
        }
        return runOnce().replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Off-boarding run failed, retried next time: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /** Completes every off-boarding whose tenant has no data key left; how many it completed. */
    public Uni<Integer> runOnce() {
        return AdvisoryLock.ifFree(pool, LOCK_KEY, conn -> pool.query("SELECT o.id, o.tenant, o.requested_by, o.requested_at, "
                + "o.approved_by, o.approved_at, o.tokens_deleted, o.sessions_deleted, o.data_keys, c.name, c.dpa_reference "
                + "FROM offboarding o JOIN controller c ON c.tenant = o.tenant WHERE o.state = 'SHREDDING'").execute().flatMap(rows -> {
                    Uni<Integer> all = Uni.createFrom().item(0);
                    for (var r : rows) {
                        Map<String, Object> row = r.toJson().getMap();
                        all = all.flatMap(n -> complete(row).map(done -> done ? n + 1 : n));
                    }
                    return all;
                })).map(r -> r.orElse(0));
    }

    private Uni<Boolean> complete(Map<String, Object> o) {
        String id = (String) o.get("id");
        String tenant = (String) o.get("tenant");
        // A replica that had not yet seen the controller closed may have stored a card since: delete it too.
        return pool.withTransaction(tx -> exec(tx, "DELETE FROM token WHERE tenant = $1", tenant).flatMap(late -> late == 0
                ? Uni.createFrom().item(late)
                : exec(tx, "UPDATE data_key SET shred_requested_at = '-infinity' WHERE tenant = $1", tenant).replaceWith(late)))
                .flatMap(late -> pool.preparedQuery("SELECT count(*) AS n FROM data_key WHERE tenant = $1").execute(Tuple.of(tenant))
                        .flatMap(keys -> {
                            if (keys.iterator().next().getLong("n") > 0) {
                                return Uni.createFrom().item(false); // the re-key job has not destroyed them all yet
                            }
                            long tokens = ((Number) o.get("tokens_deleted")).longValue() + late;
                            Receipts.SignedReceipt receipt = receipts.sign(Receipts.content("OFFBOARDING", (String) o.get("requested_by"),
                                    null, tenant)
                                    .put("offboardingId", id)
                                    .put("controller", Map.of("name", o.get("name"), "dpaReference", o.get("dpa_reference")))
                                    .put("approvedBy", o.get("approved_by"))
                                    .put("requestedAt", String.valueOf(o.get("requested_at")))
                                    .put("approvedAt", String.valueOf(o.get("approved_at")))
                                    .put("done", List.of("every token of the controller deleted", "every capture session deleted",
                                            "every data key of the controller destroyed (crypto-shredding): copies of its records in "
                                                    + "backups cannot be decrypted",
                                            "controller closed: no further card data is accepted for it"))
                                    .put("counts", Map.of("tokensDeleted", tokens, "captureSessionsDeleted", o.get("sessions_deleted"),
                                            "dataKeysDestroyed", o.get("data_keys")))
                                    .put("auditTrail", "kept: the audit trail of the processing done for this controller is retained "
                                            + "for " + auditRetention + " as a legal obligation (PCI DSS 10.5.1); it holds no card data"));
                            String stored;
                            try {
                                stored = mapper.writeValueAsString(receipt);
                            } catch (JsonProcessingException e) {
                                return Uni.createFrom().failure(e);
                            }
                            return audit.recordAtomically(tx -> tx.preparedQuery("UPDATE offboarding SET state = 'COMPLETED', "
                                    + "completed_at = now(), receipt = $2, tokens_deleted = $3 WHERE id = $1 AND state = 'SHREDDING'")
                                    .execute(Tuple.of(id, stored, tokens)).map(u -> u.rowCount() == 1), done -> done
                                            ? AuditEvent.service(AuditType.CONTROLLER_OFFBOARDED, Outcome.SUCCESS, tenant, null,
                                                    "offboarding=" + id + " receipt=" + Receipts.idOf(receipt) + " tokens=" + tokens)
                                            : null)
                                    .invoke(done -> {
                                        if (done) {
                                            LOG.infof("Off-boarding %s of controller %s completed: receipt %s", id, tenant, Receipts.idOf(receipt));
                                        }
                                    });
                        }));
    }

    private RegistryRequests.OffboardingView view(Offboarding o) {
        String state = Offboarding.PENDING_APPROVAL.equals(o.state) && !o.expiresAt.isAfter(clock.instant()) ? Offboarding.EXPIRED : o.state;
        Receipts.SignedReceipt receipt = null;
        if (o.receipt != null) {
            try {
                receipt = mapper.readValue(o.receipt, Receipts.SignedReceipt.class);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("stored receipt unreadable", e);
            }
        }
        return new RegistryRequests.OffboardingView(o.id, o.tenant, state, o.reason, o.requestedBy, o.requestedAt.toString(),
                o.expiresAt.toString(), o.approvedBy, o.approvedAt == null ? null : o.approvedAt.toString(), o.tokensDeleted,
                o.sessionsDeleted, o.dataKeys, o.completedAt == null ? null : o.completedAt.toString(), receipt);
    }

    private static PrivacyRefused notFound() {
        return new PrivacyRefused(PrivacyRefused.Reason.OFFBOARDING_NOT_FOUND, "No such off-boarding of this controller.");
    }
}
