package dev.cardvault.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.cardvault.crypto.AesGcm;
import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.crypto.SecretKey;
import dev.cardvault.keys.DataKey;
import dev.cardvault.tokens.CardRecordCipher.CardRecord;

@Tag("unit")
class CardRecordCipherTest {

    private final DataKey key = new DataKey(7, "acme", 1, new AesGcm(SecretKey.generate()));
    private final CardRecord record = new CardRecord("4111111111111111", 12, 2030, "Mario Rossi");

    @Test
    void roundTrip_keepsEveryField_andRecordsTheKeyId() throws Exception {
        byte[] stored = CardRecordCipher.encrypt(record, key, "acme", "tok_a");
        assertEquals(7, CardRecordCipher.dataKeyId(stored));
        assertEquals(record, CardRecordCipher.decrypt(stored, key, "acme", "tok_a"));
        CardRecord noName = new CardRecord("4111111111111111", 1, 2031, null);
        assertEquals(noName, CardRecordCipher.decrypt(CardRecordCipher.encrypt(noName, key, "acme", "tok_b"), key, "acme", "tok_b"));
    }

    @Test
    void ciphertextMovedToAnotherToken_orTenant_fails() {
        byte[] stored = CardRecordCipher.encrypt(record, key, "acme", "tok_a");
        assertThrows(DecryptionFailedException.class, () -> CardRecordCipher.decrypt(stored, key, "acme", "tok_b"));
        DataKey sameBytesOtherTenant = new DataKey(7, "globex", 1, key.aead());
        assertThrows(DecryptionFailedException.class, () -> CardRecordCipher.decrypt(stored, sameBytesOtherTenant, "globex", "tok_a"));
    }

    @Test
    void tamperedCiphertext_fails() {
        byte[] stored = CardRecordCipher.encrypt(record, key, "acme", "tok_a");
        stored[stored.length - 3] ^= 0x40;
        assertThrows(DecryptionFailedException.class, () -> CardRecordCipher.decrypt(stored, key, "acme", "tok_a"));
    }

    @Test
    void wrongKeyVersionInHeader_orOtherDataKey_fails() {
        byte[] stored = CardRecordCipher.encrypt(record, key, "acme", "tok_a");
        byte[] relabelled = stored.clone();
        ByteBuffer.wrap(relabelled).put(1, (byte) 0).putLong(1, 8L);
        DataKey key8 = new DataKey(8, "acme", 1, key.aead()); // same bytes, other id: the AD differs
        assertThrows(DecryptionFailedException.class, () -> CardRecordCipher.decrypt(relabelled, key8, "acme", "tok_a"));
        DataKey other = new DataKey(7, "acme", 1, new AesGcm(SecretKey.generate()));
        assertThrows(DecryptionFailedException.class, () -> CardRecordCipher.decrypt(stored, other, "acme", "tok_a"));
        byte[] badVersion = stored.clone();
        badVersion[0] = 9;
        assertThrows(DecryptionFailedException.class, () -> CardRecordCipher.decrypt(badVersion, key, "acme", "tok_a"));
    }

    @Test
    void recordToString_isMasked() {
        assertFalse(record.toString().contains("4111111111111111"));
    }
}
