package dev.cardvault.card;


/** Cardholder name rules: optional, at most 64 characters, no control characters, no card number. */
public final class CardholderName {

    public static final int MAX_LENGTH = 64;
    static final String FIELD = "cardholderName";

    private CardholderName() {
    }

    /** @return the name, or null when absent or blank */
    public static String validate(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        if (name.codePointCount(0, name.length()) > MAX_LENGTH) {
            throw new CardValidationException(FIELD, "must be at most " + MAX_LENGTH + " characters");
        }
        boolean control = name.codePoints().anyMatch(cp -> Character.getType(cp) == Character.CONTROL
                || Character.getType(cp) == Character.FORMAT || Character.getType(cp) == Character.LINE_SEPARATOR
                || Character.getType(cp) == Character.PARAGRAPH_SEPARATOR);
        if (control) {
            throw new CardValidationException(FIELD, "must not contain control characters");
        }
        if (CardShape.contains(name)) {
            throw new CardValidationException(FIELD, "must not contain a card number");
        }
        return name;
    }
}
