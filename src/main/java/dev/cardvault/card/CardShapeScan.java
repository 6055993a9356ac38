package dev.cardvault.card;

import java.util.Arrays;

/** One pass over the text: digit groups joined by separators, windows checked at each segment end. */
final class CardShapeScan {
    private final CharSequence text;
    private final StringBuilder out; // null: stop at the first find
    private final boolean strict; // no word is skipped
    boolean found;
    int copiedUpTo;

    private static final int[] NONE = new int[0];

    private int[] digits = NONE;
    private int digitCount;
    private int[] groupStart = NONE; // char index of the group's first digit
    private int[] groupEnd = NONE; // char index after the group's last digit
    private int[] groupFrom = NONE; // index into digits
    private int groups;
    private boolean afterSeparator;

    CardShapeScan(CharSequence text, StringBuilder out, boolean strict) {
        this.text = text;
        this.out = out;
        this.strict = strict;
    }

    void run() {
        int n = text.length();
        int i = 0;
        while (i < n && !(found && out == null)) {
            if (!strict) {
                int skip = CardText.skippedWordLength(text, i);
                if (skip > 0) {
                    endSegment();
                    i += skip;
                    continue;
                }
            }
            long decoded = CardText.codePointAt(text, i);
            int cp = CardText.codePoint(decoded);
            int len = CardText.length(decoded);
            int d = CardText.digit(cp);
            if (d >= 0) {
                addDigit(d, i, i + len);
            } else if (CardShape.isSeparator(cp)) {
                afterSeparator = groups > 0;
            } else {
                endSegment();
            }
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
     * run. Which overlapping window is the real number is unknowable ("qty 2" before a card in
     * four groups may also match as the 2 and the first three groups), and masking only one of
     * them would leave the other's middle digits readable.
     */
    private void endSegment() {
        if (digitCount >= CardShape.MIN_DIGITS) {
            int runFrom = -1; // groups [runFrom, runTo]: the overlapping windows so far
            int runTo = -1;
            for (int a = 0; a < groups && !(found && out == null); a++) {
                for (int b = a; b < groups && to(b) - groupFrom[a] <= CardShape.MAX_DIGITS; b++) {
                    if (to(b) - groupFrom[a] >= CardShape.MIN_DIGITS && Luhn.isValid(digits, groupFrom[a], to(b))) {
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
