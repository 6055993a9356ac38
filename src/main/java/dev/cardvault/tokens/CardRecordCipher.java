package dev.cardvault.tokens;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.keys.DataKey;

/**
 * Encrypts a card record (PAN, expiry, cardholder name) under a tenant's data key.
 *
 * <p>Stored form: {@code version(1) || dataKeyId(8) || nonce(12) || ciphertext || tag(16)}. The
 * associated data binds it to the tenant, the token and the data key, so a ciphertext copied onto
 * another row, another tenant or another key fails to decrypt.
 */
public final class CardRecordCipher {

    static final byte VERSION = 1;
    private static final int HEADER = 1 + 8;
    private static final byte SEP = 0x1f;

    /** The plaintext card record. {@code toString} masks the PAN. */
    public record CardRecord(String pan, int expMonth, int expYear, String cardholderName) {
        @Override
        public String toString() {
            return "CardRecord[pan=" + dev.cardvault.card.CardShape.redact(pan) + ", exp=" + expMonth + "/" + expYear + "]";
        }
    }

    private CardRecordCipher() {
    }

    public static byte[] encrypt(CardRecord record, DataKey key, String tenant, String token) {
        byte[] plain = encode(record);
        try {
            byte[] sealed = key.aead().encrypt(plain, associatedData(tenant, token, key.id()));
            return ByteBuffer.allocate(HEADER + sealed.length).put(VERSION).putLong(key.id()).put(sealed).array();
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** The data key id recorded in a stored ciphertext. */
    public static long dataKeyId(byte[] stored) throws DecryptionFailedException {
        if (stored == null || stored.length < HEADER || stored[0] != VERSION) {
            throw new DecryptionFailedException();
        }
        return ByteBuffer.wrap(stored, 1, 8).getLong();
    }

    public static CardRecord decrypt(byte[] stored, DataKey key, String tenant, String token) throws DecryptionFailedException {
        if (dataKeyId(stored) != key.id()) {
            throw new DecryptionFailedException();
        }
        byte[] plain = key.aead().decrypt(Arrays.copyOfRange(stored, HEADER, stored.length), associatedData(tenant, token, key.id()));
        try {
            return decode(plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    static byte[] associatedData(String tenant, String token, long dataKeyId) {
        byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
        byte[] k = token.getBytes(StandardCharsets.UTF_8);
        byte[] label = "cardvault/card/v1".getBytes(StandardCharsets.US_ASCII);
        // Length-prefixed fields: no two different contexts encode to the same bytes.
        return ByteBuffer.allocate(label.length + 4 + t.length + 4 + k.length + 8)
                .put(label).putInt(t.length).put(t).putInt(k.length).put(k).putLong(dataKeyId).array();
    }

    private static byte[] encode(CardRecord r) {
        String name = r.cardholderName() == null ? "" : r.cardholderName();
        String s = r.pan() + (char) SEP + r.expMonth() + (char) SEP + r.expYear() + (char) SEP + (r.cardholderName() == null ? "0" : "1") + name;
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static CardRecord decode(byte[] plain) throws DecryptionFailedException {
        String s = new String(plain, StandardCharsets.UTF_8);
        String[] parts = s.split(String.valueOf((char) SEP), 4);
        if (parts.length != 4 || parts[3].isEmpty()) {
            throw new DecryptionFailedException();
        }
        try {
            String name = parts[3].charAt(0) == '1' ? parts[3].substring(1) : null;
            return new CardRecord(parts[0], Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), name);
        } catch (NumberFormatException e) {
            throw new DecryptionFailedException();
        }
    }
}
