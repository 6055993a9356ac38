package dev.cardvault.keys;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;

/**
 * One custodian's share of the master key (Shamir over GF(256)), as text a person can keep:
 * {@code cvshare:} and base64url of version, share index, the 32 share bytes and a 4-byte check
 * (SHA-256 of the rest), so a mistyped share is refused before it counts. The check is computed
 * from the share alone and says nothing about the key or the other shares. Prints a mask.
 */
final class Share {

    static final String PREFIX = "cvshare:";
    private static final byte VERSION = 1;
    private static final int VALUE_BYTES = 32;
    private static final int CHECK_BYTES = 4;
    private static final int BLOB_BYTES = 2 + VALUE_BYTES + CHECK_BYTES;

    private final int index;
    private final byte[] value;

    Share(int index, byte[] value) {
        if (index < 1 || index > 255 || value.length != VALUE_BYTES) {
            throw new IllegalArgumentException("share index 1-255 and 32 bytes expected");
        }
        this.index = index;
        this.value = value;
    }

    int index() {
        return index;
    }

    /** The share bytes themselves (not a copy: {@link #wipe()} zeroes them). */
    byte[] value() {
        return value;
    }

    String encode() {
        ByteBuffer b = ByteBuffer.allocate(BLOB_BYTES).put(VERSION).put((byte) index).put(value);
        byte[] body = Arrays.copyOf(b.array(), 2 + VALUE_BYTES);
        b.put(check(body));
        String text = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
        Arrays.fill(body, (byte) 0);
        Arrays.fill(b.array(), (byte) 0);
        return text;
    }

    /** @throws IllegalArgumentException (with a message that never repeats the input) when the text is not a share */
    static Share parse(String text) {
        if (text == null || !text.trim().startsWith(PREFIX)) {
            throw new IllegalArgumentException("A share starts with '" + PREFIX + "'.");
        }
        String encoded = text.trim().substring(PREFIX.length());
        byte[] blob;
        try {
            blob = Base64.getUrlDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("The share is not intact: check it for typing mistakes.");
        }
        // Canonical form only: a typo in the last character's unused bits must not pass as the same share.
        if (!Base64.getUrlEncoder().withoutPadding().encodeToString(blob).equals(encoded)) {
            Arrays.fill(blob, (byte) 0);
            throw new IllegalArgumentException("The share is not intact: check it for typing mistakes.");
        }
        try {
            if (blob.length != BLOB_BYTES || blob[0] != VERSION) {
                throw new IllegalArgumentException("The share is not intact: check it for typing mistakes.");
            }
            byte[] body = Arrays.copyOf(blob, 2 + VALUE_BYTES);
            boolean intact = MessageDigest.isEqual(check(body), Arrays.copyOfRange(blob, 2 + VALUE_BYTES, BLOB_BYTES));
            Arrays.fill(body, (byte) 0);
            int index = blob[1] & 0xff;
            if (!intact || index == 0) {
                throw new IllegalArgumentException("The share is not intact: check it for typing mistakes.");
            }
            return new Share(index, Arrays.copyOfRange(blob, 2, 2 + VALUE_BYTES));
        } finally {
            Arrays.fill(blob, (byte) 0);
        }
    }

    void wipe() {
        Arrays.fill(value, (byte) 0);
    }

    private static byte[] check(byte[] body) {
        return Arrays.copyOf(dev.cardvault.crypto.Sha256.of(body), CHECK_BYTES);
    }

    @Override
    public String toString() {
        return "Share[#" + index + ", redacted]";
    }
}
