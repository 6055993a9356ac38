package dev.cardvault.audit;

import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Records the service's own start and stop (PCI DSS 10.2.1.6). Start-up fails when SERVICE_STARTED
 * cannot be written: a vault that cannot record is not started. On stop, the aggregated denials
 * are written first, then SERVICE_STOPPING, before the database pool closes.
 */
@ApplicationScoped
public class AuditLifecycle {

    private static final Logger LOG = Logger.getLogger(AuditLifecycle.class);

    @Inject
    Audit audit;

    @Inject
    DeniedRequests denials;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    // After the key hierarchy (the audit keys) is loaded.
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 100) StartupEvent event) {
        audit.record(AuditEvent.service(AuditType.SERVICE_STARTED, Outcome.SUCCESS, null, null, "version=" + version))
                .await().atMost(Duration.ofSeconds(30));
    }

    void onStop(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        try {
            denials.flush().await().atMost(Duration.ofSeconds(5));
            audit.record(AuditEvent.service(AuditType.SERVICE_STOPPING, Outcome.SUCCESS, null, null, "version=" + version))
                    .await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.errorf("SERVICE_STOPPING could not be recorded: %s", e.toString());
        }
    }
}
