package dev.cardvault.crypto;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.Wrapper;
import org.bouncycastle.crypto.engines.AESWrapEngine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES key wrap (RFC 3394) of one 256-bit key under another: the master key wraps KEKs and the
 * fingerprint root, a KEK wraps data keys. Deterministic and integrity-checked (a wrong wrapping
 * key or altered bytes fail the unwrap).
 */
public final class KeyWrap {

    private final KeyParameter wrappingKey;
    private volatile boolean destroyed;

    public KeyWrap(SecretKey wrappingKey) {
        this.wrappingKey = new KeyParameter(wrappingKey.bytes(SecretAccess.grant()));
    }

    public byte[] wrap(SecretKey key) {
        checkLive();
        Wrapper w = new AESWrapEngine();
        w.init(true, wrappingKey);
        byte[] raw = key.bytes(SecretAccess.grant());
        return w.wrap(raw, 0, raw.length);
    }

    public SecretKey unwrap(byte[] wrapped) throws DecryptionFailedException {
        try {
            checkLive();
            Wrapper w = new AESWrapEngine();
            w.init(false, wrappingKey);
            return SecretKey.adopt(w.unwrap(wrapped, 0, wrapped.length));
        } catch (InvalidCipherTextException | RuntimeException e) {
            throw new DecryptionFailedException();
        }
    }

    /** Zeroes the wrapping key; any later use fails. */
    public void destroy() {
        destroyed = true;
        KeyBytes.wipe(wrappingKey);
    }

    private void checkLive() {
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
    }
}
