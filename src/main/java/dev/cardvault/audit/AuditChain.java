package dev.cardvault.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/**
 * The hash of an audit event: SHA-256 over the previous hash of its chain and a canonical,
 * length-prefixed encoding of every field (null distinct from empty). Changing any stored field,
 * or removing an event from the middle of a chain, breaks the chain from there on.
 */
public final class AuditChain {

    public static final String GENESIS = "0".repeat(64);

    private AuditChain() {
    }

    /** Timestamps are hashed at microsecond precision, what PostgreSQL stores. */
    public static Instant truncate(Instant at) {
        return at.truncatedTo(ChronoUnit.MICROS);
    }

    public static String hash(String prevHash, String chain, long chainSeq, Instant at, String type, String subject,
            String tenant, String token, String purpose, String outcome, String sourceIp, String requestId) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        field(b, "cardvault-audit-v1");
        field(b, prevHash);
        field(b, chain);
        field(b, Long.toString(chainSeq));
        long micros = ChronoUnit.MICROS.between(Instant.EPOCH, at);
        field(b, Long.toString(micros));
        field(b, type);
        field(b, subject);
        field(b, tenant);
        field(b, token);
        field(b, purpose);
        field(b, outcome);
        field(b, sourceIp);
        field(b, requestId);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.toByteArray()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }

    private static void field(ByteArrayOutputStream b, String value) {
        if (value == null) {
            b.write(0xff); // distinct from any length prefix below
            return;
        }
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        b.write(v.length >>> 24);
        b.write(v.length >>> 16);
        b.write(v.length >>> 8);
        b.write(v.length);
        b.write(v, 0, v.length);
    }
}
