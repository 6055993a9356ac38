package dev.cardvault.keys;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditContexts;
import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import io.smallrye.mutiny.Uni;

/** Key status and rotation under dual control, for key custodians. Never any key material. */
@Path("/v1/keys")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Keys")
@RolesAllowed(Roles.KEY_CUSTODIAN)
public class KeyResource {

    @Inject
    CurrentCaller caller;

    @Inject
    AuditContexts auditContexts;

    @Inject
    RotationService service;

    @Inject
    RotationRepository rotations;

    @Inject
    KeyHierarchy keys;

    @Inject
    MasterKeyRotation masterRotation;

    public static class RotationRequest {
        public String reason;
    }

    public record VersionView(int version, String state, String createdAt, long dataKeys) {
    }

    public record RotationView(String id, String kind, String state, String reason, String requestedBy, String requestedAt,
            String expiresAt, String approvedBy, List<String> approvals, int approvalsRequired, String approvedAt,
            Integer fromVersion, Integer toVersion, long rewrapped, Long total, String completedAt, String nextMasterKeyId,
            List<String> newShares) {
    }

    public record KeyStatus(int activeVersion, List<VersionView> versions, List<RotationView> rotations) {
    }

    @GET
    @Operation(summary = "Key status", description = "KEK versions with state and the number of data keys each still wraps; recent rotations.")
    public Uni<KeyStatus> status() {
        caller.get();
        return rotations.kekStatus().flatMap(versions -> rotations.recent().map(recent -> new KeyStatus(
                versions.stream().filter(v -> "ACTIVE".equals(v.state())).mapToInt(RotationRepository.KekStatus::version).findFirst().orElse(0),
                versions.stream().map(v -> new VersionView(v.version(), v.state(), text(v.createdAt()), v.dataKeys())).toList(),
                recent.stream().map(this::view).toList())));
    }

    @POST
    @Path("/rotations")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Request a KEK rotation", description = "Nothing changes until a different key custodian approves.")
    @APIResponse(responseCode = "202", description = "PENDING_APPROVAL")
    @APIResponse(responseCode = "409", description = "Another rotation is open")
    public Uni<Response> request(RotationRequest body) {
        AuditContext who = auditContexts.current(caller.get());
        return service.request(who, body == null ? null : body.reason)
                .map(r -> Response.status(Response.Status.ACCEPTED).entity(view(r)).build());
    }

    @POST
    @Path("/rotations/{id}/approve")
    @Operation(summary = "Approve a rotation", description = "By a key custodian other than the requester. The last required "
            + "approval activates a new KEK version and starts the background rewrap.")
    @APIResponse(responseCode = "200", description = "The rotation, REWRAPPING (or still PENDING_APPROVAL if more approvals are required)")
    @APIResponse(responseCode = "403", description = "The requester cannot approve")
    @APIResponse(responseCode = "409", description = "Already approved by you, or not awaiting approval (expired, rewrapping, completed)")
    public Uni<RotationView> approve(@PathParam("id") String id) {
        AuditContext who = auditContexts.current(caller.get());
        return service.approve(who, id).map(this::view);
    }

    @GET
    @Path("/rotations/{id}")
    @Operation(summary = "A rotation and its progress")
    public Uni<RotationView> rotation(@PathParam("id") String id) {
        caller.get();
        return service.find(id).map(r -> view(r.orElseThrow(RotationRefused::notFound)));
    }

    @POST
    @Path("/rekeys")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Request a re-key of the data", description = "What 'rotate on suspicion of compromise' runs: once a "
            + "different key custodian approves, every card record is re-encrypted under new data keys in the background and the "
            + "old data keys are destroyed. Reveals keep working throughout. Nothing changes until the approval.")
    @APIResponse(responseCode = "202", description = "PENDING_APPROVAL")
    @APIResponse(responseCode = "409", description = "Another rotation or re-key is open")
    public Uni<Response> requestRekey(RotationRequest body) {
        AuditContext who = auditContexts.current(caller.get());
        return service.request(who, body == null ? null : body.reason, Rotation.DATA)
                .map(r -> Response.status(Response.Status.ACCEPTED).entity(view(r)).build());
    }

    @POST
    @Path("/rekeys/{id}/approve")
    @Operation(summary = "Approve a re-key", description = "By a key custodian other than the requester. The last required "
            + "approval stops every data key from encrypting and starts the background re-encryption.")
    @APIResponse(responseCode = "200", description = "The re-key, REKEYING (or still PENDING_APPROVAL if more approvals are required)")
    @APIResponse(responseCode = "403", description = "The requester cannot approve")
    @APIResponse(responseCode = "409", description = "Already approved by you, or not awaiting approval")
    public Uni<RotationView> approveRekey(@PathParam("id") String id) {
        AuditContext who = auditContexts.current(caller.get());
        return service.approve(who, id, Rotation.DATA).map(this::view);
    }

    @GET
    @Path("/rekeys/{id}")
    @Operation(summary = "A re-key and its progress", description = "total and rewrapped count card records.")
    public Uni<RotationView> rekey(@PathParam("id") String id) {
        caller.get();
        return service.find(id, Rotation.DATA).map(r -> view(r.orElseThrow(RotationRefused::notFound)));
    }

    public static class ShareRequest {
        public String share;
    }

    @POST
    @Path("/master-rotations")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Request a master key rotation", description = "A new master key (a new key in the HSM, or a new key "
            + "with new custodian shares) rewraps every KEK and root key once a different key custodian approves. Not for a "
            + "master key from a file.")
    @APIResponse(responseCode = "202", description = "PENDING_APPROVAL")
    @APIResponse(responseCode = "409", description = "Another rotation is open, or the master key comes from a file")
    public Uni<Response> requestMasterRotation(RotationRequest body) {
        AuditContext who = auditContexts.current(caller.get());
        return service.request(who, body == null ? null : body.reason, Rotation.MASTER)
                .map(r -> Response.status(Response.Status.ACCEPTED).entity(view(r)).build());
    }

    @POST
    @Path("/master-rotations/{id}/approve")
    @Operation(summary = "Approve a master key rotation", description = "By a key custodian other than the requester. With an "
            + "HSM the new key is in force at once (COMPLETED). With custodian shares the answer holds the new shares, once "
            + "(AWAITING_SHARES): hand one to each custodian; the new key is in force when threshold custodians confirm them.")
    @APIResponse(responseCode = "200", description = "COMPLETED, or AWAITING_SHARES with newShares (answered once, not cached)")
    @APIResponse(responseCode = "403", description = "The requester cannot approve")
    @APIResponse(responseCode = "409", description = "Already approved by you, or not awaiting approval")
    public Uni<Response> approveMasterRotation(@PathParam("id") String id) {
        AuditContext who = auditContexts.current(caller.get());
        return service.approve(who, id, Rotation.MASTER)
                .map(r -> Response.ok(view(r)).header("Cache-Control", "no-store").build());
    }

    @POST
    @Path("/master-rotations/{id}/confirm")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Confirm a new master key share", description = "One new share per custodian. At threshold shares the "
            + "new master key is rebuilt; if it is the approved one, the keys it rewrapped replace the current ones (COMPLETED). "
            + "Other instances seal themselves and are unsealed with the new shares.")
    @APIResponse(responseCode = "200", description = "AWAITING_SHARES (more needed) or COMPLETED")
    @APIResponse(responseCode = "409", description = "This custodian or this share already counted, or not awaiting shares")
    @APIResponse(responseCode = "422", description = "Not a share, or the shares do not rebuild the new master key")
    public Uni<RotationView> confirmMasterRotation(@PathParam("id") String id, ShareRequest body) {
        AuditContext who = auditContexts.current(caller.get());
        return masterRotation.confirm(who, id, body == null ? null : body.share).map(this::view);
    }

    @GET
    @Path("/master-rotations/{id}")
    @Operation(summary = "A master key rotation and its state")
    public Uni<RotationView> masterRotation(@PathParam("id") String id) {
        caller.get();
        return service.find(id, Rotation.MASTER).map(r -> view(r.orElseThrow(RotationRefused::notFound)));
    }

    private RotationView view(Rotation r) {
        String last = r.approvedBy().isEmpty() ? null : r.approvedBy().get(r.approvedBy().size() - 1);
        return new RotationView(r.id(), r.kind(), r.state(), r.reason(), r.requestedBy(), text(r.requestedAt()), text(r.expiresAt()), last,
                r.approvedBy(), service.approvalsRequired(), text(r.approvedAt()), r.fromVersion(), r.toVersion(), r.rewrapped(),
                r.total(), text(r.completedAt()), r.nextMasterKeyId(), r.newShares());
    }

    private static String text(OffsetDateTime t) {
        return t == null ? null : t.toInstant().toString();
    }
}
