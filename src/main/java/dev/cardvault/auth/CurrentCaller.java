package dev.cardvault.auth;

import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * The {@link Caller} of the current request. Request-scoped (one per request, safe to inject into
 * singleton resources); call it only on routes already guarded by {@code @RolesAllowed}.
 */
@RequestScoped
public class CurrentCaller {

    @Inject
    SecurityIdentity identity;

    private Caller caller;

    public Caller get() {
        if (caller == null) {
            caller = from(identity);
        }
        return caller;
    }

    static Caller from(SecurityIdentity identity) {
        String subject = Caller.subjectOf(identity);
        if (subject == null || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            throw new UnauthorizedException();
        }
        Object tenant = jwt.getClaim(TenantClaim.NAME);
        if (!TenantClaim.isValid(tenant)) {
            throw new ForbiddenException();
        }
        return new Caller(subject, (String) tenant, identity.getRoles());
    }
}
