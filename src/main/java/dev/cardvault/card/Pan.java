package dev.cardvault.card;

import java.util.Arrays;

/**
 * A validated primary account number. It never prints itself: {@link #toString()} is the PCI DSS
 * 3.4.1 display form (first six, last four), so a Pan that reaches a log line or an exception
 * message leaks nothing.
 */
public final class Pan {

    public static final int MIN_LENGTH = 12;
    public static final int MAX_LENGTH = 19;
    static final String FIELD = "pan";

    private final String digits;
    private final Brand brand;

    private Pan(String digits, Brand brand) {
        this.digits = digits;
        this.brand = brand;
    }

    /**
     * Normalises and validates: ASCII digits with optional spaces and dashes, 12–19 digits, Luhn,
     * and a length that the brand issues.
     *
     * @throws CardValidationException naming the rule, never the value
     */
    public static Pan parse(String raw) {
        if (raw == null || raw.isBlank()) {
            throw new CardValidationException(FIELD, "is required");
        }
        if (raw.length() > 64) {
            throw new CardValidationException(FIELD, "must be 12 to 19 digits");
        }
        char[] out = new char[raw.length()];
        int n = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c >= '0' && c <= '9') {
                out[n++] = c;
            } else if (c != ' ' && c != '-') {
                // Non-ASCII digits (Arabic-Indic, fullwidth...) land here too, on purpose.
                Arrays.fill(out, '\0');
                throw new CardValidationException(FIELD, "may contain only ASCII digits, spaces and dashes");
            }
        }
        String digits = new String(out, 0, n);
        Arrays.fill(out, '\0');
        if (n < MIN_LENGTH || n > MAX_LENGTH) {
            throw new CardValidationException(FIELD, "must be 12 to 19 digits");
        }
        if (!Luhn.isValid(digits)) {
            throw new CardValidationException(FIELD, "fails the Luhn check digit");
        }
        Brand brand = Brand.detect(digits);
        if (!brand.allowsLength(n)) {
            throw new CardValidationException(FIELD, "has a length that " + brand + " does not issue");
        }
        return new Pan(digits, brand);
    }

    /** The full number. Only for encryption and fingerprinting; never for display or logs. */
    public String digits() {
        return digits;
    }

    public int length() {
        return digits.length();
    }

    public Brand brand() {
        return brand;
    }

    public String bin() {
        return digits.substring(0, 6);
    }

    public String last4() {
        return digits.substring(digits.length() - 4);
    }

    @Override
    public String toString() {
        return bin() + "*".repeat(digits.length() - 10) + last4();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pan p && java.security.MessageDigest.isEqual(
                digits.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                p.digits.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Override
    public int hashCode() {
        return digits.hashCode();
    }
}
