package dev.cardvault.auth;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * A token without a valid {@code tenant} claim authenticates (the signature is fine) but may do
 * nothing: its roles are taken away, so every role check answers 403, and the identity is marked
 * so that the 403 can say why.
 */
@ApplicationScoped
public class TenantClaimAugmentor implements SecurityIdentityAugmentor {

    /** Identity attribute set when the tenant claim is missing or malformed. */
    public static final String TENANT_INVALID = "cardvault.tenant-invalid";

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        if (TenantClaim.isValid(jwt.getClaim(TenantClaim.NAME))) {
            return Uni.createFrom().item(identity);
        }
        SecurityIdentity stripped = QuarkusSecurityIdentity.builder()
                .setPrincipal(identity.getPrincipal())
                .addCredentials(identity.getCredentials())
                .addAttributes(identity.getAttributes())
                .addAttribute(TENANT_INVALID, Boolean.TRUE)
                .setAnonymous(false)
                .build();
        return Uni.createFrom().item(stripped);
    }
}
