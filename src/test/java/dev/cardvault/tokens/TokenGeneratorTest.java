package dev.cardvault.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.cardvault.card.CardValidationException;
import dev.cardvault.card.Luhn;
import dev.cardvault.card.Pan;
import dev.cardvault.testsupport.TestCards;

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
        var e = assertThrows(CardValidationException.class,
                () -> TokenGenerator.generate(TokenFormat.BIN6_LAST4, Pan.parse("378282246310005")));
        assertEquals("format", e.violations().get(0).field());
    }

    @Test
    void shape_acceptsOurTokensOnly() {
        assertTrue(TokenGenerator.SHAPE.matcher("tok_abcdefghijklmnopqrstuvwx").matches());
        assertTrue(TokenGenerator.SHAPE.matcher("4111110123451111").matches());
        assertFalse(TokenGenerator.SHAPE.matcher("tok_short").matches());
        assertFalse(TokenGenerator.SHAPE.matcher("../etc/passwd").matches());
    }
}
