package dev.cardvault.card;

/** The Luhn (mod 10) check used by every payment card number. Pure function. */
public final class Luhn {

    private Luhn() {
    }

    /**
     * @param digits ASCII digits only (the caller has normalised the input)
     * @param from   first index, inclusive
     * @param to     last index, exclusive
     * @return whether {@code digits[from, to)} passes the Luhn check
     */
    public static boolean isValid(CharSequence digits, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return check(i -> digits.charAt(i) - '0', from, to);
    }

    /** The same check over digit values (0–9) in {@code digits[from, to)}. */
    public static boolean isValid(int[] digits, int from, int to) {
        return check(i -> digits[i], from, to);
    }

    private static boolean check(java.util.function.IntUnaryOperator digitAt, int from, int to) {
        if (to - from < 2) {
            return false;
        }
        int sum = 0;
        boolean doubleIt = false;
        for (int i = to - 1; i >= from; i--) {
            int d = digitAt.applyAsInt(i);
            if (doubleIt) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }

    public static boolean isValid(CharSequence digits) {
        return isValid(digits, 0, digits.length());
    }
}
