package dev.cardvault.card;

/**
 * How text spells the parts of a card number for {@link CardShape}: digits of any script,
 * separators plain or percent-encoded, and the words that are skipped (UUIDs, hex hashes).
 */
final class CardText {

    private static final int MIN_HASH_HEX = 32;

    private CardText() {
    }

    /** The value of a decimal digit in any script, or -1. */
    static int digit(int cp) {
        return Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER ? Character.digit(cp, 10) : -1;
    }

    /** The length in chars of the separator at {@code i} (plain or percent-encoded), or 0. */
    static int separatorLength(CharSequence s, int i) {
        char c = s.charAt(i);
        if (c == '%') {
            return percentEncodedSeparator(s, i);
        }
        int cp = Character.codePointAt(s, i);
        return CardShape.isSeparator(cp) ? Character.charCount(cp) : 0;
    }

    /** A percent-encoded UTF-8 sequence of one to three bytes that decodes to a separator. */
    private static int percentEncodedSeparator(CharSequence s, int i) {
        int b0 = hexByte(s, i);
        if (b0 < 0) {
            return 0;
        }
        int cp;
        int len;
        if (b0 < 0x80) {
            cp = b0;
            len = 3;
        } else if ((b0 & 0xE0) == 0xC0) {
            int b1 = continuation(s, i + 3);
            if (b1 < 0) {
                return 0;
            }
            cp = ((b0 & 0x1F) << 6) | b1;
            len = 6;
        } else if ((b0 & 0xF0) == 0xE0) {
            int b1 = continuation(s, i + 3);
            int b2 = b1 < 0 ? -1 : continuation(s, i + 6);
            if (b2 < 0) {
                return 0;
            }
            cp = ((b0 & 0x0F) << 12) | (b1 << 6) | b2;
            len = 9;
        } else {
            return 0;
        }
        return CardShape.isSeparator(cp) ? len : 0;
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

    static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /**
     * At a word start: the length of a canonical UUID or of a hex string of 32 or more characters
     * holding a letter, when the word ends right after it; else 0.
     */
    static int hexWordLength(CharSequence s, int i) {
        int n = s.length();
        if (i > 0 && isAsciiAlnum(s.charAt(i - 1))) {
            return 0;
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
        return 0;
    }

}
