package dev.cardvault.card;

import java.util.Arrays;

/**
 * The one definition of "card-shaped" in CardVault: a Luhn-valid run of 12–19 digits once the
 * separators between its digits are removed. Validation, log masking, request ids, metric labels
 * and the CI leak scan all use this class, so a number that one of them would catch, all do.
 *
 * <p>What counts:
 * <ul>
 * <li>Digits: every Unicode decimal digit (ASCII, fullwidth, Arabic-Indic...).</li>
 * <li>Separators between digits, in runs of any length: every Unicode space and invisible format
 * character, dashes (and the minus sign), dots, slashes, underscores, {@code +}, and any of these
 * percent-encoded ({@code %20}, {@code %C2%A0}, {@code %2D}...).</li>
 * <li>Digit groups joined by separators form a segment; any window of whole consecutive groups
 * holding 12–19 digits that passes Luhn is card-shaped, so "qty 2 4111 1111 1111 1111" is caught.
 * A single unbroken run of more than 19 digits is not a card number.</li>
 * <li>Not considered: canonical UUIDs and hex strings of 32 or more characters with a letter
 * (hashes), taken as whole words. Their digit groups are random and would otherwise pass Luhn one
 * time in ten.</li>
 * </ul>
 * Pure JDK, no allocation when the text holds fewer than 12 digits in a segment.
 */
public final class CardShape {

    public static final int MIN_DIGITS = 12;
    public static final int MAX_DIGITS = 19;
    private static final int MIN_HASH_HEX = 32;

    private CardShape() {
    }

    /** Whether {@code text} holds anything card-shaped. Null is not. */
    public static boolean contains(CharSequence text) {
        if (text == null || text.length() < MIN_DIGITS) {
            return false;
        }
        Scan scan = new Scan(text, null);
        scan.run();
        return scan.found;
    }

    /**
     * {@code text} with every card-shaped span replaced by its first six and last four digits
     * around asterisks (what PCI DSS 3.4.1 allows to be displayed); overlapping spans are masked
     * as one, so none shows more. Returns {@code text} itself when nothing is card-shaped, so the
     * common case allocates nothing.
     */
    public static String mask(String text) {
        if (text == null || text.length() < MIN_DIGITS) {
            return text;
        }
        StringBuilder out = new StringBuilder(0);
        Scan scan = new Scan(text, out);
        scan.run();
        if (!scan.found) {
            return text;
        }
        out.append(text, scan.copiedUpTo, text.length());
        return out.toString();
    }

    /**
     * For {@code toString} of a value that holds card input: the masked form when it is
     * card-shaped, else asterisks (an invalid number may still be most of a real one).
     */
    public static String redact(String cardInput) {
        if (cardInput == null) {
            return null;
        }
        String masked = mask(cardInput);
        return masked != cardInput ? masked : "*".repeat(Math.min(cardInput.length(), MAX_DIGITS));
    }

    /**
     * Whether a code point separates the digits of a card number: any Unicode space or format
     * character, dash, dot, slash, underscore or plus.
     */
    public static boolean isSeparator(int cp) {
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
            return true;
        }
        int type = Character.getType(cp);
        if (type == Character.DASH_PUNCTUATION || type == Character.CONNECTOR_PUNCTUATION || type == Character.FORMAT) {
            return true;
        }
        return switch (cp) {
            case '.', '/', '\\', '+', '\u2212', '\u00B7', '\u2024', '\u2027', '\u2044', '\u2215', '\u3002', '\u30FB',
                    '\uFF0E', '\uFF0F', '\uFF3C', '\uFF61', '\uFF0B' -> true;
            default -> false;
        };
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
        return isSeparator(cp) ? Character.charCount(cp) : 0;
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
        return isSeparator(cp) ? len : 0;
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

    /** One pass over the text: digit groups joined by separators, windows checked at each segment end. */
    private static final class Scan {
        private final CharSequence text;
        private final StringBuilder out; // null: stop at the first find
        boolean found;
        int copiedUpTo;

        private int[] digits = new int[0];
        private int digitCount;
        private int[] groupStart = new int[0]; // char index of the group's first digit
        private int[] groupEnd = new int[0]; // char index after the group's last digit
        private int[] groupFrom = new int[0]; // index into digits
        private int groups;
        private boolean afterSeparator;

        Scan(CharSequence text, StringBuilder out) {
            this.text = text;
            this.out = out;
        }

        void run() {
            int n = text.length();
            int i = 0;
            while (i < n && !(found && out == null)) {
                char c = text.charAt(i);
                if (isHex(c)) {
                    int skip = hexWordLength(text, i);
                    if (skip > 0) {
                        endSegment();
                        i += skip;
                        continue;
                    }
                }
                int cp = Character.codePointAt(text, i);
                int d = digit(cp);
                int len = Character.charCount(cp);
                if (d >= 0) {
                    addDigit(d, i, i + len);
                    i += len;
                    continue;
                }
                int sep = separatorLength(text, i);
                if (sep > 0) {
                    afterSeparator = groups > 0;
                    i += sep;
                    continue;
                }
                endSegment();
                i += len;
            }
            endSegment();
        }

        private void addDigit(int d, int start, int end) {
            if (groups == 0 || afterSeparator) {
                if (groups == groupStart.length) {
                    int size = Math.max(8, groups * 2);
                    groupStart = Arrays.copyOf(groupStart, size);
                    groupEnd = Arrays.copyOf(groupEnd, size);
                    groupFrom = Arrays.copyOf(groupFrom, size);
                }
                groupStart[groups] = start;
                groupFrom[groups] = digitCount;
                groups++;
                afterSeparator = false;
            }
            groupEnd[groups - 1] = end;
            if (digitCount == digits.length) {
                digits = Arrays.copyOf(digits, Math.max(32, digitCount * 2));
            }
            digits[digitCount++] = d;
        }

        /**
         * Every card-shaped window of whole groups; windows that share a group are masked as one
         * run. Which overlapping window is the real number is unknowable ("qty 2 4111 1111 1111
         * 1111" may also match as "2 4111 1111 1111"), and masking only one of them would leave
         * the other's middle digits readable.
         */
        private void endSegment() {
            if (digitCount >= MIN_DIGITS) {
                int runFrom = -1; // groups [runFrom, runTo]: the overlapping windows so far
                int runTo = -1;
                for (int a = 0; a < groups && !(found && out == null); a++) {
                    for (int b = a; b < groups && to(b) - groupFrom[a] <= MAX_DIGITS; b++) {
                        if (to(b) - groupFrom[a] >= MIN_DIGITS && Luhn.isValid(digits, groupFrom[a], to(b))) {
                            found = true;
                            if (runFrom >= 0 && a > runTo) {
                                maskRun(runFrom, runTo);
                                runFrom = -1;
                            }
                            if (runFrom < 0) {
                                runFrom = a;
                            }
                            runTo = Math.max(runTo, b);
                        }
                    }
                }
                if (runFrom >= 0) {
                    maskRun(runFrom, runTo);
                }
            }
            groups = 0;
            digitCount = 0;
            afterSeparator = false;
        }

        private void maskRun(int firstGroup, int lastGroup) {
            if (out != null) {
                out.append(text, copiedUpTo, groupStart[firstGroup]);
                appendMask(groupFrom[firstGroup], to(lastGroup));
                copiedUpTo = groupEnd[lastGroup];
            }
        }

        private int to(int group) {
            return group + 1 < groups ? groupFrom[group + 1] : digitCount;
        }

        private void appendMask(int from, int to) {
            for (int k = from; k < from + 6; k++) {
                out.append((char) ('0' + digits[k]));
            }
            for (int k = from + 6; k < to - 4; k++) {
                out.append('*');
            }
            for (int k = to - 4; k < to; k++) {
                out.append((char) ('0' + digits[k]));
            }
        }
    }
}
