package dev.cardvault.crypto;

/**
 * Authenticated encryption with associated data. The caller never chooses a nonce, a mode or a
 * padding. The associated data is authenticated, not encrypted: it binds a ciphertext to its
 * context (tenant, token, key id), and decrypting in any other context fails.
 */
public interface Aead {

    /** @return a self-contained ciphertext (nonce included) */
    byte[] encrypt(byte[] plaintext, byte[] associatedData);

    /** @throws DecryptionFailedException for any failure, the same exception whatever the cause */
    byte[] decrypt(byte[] ciphertext, byte[] associatedData) throws DecryptionFailedException;

    /** Zeroes the key held in memory (best effort); any later use fails. */
    void destroy();
}
