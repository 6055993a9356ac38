package dev.cardvault.auth;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.MDC;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;

/**
 * Every caller has an identity: the {@code sub} claim, non-blank and not card-shaped, or the
 * token does not authenticate (401). Signature, issuer, audience, {@code exp}, the presence of
 * {@code sub} and {@code iat} and the token's age are checked before this by SmallRye JWT.
 *
 * <p>A token without a valid {@code tenant} claim authenticates but may do nothing: its roles are
 * taken away, so every role check answers 403, and the identity is marked so that the 403 can say
 * why.
 */
@ApplicationScoped
public class CallerIdentityAugmentor implements SecurityIdentityAugmentor {

    /** Identity attribute set when the tenant claim is missing or malformed. */
    public static final String TENANT_INVALID = "cardvault.tenant-invalid";

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return Uni.createFrom().item(identity);
        }
        String subject = Caller.subjectOf(identity);
        if (subject == null) {
            return Uni.createFrom().failure(new AuthenticationFailedException("token has no usable sub claim"));
        }
        // The request's log lines say who asked (the JSON console prints the MDC): both values are
        // checked here already (non-blank, nothing card-shaped; the tenant matches its pattern),
        // and this runs once per authenticated request, on its own (duplicated) context; on any
        // other the values would stick to later lines. Keys: logging.LogFields.
        boolean requestContext = VertxContext.isOnDuplicatedContext();
        if (requestContext) {
            MDC.put("subject", subject);
        }
        Object tenant = jwt.getClaim(TenantClaim.NAME);
        if (TenantClaim.isValid(tenant)) {
            if (requestContext) {
                MDC.put("tenant", tenant);
            }
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
