package dev.cardvault.audit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while the trail cannot be written (after a failed write, until one succeeds): every
 * operation would fail closed, so load balancers should send requests elsewhere. Each probe asks
 * the appender to try again (a new chain), so an idle instance recovers once the database does.
 */
@Readiness
@ApplicationScoped
public class AuditTrailReadiness implements HealthCheck {

    @Inject
    AuditAppender appender;

    @Override
    public HealthCheckResponse call() {
        boolean up = appender.isHealthy();
        if (!up) {
            appender.heal();
        }
        return HealthCheckResponse.named("audit trail").status(up).build();
    }
}
