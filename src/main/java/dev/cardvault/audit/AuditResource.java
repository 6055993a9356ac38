package dev.cardvault.audit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import dev.cardvault.card.CardShape;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.Violation;
import io.smallrye.mutiny.Uni;

/** The audit trail for auditors, platform-wide. Every read is itself audited (AUDIT_READ) before it is answered. */
@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit")
@RolesAllowed(Roles.AUDITOR)
public class AuditResource {

    static final int MAX_LIMIT = 1000;

    @Inject
    CurrentCaller caller;

    @Inject
    AuditContexts auditContexts;

    @Inject
    Audit audit;

    @Inject
    AuditRepository repository;

    @Inject
    AuditVerifier verifier;

    public record EventView(long seq, String at, String type, String subject, String tenant, String token, String purpose,
            String outcome, String sourceIp, String requestId, String chain, long chainSeq, String hash, String prevHash) {
    }

    public record EventPage(List<EventView> events, long nextAfterSeq) {
    }

    @GET
    @Path("/events")
    @Operation(summary = "Read audit events", description = "Oldest first after afterSeq; filter by type, token, subject. "
            + "Page on with nextAfterSeq.")
    @APIResponse(responseCode = "200", description = "A page of events")
    public Uni<EventPage> events(@QueryParam("afterSeq") @DefaultValue("0") long afterSeq,
            @QueryParam("limit") @DefaultValue("100") int limit, @QueryParam("type") String type,
            @QueryParam("token") String token, @QueryParam("subject") String subject) {
        if (limit < 1 || limit > MAX_LIMIT || afterSeq < 0) {
            throw new InvalidRequest(List.of(new Violation(limit < 1 || limit > MAX_LIMIT ? "limit" : "afterSeq",
                    limit < 1 || limit > MAX_LIMIT ? "must be 1 to " + MAX_LIMIT : "must not be negative")));
        }
        if (type != null) {
            try {
                AuditType.valueOf(type);
            } catch (IllegalArgumentException e) {
                throw new InvalidRequest("type", "must be one of " + java.util.Arrays.toString(AuditType.values()));
            }
        }
        AuditContext ctx = auditContexts.current(caller.get());
        // A card number given as a filter matches nothing: no token or subject is card-shaped.
        boolean cardShapedFilter = CardShape.contains(token) || CardShape.contains(subject);
        Uni<EventPage> page;
        if (CardShape.contains(Long.toString(afterSeq))) {
            // No event is at such a position, and the page must not echo it: page on from the end.
            page = repository.highestSeq().map(end -> new EventPage(List.of(), end));
        } else if (cardShapedFilter) {
            page = Uni.createFrom().item(new EventPage(List.of(), afterSeq));
        } else {
            page = repository.page(afterSeq, limit, type, token, subject).map(events -> new EventPage(
                    events.stream().map(AuditResource::view).toList(), events.isEmpty() ? afterSeq : events.get(events.size() - 1).seq()));
        }
        return audit.record(ctx.event(AuditType.AUDIT_READ, Outcome.SUCCESS, null, null)).flatMap(v -> page);
    }

    @GET
    @Path("/verify")
    @Operation(summary = "Verify every hash chain", description = "valid, event count, head hash; or the first invalid seq and why.")
    public Uni<Map<String, Object>> verify() {
        AuditContext ctx = auditContexts.current(caller.get());
        return audit.record(ctx.event(AuditType.AUDIT_READ, Outcome.SUCCESS, null, "VERIFY"))
                .flatMap(v -> verifier.verify())
                .map(r -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("valid", r.valid());
                    out.put("events", r.events());
                    out.put("chains", r.chains());
                    out.put("head", r.head());
                    if (!r.valid()) {
                        out.put("firstInvalidSeq", r.firstInvalidSeq());
                        out.put("reason", r.reason());
                    }
                    return out;
                });
    }

    private static EventView view(AuditRepository.StoredEvent e) {
        return new EventView(e.seq(), e.at().toInstant().toString(), e.type(), e.subject(), e.tenant(), e.token(), e.purpose(),
                e.outcome(), e.sourceIp(), e.requestId(), e.chain(), e.chainSeq(), e.hash(), e.prevHash());
    }
}
