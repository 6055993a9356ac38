package dev.cardvault.keys;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.audit.AuditContexts;
import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import dev.cardvault.errors.MissingBody;
import io.smallrye.mutiny.Uni;

/** The seal, for a vault whose master key is split among key custodians. Answers while sealed. */
@Path("/v1/sys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Seal")
public class SealResource {

    @Inject
    CurrentCaller caller;

    @Inject
    AuditContexts auditContexts;

    @Inject
    Seal seal;

    public static class InitRequest {
        public Integer shares;
        public Integer threshold;
    }

    public static class UnsealRequest {
        public String share;
    }

    @GET
    @Path("/seal-status")
    @PermitAll
    @SecurityRequirements
    @Operation(summary = "Seal status", description = "No authentication: whether the vault is initialised and sealed, and how "
            + "many of the shares needed have been given to this instance.")
    @APIResponse(responseCode = "200", description = "The seal status")
    @APIResponse(responseCode = "406", description = "The request does not accept application/json")
    public Uni<Seal.SealStatus> sealStatus() {
        return seal.status();
    }

    @POST
    @Path("/init")
    @RolesAllowed(Roles.KEY_CUSTODIAN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Initialise the master key", description = "Once per vault: creates the master key and answers its "
            + "shares, each to be handed to one custodian. The shares are never stored and never shown again; the vault stays "
            + "sealed until threshold custodians unseal it.")
    @APIResponse(responseCode = "200", description = "The shares (answered once, not cached)")
    @APIResponse(responseCode = "409", description = "Already initialised, the master key source is not shares, or the "
            + "database holds keys of another master key")
    public Uni<Response> initialize(InitRequest body) {
        if (body == null) {
            throw new MissingBody();
        }
        return seal.init(auditContexts.current(caller.get()), body.shares, body.threshold)
                .map(r -> Response.ok(r).header("Cache-Control", "no-store").build());
    }

    @POST
    @Path("/unseal")
    @RolesAllowed(Roles.KEY_CUSTODIAN)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Give one share", description = "One share per call, one per custodian subject. At threshold shares "
            + "the master key is rebuilt and the vault unseals; shares that do not rebuild it reset the progress.")
    @APIResponse(responseCode = "200", description = "The seal status after this share")
    @APIResponse(responseCode = "409", description = "This custodian already gave a share, the share was already given, or "
            + "the vault is not initialised")
    @APIResponse(responseCode = "422", description = "Not a share (mistyped), or the shares did not rebuild the master key")
    public Uni<Seal.SealStatus> unseal(UnsealRequest body) {
        if (body == null) {
            throw new MissingBody();
        }
        return seal.unseal(auditContexts.current(caller.get()), body.share);
    }

    @POST
    @Path("/seal")
    @RolesAllowed(Roles.KEY_CUSTODIAN)
    @Operation(summary = "Seal now", description = "Drops every key from this instance's memory at once; every other /v1 call "
            + "answers 503 until custodians unseal it again.")
    public Uni<Seal.SealStatus> sealNow() {
        return seal.seal(auditContexts.current(caller.get()));
    }
}
