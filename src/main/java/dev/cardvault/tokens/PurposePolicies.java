package dev.cardvault.tokens;

import io.smallrye.mutiny.Uni;

/**
 * Where the token path learns a tenant's purposes: implemented by the controller registry
 * (dev.cardvault.privacy), which depends on this package and not the other way round.
 */
public interface PurposePolicies {

    /** The tenant's purposes, from a cache refreshed within a few seconds of a change on any replica. */
    Uni<TenantPurposes> of(String tenant);
}
