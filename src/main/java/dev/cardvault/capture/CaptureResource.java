package dev.cardvault.capture;

import java.util.List;
import java.util.Map;

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

import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import dev.cardvault.errors.MissingBody;
import dev.cardvault.time.VaultClock;
import io.smallrye.mutiny.Uni;

/** Capture sessions, opened server-to-server by an agent desktop's backend (role tokenizer). */
@Path("/v1/capture-sessions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Capture")
@RolesAllowed(Roles.TOKENIZER)
public class CaptureResource {

    @Inject
    CurrentCaller caller;

    @Inject
    CaptureService service;

    @Inject
    Callbacks callbacks;

    @Inject
    PhoneCapture phone;

    @Inject
    CaptureEvents stream;

    @Inject
    VaultClock clock;

    public static class OpenRequest {
        public String channel;
        public List<String> allowedOrigins;
        public String format;
        public Boolean deterministic;
        public Map<String, String> metadata;
        public Integer ttlSeconds;
        public String locale;
        public String callbackUrl;
        public List<String> fields;
        public Boolean collectCvc;
        public String recordingControlUrl;
        /** The controller's purpose the card is collected for, and the consent reference for a CONSENT purpose. */
        public String purpose;
        public String consentRef;
    }

    public record Opened(String id, String state, String expiresAt, String clientSecret) {
    }

    public record Progress(boolean complete, String brand, String masked) {
    }

    public record Captured(String token, String brand, String last4, Integer expMonth, Integer expYear, Map<String, String> metadata) {
    }

    public record SessionView(String id, String channel, String state, List<String> allowedOrigins, String locale, String format,
            boolean deterministic, String purpose, String createdAt, String expiresAt, String completedAt, Progress progress,
            Captured result) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Open a capture session", description = "For the agent desktop's backend: the card is then typed into "
            + "the vault's own frame (GET /widget/v1/frame) with the client secret, answered here once and stored only as a "
            + "hash. ttlSeconds at most 900 (default 600).")
    @APIResponse(responseCode = "201", description = "OPEN, with the client secret")
    @APIResponse(responseCode = "403", description = "Role tokenizer missing, or the tenant's controller takes no cards "
            + "(not registered in production, or off-boarded)")
    @APIResponse(responseCode = "422", description = "A rule is broken (origins, ttlSeconds, locale, format, metadata, purpose, consentRef)")
    public Uni<Response> open(OpenRequest body) {
        if (body == null) {
            throw new MissingBody();
        }
        return service.open(caller.get(), new CaptureService.Request(body.channel, body.allowedOrigins, body.format, body.deterministic,
                body.metadata, body.ttlSeconds, body.locale, body.callbackUrl, body.fields, body.collectCvc, body.recordingControlUrl,
                body.purpose, body.consentRef)).map(o -> Response.status(Response.Status.CREATED)
                        .header("Location", "/v1/capture-sessions/" + o.session().id()).header("Cache-Control", "no-store")
                        .entity(new Opened(o.session().id(), CaptureSession.OPEN, o.session().expiresAt().toString(), o.clientSecret()))
                        .build());
    }

    public record WebhookSecret(String secret) {
    }

    @GET
    @Path("/webhook-secret")
    @Operation(summary = "The tenant's webhook secret", description = "Receivers of capture session webhooks verify "
            + "CardVault-Signature (t=<unix>,v1=<hex HMAC-SHA-256 of \"t.body\">) with it. Derived from a root key of the vault.")
    public Response webhookSecret() {
        return Response.ok(new WebhookSecret(callbacks.secret(caller.get().tenant()))).header("Cache-Control", "no-store").build();
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A capture session", description = "Its state (a session past its expiry reads EXPIRED), a masked "
            + "progress and, once COMPLETED, the token with its metadata. Never card data.")
    public Uni<SessionView> get(@PathParam("id") String id) {
        return service.find(caller.get(), id).map(this::view);
    }

    @POST
    @Path("/{id}/cancel")
    @Operation(summary = "Cancel an open capture session", description = "The frame then takes no card.")
    @APIResponse(responseCode = "200", description = "CANCELLED")
    @APIResponse(responseCode = "409", description = "Not open (completed, cancelled or expired)")
    public Uni<SessionView> cancel(@PathParam("id") String id) {
        return service.cancel(caller.get(), id).map(this::view);
    }

    public static class KeysRequest {
        /** The customer's key presses: card digits by design, applied to the entry and stored only encrypted. */
        @dev.cardvault.card.CardNumberField
        public String keys;
        public Long seq;
    }

    @POST
    @Path("/{id}/keys")
    @RolesAllowed(Roles.TELEPHONY)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Key presses of a PHONE session", description = "For the telephony platform of the session's tenant: "
            + "digits, * (clear the field) and # (end the field), in chunks numbered by a strictly increasing seq (the same seq "
            + "again changes nothing). Fields in order: the card number, then the expiry as MMYY. The answer is masked "
            + "progress, never a digit. The last valid field tokenizes the card.")
    @APIResponse(responseCode = "200", description = "The masked progress after this chunk")
    @APIResponse(responseCode = "409", description = "The session is not open, the chunk is older than the last one applied, "
            + "or another chunk was applied at the same time")
    public Uni<PhoneCapture.KeysResult> captureKeys(@PathParam("id") String id, KeysRequest body) {
        if (body == null) {
            throw new MissingBody();
        }
        return phone.keys(caller.get(), id, body.keys, body.seq);
    }

    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @io.smallrye.common.annotation.Blocking
    @APIResponse(responseCode = "200", description = "The event stream")
    @APIResponse(responseCode = "404", description = "No such session of yours")
    @Operation(summary = "The agent's live view of a capture", description = "Server-Sent Events, for the session's creator: "
            + "progress (field, digitsEntered, brand, valid, attempt), then completed (the token view), failed, cancelled or "
            + "expired, which ends the stream. Reconnect with Last-Event-ID to resume. Never more than masked data.")
    public io.smallrye.mutiny.Multi<jakarta.ws.rs.sse.OutboundSseEvent> captureEvents(@PathParam("id") String id,
            @jakarta.ws.rs.HeaderParam("Last-Event-ID") String lastEventId, @jakarta.ws.rs.core.Context jakarta.ws.rs.sse.Sse sse) {
        // Checked before the stream starts (on a worker thread, once per connection), so that a refusal is
        // still a problem+json answer and not a broken stream.
        CaptureSession session = stream.open(caller.get(), id).await().atMost(java.time.Duration.ofSeconds(10));
        return stream.sse(sse, session, lastEventId);
    }

    SessionView view(CaptureSession s) {
        String state = s.stateAt(clock.instant());
        boolean done = CaptureSession.COMPLETED.equals(state);
        Progress progress = done ? new Progress(true, s.brand(), "•••• " + s.last4()) : new Progress(false, null, null);
        Captured result = done ? new Captured(s.token(), s.brand(), s.last4(), s.expMonth(), s.expYear(), s.metadata()) : null;
        return new SessionView(s.id(), s.channel(), state, s.allowedOrigins(), s.locale(), s.format(), s.deterministic(), s.purpose(),
                s.createdAt().toString(), s.expiresAt().toString(), s.completedAt() == null ? null : s.completedAt().toString(),
                progress, result);
    }
}
