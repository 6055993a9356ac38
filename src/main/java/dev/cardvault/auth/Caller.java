package dev.cardvault.auth;

import java.util.Set;

/**
 * Who is calling: the JWT subject, the tenant whose data they may touch, and their roles.
 * Only built for tokens whose tenant claim is valid; see {@link TenantClaimAugmentor}.
 */
public record Caller(String subject, String tenant, Set<String> roles) {

    public Caller {
        roles = Set.copyOf(roles);
    }

    public boolean hasRole(String role) {
        return roles.contains(role);
    }
}
