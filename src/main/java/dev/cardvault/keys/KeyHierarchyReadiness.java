package dev.cardvault.keys;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once the key hierarchy is loaded: before that, nothing can be tokenized. */
@Readiness
@ApplicationScoped
public class KeyHierarchyReadiness implements HealthCheck {

    @Inject
    KeyHierarchy keys;

    @Inject
    KekRing keks;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("key hierarchy").status(keys.isLoaded())
                .withData("activeKekVersion", keks.activeVersion()).build();
    }
}
