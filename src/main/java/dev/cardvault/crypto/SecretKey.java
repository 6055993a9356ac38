package dev.cardvault.crypto;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * Raw symmetric key bytes, held in memory only. Never printed, never serialised; reading the
 * bytes takes a {@link SecretAccess}. {@link #destroy()} zeroes them.
 */
public final class SecretKey {

    public static final int AES256_BYTES = 32;
    private final byte[] bytes;
    private volatile boolean destroyed;

    private SecretKey(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Takes ownership of {@code bytes} (the caller must not keep or reuse the array). */
    public static SecretKey adopt(byte[] bytes) {
        Objects.requireNonNull(bytes);
        if (bytes.length != AES256_BYTES) {
            throw new IllegalArgumentException("expected a 256-bit key");
        }
        return new SecretKey(bytes);
    }

    public static SecretKey generate() {
        byte[] b = new byte[AES256_BYTES];
        Randomness.secure().nextBytes(b);
        return new SecretKey(b);
    }

    public byte[] bytes(SecretAccess access) {
        Objects.requireNonNull(access);
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
        return bytes;
    }

    public void destroy() {
        destroyed = true;
        Arrays.fill(bytes, (byte) 0);
    }

    /** Constant-time comparison. */
    public boolean sameAs(SecretKey other) {
        return MessageDigest.isEqual(bytes, other.bytes);
    }

    @Override
    public String toString() {
        return "SecretKey[redacted]";
    }
}
