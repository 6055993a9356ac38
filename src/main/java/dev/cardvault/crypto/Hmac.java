package dev.cardvault.crypto;

import java.nio.charset.StandardCharsets;

import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.crypto.params.KeyParameter;

/** HMAC-SHA-256 and HKDF-SHA-256 (RFC 5869), from Bouncy Castle. */
public final class Hmac {

    private final KeyParameter key;
    private volatile boolean destroyed;
    // Keyed once per thread: init hashes the padded key twice, which every fingerprint and audit
    // event would otherwise repeat; doFinal returns the MAC to its keyed start state.
    private final ThreadLocal<HMac> keyed = ThreadLocal.withInitial(this::newMac);

    public Hmac(SecretKey key) {
        this.key = new KeyParameter(key.bytes(SecretAccess.grant()));
    }

    private HMac newMac() {
        HMac h = new HMac(SHA256Digest.newInstance());
        h.init(key);
        return h;
    }

    public byte[] mac(byte[] message) {
        if (destroyed) {
            throw new IllegalStateException("key destroyed");
        }
        HMac h = keyed.get();
        h.update(message, 0, message.length);
        byte[] out = new byte[h.getMacSize()];
        h.doFinal(out, 0);
        return out;
    }

    /**
     * Zeroes the key and refuses any later MAC. The keyed per-thread states of threads that used
     * it are unreachable from here; they are dropped with their threads or the next collection.
     */
    public void destroy() {
        destroyed = true;
        KeyBytes.wipe(key);
        keyed.remove();
    }

    /** Derives an independent 256-bit key from {@code root} for one purpose ({@code info}). */
    public static SecretKey derive(SecretKey root, String info) {
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(SHA256Digest.newInstance());
        hkdf.init(new HKDFParameters(root.bytes(SecretAccess.grant()), null, info.getBytes(StandardCharsets.UTF_8)));
        byte[] out = new byte[SecretKey.AES256_BYTES];
        hkdf.generateBytes(out, 0, out.length);
        return SecretKey.adopt(out);
    }
}
