package dev.cardvault.crypto;

import java.security.SecureRandom;

/** The one CSPRNG of the service: nonces, keys and tokens all come from here. */
public final class Randomness {

    // Non-blocking (NativePRNG / getrandom on Linux); SecureRandom is thread-safe.
    private static final SecureRandom RANDOM = new SecureRandom();

    private Randomness() {
    }

    public static SecureRandom secure() {
        return RANDOM;
    }
}
