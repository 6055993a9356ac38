package dev.cardvault.tokens;


import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditContexts;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.auth.Caller;
import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.MissingBody;
import dev.cardvault.auth.Roles;
import dev.cardvault.time.VaultClock;
import io.smallrye.mutiny.Uni;

@Path("/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Tokens")
public class TokenResource {

    static final String TOKENIZE_EXAMPLE = """
            {"pan": "4111 1111 1111 1111", "expMonth": 12, "expYear": 2030, "cardholderName": "Mario Rossi",
             "format": "RANDOM", "deterministic": false, "expiresAt": "2027-06-30T00:00:00Z",
             "metadata": {"orderRef": "A-1"}}""";
    static final String VIEW_EXAMPLE = """
            {"token": "tok_3vQx8TzK2mLw9PbN4rYs7HcA", "format": "RANDOM", "brand": "VISA", "bin": "411111",
             "last4": "1111", "expMonth": 12, "expYear": 2030, "fingerprint": "kq3Xb0s7n9y1u2T5wV8zA4cD6eF0gH2iJ4kL6mN8oP0",
             "createdAt": "2026-11-29T14:23:13.123Z", "expiresAt": "2027-06-30T00:00:00Z", "metadata": {"orderRef": "A-1"}}""";

    @Inject
    CurrentCaller caller;

    @Inject
    TokenService service;

    @Inject
    AuditContexts auditContexts;

    @Inject
    RevealService reveals;

    @Inject
    PrivacyService privacy;

    @Inject
    Audit audit;

    @Inject
    VaultClock clock;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.TOKENIZER)
    @Operation(summary = "Tokenize a card", description = "Validates the card, encrypts it under the tenant's data key and "
            + "returns a token. With deterministic=true the token issued earlier for the same card, tenant and format is "
            + "returned (200) with expiry and cardholder name updated; otherwise a new token (201). A body with cvc/cvv is refused (422).")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TokenizeRequest.class),
            examples = @ExampleObject(name = "card", value = TOKENIZE_EXAMPLE)))
    @APIResponse(responseCode = "201", description = "New token; Location: /v1/tokens/{token}",
            content = @Content(schema = @Schema(implementation = TokenView.class), examples = @ExampleObject(name = "token", value = VIEW_EXAMPLE)))
    @APIResponse(responseCode = "200", description = "The existing deterministic token",
            content = @Content(schema = @Schema(implementation = TokenView.class)))
    @APIResponse(responseCode = "400", description = "Malformed JSON or wrong types (application/problem+json)")
    @APIResponse(responseCode = "401", description = "Missing or invalid token")
    @APIResponse(responseCode = "403", description = "Role tokenizer missing, or no valid tenant claim")
    @APIResponse(responseCode = "413", description = "Body over 16 KiB")
    @APIResponse(responseCode = "415", description = "Not application/json")
    @APIResponse(responseCode = "422", description = "Invalid card data, with field errors (never the values)")
    @APIResponse(responseCode = "503", description = "The audit trail could not record the operation; nothing was returned")
    public Uni<Response> tokenize(TokenizeRequest body) {
        if (body == null) {
            throw new MissingBody();
        }
        Caller who = caller.get();
        AuditContext audited = auditContexts.current(who);
        TokenizeCommand cmd;
        try {
            cmd = TokenizeCommand.validate(body, clock);
        } catch (InvalidRequest e) {
            audit.recordInBackground(audited.event(AuditType.TOKEN_CREATED, Outcome.FAILED, null, null));
            throw e;
        }
        return service.tokenize(who, cmd, audited).map(t -> t.created()
                // Relative, exactly as the contract states it (Response.created would make it absolute).
                ? Response.status(Response.Status.CREATED).header("Location", "/v1/tokens/" + t.view().token()).entity(t.view()).build()
                : Response.ok(t.view()).build());
    }

    @POST
    @Path("/{token}/detokenize")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.DETOKENIZER)
    @Operation(summary = "Reveal a card", description = "For an allowed purpose (cardvault.detokenize.allowed-purposes). "
            + "The audit event is durable before the PAN is returned; Cache-Control: no-store.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            examples = @ExampleObject(name = "billing", value = "{\"purpose\": \"RECURRING_BILLING\"}")))
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = RevealView.class),
            examples = @ExampleObject(name = "card", value = "{\"token\": \"tok_3vQx8TzK2mLw9PbN4rYs7HcA\", \"pan\": \"<card number, digits only>\", "
                    + "\"expMonth\": 12, \"expYear\": 2030, \"cardholderName\": \"Mario Rossi\"}")))
    @APIResponse(responseCode = "403", description = "Role detokenizer missing, or purpose not allowed (audited as DENIED)")
    @APIResponse(responseCode = "404", description = "No such token for your tenant")
    @APIResponse(responseCode = "422", description = "purpose missing")
    @APIResponse(responseCode = "429", description = "The subject's or the tenant's reveal limit reached; see Retry-After")
    @APIResponse(responseCode = "503", description = "The audit event could not be written; nothing was revealed")
    public Uni<Response> detokenize(@PathParam("token") String token, RevealRequests.Purpose body) {
        AuditContext who = auditContexts.current(caller.get());
        return reveals.reveal(who, token, body == null ? null : body.purpose)
                .map(card -> Response.ok(card).header("Cache-Control", "no-store").build());
    }

    @DELETE
    @Path("/{token}")
    @RolesAllowed(Roles.PRIVACY_OFFICER)
    @Operation(summary = "Delete a token", description = "The row and its ciphertext are destroyed; later reads give 404.")
    @APIResponse(responseCode = "204", description = "Deleted")
    @APIResponse(responseCode = "404", description = "No such token for your tenant (also on a second delete)")
    public Uni<Response> delete(@PathParam("token") String token) {
        AuditContext who = auditContexts.current(caller.get());
        return privacy.delete(who, token).map(v -> Response.noContent().build());
    }

    @GET
    @Path("/{token}")
    @RolesAllowed({ Roles.TOKENIZER, Roles.DETOKENIZER })
    @Operation(summary = "Token metadata", description = "Brand, BIN, last four, expiry, fingerprint and metadata; never the PAN. "
            + "Unknown, other tenant's, deleted or expired tokens: 404.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = TokenView.class),
            examples = @ExampleObject(name = "token", value = VIEW_EXAMPLE)))
    @APIResponse(responseCode = "404", description = "No such token for your tenant")
    public Uni<TokenView> metadata(@PathParam("token") String token) {
        return service.metadata(caller.get(), token);
    }
}
