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
 * Loads the key hierarchy at start-up (master key → KEK versions, fingerprint root, audit keys)
 * and fails closed: a key the configured master key cannot unwrap stops the service instead of
 * being replaced. Keys created on first start are recorded (KEY_CREATED). Readiness waits for it.
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
    Audit audit;

    void onStart(@Observes @Priority(STARTUP_PRIORITY) StartupEvent event) {
        List<String> created = new ArrayList<>();
        keks.load().invoke(c -> {
            if (c) {
                created.add("kek-v1");
            }
        }).flatMap(v -> fingerprints.load()).invoke(c -> {
            if (c) {
                created.add("fingerprint-root");
            }
        }).flatMap(v -> auditKeys.load()).invoke(created::addAll)
                .flatMap(v -> recordCreated(created))
                .await().atMost(Duration.ofSeconds(60));
        LOG.infof("Key hierarchy loaded: %s, KEK v%d active, %d KEK version(s) available", masterKey.describe(),
                keks.activeVersion(), keks.versions());
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
