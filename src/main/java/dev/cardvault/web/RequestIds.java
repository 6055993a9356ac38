package dev.cardvault.web;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * {@code X-Request-Id}: a caller's id is honoured when it is short and plain; anything else is
 * replaced, so a header can never carry request input (for instance a card number) back out.
 */
public final class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String CONTEXT_KEY = "cardvault.requestId";
    private static final Pattern ACCEPTED = Pattern.compile("^[A-Za-z0-9._:-]{1,64}$");
    private static final Pattern LONG_DIGIT_RUN = Pattern.compile("[0-9]{12,}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private RequestIds() {
    }

    public static String acceptOrGenerate(String candidate) {
        if (candidate != null && ACCEPTED.matcher(candidate).matches() && !LONG_DIGIT_RUN.matcher(candidate).find()) {
            return candidate;
        }
        return generate();
    }

    static String generate() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] id = new char[20];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHABET[r.nextInt(ALPHABET.length)];
        }
        return new String(id);
    }
}
