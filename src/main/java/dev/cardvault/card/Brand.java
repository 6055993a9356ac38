package dev.cardvault.card;

import java.util.List;

/**
 * Card brands by issuer identification number (IIN) prefix, each with the PAN lengths it issues.
 * The order of {@link #detect} matters where ranges of different brands are nested.
 */
public enum Brand {
    VISA(List.of(new Range(4, 4)), 13, 16, 19),
    MASTERCARD(List.of(new Range(51, 55), new Range(2221, 2720)), 16),
    AMEX(List.of(new Range(34, 34), new Range(37, 37)), 15),
    DISCOVER(List.of(new Range(6011, 6011), new Range(644, 649), new Range(65, 65)), 16, 17, 18, 19),
    JCB(List.of(new Range(3528, 3589)), 16, 17, 18, 19),
    DINERS(List.of(new Range(300, 305), new Range(36, 36), new Range(38, 39)), 14, 15, 16, 17, 18, 19),
    UNIONPAY(List.of(new Range(62, 62)), 16, 17, 18, 19),
    MAESTRO(List.of(new Range(5018, 5018), new Range(5020, 5020), new Range(5038, 5038), new Range(5893, 5893),
            new Range(6304, 6304), new Range(6759, 6759), new Range(6761, 6763), new Range(50, 50), new Range(56, 58)),
            12, 13, 14, 15, 16, 17, 18, 19),
    UNKNOWN(List.of(), 12, 13, 14, 15, 16, 17, 18, 19);

    /** A range of IIN prefixes of one length, e.g. 2221–2720 (four digits). */
    record Range(int from, int to) {
        int digits() {
            return Integer.toString(from).length();
        }

        boolean matches(String pan) {
            int d = digits();
            if (pan.length() < d) {
                return false;
            }
            int prefix = Integer.parseInt(pan, 0, d, 10);
            return prefix >= from && prefix <= to;
        }
    }

    private final List<Range> ranges;
    private final int[] lengths;

    Brand(List<Range> ranges, int... lengths) {
        this.ranges = ranges;
        this.lengths = lengths;
    }

    public boolean allowsLength(int length) {
        for (int l : lengths) {
            if (l == length) {
                return true;
            }
        }
        return false;
    }

    /** @param digits a normalised PAN (ASCII digits only) */
    public static Brand detect(String digits) {
        for (Brand b : values()) {
            for (Range r : b.ranges) {
                if (r.matches(digits)) {
                    return b;
                }
            }
        }
        return UNKNOWN;
    }
}
