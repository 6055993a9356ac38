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

    /**
     * Told which master key the stored keys are wrapped by (its id), before they are unwrapped: a
     * source that holds several generations (an HSM after a rotation) uses that one. Others ignore it.
     */
    default void follow(String inForceId) {
    }

    /** A fresh random 256-bit key, wrapped under this master key: how every KEK and root key is made. */
    default byte[] wrapNewKey() {
        SecretKey key = SecretKey.generate();
        try {
            return wrap(key);
        } finally {
            key.destroy();
        }
    }

    /**
     * Unwraps a key this service stored, failing closed with a message an operator can act on
     * when it was wrapped by another master key or does not unwrap.
     *
     * @param what names the key in the message, e.g. "KEK v2"
     */
    default SecretKey unwrapStored(byte[] wrapped, String wrappedBy, String what) {
        if (!id().equals(wrappedBy)) {
            throw new IllegalStateException(what + " was wrapped by master key " + wrappedBy + ", but the configured one is "
                    + id() + ": configure the master key this database was created with");
        }
        try {
            return unwrap(wrapped);
        } catch (DecryptionFailedException e) {
            throw new IllegalStateException(what + " does not unwrap with " + describe()
                    + ": the stored key is damaged or the master key is wrong");
        }
    }
}
