package dev.cardvault.tokens;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditContexts;
import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import io.smallrye.mutiny.Uni;

/** Batch reveal for billing runs. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Tokens")
public class RevealResource {

    @Inject
    CurrentCaller caller;

    @Inject
    AuditContexts auditContexts;

    @Inject
    RevealService reveals;

    @POST
    @Path("/detokenizations")
    @RolesAllowed(Roles.DETOKENIZER)
    @Operation(summary = "Reveal up to 100 cards", description = "Results in request order, each with its index; NOT_FOUND for unknown, other "
            + "tenant's, deleted or expired tokens and for values that are not tokens (echoed only when well-formed). One audit event per token, all durable before any PAN is returned. "
            + "Each token counts against the per-subject rate limit.")
    @RequestBody(content = @Content(examples = @ExampleObject(name = "batch",
            value = "{\"tokens\": [\"tok_a\", \"tok_b\"], \"purpose\": \"RECURRING_BILLING\"}")))
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "results",
            value = "{\"results\": [{\"index\": 0, \"token\": \"tok_a\", \"pan\": \"<card number, digits only>\", \"expMonth\": 1, \"expYear\": 2030, "
                    + "\"cardholderName\": null}, {\"index\": 1, \"token\": \"tok_b\", \"error\": \"NOT_FOUND\"}]}")))
    @APIResponse(responseCode = "422", description = "0 or more than 100 tokens, or purpose missing")
    @APIResponse(responseCode = "429", description = "The subject's or the tenant's reveal limit reached; see Retry-After")
    public Uni<Response> revealBatch(RevealRequests.Batch body) {
        AuditContext who = auditContexts.current(caller.get());
        List<String> tokens = body == null || body.tokens == null ? List.of() : body.tokens;
        return reveals.revealAll(who, tokens, body == null ? null : body.purpose).map(items -> {
            List<Object> results = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
                RevealService.Item item = items.get(i);
                results.add(item.card() != null ? RevealRequests.Revealed.of(i, item.card())
                        : RevealRequests.NotFound.of(i, item.token(), item.refusal().name()));
            }
            return Response.ok(new RevealRequests.BatchResult(results)).header("Cache-Control", "no-store").build();
        });
    }
}
