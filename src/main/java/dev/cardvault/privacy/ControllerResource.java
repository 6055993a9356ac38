package dev.cardvault.privacy;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.audit.AuditContexts;
import dev.cardvault.auth.Caller;
import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import dev.cardvault.errors.MissingBody;
import io.smallrye.mutiny.Uni;

/** The controller registry, the record of processing and the end of a controller's contract. */
@Path("/v1/controllers")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Privacy")
public class ControllerResource {

    static final String CONTROLLER_EXAMPLE = """
            {"name": "Acme Energia S.p.A.", "dpaReference": "DPA-2026-014", "dpaDate": "2026-03-01",
             "contact": {"name": "Giulia Bianchi", "email": "dpo@acme.example"}}""";
    static final String PURPOSE_EXAMPLE = """
            {"description": "Monthly billing of the energy supply contract", "legalBasis": "CONTRACT", "retention": "P2Y",
             "revealPurposes": ["RECURRING_BILLING", "REFUND", "CHARGEBACK"], "active": true}""";

    @Inject
    CurrentCaller caller;

    @Inject
    AuditContexts auditContexts;

    @Inject
    ControllerRegistry registry;

    @Inject
    Offboardings offboardings;

    @Inject
    ProcessingRecords records;

    @GET
    @RolesAllowed(Roles.PROCESSOR_ADMIN)
    @Operation(summary = "List the controllers", description = "Every controller the vault processes card data for, with its purposes.")
    @APIResponse(responseCode = "200", description = "The controllers, by tenant")
    @APIResponse(responseCode = "403", description = "Role processor-admin missing")
    public Uni<List<RegistryRequests.ControllerView>> controllers() {
        return registry.all().flatMap(all -> registry.allPurposes().map(purposes -> {
            java.util.Map<String, List<ControllerPurpose>> byTenant = purposes.stream()
                    .collect(java.util.stream.Collectors.groupingBy(p -> p.tenant));
            return all.stream().map(c -> RegistryRequests.ControllerView.of(c, byTenant.getOrDefault(c.tenant, List.of()))).toList();
        }));
    }

    @PUT
    @Path("/{tenant}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PROCESSOR_ADMIN)
    @Operation(summary = "Register or update a controller", description = "The controller (GDPR Art. 4(7)) whose card data this tenant "
            + "holds: its name, the data processing agreement (reference and date) and its privacy contact. Audited as "
            + "CONTROLLER_REGISTERED or CONTROLLER_UPDATED. An off-boarded controller can no longer change (409).")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "controller", value = CONTROLLER_EXAMPLE)))
    @APIResponse(responseCode = "201", description = "Registered")
    @APIResponse(responseCode = "200", description = "Updated")
    @APIResponse(responseCode = "403", description = "Role processor-admin missing")
    @APIResponse(responseCode = "409", description = "The controller was off-boarded")
    @APIResponse(responseCode = "422", description = "Invalid fields, listed")
    public Uni<Response> putController(@PathParam("tenant") String tenant, RegistryRequests.ControllerBody body) {
        if (body == null) {
            throw new MissingBody();
        }
        PrivacyAudit who = new PrivacyAudit(auditContexts.current(caller.get()));
        return registry.putController(who, tenant, body).flatMap(saved -> registry.purposes(tenant)
                .map(p -> Response.status(saved.created() ? 201 : 200).entity(RegistryRequests.ControllerView.of(saved.entity(), p)).build()));
    }

    @GET
    @Path("/{tenant}")
    @RolesAllowed({ Roles.PROCESSOR_ADMIN, Roles.PRIVACY_OFFICER })
    @Operation(summary = "A controller and its purposes", description = "A privacy officer reads only their own tenant's controller.")
    @APIResponse(responseCode = "200", description = "The controller")
    @APIResponse(responseCode = "404", description = "No controller registered for this tenant (or not yours)")
    public Uni<RegistryRequests.ControllerView> controller(@PathParam("tenant") String tenant) {
        readable(tenant);
        return registry.find(tenant).flatMap(c -> registry.purposes(tenant).map(p -> RegistryRequests.ControllerView.of(c, p)));
    }

    @PUT
    @Path("/{tenant}/purposes/{code}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PROCESSOR_ADMIN)
    @Operation(summary = "Register or update a purpose", description = "A purpose the controller authorised card collection for: its legal "
            + "basis (GDPR Art. 6(1)), how long such a card is kept (ISO-8601 period, at most P10Y: the default and the limit of a "
            + "token's expiresAt) and the detokenize purposes such a card may be revealed for (a subset of the vault's list). "
            + "Inactive: no new collection; cards already collected keep their reveal rules. Audited as PURPOSE_REGISTERED or "
            + "PURPOSE_UPDATED. Every replica applies a change within cardvault.privacy.registry-refresh.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "purpose", value = PURPOSE_EXAMPLE)))
    @APIResponse(responseCode = "201", description = "Registered")
    @APIResponse(responseCode = "200", description = "Updated")
    @APIResponse(responseCode = "403", description = "Role processor-admin missing")
    @APIResponse(responseCode = "404", description = "No controller registered for this tenant")
    @APIResponse(responseCode = "409", description = "The controller was off-boarded")
    @APIResponse(responseCode = "422", description = "Invalid fields, listed")
    public Uni<Response> putPurpose(@PathParam("tenant") String tenant, @PathParam("code") String code, RegistryRequests.PurposeBody body) {
        if (body == null) {
            throw new MissingBody();
        }
        PrivacyAudit who = new PrivacyAudit(auditContexts.current(caller.get()));
        return registry.putPurpose(who, tenant, code, body)
                .map(saved -> Response.status(saved.created() ? 201 : 200).entity(RegistryRequests.PurposeView.of(saved.entity())).build());
    }

    @GET
    @Path("/{tenant}/processing-record")
    @Produces({ MediaType.APPLICATION_JSON, MediaType.TEXT_HTML })
    @RolesAllowed({ Roles.PROCESSOR_ADMIN, Roles.PRIVACY_OFFICER })
    @Operation(summary = "Record of processing (GDPR Art. 30(2))", description = "Built from the registry, the audit trail (recipients: "
            + "the subjects that revealed cards of this controller) and the vault's actual configuration (security measures). "
            + "JSON, or a printable page with Accept: text/html.")
    @APIResponse(responseCode = "200", description = "The record")
    @APIResponse(responseCode = "404", description = "No controller registered for this tenant (or not yours)")
    public Uni<Response> processingRecord(@PathParam("tenant") String tenant, @jakarta.ws.rs.core.Context jakarta.ws.rs.core.HttpHeaders headers) {
        readable(tenant);
        boolean html = headers.getAcceptableMediaTypes().stream().findFirst()
                .map(t -> t.isCompatible(MediaType.TEXT_HTML_TYPE) && !t.isWildcardType()).orElse(false);
        return records.build(tenant).map(record -> html
                ? Response.ok(ProcessingRecords.html(record), MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                        .header("Content-Security-Policy", ProcessingRecords.CSP).build()
                : Response.ok(record, MediaType.APPLICATION_JSON_TYPE).build());
    }

    @POST
    @Path("/{tenant}/offboard")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PROCESSOR_ADMIN)
    @Operation(summary = "Request the end of a controller's contract", description = "GDPR Art. 28(3)(g). Nothing changes until a "
            + "different processor-admin approves. Then every token of the tenant is deleted, its capture sessions too, every data "
            + "key of the tenant destroyed (crypto-shredding) and the controller closed; the audit trail is kept (legal "
            + "obligation). The signed receipt is on the off-boarding once the keys are destroyed.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            examples = @ExampleObject(name = "offboard", value = "{\"reason\": \"Contract ended on 2026-12-31\"}")))
    @APIResponse(responseCode = "202", description = "Waiting for a second processor-admin")
    @APIResponse(responseCode = "403", description = "Role processor-admin missing")
    @APIResponse(responseCode = "404", description = "No controller registered for this tenant")
    @APIResponse(responseCode = "409", description = "Already off-boarded, or an off-boarding is open")
    @APIResponse(responseCode = "422", description = "reason missing")
    public Uni<Response> offboard(@PathParam("tenant") String tenant, RegistryRequests.OffboardBody body) {
        if (body == null) {
            throw new MissingBody();
        }
        PrivacyAudit who = new PrivacyAudit(auditContexts.current(caller.get()));
        return offboardings.request(who, tenant, body.reason).map(o -> Response.status(202).entity(o).build());
    }

    @GET
    @Path("/{tenant}/offboard/{id}")
    @RolesAllowed(Roles.PROCESSOR_ADMIN)
    @Operation(summary = "An off-boarding", description = "PENDING_APPROVAL, SHREDDING (cards deleted, keys being destroyed), "
            + "COMPLETED (with the signed receipt) or EXPIRED (not approved in time).")
    @APIResponse(responseCode = "200", description = "The off-boarding")
    @APIResponse(responseCode = "404", description = "No such off-boarding of this tenant")
    public Uni<RegistryRequests.OffboardingView> offboarding(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        return offboardings.find(tenant, id);
    }

    @POST
    @Path("/{tenant}/offboard/{id}/approve")
    @RolesAllowed(Roles.PROCESSOR_ADMIN)
    @Operation(summary = "Approve an off-boarding", description = "By a processor-admin other than the requester (403 otherwise; the "
            + "database refuses it too). In one transaction with its audit event: every token and capture session of the tenant "
            + "deleted, every data key marked for destruction at once, the controller closed. Destroying the keys follows within "
            + "the re-key job's grace period; then the off-boarding is COMPLETED with its signed receipt.")
    @APIResponse(responseCode = "200", description = "Approved: SHREDDING")
    @APIResponse(responseCode = "403", description = "Role processor-admin missing, or approving your own request")
    @APIResponse(responseCode = "404", description = "No such off-boarding of this tenant")
    @APIResponse(responseCode = "409", description = "Not waiting for approval (approved, completed or expired)")
    public Uni<RegistryRequests.OffboardingView> approveOffboarding(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        PrivacyAudit who = new PrivacyAudit(auditContexts.current(caller.get()));
        return offboardings.approve(who, tenant, id);
    }

    /** A privacy officer reads only their own tenant; to anyone else, another tenant does not exist. */
    private void readable(String tenant) {
        Caller who = caller.get();
        if (!who.hasRole(Roles.PROCESSOR_ADMIN) && !who.tenant().equals(tenant)) {
            throw PrivacyRefused.noController();
        }
    }
}
