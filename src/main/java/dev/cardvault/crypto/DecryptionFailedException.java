package dev.cardvault.crypto;

/**
 * Every decryption or unwrap failure, whatever the cause (tampered bytes, wrong associated data,
 * wrong key, unknown version): callers cannot tell the causes apart, and neither can an attacker.
 */
public final class DecryptionFailedException extends Exception {

    private static final long serialVersionUID = 1L;

    public DecryptionFailedException() {
        super("decryption failed", null, false, false);
    }
}
