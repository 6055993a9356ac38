package dev.cardvault.card;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Examples of the card-shape definition. Failure messages show inputs and outputs with their
 * digits as '#' (see {@link CardShapePropertiesTest#shape}): CI scans captured test output.
 */
@Tag("unit")
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
        assertMasked(expected, in);
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
        assertNotCardShaped(in);
    }

    @Test
    void scrub_null_isNull() {
        assertEquals(null, CardShape.mask(null));
    }

    /** The separator styles the issue lists, and the other Unicode spaces and dashes seen in pasted text. */
    static Stream<Arguments> separatorStyles() {
        return Stream.of(
                arguments("two spaces", "card 4111  1111  1111  1111 ok"),
                arguments("dots", "card 4111.1111.1111.1111 ok"),
                arguments("no-break space", "card 4111\u00A01111\u00A01111\u00A01111 ok"),
                arguments("spaced dash", "card 4111 - 1111 - 1111 - 1111 ok"),
                arguments("slash", "card 4111/1111/1111/1111 ok"),
                arguments("underscore", "card 4111_1111_1111_1111 ok"),
                arguments("plus", "card 4111+1111+1111+1111 ok"),
                arguments("tab", "card 4111\t1111\t1111\t1111 ok"),
                arguments("figure space", "card 4111\u20071111\u20071111\u20071111 ok"),
                arguments("narrow no-break space", "card 4111\u202F1111\u202F1111\u202F1111 ok"),
                arguments("thin space", "card 4111\u20091111\u20091111\u20091111 ok"),
                arguments("ideographic space", "card 4111\u30001111\u30001111\u30001111 ok"),
                arguments("zero-width space", "card 4111\u200B1111\u200B1111\u200B1111 ok"),
                arguments("en dash", "card 4111\u20131111\u20131111\u20131111 ok"),
                arguments("em dash", "card 4111\u20141111\u20141111\u20141111 ok"),
                arguments("minus sign", "card 4111\u22121111\u22121111\u22121111 ok"),
                arguments("fullwidth hyphen", "card 4111\uFF0D1111\uFF0D1111\uFF0D1111 ok"),
                arguments("mixed run", "card 4111 -\u00A01111.\u200B1111 / 1111 ok"),
                arguments("separator between every digit", "card 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 ok"),
                arguments("percent-encoded space", "card 4111%201111%201111%201111 ok"),
                arguments("percent-encoded no-break space", "card 4111%C2%A01111%C2%A01111%C2%A01111 ok"),
                arguments("percent-encoded dash, lower-case hex", "card 4111%2d1111%2d1111%2d1111 ok"),
                arguments("percent-encoded plus and space", "card 4111%2B1111+1111%201111 ok"),
                arguments("percent-encoded zero-width space", "card 4111%E2%80%8B1111%E2%80%8B1111%E2%80%8B1111 ok"),
                arguments("fullwidth digits", "card \uFF14\uFF11\uFF11\uFF11 \uFF11\uFF11\uFF11\uFF11 \uFF11\uFF11\uFF11\uFF11 \uFF11\uFF11\uFF11\uFF11 ok"),
                arguments("Arabic-Indic digits", "card \u0664\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 ok"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("separatorStyles")
    void mask_separatorStyle_masksWholeNumber(String style, String in) {
        assertTrue(CardShape.contains(in), () -> style + ": not found in " + CardShapePropertiesTest.shape(in));
        assertMasked("card 411111******1111 ok", in);
    }

    /**
     * "6 4111 1111 1111" is also Luhn-valid: the overlapping windows are masked as one, so the
     * card number keeps no more than its first six and last four digits visible.
     */
    @Test
    void mask_shortNumberFormsWindowWithFirstGroups_masksBothAsOne() {
        assertMasked("qty 641111*******1111 ok", "qty 6 4111 1111 1111 1111 ok");
    }

    @Test
    void mask_twoCardsInOneSegment_masksEach() {
        assertMasked("cards 411111******1111 601111******1117", "cards 4111 1111 1111 1111 6011 1111 1111 1117");
    }

    /** "1111 1111 1111 5555" across the two is Luhn-valid too, so all of it is one masked run. */
    @Test
    void mask_twoCardsWithValidWindowAcross_masksAllAsOne() {
        assertMasked("cards 411111**********************4444", "cards 4111 1111 1111 1111 5555 5555 5555 4444");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            // each would hold a Luhn-valid window of 12–19 digits if it were not skipped as a whole word
            "5555082f-3413-4785-9973-342e890e9eb7",
            "request id=4D724DBC-9E19-4708-915F-355936444296, retry",
            "uuid:d1be4610-2179-4522-9685-8aaac0d3a14c",
            "sha256=b293f484960114912de1fdd737a6f0667bf4033fcf8a1f169857c2a6ca3944ca",
            "etag \"602476106345014E25DB58145F2C09CF94372AF9B79B795C636533FA1A30DB34\"",
            "md5 e03072330375219fb740b5b0f7386b6b ok",
            "5951c22392829507198dcbe5b010f87b",
    })
    void contains_uuidOrHash_isFalse(String in) {
        assertNotCardShaped(in);
    }

    /** Only whole words are skipped: glued to a non-hex letter, the same text is scanned digit by digit. */
    @Test
    void contains_uuidDigitsInsideLongerWord_isTrue() {
        assertTrue(CardShape.contains("x5555082f-3413-4785-9973-342e890e9eb7"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "4111111111111111|411111******1111",
            "4111 1111 1111 1111|411111******1111",
            "card 4111-1111-1111-1111|card 411111******1111",
            "4111111111111112|****************",
            "1234|****",
            "not a card number at all, far too long|*******************",
    })
    void redact_cardInput_masksValidAndHidesTheRest(String in, String expected) {
        String redacted = CardShape.redact(in);
        assertEquals(CardShapePropertiesTest.shape(expected), CardShapePropertiesTest.shape(redacted));
        assertTrue(expected.equals(redacted), "redacted differs in its digits");
    }

    @Test
    void redact_null_isNull() {
        assertNull(CardShape.redact(null));
    }

    @Test
    void isSeparator_everythingButDigitsAndWordLetters_separates() {
        (" \t\n\u00A0\u2007\u2009\u202F\u3000\u200B\uFEFF-\u2010\u2011\u2013\u2014\u2212\uFF0D._/\\+"
                + ":;,()%=#*\"'|~\u30FC\u2022\u2053\u02D7\u0640\uFF5E\u034F\uFE0F\u3164\uFFA0\u115F\u17B4\u2800\u007F\u0085\u0000")
                .codePoints().forEach(cp -> assertTrue(CardShape.isSeparator(cp), () -> "U+" + Integer.toHexString(cp)));
        "0aZ\u00E9\u0416\u4E2D\u0661".codePoints()
                .forEach(cp -> assertFalse(CardShape.isSeparator(cp), () -> "U+" + Integer.toHexString(cp)));
    }

    @Test
    void contains_cardWithPunctuationBetweenGroups_isTrue() {
        for (String sep : new String[] { ":", ",", ";", "|", "*", "#", "~", "=", "\u30FC", "\u2022", "\u3164", "\u034F", "%3A" }) {
            String text = "ref " + String.join(sep, "4111", "1111", "1111", "1111") + " end";
            assertTrue(CardShape.contains(text), () -> "separator U+" + Integer.toHexString(sep.codePointAt(0)));
        }
    }

    @Test
    void contains_percentEncodedDigits_isTrue() {
        assertTrue(CardShape.contains("/v1/tokens/%34%31%31%31%31%31%31%31%31%31%31%31%31%31%31%31"));
        assertTrue(CardShape.contains("/v1/tokens/%EF%BC%94%EF%BC%91" + "1".repeat(14)));
    }

    @Test
    void contains_timestampsAndTimes_isFalse() {
        for (String ts : new String[] { "2026-11-30 00:30:40.123 INFO started", "at 2026-11-30T00:30:40.123456789Z done",
                "2026-11-30T00:30:40+01:00", "took 00:30:40.123 and 12:34:56" }) {
            assertFalse(CardShape.contains(ts), ts);
        }
    }

    @Test
    void containsInIdentifier_cardHiddenInUuidOrHexShape_isTrue() {
        assertTrue(CardShape.containsInIdentifier("41111111-1111-1111-0000-00000000000a"));
        assertTrue(CardShape.containsInIdentifier("4111111111111111abcdef0123456789abcdef0123456789"));
        assertTrue(CardShape.containsInIdentifier("tok_4111111111111111abcdef0123456789abcdef0123456789"));
    }

    /** Compares digit-free shapes first, so a failure never prints an unmasked number. */
    private static void assertMasked(String expected, String in) {
        String actual = CardShape.mask(in);
        assertEquals(CardShapePropertiesTest.shape(expected), CardShapePropertiesTest.shape(actual),
                () -> "for " + CardShapePropertiesTest.shape(in));
        assertTrue(expected.equals(actual), "masked text differs in its digits");
    }

    private static void assertNotCardShaped(String in) {
        assertFalse(CardShape.contains(in), () -> "card-shaped: " + CardShapePropertiesTest.shape(in));
        assertSame(in, CardShape.mask(in), () -> "masked: " + CardShapePropertiesTest.shape(in));
    }
}
