package dev.cardvault.audit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;

/**
 * The hash of an audit event over the previous hash of its chain and a canonical, length-prefixed
 * encoding of every field (null distinct from empty): HMAC-SHA-256 under the audit chain key named
 * by the event's key id. Changing any stored field, or removing an event from the middle of a
 * chain, breaks the chain from there on, and nobody without the key can recompute it.
 *
 * <p>Events of the first form (no key id) were hashed with plain SHA-256 and stay verifiable.
 */
public final class AuditChain {

    public static final String GENESIS = "0".repeat(64);
    private static final String V1 = "cardvault-audit-v1";
    private static final String V2 = "cardvault-audit-v2";

    private AuditChain() {
    }

    /** Timestamps are hashed at microsecond precision, what PostgreSQL stores. */
    public static Instant truncate(Instant at) {
        return at.truncatedTo(ChronoUnit.MICROS);
    }

    /** One event's stored fields, as hashed. */
    public record Fields(String prevHash, String chain, long chainSeq, Instant at, String type, String subject, String tenant,
            String token, String purpose, String outcome, String sourceIp, String requestId, String detail, String keyId) {
    }

    /** The keyed hash (hex) of an event under {@code f.keyId()}. */
    public static String hash(AuditKeys keys, Fields f) {
        if (f.keyId() == null) {
            return legacyHash(f);
        }
        return HexFormat.of().formatHex(keys.mac(f.keyId(), encode(V2, f.keyId(), f.prevHash(), f.chain(),
                Long.toString(f.chainSeq()), micros(f.at()), f.type(), f.subject(), f.tenant(), f.token(), f.purpose(),
                f.outcome(), f.sourceIp(), f.requestId(), f.detail())));
    }

    /** The plain SHA-256 hash of the first form (no key, no detail). */
    static String legacyHash(Fields f) {
        return HexFormat.of().formatHex(sha256().digest(encode(V1, f.prevHash(), f.chain(), Long.toString(f.chainSeq()),
                micros(f.at()), f.type(), f.subject(), f.tenant(), f.token(), f.purpose(), f.outcome(), f.sourceIp(), f.requestId())));
    }

    /** A fresh SHA-256 digest: event hashes of the first form, checkpoint and export digests. */
    static MessageDigest sha256() {
        return dev.cardvault.crypto.Sha256.digest();
    }

    private static String micros(Instant at) {
        return Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, at));
    }

    private static byte[] encode(String... values) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        for (String value : values) {
            if (value == null) {
                b.write(0xff); // distinct from any length prefix below
                continue;
            }
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            b.write(v.length >>> 24);
            b.write(v.length >>> 16);
            b.write(v.length >>> 8);
            b.write(v.length);
            b.write(v, 0, v.length);
        }
        return b.toByteArray();
    }
}
