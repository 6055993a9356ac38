package dev.cardvault.capture;

import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.util.Arrays;
import java.util.List;

import dev.cardvault.card.Brand;
import dev.cardvault.card.Expiry;
import dev.cardvault.card.Pan;
import dev.cardvault.errors.InvalidRequest;

/**
 * The state of a phone entry: the fields keyed in order ({@code pan}, then {@code expiry} as MMYY),
 * {@code #} ending a field and {@code *} clearing it, three attempts per field. Holds card digits,
 * so it lives in memory only while a key press is applied and is stored encrypted; it prints a mask.
 */
final class KeyEntry {

    static final int MAX_ATTEMPTS = 3;
    private static final int MAX_FIELD_DIGITS = 19;

    enum Outcome {
        /** Still keying. */
        ENTERING,
        /** Every field keyed and valid. */
        COMPLETE,
        /** A field failed its third attempt. */
        FAILED
    }

    /** What the agent may see after a key: never a digit. */
    record Progress(String field, int digitsEntered, String brand, Boolean valid, int attempt) {
    }

    private final List<String> fields;
    private int fieldIndex;
    private int attempt = 1;
    private final StringBuilder current = new StringBuilder();
    private String pan;
    private String expiry;
    private String cvc;
    private Boolean lastValid;

    KeyEntry(List<String> fields) {
        this.fields = fields;
    }

    /** Applies keys; returns the progress after each field-changing key ({@code #}, {@code *}) and at the end. */
    Outcome apply(String keys, YearMonth now, List<Progress> progress) {
        Outcome outcome = Outcome.ENTERING;
        for (int i = 0; i < keys.length() && outcome == Outcome.ENTERING; i++) {
            char k = keys.charAt(i);
            if (k == '*') {
                current.setLength(0);
                lastValid = null;
                progress.add(progress());
            } else if (k == '#') {
                outcome = endField(now);
                progress.add(progress());
            } else if (current.length() < MAX_FIELD_DIGITS + 1) {
                current.append(k); // one digit past a field's longest form is kept, so that "#" refuses it
                lastValid = null;
            }
        }
        if (outcome == Outcome.ENTERING && (progress.isEmpty() || !progress.get(progress.size() - 1).equals(progress()))) {
            progress.add(progress());
        }
        return outcome;
    }

    private Outcome endField(YearMonth now) {
        String field = fields.get(fieldIndex);
        boolean valid = switch (field) {
            case "pan" -> validPan();
            case "expiry" -> validExpiry(now);
            default -> validCvc();
        };
        lastValid = valid;
        if (valid) {
            switch (field) {
                case "pan" -> pan = current.toString();
                case "expiry" -> expiry = current.toString();
                default -> cvc = current.toString();
            }
            wipe(current);
            fieldIndex++;
            attempt = 1;
            return fieldIndex == fields.size() ? Outcome.COMPLETE : Outcome.ENTERING;
        }
        wipe(current);
        if (attempt >= MAX_ATTEMPTS) {
            return Outcome.FAILED;
        }
        attempt++;
        return Outcome.ENTERING;
    }

    private boolean validPan() {
        try {
            Pan.parse(current.toString());
            return true;
        } catch (InvalidRequest e) {
            return false;
        }
    }

    /** Four digits for American Express, three for every other brand. */
    private boolean validCvc() {
        int length = pan != null && Brand.detect(pan) == Brand.AMEX ? 4 : 3;
        return current.length() == length;
    }

    private boolean validExpiry(YearMonth now) {
        if (current.length() != 4) {
            return false;
        }
        try {
            Expiry.of(Integer.parseInt(current, 0, 2, 10), 2000 + Integer.parseInt(current, 2, 4, 10), now);
            return true;
        } catch (InvalidRequest | NumberFormatException e) {
            return false;
        }
    }

    Progress progress() {
        String field = fieldIndex < fields.size() ? fields.get(fieldIndex) : fields.get(fields.size() - 1);
        String brand = null;
        String digits = fieldIndex < fields.size() && "pan".equals(fields.get(fieldIndex)) ? current.toString() : pan;
        if (digits != null && digits.length() >= 4) {
            Brand b = Brand.detect(digits);
            brand = b == Brand.UNKNOWN ? null : b.name();
        }
        return new Progress(field, fieldIndex < fields.size() ? current.length() : 0, brand, lastValid, attempt);
    }

    String pan() {
        return pan;
    }

    int expMonth() {
        return Integer.parseInt(expiry, 0, 2, 10);
    }

    int expYear() {
        return 2000 + Integer.parseInt(expiry, 2, 4, 10);
    }

    /** The security code keyed, when the session collects one (null otherwise). */
    String cvc() {
        return cvc;
    }

    int fieldIndex() {
        return fieldIndex;
    }

    /** The stored form (to be encrypted): version, field, attempt, last validity, the fields so far, the current one. */
    byte[] encode() {
        String s = "1|" + fieldIndex + "|" + attempt + "|" + (lastValid == null ? "-" : lastValid ? "y" : "n") + "|"
                + (pan == null ? "" : pan) + "|" + (expiry == null ? "" : expiry) + "|" + (cvc == null ? "" : cvc) + "|" + current;
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static KeyEntry decode(List<String> fields, byte[] plain) {
        String[] p = new String(plain, StandardCharsets.US_ASCII).split("\\|", -1);
        Arrays.fill(plain, (byte) 0);
        if (p.length != 8 || !"1".equals(p[0])) {
            throw new IllegalStateException("unreadable phone entry");
        }
        KeyEntry e = new KeyEntry(fields);
        e.fieldIndex = Integer.parseInt(p[1]);
        e.attempt = Integer.parseInt(p[2]);
        e.lastValid = "-".equals(p[3]) ? null : "y".equals(p[3]);
        e.pan = p[4].isEmpty() ? null : p[4];
        e.expiry = p[5].isEmpty() ? null : p[5];
        e.cvc = p[6].isEmpty() ? null : p[6];
        e.current.append(p[7]);
        return e;
    }

    void wipe() {
        wipe(current);
        pan = null;
        expiry = null;
        cvc = null;
    }

    private static void wipe(StringBuilder b) {
        for (int i = 0; i < b.length(); i++) {
            b.setCharAt(i, '0');
        }
        b.setLength(0);
    }

    @Override
    public String toString() {
        return "KeyEntry[field=" + fieldIndex + ", digits=" + current.length() + ", redacted]";
    }
}
