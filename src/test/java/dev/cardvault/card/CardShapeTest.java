package dev.cardvault.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CardShapeTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "card 4111111111111111 declined|card 411111******1111 declined",
            "4111 1111 1111 1111|411111******1111",
            "4111-1111-1111-1111.|411111******1111.",
            "amex=378282246310005;|amex=378282*****0005;",
            "qty 2 4111 1111 1111 1111 ok|qty 2 411111******1111 ok",
            "19 digits 4000000000000000006|19 digits 400000*********0006",
            "12 digits 000000000000|12 digits 000000**0000",
            "two 4111111111111111 and 5555555555554444|two 411111******1111 and 555555******4444",
    })
    void scrub_masksLuhnValidRunsOf12to19Digits(String in, String expected) {
        assertEquals(expected, CardShape.mask(in));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "order 4111111111111112 (bad check digit)",
            "twenty digits 41111111111111111111",
            "eleven 79927398713",
            "timestamp 2026-11-29T14:23:13Z port 34899",
            "no digits here at all, just a long sentence",
    })
    void scrub_leavesEverythingElseAlone(String in) {
        assertSame(in, CardShape.mask(in));
    }

    @Test
    void scrub_null_isNull() {
        assertEquals(null, CardShape.mask(null));
    }
}
