package dev.cardvault.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.cardvault.crypto.Ed25519;

/**
 * Checks an audit export without the service: only the file and the audit public key (PEM, from
 * {@code GET /v1/audit/public-key}) are needed.
 *
 * <pre>
 * java -cp "target/quarkus-app/app/*:target/quarkus-app/lib/main/*" dev.cardvault.audit.VerifyExport export.ndjson audit-public-key.pem
 * </pre>
 *
 * Verifies: the trailer's Ed25519 signature over the file's digest (any changed, added or removed
 * line fails it); each checkpoint's signature and its link to the previous one in the file; each
 * chain's continuity and links within the period; signed heads that fall in the period. Event
 * hashes are keyed with a secret that never leaves the vault; the service checked them while
 * exporting and says so in the signed trailer ({@code contentVerified}).
 *
 * <p>Exit status 0: valid; 1: invalid (the reason is printed); 2: the file or key cannot be read.
 */
public final class VerifyExport {

    /** The outcome; {@code reason} is null when valid. */
    public record Outcome(boolean valid, long events, int checkpoints, String reason) {
    }

    private VerifyExport() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        if (args.length != 2) {
            out.println("usage: VerifyExport <export.ndjson> <audit-public-key.pem>");
            System.exit(2);
        }
        Outcome o;
        try {
            o = verify(Path.of(args[0]), readPem(Path.of(args[1])));
        } catch (IOException | IllegalArgumentException e) {
            out.println("cannot read input: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (o.valid()) {
            out.println("VALID: " + o.events() + " events, " + o.checkpoints() + " checkpoints, signature and chains verified");
            System.exit(0);
        }
        out.println("INVALID: " + o.reason());
        System.exit(1);
    }

    /** The raw Ed25519 key in a PEM "PUBLIC KEY" file. */
    public static byte[] readPem(Path pem) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String b64 = text.replace("-----BEGIN PUBLIC KEY-----", "").replace("-----END PUBLIC KEY-----", "").replaceAll("\\s", "");
        return Ed25519.fromSpki(Base64.getDecoder().decode(b64));
    }

    public static Outcome verify(Path export, byte[] publicKey) throws IOException {
        ExportFormat.Digest digest = new ExportFormat.Digest();
        ChainCheck check = new ChainCheck(null, true, Map.of());
        String exportId = null;
        Instant from = null;
        Instant to = null;
        int checkpoints = 0;
        String prevCheckpointDigest = null;
        long events = 0;
        JsonNode trailer = null;
        try (BufferedReader r = Files.newBufferedReader(export, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = r.readLine()) != null) {
                number++;
                if (trailer != null) {
                    return new Outcome(false, events, checkpoints, "line " + number + " follows the trailer");
                }
                JsonNode n;
                try {
                    n = ExportFormat.JSON.readTree(line);
                } catch (IOException e) {
                    return new Outcome(false, events, checkpoints, "line " + number + " is not JSON");
                }
                String record = n.path("record").asText();
                if (number == 1 && !("header".equals(record) && ExportFormat.FORMAT.equals(n.path("format").asText()))) {
                    return new Outcome(false, events, checkpoints, "line 1 is not a " + ExportFormat.FORMAT + " header");
                }
                if ("trailer".equals(record)) {
                    trailer = n;
                    continue;
                }
                digest.add(line + "\n");
                switch (record) {
                    case "header" -> {
                        if (number != 1) {
                            return new Outcome(false, events, checkpoints, "a second header at line " + number);
                        }
                        exportId = n.path("exportId").asText();
                        from = Instant.parse(n.path("from").asText());
                        to = Instant.parse(n.path("to").asText());
                    }
                    case "checkpoint" -> {
                        AuditRepository.Checkpoint c = ExportFormat.checkpoint(n);
                        if (!Ed25519.verify(publicKey, CheckpointPayload.bytes(c.payload()), c.signature())) {
                            return new Outcome(false, events, checkpoints, "checkpoint " + c.id() + ": signature does not verify");
                        }
                        CheckpointPayload p = CheckpointPayload.parse(c.payload());
                        if (prevCheckpointDigest != null && !prevCheckpointDigest.equals(p.prev())) {
                            return new Outcome(false, events, checkpoints, "checkpoint " + c.id() + " does not link to the one before it");
                        }
                        prevCheckpointDigest = CheckpointPayload.digest(c.payload());
                        p.heads().forEach(h -> check.require(h, "checkpoint " + c.id()));
                        checkpoints++;
                    }
                    case "event" -> {
                        check.accept(ExportFormat.event(n));
                        events++;
                        if (check.failed()) {
                            ChainCheck.Failure f = check.failure();
                            return new Outcome(false, events, checkpoints, f.problem() + " at seq " + f.seq() + ": " + f.reason());
                        }
                    }
                    default -> {
                        return new Outcome(false, events, checkpoints, "line " + number + " is an unknown record");
                    }
                }
            }
        }
        if (trailer == null) {
            return new Outcome(false, events, checkpoints, "no trailer: the export is incomplete (cut off, or it did not finish)");
        }
        String hex = digest.hex();
        if (!hex.equals(trailer.path("digest").asText()) || events != trailer.path("events").asLong()
                || !exportId.equals(trailer.path("exportId").asText())) {
            return new Outcome(false, events, checkpoints, "the file differs from what was exported (digest or count)");
        }
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(trailer.path("signature").asText());
        } catch (IllegalArgumentException e) {
            return new Outcome(false, events, checkpoints, "the trailer's signature is not base64");
        }
        if (!Ed25519.verify(publicKey, ExportFormat.signedText(exportId, from, to, events, hex).getBytes(StandardCharsets.UTF_8),
                signature)) {
            return new Outcome(false, events, checkpoints, "the export's signature does not verify with this public key");
        }
        if (!trailer.path("contentVerified").asBoolean(false)) {
            return new Outcome(false, events, checkpoints, "the service found the trail altered while exporting: "
                    + trailer.path("problem").asText() + " at seq " + trailer.path("firstInvalidSeq").asText());
        }
        return new Outcome(true, events, checkpoints, null);
    }
}
