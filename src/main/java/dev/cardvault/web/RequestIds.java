package dev.cardvault.web;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import dev.cardvault.card.CardShape;

/**
 * {@code X-Request-Id}: a caller's id is honoured when it is at most 64 characters of
 * {@code [A-Za-z0-9._:-]} and holds nothing card-shaped; anything else is replaced by a generated
 * id, so a header can never carry request input (for instance a card number) into the response,
 * the log or the audit trail.
 */
public final class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String CONTEXT_KEY = "cardvault.requestId";
    public static final int MAX_LENGTH = 64;
    private static final Pattern ACCEPTED = Pattern.compile("^[A-Za-z0-9._:-]{1," + MAX_LENGTH + "}$");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private RequestIds() {
    }

    public static String acceptOrGenerate(String candidate) {
        return isAcceptable(candidate) ? candidate : generate();
    }

    static boolean isAcceptable(String candidate) {
        return candidate != null && ACCEPTED.matcher(candidate).matches() && !CardShape.containsInIdentifier(candidate);
    }

    static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] id = new char[20];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        }
        String generated = new String(id);
        // 20 random characters can, very rarely, hold a Luhn-valid digit run: draw again.
        return CardShape.containsInIdentifier(generated) ? generate() : generated;
    }
}
