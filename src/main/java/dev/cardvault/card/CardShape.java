package dev.cardvault.card;


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
 * holding 12–19 digits that passes Luhn is card-shaped, so "qty 2" followed by a card in groups of four is caught.
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

    private CardShape() {
    }

    /** Whether {@code text} holds anything card-shaped. Null is not. */
    public static boolean contains(CharSequence text) {
        return found(text, false);
    }

    /**
     * {@code text} with every card-shaped span replaced by its first six and last four digits
     * around asterisks (what PCI DSS 3.4.1 allows to be displayed); overlapping spans are masked
     * as one, so none shows more. Returns {@code text} itself when nothing is card-shaped.
     */
    public static String mask(String text) {
        if (text == null || text.length() < MIN_DIGITS) {
            return text;
        }
        StringBuilder out = new StringBuilder(0);
        CardShapeScan scan = new CardShapeScan(text, out, false);
        scan.run();
        if (!scan.found) {
            return text;
        }
        out.append(text, scan.copiedUpTo, text.length());
        return out.toString();
    }

    /**
     * For identifiers (request ids, JWT subjects, token and rotation ids): the same rule without
     * skipping any word, so a card number cannot hide inside something UUID-, hash- or
     * timestamp-shaped. A false positive only means an id is refused or replaced.
     */
    public static boolean containsInIdentifier(String id) {
        return found(id, true);
    }

    private static boolean found(CharSequence text, boolean strict) {
        if (text == null || text.length() < MIN_DIGITS) {
            return false;
        }
        CardShapeScan scan = new CardShapeScan(text, null, strict);
        scan.run();
        return scan.found;
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
     * Whether a code point separates the digits of a card number: anything that is neither a
     * digit nor a letter of a word (spaces, punctuation, symbols, controls, format and combining
     * characters, and the letters that only look like marks or blanks: modifier letters such as
     * the long-vowel mark {@code ー}, Hangul fillers).
     */
    public static boolean isSeparator(int cp) {
        if (CardText.digit(cp) >= 0) {
            return false;
        }
        return !CardText.isWordLetter(cp);
    }
}
