package dev.cardvault.auth;

import java.util.Set;

import org.eclipse.microprofile.jwt.JsonWebToken;

import dev.cardvault.card.CardShape;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Who is calling: the JWT subject, the tenant whose data they may touch, and their roles.
 * Only built for tokens whose tenant claim is valid; see {@link CallerIdentityAugmentor}.
 */
public record Caller(String subject, String tenant, Set<String> roles) {

    public Caller {
        roles = Set.copyOf(roles);
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /**
     * The caller's id everywhere (audit events, access log, dual control): the {@code sub}
     * claim, never another name claim such as {@code upn}. Null when the identity has no usable
     * subject: anonymous, no JWT, a blank {@code sub}, or a card-shaped one.
     */
    public static String subjectOf(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken jwt)) {
            return null;
        }
        String sub = jwt.getSubject();
        return sub == null || sub.isBlank() || CardShape.containsInIdentifier(sub) ? null : sub;
    }
}
