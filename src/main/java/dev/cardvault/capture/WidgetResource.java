package dev.cardvault.capture;

import java.util.Map;
import java.util.stream.Collectors;

import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.errors.MissingBody;
import dev.cardvault.time.VaultClock;
import dev.cardvault.tokens.TokenizeRequest;
import io.smallrye.mutiny.Uni;

/**
 * The card frame, served by the vault from its own origin: the page (strict CSP, framed only by the
 * session's allowed origins) and the endpoint it submits the card to with the session's client
 * secret. No JWT ever reaches the browser.
 */
@Path("/widget/v1")
@Tag(name = "Widget")
@PermitAll
@SecurityRequirements
public class WidgetResource {

    public static final String SECRET_HEADER = "CardVault-Client-Secret";

    @Inject
    CaptureService service;

    @Inject
    CaptureEvents stream;

    @Inject
    VaultClock clock;

    private static final Map<String, Map<String, String>> TEXTS = Map.of(
            "en", Map.of("title", "Card details", "pan", "Card number", "exp", "Expiry (MM/YY)", "name", "Name on card (optional)",
                    "submit", "Save card", "closed", "This payment form is closed. Ask the agent to start again.",
                    "phone", "The customer is keying the card on the phone"),
            "it", Map.of("title", "Dati della carta", "pan", "Numero della carta", "exp", "Scadenza (MM/AA)",
                    "name", "Intestatario (facoltativo)", "submit", "Salva la carta",
                    "closed", "Questo modulo di pagamento è chiuso. Chiedi all'operatore di ricominciare.",
                    "phone", "Il cliente sta digitando la carta sul telefono"));

    @GET
    @Path("/frame")
    @Produces(MediaType.TEXT_HTML)
    @Operation(summary = "The card frame", description = "An HTML page of the vault's own origin, to be framed only by the "
            + "session's allowed origins (CSP frame-ancestors). CardVault.mount inserts it. An unknown or closed session "
            + "gets a page that says so and may not be framed at all.")
    @APIResponse(responseCode = "200", description = "The frame page (or the closed-session page)")
    @APIResponse(responseCode = "406", description = "The request does not accept text/html")
    public Uni<Response> frame(@QueryParam("session") String session, @QueryParam("locale") String locale) {
        return service.forFrame(session).map(s -> {
            String lang = "it".equals(locale) || "en".equals(locale) ? locale : s.locale();
            boolean open = CaptureSession.OPEN.equals(s.stateAt(clock.instant()));
            String ancestors = String.join(" ", s.allowedOrigins());
            return page(!open ? closed(lang) : "PHONE".equals(s.channel()) ? phone(s, lang) : form(s, lang), ancestors);
        }).onFailure(CaptureRefused.class).recoverWithItem(() -> page(closed("en"), "'none'"));
    }

    @POST
    @Path("/sessions/{id}/card")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The frame submits the card", description = "With the session's client secret in CardVault-Client-Secret. "
            + "Validated and tokenized exactly as POST /v1/tokens into the session's tenant; one card per session.")
    @APIResponse(responseCode = "201", description = "The token, brand, last four digits and expiry")
    @APIResponse(responseCode = "403", description = "The client secret does not open this session")
    @APIResponse(responseCode = "409", description = "The session is completed, cancelled or expired")
    @APIResponse(responseCode = "422", description = "The card breaks a rule; nothing was stored")
    public Uni<Response> card(@PathParam("id") String id, @HeaderParam(SECRET_HEADER) String secret, CardSubmission body) {
        if (body == null) {
            throw new MissingBody();
        }
        TokenizeRequest card = new TokenizeRequest();
        card.pan = body.pan;
        card.expMonth = body.expMonth;
        card.expYear = body.expYear;
        card.cardholderName = body.cardholderName;
        return service.submit(id, secret, card).map(c -> Response.status(Response.Status.CREATED).header("Cache-Control", "no-store")
                .entity(c).build());
    }

    @GET
    @Path("/sessions/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @io.smallrye.common.annotation.Blocking
    @Operation(summary = "The frame's live view of a phone capture", description = "The same masked events as the agent's "
            + "stream, for the frame of a PHONE session, with the session's client secret in CardVault-Client-Secret.")
    @APIResponse(responseCode = "200", description = "The event stream")
    @APIResponse(responseCode = "403", description = "The client secret does not open this session")
    @APIResponse(responseCode = "404", description = "No such session")
    public io.smallrye.mutiny.Multi<jakarta.ws.rs.sse.OutboundSseEvent> frameEvents(@PathParam("id") String id,
            @HeaderParam(SECRET_HEADER) String secret, @HeaderParam("Last-Event-ID") String lastEventId,
            @jakarta.ws.rs.core.Context jakarta.ws.rs.sse.Sse sse) {
        // Checked before the stream starts, so that a refusal is a problem+json answer.
        CaptureSession s = service.forSecret(id, secret).await().atMost(java.time.Duration.ofSeconds(10));
        return stream.sse(sse, s, lastEventId);
    }

    private static Response page(String html, String ancestors) {
        return Response.ok(html, "text/html; charset=utf-8")
                .header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                        + "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors " + ancestors)
                .header("Referrer-Policy", "no-referrer").header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-store").build();
    }

    private static String form(CaptureSession s, String lang) {
        Map<String, String> t = TEXTS.get(lang);
        String origins = s.allowedOrigins().stream().map(WidgetResource::escape).collect(Collectors.joining(" "));
        return "<!DOCTYPE html>\n<html lang=\"" + lang + "\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + escape(t.get("title")) + "</title>"
                + "<link rel=\"stylesheet\" href=\"/widget/v1/frame.css\"></head>\n"
                + "<body data-session=\"" + escape(s.id()) + "\" data-origins=\"" + origins + "\" data-locale=\"" + lang + "\">\n"
                + "<form id=\"card-form\" novalidate autocomplete=\"off\">\n"
                + field("pan", t.get("pan"), "numeric", "cc-number-off", true)
                + field("exp", t.get("exp"), "numeric", "cc-exp-off", true)
                + field("name", t.get("name"), "text", "cc-name-off", false)
                + "<button type=\"submit\" id=\"submit\">" + escape(t.get("submit")) + "</button>\n"
                + "<p id=\"status\" class=\"status\" role=\"status\" aria-live=\"polite\"></p>\n"
                + "</form>\n<script src=\"/widget/v1/frame.js\"></script>\n</body></html>\n";
    }

    /** A PHONE session's frame: no input, the customer's keying shown masked, as the agent sees it. */
    private static String phone(CaptureSession s, String lang) {
        Map<String, String> t = TEXTS.get(lang);
        String origins = s.allowedOrigins().stream().map(WidgetResource::escape).collect(Collectors.joining(" "));
        return "<!DOCTYPE html>\n<html lang=\"" + lang + "\"><head><meta charset=\"utf-8\"><title>" + escape(t.get("title"))
                + "</title><link rel=\"stylesheet\" href=\"/widget/v1/frame.css\"></head>\n"
                + "<body class=\"phone\" data-session=\"" + escape(s.id()) + "\" data-origins=\"" + origins + "\" data-locale=\"" + lang
                + "\">\n<div id=\"phone-view\" role=\"group\" aria-label=\"" + escape(t.get("phone")) + "\">\n"
                + "<p class=\"phone-title\">" + escape(t.get("phone")) + "</p>\n"
                + "<div class=\"field\"><span class=\"label\">" + escape(t.get("pan")) + "</span>"
                + "<output id=\"pan-progress\" aria-live=\"polite\">\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022 "
                + "\u2022\u2022\u2022\u2022 \u2022\u2022\u2022\u2022</output> <span id=\"pan-tick\" class=\"tick\"></span>"
                + "<span id=\"brand\" class=\"brand\"></span></div>\n"
                + "<div class=\"field\"><span class=\"label\">" + escape(t.get("exp")) + "</span>"
                + "<output id=\"exp-progress\" aria-live=\"polite\">\u2022\u2022/\u2022\u2022</output> "
                + "<span id=\"exp-tick\" class=\"tick\"></span></div>\n"
                + "<p id=\"status\" class=\"status\" role=\"status\" aria-live=\"polite\"></p>\n</div>\n"
                + "<script src=\"/widget/v1/frame.js\"></script>\n</body></html>\n";
    }

    private static String field(String id, String label, String inputMode, String nameAttr, boolean required) {
        return "<div class=\"field\"><label for=\"" + id + "\">" + escape(label) + "</label>"
                + "<input id=\"" + id + "\" name=\"" + nameAttr + "\" inputmode=\"" + inputMode + "\" autocomplete=\"off\" "
                + "spellcheck=\"false\" autocorrect=\"off\" autocapitalize=\"off\"" + (required ? " aria-required=\"true\"" : "")
                + " aria-describedby=\"" + id + "-error\" aria-invalid=\"false\">"
                + ("pan".equals(id) ? "<span id=\"brand\" class=\"brand\" aria-live=\"polite\"></span>" : "")
                + "<p id=\"" + id + "-error\" class=\"error\" aria-live=\"assertive\"></p></div>\n";
    }

    private static String closed(String lang) {
        Map<String, String> t = TEXTS.get(lang);
        return "<!DOCTYPE html>\n<html lang=\"" + lang + "\"><head><meta charset=\"utf-8\"><title>" + escape(t.get("title"))
                + "</title><link rel=\"stylesheet\" href=\"/widget/v1/frame.css\"></head>\n<body><p class=\"status\" role=\"alert\">"
                + escape(t.get("closed")) + "</p></body></html>\n";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
