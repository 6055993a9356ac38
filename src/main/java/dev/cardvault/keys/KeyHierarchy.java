package dev.cardvault.keys;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;

/**
 * Loads the key hierarchy (master key → KEK versions, fingerprint root, audit keys) at start-up,
 * or, with custodian shares, when the service is unsealed; and fails closed: a key the master key
 * cannot unwrap stops the service (or the unseal) instead of being replaced. Keys created on first
 * load are recorded (KEY_CREATED). Readiness waits for it. Sealing unloads everything.
 */
@ApplicationScoped
public class KeyHierarchy {

    private static final Logger LOG = Logger.getLogger(KeyHierarchy.class);
    /** Before anything else that needs keys or writes audit events. */
    public static final int STARTUP_PRIORITY = Interceptor.Priority.APPLICATION;

    @Inject
    MasterKey masterKey;

    @Inject
    KekRing keks;

    @Inject
    FingerprintKeys fingerprints;

    @Inject
    AuditKeyring auditKeys;

    @Inject
    WebhookKeys webhookKeys;

    @Inject
    ReceiptKeys receiptKeys;

    @Inject
    DataKeys dataKeys;

    @Inject
    SealRepository sealRepository;

    @Inject
    Audit audit;

    void onStart(@Observes @Priority(STARTUP_PRIORITY) StartupEvent event) {
        if (masterKey instanceof SharedMasterKey) {
            LOG.info("Master key from custodian shares: the service starts sealed and waits for key custodians to unseal it");
            return;
        }
        load().await().atMost(Duration.ofSeconds(60));
    }

    /** Unwraps (creating on first load) every key under the master key; then records the keys it created. */
    Uni<Void> load() {
        List<String> created = new ArrayList<>();
        // After a master key rotation, an HSM holds several generations: use the one in force.
        return sealRepository.wrappingMasterKey().invoke(inForce -> inForce.ifPresent(masterKey::follow))
                .flatMap(x -> keks.load()).invoke(c -> {
            if (c) {
                created.add("kek-v1");
            }
        }).flatMap(v -> fingerprints.load()).invoke(c -> {
            if (c) {
                created.add("fingerprint-root");
            }
        }).flatMap(v -> webhookKeys.load()).invoke(c -> {
            if (c) {
                created.add(WebhookKeys.ROOT);
            }
        }).flatMap(v -> receiptKeys.load()).invoke(c -> {
            if (c) {
                created.add(ReceiptKeys.SIGNING_KEY);
            }
        }).flatMap(v -> auditKeys.load()).invoke(created::addAll)
                .flatMap(v -> recordCreated(created))
                .invoke(() -> LOG.infof("Key hierarchy loaded: %s, KEK v%d active, %d KEK version(s) available",
                        masterKey.describe(), keks.activeVersion(), keks.versions()))
                .onFailure().invoke(e -> unload());
    }

    /** Forgets every key below the master key and zeroes what it held. */
    void unload() {
        auditKeys.unload();
        webhookKeys.unload();
        receiptKeys.unload();
        dataKeys.unload();
        fingerprints.unload();
        keks.unload();
    }

    private Uni<Void> recordCreated(List<String> created) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (String key : created) {
            all = all.flatMap(v -> audit.record(AuditEvent.service(AuditType.KEY_CREATED, Outcome.SUCCESS, null, null,
                    "key=" + key + " wrappedBy=" + masterKey.id())));
        }
        return all;
    }

    public boolean isLoaded() {
        return keks.isLoaded() && fingerprints.isLoaded() && auditKeys.isLoaded();
    }
}
