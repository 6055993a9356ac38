package dev.cardvault.tokens;

import java.util.regex.Pattern;

import dev.cardvault.card.CardShape;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.card.Luhn;
import dev.cardvault.card.Pan;
import dev.cardvault.crypto.Randomness;

/**
 * Makes token values. Uniqueness is not decided here but by the database (primary key), with a
 * retry on collision; this class only guarantees the shapes.
 */
public final class TokenGenerator {

    static final String RANDOM_PREFIX = "tok_";
    static final int RANDOM_CHARS = 24; // 24 × log2(62) ≈ 143 bits
    static final int MIN_RANDOM_DIGITS = 6;
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final Pattern RANDOM_SHAPE = Pattern.compile("^tok_[0-9A-Za-z]{22,64}$");
    private static final Pattern DIGITS_SHAPE = Pattern.compile("^[0-9]{12,19}$");

    private TokenGenerator() {
    }

    /**
     * Whether a value in a token slot (path, query, batch item) can be one of our tokens:
     * {@code tok_} and base62 with nothing card-shaped in it, or 12–19 digits that fail Luhn (as
     * every format-preserving token does). Anything else, a card number above all, is answered as
     * not found and never stored, echoed or logged as a token.
     */
    public static boolean isWellFormed(String value) {
        if (value == null) {
            return false;
        }
        if (RANDOM_SHAPE.matcher(value).matches()) {
            return !CardShape.containsInIdentifier(value);
        }
        return DIGITS_SHAPE.matcher(value).matches() && !Luhn.isValid(value);
    }

    /** Rejects a format that cannot keep {@value #MIN_RANDOM_DIGITS} random digits for this PAN. */
    public static void checkFormatFits(TokenFormat format, Pan pan) {
        if (format != TokenFormat.RANDOM && pan.length() - format.keptDigits() < MIN_RANDOM_DIGITS) {
            throw new InvalidRequest("format", format + " needs a card number of at least "
                    + (format.keptDigits() + MIN_RANDOM_DIGITS) + " digits to keep " + MIN_RANDOM_DIGITS + " random digits");
        }
    }

    public static String generate(TokenFormat format, Pan pan) {
        if (format == TokenFormat.RANDOM) {
            Draws draws = new Draws(RANDOM_CHARS + 8);
            char[] out = new char[RANDOM_CHARS];
            for (int i = 0; i < out.length; i++) {
                out[i] = BASE62[draws.below(BASE62.length)];
            }
            String token = RANDOM_PREFIX + new String(out);
            // 24 base62 characters hold a Luhn-valid 12-digit run about once in 10^10 draws: draw again.
            return CardShape.containsInIdentifier(token) ? generate(format, pan) : token;
        }
        checkFormatFits(format, pan);
        String digits = pan.digits();
        int len = digits.length();
        int keepHead = format == TokenFormat.BIN6_LAST4 ? 6 : 0;
        Draws draws = new Draws(len + 4);
        char[] out = new char[len];
        digits.getChars(0, keepHead, out, 0);
        digits.getChars(len - 4, len, out, len - 4);
        for (int i = keepHead; i < len - 4; i++) {
            out[i] = (char) ('0' + draws.below(10));
        }
        if (Luhn.isValid(new String(out))) {
            // Changing one digit always breaks a valid Luhn sum: the doubling map is a bijection.
            int i = keepHead + draws.below(len - 4 - keepHead);
            out[i] = (char) ('0' + (out[i] - '0' + 1 + draws.below(9)) % 10);
        }
        return new String(out);
    }

    /**
     * Uniform draws below small bounds from bytes read from the CSPRNG once per token, not once per
     * character: each read of the shared generator takes its lock and mixes its state.
     */
    private static final class Draws {
        private final byte[] bytes;
        private int next;

        Draws(int expected) {
            bytes = new byte[expected];
            Randomness.secure().nextBytes(bytes);
        }

        /** A uniform value in [0, bound), bound ≤ 256: bytes at or above the largest multiple of bound are skipped (no modulo bias). */
        int below(int bound) {
            int limit = 256 - 256 % bound;
            int b;
            do {
                if (next == bytes.length) {
                    Randomness.secure().nextBytes(bytes);
                    next = 0;
                }
                b = bytes[next++] & 0xff;
            } while (b >= limit);
            return b % bound;
        }
    }
}
