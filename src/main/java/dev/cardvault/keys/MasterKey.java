package dev.cardvault.keys;

import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.crypto.SecretKey;

/**
 * The root of the key hierarchy: wraps key-encrypting keys and the fingerprint root, and nothing
 * else. This is the seam for hardware: a PKCS#11 implementation wraps and unwraps inside the HSM
 * and never exposes its key; the file implementation holds a 256-bit key in memory.
 */
public interface MasterKey {

    /** A stable, non-secret identifier of this master key, stored next to what it wrapped. */
    String id();

    /** What it is, for logs and errors (never key material). */
    String describe();

    byte[] wrap(SecretKey key);

    SecretKey unwrap(byte[] wrapped) throws DecryptionFailedException;
}
