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

    @Inject
    Seal seal;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("key hierarchy").status(keys.isLoaded() && !seal.sealed())
                .withData("activeKekVersion", keks.activeVersion()).withData("sealed", seal.sealed()).build();
    }
}
