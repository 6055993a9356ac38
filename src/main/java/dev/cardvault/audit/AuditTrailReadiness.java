package dev.cardvault.audit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Not ready while the trail cannot be written: after a failed write, until one succeeds, and while
 * a batch has waited on the database longer than a request may wait ({@code
 * cardvault.http.request-timeout}). Every audited operation would fail closed meanwhile, so load
 * balancers should send requests elsewhere. After a failure each probe asks the appender to try
 * again (a new chain), so an idle instance recovers once the database does.
 */
@Readiness
@ApplicationScoped
public class AuditTrailReadiness implements HealthCheck {

    @Inject
    AuditAppender appender;

    @Override
    public HealthCheckResponse call() {
        boolean healthy = appender.isHealthy();
        if (!healthy) {
            appender.heal();
        }
        boolean stalled = appender.isStalled();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("audit trail").status(healthy && !stalled);
        if (stalled) {
            response.withData("stalled", "a write has waited on the database longer than the request timeout");
        }
        return response.build();
    }
}
