package dev.cardvault.card;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("unit")
class LuhnTest {

    @ParameterizedTest
    @ValueSource(strings = { "4111111111111111", "5555555555554444", "378282246310005", "6011111111111117",
            "3530111333300000", "30569309025904", "6200000000000005", "79927398713" })
    void isValid_publicTestNumbers_true(String digits) {
        assertTrue(Luhn.isValid(digits));
    }

    @ParameterizedTest
    @ValueSource(strings = { "4111111111111112", "79927398710", "1234567812345678", "0", "", "41111111x1111111" })
    void isValid_wrongCheckDigitOrNotDigits_false(String digits) {
        assertFalse(Luhn.isValid(digits));
    }
}
