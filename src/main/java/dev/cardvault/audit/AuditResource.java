package dev.cardvault.audit;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import dev.cardvault.card.CardShape;
import dev.cardvault.crypto.Ed25519;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.Violation;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import org.jboss.resteasy.reactive.RestResponse;

/** The audit trail for auditors, platform-wide. Every read is itself audited (AUDIT_READ) before it is answered. */
@Path("/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit")
@RolesAllowed(Roles.AUDITOR)
public class AuditResource {

    static final int MAX_LIMIT = 1000;
    static final String EXPORT_TYPE = "application/x-ndjson";

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

    @Inject
    AuditCheckpoints checkpoints;

    @Inject
    AuditExport exporter;

    @Inject
    AuditKeys keys;

    @Inject
    AuditAppender appender;

    public record EventView(long seq, String at, String type, String subject, String tenant, String token, String purpose,
            String outcome, String sourceIp, String requestId, String detail, String chain, long chainSeq, String keyId, String hash,
            String prevHash) {
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
    @Operation(summary = "Verify the whole trail", description = "Checkpoints (links and the newest signature), then every "
            + "event: content under the chain key, continuity of every chain, and every head a checkpoint signed or a new "
            + "chain linked. valid, counts and head; or the problem (ALTERED, REMOVED_EVENT, REMOVED_TAIL, REMOVED_CHAIN, "
            + "CHECKPOINT_INVALID, EMPTY), where, and why.")
    public Uni<Map<String, Object>> verify() {
        AuditContext ctx = auditContexts.current(caller.get());
        return audit.record(ctx.event(AuditType.AUDIT_READ, Outcome.SUCCESS, null, "VERIFY"))
                .flatMap(v -> verifier.verify())
                .map(r -> {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("valid", r.valid());
                    out.put("events", r.events());
                    out.put("chains", r.chains());
                    out.put("checkpoints", r.checkpoints());
                    out.put("head", r.head());
                    if (!r.valid()) {
                        out.put("problem", r.problem());
                        out.put("firstInvalidSeq", r.firstInvalidSeq());
                        out.put("chain", r.chain());
                        out.put("reason", r.reason());
                    }
                    return out;
                });
    }

    public record HourView(String hour, String purpose, long reveals) {
    }

    public record Summary(String from, String to, int hours, List<HourView> revealsByHour, List<AuditRepository.SubjectCount> topSubjects,
            long denied, List<AuditRepository.DeniedCount> topDenied, long highestSeq, String lastCheckpointAt, Long lastCheckpointUptoSeq, List<String> eventTypes) {
    }

    private static final List<String> EVENT_TYPES = java.util.Arrays.stream(AuditType.values()).map(Enum::name).toList();

    static final int MAX_SUMMARY_HOURS = 168;
    static final int SUMMARY_TOP = 10;

    @GET
    @Path("/summary")
    @Operation(summary = "Activity of the last hours", description = "For the last `hours` UTC hours (1 to 168, default 24; the "
            + "current hour so far included): successful reveals (DETOKENIZED, one per card) per hour and purpose (null: none "
            + "stated), the 10 subjects with the most reveals, denied attempts of every type in total and the 10 largest counts by "
            + "subject and type, and highestSeq, the newest event's position (to page the events from), when the newest checkpoint was signed and up to which "
            + "position, and the event types (for a type filter). Counts only.")
    @APIResponse(responseCode = "200", description = "The counts")
    @APIResponse(responseCode = "422", description = "hours out of range")
    public Uni<Summary> summary(@QueryParam("hours") @DefaultValue("24") int hours) {
        if (hours < 1 || hours > MAX_SUMMARY_HOURS) {
            throw new InvalidRequest("hours", "must be 1 to " + MAX_SUMMARY_HOURS);
        }
        AuditContext ctx = auditContexts.current(caller.get());
        Instant to = appender.trailTime(); // the events' own time, not the rules' clock
        Instant from = to.truncatedTo(ChronoUnit.HOURS).minus(hours - 1L, ChronoUnit.HOURS);
        return audit.record(ctx.event(AuditType.AUDIT_READ, Outcome.SUCCESS, null, "SUMMARY"))
                .flatMap(v -> repository.activity(from, to, SUMMARY_TOP))
                .map(a -> new Summary(from.toString(), to.toString(), hours,
                        a.revealsByHour().stream().map(h -> new HourView(h.hour().toString(), h.purpose(), h.reveals())).toList(),
                        a.topSubjects(), a.denied(), a.topDenied(), a.highestSeq(),
                        a.lastCheckpoint().map(c -> c.at().toInstant().toString()).orElse(null),
                        a.lastCheckpoint().map(AuditRepository.Checkpoint::uptoSeq).orElse(null), EVENT_TYPES));
    }

    public record CheckpointView(long id, String at, long uptoSeq, String keyId, String payload, String signature) {
        static CheckpointView of(AuditRepository.Checkpoint c) {
            return new CheckpointView(c.id(), c.at().toInstant().toString(), c.uptoSeq(), c.keyId(), c.payload(),
                    Base64.getEncoder().encodeToString(c.signature()));
        }
    }

    public record CheckpointPage(List<CheckpointView> checkpoints, long nextAfterId) {
    }

    @POST
    @Path("/checkpoints")
    @Operation(summary = "Sign a checkpoint now", description = "Signs the heads of the chains that moved since the last "
            + "checkpoint (Ed25519), stores it and records CHECKPOINT_SIGNED. Checkpoints are also signed every "
            + "cardvault.audit.checkpoint-interval when anything was written.")
    @APIResponse(responseCode = "201", description = "The checkpoint")
    public Uni<RestResponse<CheckpointView>> signCheckpoint() {
        AuditContext ctx = auditContexts.current(caller.get());
        return checkpoints.sign(ctx, true).map(signed -> {
            AuditCheckpoints.Signed s = signed.orElseThrow(() -> new IllegalStateException("checkpoint not signed"));
            return RestResponse.status(RestResponse.Status.CREATED, CheckpointView.of(s.checkpoint()));
        });
    }

    @GET
    @Path("/checkpoints")
    @Operation(summary = "Read signed checkpoints", description = "Oldest first after afterId. Keep them: a checkpoint you "
            + "hold proves what the trail contained when it was signed.")
    public Uni<CheckpointPage> checkpoints(@QueryParam("afterId") @DefaultValue("0") long afterId,
            @QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > MAX_LIMIT || afterId < 0) {
            throw new InvalidRequest(List.of(new Violation(limit < 1 || limit > MAX_LIMIT ? "limit" : "afterId",
                    limit < 1 || limit > MAX_LIMIT ? "must be 1 to " + MAX_LIMIT : "must not be negative")));
        }
        AuditContext ctx = auditContexts.current(caller.get());
        // No checkpoint is at such a position, and the page must not echo it: page on from the newest.
        Uni<CheckpointPage> page = CardShape.contains(Long.toString(afterId))
                ? repository.highestCheckpointId().map(end -> new CheckpointPage(List.of(), end))
                : repository.checkpoints(afterId, limit).map(list -> new CheckpointPage(list.stream().map(CheckpointView::of).toList(),
                        list.isEmpty() ? afterId : list.get(list.size() - 1).id()));
        return audit.record(ctx.event(AuditType.AUDIT_READ, Outcome.SUCCESS, null, "CHECKPOINTS")).flatMap(v -> page);
    }

    public record PublicKeyView(String keyId, String algorithm, String publicKey, String pem) {
    }

    @GET
    @Path("/public-key")
    @Operation(summary = "The key that verifies checkpoints and exports", description = "Ed25519; publicKey is the raw "
            + "32-byte key in base64, pem the same key as an X.509 SubjectPublicKeyInfo PEM for the offline verifier.")
    public PublicKeyView publicKey() {
        String keyId = keys.signingKeyId();
        byte[] raw = keys.publicKey(keyId);
        return new PublicKeyView(keyId, "Ed25519", Base64.getEncoder().encodeToString(raw), Ed25519.toPem(raw));
    }

    @GET
    @Path("/export")
    @Produces(EXPORT_TYPE)
    @Operation(summary = "Export a period of the trail", description = "Events with from <= at < to (ISO-8601 instants; "
            + "by default from the start of the current month, UTC, to now) as signed NDJSON: a "
            + "header, the checkpoints of the period, the events, and a trailer signed with the audit key over the file's "
            + "SHA-256. The export is recorded (AUDIT_EXPORTED); a month is retired only once an export covers it. Check a "
            + "file offline with dev.cardvault.audit.VerifyExport (docs/audit.md).")
    @APIResponse(responseCode = "200", description = "The export, streamed",
            content = @Content(mediaType = EXPORT_TYPE, schema = @Schema(type = SchemaType.STRING)))
    @Blocking
    public Response export(@QueryParam("from") String from, @QueryParam("to") String to) {
        Instant end = to == null ? Instant.now() : instant("to", to);
        Instant start = from == null ? YearMonth.from(end.atZone(ZoneOffset.UTC)).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC)
                : instant("from", from);
        if (!end.isAfter(start)) {
            throw new InvalidRequest("to", "must be after from");
        }
        Multi<String> lines = exporter.export(auditContexts.current(caller.get()), start, end);
        // The bytes are exactly the lines the trailer's digest covers; a failure mid-way leaves a file without a trailer.
        StreamingOutput body = out -> {
            for (String line : lines.subscribe().asIterable()) {
                out.write(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            out.flush();
        };
        return Response.ok(body, EXPORT_TYPE).build();
    }

    private static Instant instant(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidRequest(name, "must be an ISO-8601 instant such as 2026-11-01T00:00:00Z");
        }
    }

    private static EventView view(AuditRepository.StoredEvent e) {
        return new EventView(e.seq(), e.at().toInstant().toString(), e.type(), e.subject(), e.tenant(), e.token(), e.purpose(),
                e.outcome(), e.sourceIp(), e.requestId(), e.detail(), e.chain(), e.chainSeq(), e.keyId(), e.hash(), e.prevHash());
    }
}
