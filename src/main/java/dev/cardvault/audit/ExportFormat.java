package dev.cardvault.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The export file: NDJSON, one record per line, in this order:
 *
 * <pre>
 * {"record":"header","format":"cardvault-audit-export-v1","exportId":…,"from":…,"to":…}
 * {"record":"checkpoint","id":…,"at":…,"uptoSeq":…,"keyId":…,"payload":…,"signature":base64}   (0..n)
 * {"record":"event","seq":…,"chain":…,"chainSeq":…,"at":…,"type":…, … ,"keyId":…,"prevHash":…,"hash":…}   (0..n)
 * {"record":"trailer","exportId":…,"events":n,"digest":hex,"keyId":…,"signature":base64,"contentVerified":…}
 * </pre>
 *
 * {@code digest} is the SHA-256 of every byte before the trailer line (each line ends with
 * "\n"); {@code signature} is Ed25519 over {@link #signedText}. Shared by the service and the
 * offline verifier, so both read and write exactly the same thing.
 */
final class ExportFormat {

    static final String FORMAT = "cardvault-audit-export-v1";
    static final ObjectMapper JSON = new ObjectMapper();

    private ExportFormat() {
    }

    static String signedText(String exportId, Instant from, Instant to, long events, String digest) {
        return FORMAT + "\n" + exportId + "\n" + from + "\n" + to + "\n" + events + "\n" + digest;
    }

    static ObjectNode header(String exportId, Instant from, Instant to) {
        ObjectNode n = JSON.createObjectNode();
        n.put("record", "header").put("format", FORMAT).put("exportId", exportId).put("from", from.toString()).put("to", to.toString());
        return n;
    }

    static ObjectNode checkpoint(AuditRepository.Checkpoint c) {
        ObjectNode n = JSON.createObjectNode();
        n.put("record", "checkpoint").put("id", c.id()).put("at", c.at().toInstant().toString()).put("uptoSeq", c.uptoSeq())
                .put("keyId", c.keyId()).put("payload", c.payload()).put("signature", Base64.getEncoder().encodeToString(c.signature()));
        return n;
    }

    static AuditRepository.Checkpoint checkpoint(JsonNode n) {
        return new AuditRepository.Checkpoint(n.get("id").asLong(), Instant.parse(n.get("at").asText()).atOffset(java.time.ZoneOffset.UTC),
                n.get("uptoSeq").asLong(), n.get("keyId").asText(), n.get("payload").asText(),
                Base64.getDecoder().decode(n.get("signature").asText()));
    }

    static ObjectNode event(AuditRepository.StoredEvent e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("record", "event").put("seq", e.seq()).put("chain", e.chain()).put("chainSeq", e.chainSeq())
                .put("at", e.at().toInstant().toString()).put("type", e.type()).put("subject", e.subject()).put("tenant", e.tenant())
                .put("token", e.token()).put("purpose", e.purpose()).put("outcome", e.outcome()).put("sourceIp", e.sourceIp())
                .put("requestId", e.requestId()).put("detail", e.detail()).put("keyId", e.keyId()).put("prevHash", e.prevHash())
                .put("hash", e.hash());
        return n;
    }

    static AuditRepository.StoredEvent event(JsonNode n) {
        return new AuditRepository.StoredEvent(n.get("seq").asLong(), text(n, "chain"), n.get("chainSeq").asLong(),
                Instant.parse(n.get("at").asText()).atOffset(java.time.ZoneOffset.UTC), text(n, "type"), text(n, "subject"),
                text(n, "tenant"), text(n, "token"), text(n, "purpose"), text(n, "outcome"), text(n, "sourceIp"),
                text(n, "requestId"), text(n, "detail"), text(n, "keyId"), text(n, "prevHash"), text(n, "hash"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    static String line(JsonNode n) {
        try {
            return JSON.writeValueAsString(n) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("export line not serializable", e);
        }
    }

    /** SHA-256 over the lines written so far. */
    static final class Digest {
        private final MessageDigest sha = AuditChain.sha256();

        void add(String line) {
            sha.update(line.getBytes(StandardCharsets.UTF_8));
        }

        String hex() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}
