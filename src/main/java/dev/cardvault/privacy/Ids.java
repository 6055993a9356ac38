package dev.cardvault.privacy;

import dev.cardvault.crypto.Randomness;

/** Identifiers of receipts and off-boardings: letters only (about 94 random bits), so never card-shaped. */
final class Ids {

    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";

    private Ids() {
    }

    static String next(String prefix) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < 20; i++) {
            sb.append(LETTERS.charAt(Randomness.secure().nextInt(LETTERS.length())));
        }
        return sb.toString();
    }

    static boolean wellFormed(String id, String prefix) {
        return id != null && id.length() == prefix.length() + 20 && id.startsWith(prefix)
                && id.substring(prefix.length()).chars().allMatch(c -> c >= 'a' && c <= 'z');
    }
}
