package dev.cardvault.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * The text a checkpoint signs, one {@code name=value} per line:
 *
 * <pre>
 * cardvault-audit-checkpoint-v1
 * at=2026-11-30T03:00:00Z
 * upto=1234
 * prev=&lt;SHA-256 of the previous checkpoint's payload, or none&gt;
 * key=&lt;signing key id&gt;
 * head=&lt;chain&gt; &lt;chain seq&gt; &lt;hash&gt;     (one per chain that moved, sorted by chain)
 * </pre>
 *
 * Each checkpoint names its predecessor's digest, so the checkpoints form a chain of their own:
 * one valid signature on the newest vouches for every earlier one.
 */
public record CheckpointPayload(Instant at, long upto, String prev, String keyId, List<AuditRepository.Head> heads) {

    static final String MAGIC = "cardvault-audit-checkpoint-v1";
    public static final String NONE = "none";

    public String render() {
        StringBuilder s = new StringBuilder(128 + heads.size() * 100);
        s.append(MAGIC).append('\n');
        s.append("at=").append(at).append('\n');
        s.append("upto=").append(upto).append('\n');
        s.append("prev=").append(prev).append('\n');
        s.append("key=").append(keyId).append('\n');
        heads.stream().sorted(Comparator.comparing(AuditRepository.Head::chain))
                .forEach(h -> s.append("head=").append(h.chain()).append(' ').append(h.chainSeq()).append(' ').append(h.hash()).append('\n'));
        return s.toString();
    }

    /** @throws IllegalArgumentException when the text is not a checkpoint payload */
    public static CheckpointPayload parse(String payload) {
        String[] lines = payload.split("\n");
        if (lines.length < 5 || !MAGIC.equals(lines[0])) {
            throw new IllegalArgumentException("not a checkpoint payload");
        }
        Instant at = Instant.parse(value(lines[1], "at"));
        long upto = Long.parseLong(value(lines[2], "upto"));
        String prev = value(lines[3], "prev");
        String key = value(lines[4], "key");
        List<AuditRepository.Head> heads = new ArrayList<>();
        for (int i = 5; i < lines.length; i++) {
            String[] h = value(lines[i], "head").split(" ");
            if (h.length != 3) {
                throw new IllegalArgumentException("malformed head line");
            }
            heads.add(new AuditRepository.Head(h[0], Long.parseLong(h[1]), h[2]));
        }
        return new CheckpointPayload(at, upto, prev, key, heads);
    }

    /** What the signature covers: the payload's UTF-8 bytes. */
    public static byte[] bytes(String payload) {
        return payload.getBytes(StandardCharsets.UTF_8);
    }

    public static String digest(String payload) {
        return HexFormat.of().formatHex(AuditChain.sha256().digest(bytes(payload)));
    }

    private static String value(String line, String name) {
        if (!line.startsWith(name + "=")) {
            throw new IllegalArgumentException("expected " + name);
        }
        return line.substring(name.length() + 1);
    }

    /**
     * The links a new chain's CHAIN_STARTED event records in its detail: the newest checkpoint it
     * saw ({@code checkpoint=<id>:<digest>}) and the heads of the chains written since
     * ({@code heads=<chain> <seq> <hash>,...}). Verification requires every linked head to exist.
     */
    static String links(AuditRepository.Checkpoint latest, List<AuditRepository.Head> heads) {
        StringBuilder s = new StringBuilder("checkpoint=");
        s.append(latest == null ? NONE : latest.id() + ":" + digest(latest.payload()));
        s.append(";heads=");
        for (int i = 0; i < heads.size(); i++) {
            AuditRepository.Head h = heads.get(i);
            s.append(i == 0 ? "" : ",").append(h.chain()).append(' ').append(h.chainSeq()).append(' ').append(h.hash());
        }
        return s.toString();
    }

    /** The heads a CHAIN_STARTED detail links; empty when it links none or is not such a detail. */
    static List<AuditRepository.Head> linkedHeads(String detail) {
        List<AuditRepository.Head> out = new ArrayList<>();
        int i = detail == null ? -1 : detail.indexOf(";heads=");
        if (i < 0) {
            return out;
        }
        String list = detail.substring(i + ";heads=".length());
        if (list.isEmpty()) {
            return out;
        }
        for (String h : list.split(",")) {
            String[] p = h.split(" ");
            if (p.length == 3) {
                out.add(new AuditRepository.Head(p[0], Long.parseLong(p[1]), p[2]));
            }
        }
        return out;
    }
}
