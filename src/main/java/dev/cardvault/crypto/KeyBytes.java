package dev.cardvault.crypto;

import java.util.Arrays;

import org.bouncycastle.crypto.params.KeyParameter;

/** Wiping of key bytes held by Bouncy Castle parameters. */
final class KeyBytes {

    private KeyBytes() {
    }

    /** Zeroes the key in place: {@link KeyParameter#getKey()} returns its own array, not a copy. */
    static void wipe(KeyParameter key) {
        Arrays.fill(key.getKey(), (byte) 0);
    }
}
