package dev.cardvault.card;

/**
 * Defence in depth for log output: replaces anything that looks like a card number with a mask.
 *
 * <p>Text is cut into digit groups joined by single spaces or dashes ("4111 1111-1111 1111").
 * Any window of consecutive groups holding 12–19 digits in total that pass the Luhn check is a
 * candidate, so a PAN is found whether it is written in one run, grouped, or glued to a short
 * number before it ("qty 2 4111 1111 1111 1111"). A candidate is replaced by its first six and
 * last four digits around asterisks, what PCI DSS 3.4.1 allows to be displayed. A single run of
 * more than 19 digits is not a card number and is left alone.
 */
public final class PanScrubber {

    static final int MIN_DIGITS = 12;
    static final int MAX_DIGITS = 19;
    private static final int MAX_GROUPS = 19;

    private PanScrubber() {
    }

    /** Returns {@code text} itself when nothing needed masking, so the common case allocates nothing. */
    public static String scrub(String text) {
        if (text == null || text.length() < MIN_DIGITS) {
            return text;
        }
        StringBuilder out = null;
        int copiedUpTo = 0;
        int n = text.length();
        int[] starts = new int[MAX_GROUPS];
        int[] ends = new int[MAX_GROUPS];
        int i = 0;
        while (i < n) {
            if (!isDigit(text.charAt(i))) {
                i++;
                continue;
            }
            // One segment: digit groups separated by a single space or dash.
            int groups = 0;
            int j = i;
            int segmentEnd;
            while (true) {
                int gs = j;
                while (j < n && isDigit(text.charAt(j))) {
                    j++;
                }
                if (groups < MAX_GROUPS) {
                    starts[groups] = gs;
                    ends[groups] = j;
                    groups++;
                }
                segmentEnd = j;
                if (j + 1 < n && (text.charAt(j) == ' ' || text.charAt(j) == '-') && isDigit(text.charAt(j + 1))) {
                    j++;
                } else {
                    break;
                }
            }
            // Greedy: from each group, the longest window of groups that is a card number.
            int a = 0;
            while (a < groups) {
                int matchedB = -1;
                int total = 0;
                int bMax = a;
                for (int b = a; b < groups; b++) {
                    total += ends[b] - starts[b];
                    if (total > MAX_DIGITS) {
                        break;
                    }
                    bMax = b;
                }
                for (int b = bMax; b >= a && matchedB < 0; b--) {
                    String digits = digitsOf(text, starts, ends, a, b);
                    if (digits.length() >= MIN_DIGITS && digits.length() <= MAX_DIGITS && Luhn.isValid(digits)) {
                        if (out == null) {
                            out = new StringBuilder(n);
                        }
                        out.append(text, copiedUpTo, starts[a]).append(mask(digits));
                        copiedUpTo = ends[b];
                        matchedB = b;
                    }
                }
                a = matchedB >= 0 ? matchedB + 1 : a + 1;
            }
            i = segmentEnd;
        }
        if (out == null) {
            return text;
        }
        out.append(text, copiedUpTo, n);
        return out.toString();
    }

    /** Whether {@link #scrub} would change the text. */
    public static boolean containsPan(String text) {
        return scrub(text) != text;
    }

    private static String digitsOf(String text, int[] starts, int[] ends, int a, int b) {
        StringBuilder sb = new StringBuilder(MAX_DIGITS);
        for (int k = a; k <= b; k++) {
            sb.append(text, starts[k], ends[k]);
        }
        return sb.toString();
    }

    static String mask(CharSequence digits) {
        int len = digits.length();
        StringBuilder m = new StringBuilder(len);
        m.append(digits, 0, 6);
        for (int k = 6; k < len - 4; k++) {
            m.append('*');
        }
        m.append(digits, len - 4, len);
        return m.toString();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }
}
