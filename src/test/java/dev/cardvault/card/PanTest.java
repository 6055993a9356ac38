package dev.cardvault.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.cardvault.testsupport.TestCards;

@Tag("unit")
class PanTest {

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({
            "4111111111111111, VISA", "4012888888881881, VISA", "4222222222222, VISA",
            "5555555555554444, MASTERCARD", "5105105105105100, MASTERCARD", "2223000048400011, MASTERCARD",
            "378282246310005, AMEX", "371449635398431, AMEX",
            "6011111111111117, DISCOVER", "6011000990139424, DISCOVER",
            "3530111333300000, JCB", "3566002020360505, JCB",
            "30569309025904, DINERS", "38520000023237, DINERS",
            "6200000000000005, UNIONPAY",
            "6759649826438453, MAESTRO",
    })
    void parse_publicTestCards_detectBrand(String number, Brand brand) {
        assertEquals(brand, Pan.parse(number).brand());
    }

    @ParameterizedTest(name = "prefix {0}, {1} digits is {2}")
    @CsvSource({
            "4, 13, VISA", "4, 19, VISA", "51, 16, MASTERCARD", "55, 16, MASTERCARD", "2221, 16, MASTERCARD",
            "2720, 16, MASTERCARD", "34, 15, AMEX", "37, 15, AMEX", "6011, 19, DISCOVER", "644, 16, DISCOVER",
            "649, 16, DISCOVER", "65, 16, DISCOVER", "3528, 16, JCB", "3589, 19, JCB", "300, 14, DINERS",
            "305, 16, DINERS", "36, 14, DINERS", "38, 14, DINERS", "39, 19, DINERS", "62, 16, UNIONPAY",
            "62, 19, UNIONPAY", "6759, 12, MAESTRO", "5018, 19, MAESTRO", "6763, 16, MAESTRO",
            "9, 12, UNKNOWN", "1, 19, UNKNOWN", "2220, 16, UNKNOWN", "2721, 16, UNKNOWN",
    })
    void parse_iinRanges_detectBrand(String prefix, int length, Brand brand) {
        assertEquals(brand, Pan.parse(TestCards.luhn(prefix, length)).brand());
    }

    @ParameterizedTest
    @CsvSource({ "4, 14", "4, 15", "51, 15", "51, 19", "34, 16", "2221, 19" })
    void parse_lengthTheBrandDoesNotIssue_rejected(String prefix, int length) {
        var e = assertThrows(CardValidationException.class, () -> Pan.parse(TestCards.luhn(prefix, length)));
        assertEquals("pan", e.violations().get(0).field());
        assertTrue(e.violations().get(0).message().contains("does not issue"));
    }

    @Test
    void parse_lengthBoundaries() {
        assertEquals(12, Pan.parse(TestCards.luhn("9", 12)).length());
        assertEquals(19, Pan.parse(TestCards.luhn("9", 19)).length());
        assertThrows(CardValidationException.class, () -> Pan.parse(TestCards.luhn("9", 11)));
        assertThrows(CardValidationException.class, () -> Pan.parse(TestCards.luhn("9", 20)));
    }

    @Test
    void parse_spacesAndDashes_removed() {
        assertEquals("4111111111111111", Pan.parse(" 4111 1111-1111 1111 ").digits());
    }

    @ParameterizedTest
    @ValueSource(strings = { "4111111111111112", "5555555555554443", "378282246310006" })
    void parse_luhnFailure_rejected(String number) {
        var e = assertThrows(CardValidationException.class, () -> Pan.parse(number));
        assertEquals("fails the Luhn check digit", e.violations().get(0).message());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661", // Arabic-Indic
            "\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11", // fullwidth
            "4111\u00a01111\u00a01111\u00a01111", "4111.1111.1111.1111", "4111111111111111x", "41111111111111\u09e7\u09e7" })
    void parse_nonAsciiDigitsAndOtherCharacters_rejected(String number) {
        var e = assertThrows(CardValidationException.class, () -> Pan.parse(number));
        assertEquals("may contain only ASCII digits, spaces and dashes", e.violations().get(0).message());
    }

    @Test
    void parse_missing_rejected() {
        assertThrows(CardValidationException.class, () -> Pan.parse(null));
        assertThrows(CardValidationException.class, () -> Pan.parse("  "));
    }

    @Test
    void errors_neverContainTheDigits() {
        for (String bad : new String[] { "4111111111111112", "411111111111", "41111111111111111111", "4111x111111111111" }) {
            var e = assertThrows(CardValidationException.class, () -> Pan.parse(bad));
            assertFalse(e.getMessage().matches(".*\\d{6,}.*"), e.getMessage());
            e.violations().forEach(v -> assertFalse(v.message().matches(".*\\d{6,}.*"), v.message()));
        }
    }

    @Test
    void toString_isMasked() {
        Pan pan = Pan.parse("4111111111111111");
        assertEquals("411111******1111", pan.toString());
        assertEquals("411111", pan.bin());
        assertEquals("1111", pan.last4());
        assertFalse(String.valueOf(pan).contains("4111111111111111"));
    }
}
