package dev.cardvault.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.card.Luhn;
import dev.cardvault.card.CardShape;
import dev.cardvault.card.Pan;
import dev.cardvault.testsupport.TestCards;

@Tag("unit")
class TokenGeneratorTest {

    @Test
    void random_hasPrefixAnd24Base62Characters_andIsUnique() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String t = TokenGenerator.generate(TokenFormat.RANDOM, Pan.parse(TestCards.VISA));
            assertTrue(t.matches("tok_[0-9A-Za-z]{24}"), t);
            assertTrue(seen.add(t));
        }
    }

    // Chi-square against the uniform distribution, at p = 10^-6: a fair generator fails once in a million runs,
    // a biased draw (a byte taken modulo 62 or 10 without rejection) fails every time.
    @Test
    void random_charactersAreUniformOverBase62() {
        double chi2 = chiSquare(TokenFormat.RANDOM, t -> t.substring(TokenGenerator.RANDOM_PREFIX.length()),
                "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
        assertTrue(chi2 < 129.0, "chi-square " + chi2 + " over 61 degrees of freedom");
    }

    @Test
    void last4_randomDigitsAreUniform() {
        double chi2 = chiSquare(TokenFormat.LAST4, t -> t.substring(0, t.length() - 4), "0123456789");
        assertTrue(chi2 < 46.0, "chi-square " + chi2 + " over 9 degrees of freedom");
    }

    /** Chi-square of the characters in the random part of 20,000 tokens against a uniform draw from {@code alphabet}. */
    private static double chiSquare(TokenFormat format, java.util.function.UnaryOperator<String> randomPart, String alphabet) {
        int[] counts = new int[alphabet.length()];
        int total = 0;
        for (int i = 0; i < 20_000; i++) {
            for (char c : randomPart.apply(TokenGenerator.generate(format, Pan.parse(TestCards.VISA))).toCharArray()) {
                counts[alphabet.indexOf(c)]++;
                total++;
            }
        }
        double expected = (double) total / counts.length;
        double chi2 = 0;
        for (int o : counts) {
            chi2 += (o - expected) * (o - expected) / expected;
        }
        return chi2;
    }

    @Test
    void last4_sameLength_keepsLastFour_alwaysFailsLuhn() {
        for (int i = 0; i < 5_000; i++) {
            Pan pan = Pan.parse(TestCards.luhn("9", 12 + i % 8));
            String t = TokenGenerator.generate(TokenFormat.LAST4, pan);
            assertEquals(pan.length(), t.length());
            assertTrue(t.matches("[0-9]+"));
            assertTrue(t.endsWith(pan.last4()));
            assertFalse(Luhn.isValid(t), t);
        }
    }

    @Test
    void bin6Last4_keepsBinAndLastFour_sixRandomDigitsAtLeast_alwaysFailsLuhn() {
        for (int i = 0; i < 5_000; i++) {
            Pan pan = Pan.parse(TestCards.luhn("4", i % 2 == 0 ? 16 : 19));
            String t = TokenGenerator.generate(TokenFormat.BIN6_LAST4, pan);
            assertEquals(pan.length(), t.length());
            assertTrue(t.startsWith(pan.bin()) && t.endsWith(pan.last4()));
            assertFalse(Luhn.isValid(t), t);
        }
    }

    @Test
    void bin6Last4_onACardTooShortToKeepSixRandomDigits_isRefused() {
        var e = assertThrows(InvalidRequest.class,
                () -> TokenGenerator.generate(TokenFormat.BIN6_LAST4, Pan.parse("378282246310005")));
        assertEquals("format", e.violations().get(0).field());
    }

    @Test
    void isWellFormed_everyGeneratedToken_isTrue() {
        for (int i = 0; i < 2000; i++) {
            Pan pan = Pan.parse(TestCards.randomVisa());
            for (TokenFormat f : TokenFormat.values()) {
                String token = TokenGenerator.generate(f, pan);
                assertTrue(TokenGenerator.isWellFormed(token), () -> f + " token not well-formed: " + CardShape.redact(token));
            }
        }
    }

    @Test
    void isWellFormed_cardNumberOrCardShapedValue_isFalse() {
        String card = TestCards.randomVisa();
        assertFalse(TokenGenerator.isWellFormed(card), "a Luhn-valid digit string is a card, not a token");
        assertFalse(TokenGenerator.isWellFormed(card.substring(0, 4) + " " + card.substring(4)));
        assertFalse(TokenGenerator.isWellFormed("tok_" + card + "abcdefgh"), "tok_ value with a card inside");
        assertFalse(TokenGenerator.isWellFormed("tok_short"));
        assertFalse(TokenGenerator.isWellFormed("../etc/passwd"));
        assertFalse(TokenGenerator.isWellFormed(null));
        assertTrue(TokenGenerator.isWellFormed("tok_abcdefghijklmnopqrstuvwx"));
    }
}
