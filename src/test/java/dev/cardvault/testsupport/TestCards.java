package dev.cardvault.testsupport;

import java.util.concurrent.ThreadLocalRandom;

/** Card numbers for tests: public test cards and Luhn-valid numbers built from a prefix. */
public final class TestCards {

    public static final String VISA = "4111111111111111";

    private TestCards() {
    }

    /** A Luhn-valid number of {@code length} digits starting with {@code prefix}, random in between. */
    public static String luhn(String prefix, int length) {
        StringBuilder sb = new StringBuilder(prefix);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        while (sb.length() < length - 1) {
            sb.append(r.nextInt(10));
        }
        for (int check = 0; check <= 9; check++) {
            String candidate = sb.toString() + check;
            if (dev.cardvault.card.Luhn.isValid(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException();
    }

    /** A fresh random Visa number, so tests do not share cards through deterministic tokens. */
    public static String randomVisa() {
        return luhn("4", 16);
    }
}
