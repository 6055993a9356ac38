package dev.cardvault.privacy;

import java.util.Map;

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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditContexts;
import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import dev.cardvault.card.CardNumberField;
import dev.cardvault.card.CardShape;
import dev.cardvault.card.CardValidationException;
import dev.cardvault.card.Pan;
import dev.cardvault.keys.ReceiptKeys;
import io.smallrye.mutiny.Uni;

/** Data-subject requests of the caller's own tenant (role privacy-officer), and the key that verifies their receipts. */
@Path("/v1")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Privacy")
public class SubjectRequestResource {

    static final String RECEIPT_NOTE = " The receipt: payload is base64 of the signed JSON, signature base64 of its Ed25519 "
            + "signature (key from GET /v1/privacy/receipt-key), content the same JSON decoded.";

    @Inject
    CurrentCaller caller;

    @Inject
    AuditContexts auditContexts;

    @Inject
    SubjectRequests requests;

    @Inject
    ReceiptKeys receiptKeys;

    /** A card a request is about. Prints masked. */
    public static class CardBody {
        @CardNumberField
        public String pan;

        @Override
        public String toString() {
            return getClass().getSimpleName() + "[pan=" + CardShape.redact(pan) + "]";
        }
    }

    public static class Rectification extends CardBody {
        public Integer expMonth;
        public Integer expYear;
        public String cardholderName;
    }

    public static class Restriction extends CardBody {
        public Boolean restricted;
    }

    /** The answer of an erasure: the contract's count, and the receipt. */
    public record Erased(int erased, Receipts.SignedReceipt receipt) {
    }

    /** The answer of a rectification or restriction. */
    public record Changed(int tokens, Receipts.SignedReceipt receipt) {
    }

    @POST
    @Path("/subject-requests/access")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PRIVACY_OFFICER)
    @Operation(summary = "Right of access (GDPR Art. 15)", description = "Every stored token of the card in your tenant (found through "
            + "its fingerprint): metadata, purpose, legal basis, consent reference, dates, restriction, and its history from the "
            + "audit trail (who revealed it, when, for what purpose; at most 1000 events, historyTruncated says if more exist). "
            + "Never the card number. Audited as SUBJECT_ACCESS_EXPORTED before it is answered.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            examples = @ExampleObject(name = "card", value = "{\"pan\": \"<the cardholder's card number>\"}")))
    @APIResponse(responseCode = "200", description = "The export (Cache-Control: no-store)")
    @APIResponse(responseCode = "403", description = "Role privacy-officer missing")
    @APIResponse(responseCode = "422", description = "pan missing or not a card number")
    public Uni<Response> access(CardBody body) {
        AuditContext who = auditContexts.current(caller.get());
        return requests.access(who, pan(body)).map(r -> Response.ok(r).header("Cache-Control", "no-store").build());
    }

    @POST
    @Path("/subject-requests/rectification")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PRIVACY_OFFICER)
    @Operation(summary = "Right to rectification (GDPR Art. 16)", description = "Replaces the expiry (expMonth and expYear) and/or the "
            + "cardholder name of every token of the card in your tenant; each record is encrypted again. Audited as "
            + "SUBJECT_DATA_RECTIFIED with the count." + RECEIPT_NOTE)
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "rectify",
            value = "{\"pan\": \"<the cardholder's card number>\", \"expMonth\": 9, \"expYear\": 2031, \"cardholderName\": \"Maria Rossi\"}")))
    @APIResponse(responseCode = "200", description = "How many tokens changed, and the signed receipt")
    @APIResponse(responseCode = "403", description = "Role privacy-officer missing")
    @APIResponse(responseCode = "422", description = "Invalid card, expiry or name, or nothing to rectify")
    public Uni<Changed> rectification(Rectification body) {
        AuditContext who = auditContexts.current(caller.get());
        Pan pan = pan(body);
        return requests.rectify(who, pan, body.expMonth, body.expYear, body.cardholderName).map(d -> new Changed(d.count(), d.receipt()));
    }

    @POST
    @Path("/subject-requests/restriction")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PRIVACY_OFFICER)
    @Operation(summary = "Right to restriction (GDPR Art. 18)", description = "restricted=true: every token of the card in your tenant "
            + "stays stored but every reveal is refused (403 restricted; RESTRICTED in a batch) and the retention job keeps it; "
            + "false lifts it. Audited as PROCESSING_RESTRICTED or PROCESSING_RESTRICTION_LIFTED." + RECEIPT_NOTE)
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = @ExampleObject(name = "restrict",
            value = "{\"pan\": \"<the cardholder's card number>\", \"restricted\": true}")))
    @APIResponse(responseCode = "200", description = "How many tokens changed, and the signed receipt")
    @APIResponse(responseCode = "403", description = "Role privacy-officer missing")
    @APIResponse(responseCode = "422", description = "Invalid card, or restricted missing")
    public Uni<Changed> restriction(Restriction body) {
        AuditContext who = auditContexts.current(caller.get());
        Pan pan = pan(body);
        return requests.restrict(who, pan, body.restricted).map(d -> new Changed(d.count(), d.receipt()));
    }

    @POST
    @Path("/erasures")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.PRIVACY_OFFICER)
    @Operation(summary = "Erase a card (GDPR Art. 17)", description = "Destroys every token of this PAN in your tenant, in every format, "
            + "deterministic or not (found through the fingerprint), in one transaction. Audited as CARD_ERASED without the PAN."
            + RECEIPT_NOTE)
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            examples = @ExampleObject(name = "card", value = "{\"pan\": \"<the cardholder's card number>\"}")))
    @APIResponse(responseCode = "200", content = @Content(examples = @ExampleObject(name = "erased",
            value = "{\"erased\": 3, \"receipt\": {\"algorithm\": \"Ed25519\", \"keyId\": \"receipt-signing-1\", \"payload\": \"eyJyZWNlaXB0SWQiOi...\", "
                    + "\"signature\": \"q1w2...\", \"content\": {\"receiptId\": \"rcpt_...\", \"kind\": \"ERASURE\"}}}")))
    @APIResponse(responseCode = "403", description = "Role privacy-officer missing")
    @APIResponse(responseCode = "422", description = "pan missing or not a card number")
    public Uni<Erased> erase(CardBody body) {
        AuditContext who = auditContexts.current(caller.get());
        return requests.erase(who, pan(body)).map(d -> new Erased(d.count(), d.receipt()));
    }

    @GET
    @Path("/privacy/receipt-key")
    @RolesAllowed({ Roles.PRIVACY_OFFICER, Roles.PROCESSOR_ADMIN, Roles.AUDITOR })
    @Operation(summary = "The key that verifies privacy receipts", description = "Ed25519; publicKey is the raw 32-byte key in base64, pem "
            + "the same key as an X.509 SubjectPublicKeyInfo PEM for openssl (see the README).")
    @APIResponse(responseCode = "200", description = "The public key")
    @APIResponse(responseCode = "403", description = "Role privacy-officer, processor-admin or auditor missing")
    public Map<String, String> receiptKey() {
        byte[] raw = receiptKeys.publicKey();
        return Map.of("keyId", receiptKeys.keyId(), "algorithm", Receipts.ALGORITHM,
                "publicKey", java.util.Base64.getEncoder().encodeToString(raw), "pem", dev.cardvault.crypto.Ed25519.toPem(raw));
    }

    private static Pan pan(CardBody body) {
        if (body == null || body.pan == null) {
            throw new CardValidationException("pan", "is required");
        }
        return Pan.parse(body.pan);
    }
}
