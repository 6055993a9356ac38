package dev.cardvault.tokens;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import io.smallrye.mutiny.Uni;

/** The progress of a bulk import (POST /v1/imports is a streaming route of the HTTP edge). */
@Path("/v1/imports")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Tokens")
public class ImportResource {

    @Inject
    CurrentCaller caller;

    @Inject
    Imports imports;

    @GET
    @Path("/{id}")
    @RolesAllowed(Roles.TOKENIZER)
    @Operation(summary = "Progress of an import", description = "RUNNING, INTERRUPTED (the connection broke or a batch failed: send "
            + "the file again with the same Idempotency-Key) or COMPLETED; lines read, tokens created, existing (created by an "
            + "earlier attempt of the same import) and failed lines.")
    @APIResponse(responseCode = "200", description = "The import's progress")
    @APIResponse(responseCode = "404", description = "No such import for your tenant")
    public Uni<Imports.Progress> progress(@PathParam("id") String id) {
        return imports.progress(caller.get(), id);
    }
}
