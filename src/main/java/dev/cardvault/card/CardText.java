package dev.cardvault.card;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How text spells the parts of a card number for {@link CardShape}: digits of any script, letters
 * that end a group of digits, characters plain or percent-encoded (UTF-8), and the words that are
 * skipped because their digit groups are random or structured (UUIDs, hex hashes, timestamps).
 * Identifiers are checked without skipping any word ({@link CardShape#containsInIdentifier}).
 */
final class CardText {

    private static final int MIN_HASH_HEX = 32;
    /** ISO-8601 and log timestamps: 2026-11-30, 2026-11-30T00:30:40.123Z, 2026-11-30 00:30:40,123+01:00. */
    private static final Pattern TIMESTAMP = Pattern.compile(
            "\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d{1,9})?)?(?:Z|[+-]\\d{2}(?::?\\d{2})?)?)?");

    private CardText() {
    }

    /** The value of a decimal digit in any script, or -1. */
    static int digit(int cp) {
        return Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER ? Character.digit(cp, 10) : -1;
    }

    /** A letter that belongs to a word (and so ends a group of digits); modifier letters and fillers do not. */
    static boolean isWordLetter(int cp) {
        if (!Character.isLetter(cp) || Character.getType(cp) == Character.MODIFIER_LETTER) {
            return false;
        }
        return switch (cp) {
            case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x17B4, 0x17B5 -> false; // Hangul and Khmer fillers: blank
            default -> true;
        };
    }

    /**
     * The code point at {@code i} and its length in chars, packed ({@link #codePoint}, {@link #length}):
     * a percent-encoded UTF-8 sequence of one to three bytes ({@code %34}, {@code %C2%A0},
     * {@code %EF%BC%94}) counts as the character it encodes.
     */
    static long codePointAt(CharSequence s, int i) {
        if (s.charAt(i) == '%') {
            long decoded = percentEncoded(s, i);
            if (decoded >= 0) {
                return decoded;
            }
        }
        int cp = Character.codePointAt(s, i);
        return pack(cp, Character.charCount(cp));
    }

    static int codePoint(long packed) {
        return (int) (packed >>> 8);
    }

    static int length(long packed) {
        return (int) (packed & 0xFF);
    }

    private static long pack(int cp, int length) {
        return ((long) cp << 8) | length;
    }

    private static long percentEncoded(CharSequence s, int i) {
        int b0 = hexByte(s, i);
        if (b0 < 0) {
            return -1;
        }
        if (b0 < 0x80) {
            return pack(b0, 3);
        }
        if ((b0 & 0xE0) == 0xC0) {
            int b1 = continuation(s, i + 3);
            return b1 < 0 ? -1 : pack(((b0 & 0x1F) << 6) | b1, 6);
        }
        if ((b0 & 0xF0) == 0xE0) {
            int b1 = continuation(s, i + 3);
            int b2 = b1 < 0 ? -1 : continuation(s, i + 6);
            return b2 < 0 ? -1 : pack(((b0 & 0x0F) << 12) | (b1 << 6) | b2, 9);
        }
        return -1;
    }

    private static int continuation(CharSequence s, int i) {
        int b = hexByte(s, i);
        return b >= 0 && (b & 0xC0) == 0x80 ? b & 0x3F : -1;
    }

    private static int hexByte(CharSequence s, int i) {
        if (i + 2 >= s.length() || s.charAt(i) != '%') {
            return -1;
        }
        int hi = hexValue(s.charAt(i + 1));
        int lo = hexValue(s.charAt(i + 2));
        return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
    }

    private static int hexValue(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * At a word start: the length of a word whose digits are not a card number, else 0. Such words
     * are timestamps, canonical UUIDs, and hex strings of 32 or more characters with
     * a letter (hashes), each ending where the word ends.
     */
    static int skippedWordLength(CharSequence s, int i) {
        char c = s.charAt(i);
        if (!isHex(c) || (i > 0 && isAsciiAlnum(s.charAt(i - 1)))) {
            return 0;
        }
        int n = s.length();
        if (c <= '9' && i + 10 <= n && s.charAt(i + 4) == '-') {
            Matcher m = TIMESTAMP.matcher(s).region(i, n);
            if (m.lookingAt() && (m.end() == n || !isAsciiAlnum(s.charAt(m.end())))) {
                return m.end() - i;
            }
        }
        int j = i;
        boolean letter = false;
        while (j < n && isHex(s.charAt(j))) {
            letter |= s.charAt(j) > '9';
            j++;
        }
        int run = j - i;
        if (run >= MIN_HASH_HEX && letter && (j == n || !isAsciiAlnum(s.charAt(j)))) {
            return run;
        }
        if (run == 8 && i + 36 <= n && (i + 36 == n || !isAsciiAlnum(s.charAt(i + 36)))) {
            return uuidLength(s, i);
        }
        return 0;
    }

    /** 36 for a canonical UUID at {@code i}, else 0. */
    private static int uuidLength(CharSequence s, int i) {
        int[] groups = { 8, 4, 4, 4, 12 };
        int k = i;
        for (int g = 0; g < groups.length; g++) {
            if (g > 0) {
                if (s.charAt(k) != '-') {
                    return 0;
                }
                k++;
            }
            for (int c = 0; c < groups[g]; c++, k++) {
                if (!isHex(s.charAt(k))) {
                    return 0;
                }
            }
        }
        return 36;
    }
}
