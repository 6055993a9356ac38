package dev.cardvault.crypto;

/** Random identifiers (receipts, off-boardings, imports): letters only, about 94 random bits, so never card-shaped. */
public final class RandomIds {

    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";

    private RandomIds() {
    }

    public static String letters(String prefix) {
        StringBuilder sb = new StringBuilder(prefix);
        for (int i = 0; i < 20; i++) {
            sb.append(LETTERS.charAt(Randomness.secure().nextInt(LETTERS.length())));
        }
        return sb.toString();
    }

    public static boolean wellFormed(String id, String prefix) {
        return id != null && id.length() == prefix.length() + 20 && id.startsWith(prefix)
                && id.substring(prefix.length()).chars().allMatch(c -> c >= 'a' && c <= 'z');
    }
}
