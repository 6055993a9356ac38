package dev.cardvault.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.YearMonth;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class ExpiryAndNameTest {

    private static final YearMonth NOW = YearMonth.of(2026, 11);

    private static String firstMessage(Runnable r) {
        return assertThrows(CardValidationException.class, r::run).violations().get(0).message();
    }

    @Test
    void expiry_thisMonth_isValid() {
        assertEquals(new Expiry(11, 2026), Expiry.of(11, 2026, NOW));
    }

    @Test
    void expiry_lastMonth_isExpired() {
        assertEquals("the card has expired", firstMessage(() -> Expiry.of(10, 2026, NOW)));
        assertEquals("the card has expired", firstMessage(() -> Expiry.of(12, 2025, NOW)));
    }

    @Test
    void expiry_twentyYearsAhead_isValid_twentyOne_isNot() {
        assertEquals(new Expiry(12, 2046), Expiry.of(12, 2046, NOW));
        assertEquals("must be at most 20 years ahead", firstMessage(() -> Expiry.of(1, 2047, NOW)));
    }

    @Test
    void expiry_monthAndYearShapes() {
        assertEquals("must be 1 to 12", firstMessage(() -> Expiry.of(0, 2030, NOW)));
        assertEquals("must be 1 to 12", firstMessage(() -> Expiry.of(13, 2030, NOW)));
        assertEquals("must have four digits", firstMessage(() -> Expiry.of(12, 30, NOW)));
        assertEquals("is required", firstMessage(() -> Expiry.of(null, 2030, NOW)));
        assertEquals(2, assertThrows(CardValidationException.class, () -> Expiry.of(null, null, NOW)).violations().size());
    }

    @Test
    void name_rules() {
        assertNull(CardholderName.validate(null));
        assertNull(CardholderName.validate("  "));
        assertEquals("Mario Rossi", CardholderName.validate("Mario Rossi"));
        assertEquals("Zoë Ødegård-Łukasiewicz", CardholderName.validate("Zoë Ødegård-Łukasiewicz"));
        assertEquals("a".repeat(64), CardholderName.validate("a".repeat(64)));
        assertEquals("must be at most 64 characters", firstMessage(() -> CardholderName.validate("a".repeat(65))));
        assertEquals("must not contain control characters", firstMessage(() -> CardholderName.validate("Mario\nRossi")));
        assertEquals("must not contain control characters", firstMessage(() -> CardholderName.validate("Mario\u200eRossi")));
        assertEquals("must not contain a card number", firstMessage(() -> CardholderName.validate("4111 1111 1111 1111")));
    }
}
