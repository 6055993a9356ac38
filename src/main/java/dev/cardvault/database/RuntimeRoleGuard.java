package dev.cardvault.database;

import java.time.Duration;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * In the {@code prod} profile the service refuses to start when the role its pool connects as
 * could rewrite the audit trail ({@link RuntimeRoleCheck}); in dev and test that is a warning (a
 * developer's own PostgreSQL often has one role for everything).
 */
@ApplicationScoped
public class RuntimeRoleGuard {

    private static final Logger LOG = Logger.getLogger(RuntimeRoleGuard.class);

    @Inject
    Pool pool;

    // Right after the key guard, before anything else touches the database.
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 1) StartupEvent event) {
        RuntimeRoleCheck.Problems problems = RuntimeRoleCheck.of(pool).await().atMost(Duration.ofSeconds(60));
        if (problems.none()) {
            return;
        }
        if (ConfigUtils.getProfiles().contains("prod")) {
            throw new IllegalStateException("CardVault refuses to start in the prod profile: " + problems.sentence());
        }
        LOG.warnf("The prod profile would refuse to start: %s", problems.sentence());
    }
}
