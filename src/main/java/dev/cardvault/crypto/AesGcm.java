package dev.cardvault.crypto;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.modes.gcm.BasicGCMMultiplier;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES-256-GCM from Bouncy Castle: a fresh random 96-bit nonce per message, 128-bit tag.
 * Output: {@code nonce(12) || ciphertext || tag(16)}. Random nonces keep the collision risk
 * negligible only below about 2^32 messages per key; the data-key rollover keeps far below that.
 */
public final class AesGcm implements Aead {

    public static final int NONCE_BYTES = 12;
    public static final int TAG_BITS = 128;
    public static final int OVERHEAD = NONCE_BYTES + TAG_BITS / 8;

    private final KeyParameter key;
    private volatile boolean destroyed;

    public AesGcm(SecretKey key) {
        // KeyParameter copies the bytes; the expanded schedule is built per message by BC.
        this.key = new KeyParameter(key.bytes(SecretAccess.grant()));
    }

    @Override
    public byte[] encrypt(byte[] plaintext, byte[] associatedData) {
        byte[] nonce = new byte[NONCE_BYTES];
        Randomness.secure().nextBytes(nonce);
        return encryptWithNonce(nonce, plaintext, associatedData);
    }

    /** Known-answer tests only: production code never picks a nonce. */
    byte[] encryptWithNonce(byte[] nonce, byte[] plaintext, byte[] associatedData) {
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
        GCMModeCipher gcm = newCipher();
        gcm.init(true, new AEADParameters(key, TAG_BITS, nonce, associatedData));
        byte[] out = new byte[NONCE_BYTES + gcm.getOutputSize(plaintext.length)];
        System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
        int n = gcm.processBytes(plaintext, 0, plaintext.length, out, NONCE_BYTES);
        try {
            gcm.doFinal(out, NONCE_BYTES + n);
        } catch (InvalidCipherTextException e) {
            throw new IllegalStateException("GCM encryption cannot fail", e);
        }
        return out;
    }

    @Override
    public byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws DecryptionFailedException {
        if (destroyed || ciphertext == null || ciphertext.length < OVERHEAD) {
            throw new DecryptionFailedException();
        }
        try {
            GCMModeCipher gcm = newCipher();
            byte[] nonce = java.util.Arrays.copyOfRange(ciphertext, 0, NONCE_BYTES);
            gcm.init(false, new AEADParameters(key, TAG_BITS, nonce, associatedData));
            byte[] out = new byte[gcm.getOutputSize(ciphertext.length - NONCE_BYTES)];
            int n = gcm.processBytes(ciphertext, NONCE_BYTES, ciphertext.length - NONCE_BYTES, out, 0);
            gcm.doFinal(out, n); // verifies the tag in constant time
            return out;
        } catch (InvalidCipherTextException | RuntimeException e) {
            throw new DecryptionFailedException();
        }
    }

    /**
     * A cipher for one message. The multiplier without tables: Bouncy Castle's default builds a
     * 4 KiB GHASH table at every init, three times the cost of a whole card record's GHASH done
     * without one (records and wrapped keys are a few blocks).
     */
    private static GCMModeCipher newCipher() {
        return GCMBlockCipher.newInstance(AESEngine.newInstance(), new BasicGCMMultiplier());
    }

    /** Zeroes the key; any later use fails. */
    @Override
    public void destroy() {
        destroyed = true;
        KeyBytes.wipe(key);
    }
}
