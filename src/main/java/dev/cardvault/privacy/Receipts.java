package dev.cardvault.privacy;

import dev.cardvault.crypto.RandomIds;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.cardvault.audit.AuditContext;
import dev.cardvault.keys.ReceiptKeys;

/**
 * Signed receipts of privacy operations: what was done, counts, when, by whom, for which request.
 * The signature (Ed25519) covers the exact bytes of {@code payload}, the receipt's JSON, so a
 * controller verifies it offline with openssl and the published key (README, docs/privacy.md).
 */
@ApplicationScoped
public class Receipts {

    public static final String ALGORITHM = "Ed25519";

    @Inject
    ReceiptKeys keys;

    @Inject
    ObjectMapper mapper;

    /**
     * A receipt as answered: {@code payload} is base64 of the signed JSON bytes, {@code signature}
     * base64 of the Ed25519 signature over them, {@code content} the same JSON, decoded.
     */
    public record SignedReceipt(String algorithm, String keyId, String payload, String signature, Map<String, Object> content) {
    }

    /** A receipt's content, built field by field in a fixed order. */
    public static final class Content {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        Content(String kind, String subject, String requestId, String tenant, Instant at) {
            fields.put("receiptId", RandomIds.letters("rcpt_"));
            fields.put("kind", kind);
            fields.put("tenant", tenant);
            fields.put("requestedBy", subject);
            fields.put("requestId", requestId);
            fields.put("at", at.truncatedTo(ChronoUnit.MILLIS).toString());
        }

        Content put(String name, Object value) {
            fields.put(name, value);
            return this;
        }
    }

    public static Content content(String kind, AuditContext who, String tenant) {
        return content(kind, who.subject(), who.requestId(), tenant);
    }

    public static Content content(String kind, String subject, String requestId, String tenant) {
        return new Content(kind, subject, requestId, tenant, Instant.now());
    }

    public SignedReceipt sign(Content c) {
        Map<String, Object> content = new LinkedHashMap<>(c.fields);
        content.put("keyId", keys.keyId());
        byte[] payload;
        try {
            payload = mapper.writeValueAsString(content).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("receipt not serialisable", e);
        }
        byte[] signature = keys.sign(payload);
        Base64.Encoder b64 = Base64.getEncoder();
        return new SignedReceipt(ALGORITHM, keys.keyId(), b64.encodeToString(payload), b64.encodeToString(signature), content);
    }

    /** The id of a receipt, for the audit event that records it. */
    static String idOf(SignedReceipt r) {
        return (String) r.content().get("receiptId");
    }
}
