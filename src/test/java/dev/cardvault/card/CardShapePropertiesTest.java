package dev.cardvault.card;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Properties of the card-shape definition over generated input. Generated card numbers never
 * reach the output: samples print with their digits as '#', messages show shapes and lengths only
 * (CI scans captured test output for card numbers). The sample types are not Serializable, so
 * jqwik's failure database keeps only the seed, never a generated number.
 */
class CardShapePropertiesTest {

    /** The separator styles from the issue; runs of them are built from these. */
    static final List<String> SEPARATORS = List.of(" ", "  ", "-", " - ", ".", "/", "_",
            "\u00A0", "\u2007", "\u202F", "\u2009", "\u3000", "\u200B",
            "\u2013", "\u2014", "\u2212", "\uFF0D",
            "%20", "%C2%A0", "%2D");

    /**
     * What may touch a card number in text: no digit, no separator (both would join the number
     * to its neighbours), no hex letter (a number glued to hex letters can be a whole hash word,
     * which is skipped by definition) and no '%' (it could start a percent-encoded separator).
     */
    // Letters only: every other character that is not a digit separates digit groups.
    static final String BOUNDARY = "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ\u00E9\u00DF\u0416\u4E2D";

    /** Surrounding text: letters, punctuation and whitespace (separators included), no digit of any script. */
    static final String TEXT = "abcdefghijklmnopqrstuvwxyzABCDEFXYZ\u00E9\u00FC\u00DF\u0416\u03BB\u4E2D"
            + " .,;:!?'\"()[]-/_+=%&*#@\t\n\u00A0\u2014";

    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final Pattern TWELVE_DIGITS = Pattern.compile("[0-9]{12}");
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    /** 0000-01-01 .. 9999-12-31: four-digit years, as in logs. */
    private static final long MIN_EPOCH = -62167219200L;
    private static final long MAX_EPOCH = 253402300799L;

    // ---- card numbers in text are found and masked ----

    @Property
    void contains_panWithAnySeparatorsInText_isTrue(@ForAll("panInText") PanInText c) {
        assertTrue(CardShape.contains(c.text()), () -> "not found: " + c);
    }

    @Property
    void mask_panWithAnySeparatorsInText_keepsOnlyFirst6AndLast4(@ForAll("panInText") PanInText c) {
        assertOnlyFirst6AndLast4Kept(c);
        assertMaskedExactly(c, c.expectedMask());
    }

    @Property
    void contains_panInFullwidthOrArabicIndicDigits_isTrue(@ForAll("panInOtherScript") PanInText c) {
        assertTrue(CardShape.contains(c.text()), () -> "not found: " + c);
    }

    @Property
    void mask_panInFullwidthOrArabicIndicDigits_keepsOnlyFirst6AndLast4(@ForAll("panInOtherScript") PanInText c) {
        assertOnlyFirst6AndLast4Kept(c);
        assertMaskedExactly(c, c.expectedMask());
    }

    /** "qty 2 <pan>": the short number joins the card number's segment through the space. */
    @Property
    void contains_panAfterShortNumberAndSpace_isTrue(@ForAll("panAfterQuantity") PanInText c) {
        assertTrue(CardShape.contains(c.text()), () -> "not found: " + c);
    }

    /**
     * The quantity may form a card-shaped window with the card number's first groups; whichever
     * windows match, at most the card number's first six and last four digits may stay visible.
     */
    @Property
    void mask_panAfterShortNumberAndSpace_keepsAtMostFirst6AndLast4(@ForAll("panAfterQuantity") PanInText c) {
        String joined = c.before().replace(" ", "") + c.pan(); // "qty" + quantity + pan
        String asOne = "qty " + maskOf(joined.substring(3)) + c.after();
        assertMaskedExactly(c, c.expectedMask(), asOne);
    }

    // ---- known non-card strings are never found ----

    @Property
    void contains_randomUuid_isFalse(@ForAll("uuids") String uuid) {
        assertNotCardShaped(uuid);
        assertNotCardShaped("request id=" + uuid + ", retry");
    }

    @Property
    void contains_hexDigestOfRandomBytes_isFalse(@ForAll("hexDigests") String digest) {
        assertNotCardShaped(digest);
        assertNotCardShaped("sha=" + digest + " ok");
    }

    @Property
    void contains_base64urlFingerprint_isFalse(@ForAll("fingerprints") String fingerprint) {
        assertNotCardShaped(fingerprint);
        assertNotCardShaped("fingerprint " + fingerprint + ".");
    }

    @Property
    void contains_timestamp_isFalse(@ForAll("timestamps") String timestamp) {
        assertNotCardShaped(timestamp);
        assertNotCardShaped(timestamp + " INFO started");
    }

    @Property
    void contains_formatPreservingToken_isFalse(@ForAll("formatPreservingTokens") Digits token) {
        assertNotCardShaped(token.value());
        assertNotCardShaped("token=" + token.value() + ";");
    }

    @Property
    void contains_randomToken_isFalse(@ForAll("randomTokens") String token) {
        assertNotCardShaped(token);
        assertNotCardShaped("GET /v1/tokens/" + token + " HTTP/1.1");
    }

    /** All of them in one log line, each behind its key as the service logs them. */
    @Property
    void contains_logLineOfNonCardValues_isFalse(@ForAll("timestamps") String time, @ForAll("uuids") String uuid,
            @ForAll("hexDigests") String digest, @ForAll("fingerprints") String fingerprint,
            @ForAll("formatPreservingTokens") Digits token, @ForAll("randomTokens") String random) {
        assertNotCardShaped(time + " INFO request=" + uuid + " sha=" + digest + " fp=" + fingerprint
                + " token=" + token.value() + " ref=" + random);
    }

    /** The generators' assumptions, so a property failure always means CardShape, not the test. */
    @Example
    void generators_boundaryAndTextAlphabets_cannotJoinOrHoldDigits() {
        TEXT.codePoints().forEach(cp -> assertFalse(Character.isDigit(cp), () -> "digit in TEXT: " + Integer.toHexString(cp)));
        BOUNDARY.codePoints().forEach(cp -> {
            assertFalse(Character.isDigit(cp) || CardShape.isSeparator(cp) || cp == '%' || HexFormat.isHexDigit(cp),
                    () -> "may join a card number to its neighbours: U+" + Integer.toHexString(cp));
        });
        SEPARATORS.forEach(s -> assertTrue(s.startsWith("%") || s.codePoints().allMatch(CardShape::isSeparator),
                () -> "not a separator: " + shape(s)));
    }

    // ---- generators ----

    /** Luhn-valid numbers of 12–19 digits: random digits (any prefix), check digit computed. */
    @Provide
    Arbitrary<String> pans() {
        return Arbitraries.integers().between(12, 19)
                .flatMap(length -> Arbitraries.strings().withCharRange('0', '9').ofLength(length - 1))
                .map(payload -> payload + checkDigit(payload));
    }

    @Provide
    Arbitrary<PanInText> panInText() {
        return Combinators.combine(pans().flatMap(this::written), leading(), trailing())
                .as((w, before, after) -> new PanInText(before, w.get1(), after, w.get2()));
    }

    @Provide
    Arbitrary<PanInText> panInOtherScript() {
        Arbitrary<Character> zero = Arbitraries.of('\uFF10', '\u0660', '\u06F0'); // fullwidth, Arabic-Indic, extended Arabic-Indic
        return Combinators.combine(pans().flatMap(this::written), zero, leading(), trailing())
                .as((w, z, before, after) -> new PanInText(before, inScript(w.get1(), z), after, w.get2()));
    }

    @Provide
    Arbitrary<PanInText> panAfterQuantity() {
        return Combinators.combine(pans().flatMap(this::written), Arbitraries.integers().between(0, 999), trailing())
                .as((w, qty, after) -> new PanInText("qty " + qty + " ", w.get1(), after, w.get2()));
    }

    /** A card number as written: unbroken, in groups of four, or separator runs at random gaps. */
    Arbitrary<Tuple.Tuple2<String, String>> written(String pan) {
        Arbitrary<String> gap = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just("")), Tuple.of(1, separatorRun()));
        Arbitrary<String> text = Arbitraries.oneOf(
                Arbitraries.just(pan),
                separatorRun().map(sep -> inGroupsOf4(pan, sep)),
                gap.list().ofSize(pan.length() - 1).map(gaps -> interleave(pan, gaps)));
        return text.map(t -> Tuple.of(t, pan));
    }

    /** One to three separators, mixed. */
    Arbitrary<String> separatorRun() {
        return Arbitraries.of(SEPARATORS).list().ofMinSize(1).ofMaxSize(3).map(l -> String.join("", l));
    }

    /** Start of text, or random text and a boundary character. */
    Arbitrary<String> leading() {
        return Arbitraries.oneOf(Arbitraries.just(""),
                Combinators.combine(text(), boundary()).as((t, b) -> t + b));
    }

    Arbitrary<String> trailing() {
        return Arbitraries.oneOf(Arbitraries.just(""),
                Combinators.combine(boundary(), text()).as((b, t) -> b + t));
    }

    Arbitrary<String> text() {
        return Arbitraries.strings().withChars(TEXT).ofMaxLength(40);
    }

    Arbitrary<String> boundary() {
        return Arbitraries.of(BOUNDARY.codePoints().mapToObj(Character::toString).toList());
    }

    /** Version-4 UUIDs as UUID.randomUUID makes them, from jqwik's seed so a failure reproduces. */
    @Provide
    Arbitrary<String> uuids() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs(), Arbitraries.of(true, false))
                .as((hi, lo, upper) -> {
                    String s = new UUID((hi & ~0xF000L) | 0x4000L, (lo & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
                    return upper ? s.toUpperCase(Locale.ROOT) : s;
                });
    }

    @Provide
    Arbitrary<String> hexDigests() {
        return Combinators.combine(randomBytes(), Arbitraries.of("SHA-256", "SHA-1", "MD5"), Arbitraries.of(true, false))
                .as((bytes, algorithm, upper) -> {
                    String hex = HexFormat.of().formatHex(digest(algorithm, bytes));
                    return upper ? hex.toUpperCase(Locale.ROOT) : hex;
                });
    }

    @Provide
    Arbitrary<String> fingerprints() {
        return Arbitraries.bytes().array(byte[].class).ofSize(32)
                .map(b -> Base64.getUrlEncoder().withoutPadding().encodeToString(b));
    }

    @Provide
    Arbitrary<String> timestamps() {
        Arbitrary<Instant> instants = Combinators.combine(
                Arbitraries.longs().between(MIN_EPOCH, MAX_EPOCH), Arbitraries.integers().between(0, 999_999_999))
                .as(Instant::ofEpochSecond);
        return Combinators.combine(instants, Arbitraries.integers().between(0, 3)).as((t, style) -> switch (style) {
            case 0 -> t.truncatedTo(ChronoUnit.SECONDS).toString();
            case 1 -> t.truncatedTo(ChronoUnit.MILLIS).toString();
            case 2 -> t.toString();
            default -> LOG_TIME.format(t);
        });
    }

    /**
     * Tokens the way TokenGenerator makes them: same length as the card number, last four (and,
     * when six random digits remain, first six) kept, the rest random, one random digit changed if
     * that made it Luhn-valid.
     */
    @Provide
    Arbitrary<Digits> formatPreservingTokens() {
        Arbitrary<String> randomDigits = Arbitraries.strings().withCharRange('0', '9').ofLength(19);
        return Combinators.combine(pans(), Arbitraries.of(true, false), randomDigits,
                Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(1, 9))
                .as((pan, bin6, random, where, bump) -> {
                    int len = pan.length();
                    int keepHead = bin6 && len - 10 >= 6 ? 6 : 0;
                    char[] token = pan.toCharArray();
                    for (int i = keepHead; i < len - 4; i++) {
                        token[i] = random.charAt(i);
                    }
                    if (luhnValid(new String(token))) {
                        int i = keepHead + where % (len - 4 - keepHead);
                        token[i] = (char) ('0' + (token[i] - '0' + bump) % 10);
                    }
                    return new Digits(new String(token));
                });
    }

    @Provide
    Arbitrary<String> randomTokens() {
        return Arbitraries.strings().withChars(BASE62).ofLength(24)
                .filter(s -> !TWELVE_DIGITS.matcher(s).find())
                .map(s -> "tok_" + s);
    }

    private static Arbitrary<byte[]> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64);
    }

    // ---- helpers ----

    /** The text, the card number as written in it, and what is around it. */
    record PanInText(String before, String written, String after, String pan) {

        String text() {
            return before + written + after;
        }

        String expectedMask() {
            return before + maskOf(pan) + after;
        }

        /** Digits as '#', invisible and non-ASCII characters escaped: the layout, never the number. */
        @Override
        public String toString() {
            return "PanInText[digits=" + pan.length() + ", text=\"" + shape(text()) + "\"]";
        }
    }

    /** A digit string that prints as its shape only. */
    record Digits(String value) {
        @Override
        public String toString() {
            return "Digits[" + value.length() + "]";
        }
    }

    /**
     * The text around the number has no digits, so the masked text may hold no digit but the
     * number's first six and last four (digits of encoded separators such as %20 included).
     */
    private static void assertOnlyFirst6AndLast4Kept(PanInText c) {
        String kept = asciiDigits(CardShape.mask(c.text())).replaceAll("[^0-9]", "");
        String pan = c.pan();
        if (!kept.equals(pan.substring(0, 6) + pan.substring(pan.length() - 4))) {
            fail(kept.length() + " digits left after mask, expected the first 6 and last 4: " + c);
        }
    }

    /** mask() turns the number into first 6, asterisks, last 4; the rest of the text stays. */
    private static void assertMaskedExactly(PanInText c, String... allowed) {
        String ascii = asciiDigits(CardShape.mask(c.text()));
        for (String expected : allowed) {
            if (expected.equals(ascii)) {
                return;
            }
        }
        fail("masked as \"" + shape(ascii) + "\", expected \"" + shape(allowed[0]) + "\" for " + c);
    }

    private static void assertNotCardShaped(String text) {
        assertFalse(CardShape.contains(text), () -> "card-shaped: " + shape(text));
        assertSame(text, CardShape.mask(text), () -> "masked: " + shape(text));
    }

    static String maskOf(String digits) {
        int n = digits.length();
        return digits.substring(0, 6) + "*".repeat(n - 10) + digits.substring(n - 4);
    }

    static String inGroupsOf4(String digits, String separator) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < digits.length(); i += 4) {
            if (i > 0) {
                sb.append(separator);
            }
            sb.append(digits, i, Math.min(i + 4, digits.length()));
        }
        return sb.toString();
    }

    static String interleave(String digits, List<String> gaps) {
        StringBuilder sb = new StringBuilder().append(digits.charAt(0));
        for (int i = 1; i < digits.length(); i++) {
            sb.append(gaps.get(i - 1)).append(digits.charAt(i));
        }
        return sb.toString();
    }

    /** ASCII digits 0-9 replaced by the script whose zero is {@code zero}; separators stay. */
    static String inScript(String written, char zero) {
        StringBuilder sb = new StringBuilder(written.length());
        for (int i = 0; i < written.length(); i++) {
            char c = written.charAt(i);
            // '%' starts an encoded separator whose hex digits are ASCII by definition
            if (c == '%') {
                sb.append(written, i, i + 3);
                i += 2;
            } else {
                sb.append(c >= '0' && c <= '9' ? (char) (zero + (c - '0')) : c);
            }
        }
        return sb.toString();
    }

    /** Every Unicode decimal digit as its ASCII digit. */
    static String asciiDigits(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
                sb.append((char) ('0' + Character.digit(cp, 10)));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    /** Digits of any script as '#', anything outside printable ASCII as \\uXXXX. */
    static String shape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            if (Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) {
                sb.append('#');
            } else if (cp >= 0x20 && cp < 0x7F) {
                sb.appendCodePoint(cp);
            } else {
                sb.append(String.format("\\u%04X", cp));
            }
        });
        return sb.toString();
    }

    /** Luhn check digit, computed here independently of {@link Luhn}. */
    static int checkDigit(String payload) {
        int sum = 0;
        for (int i = payload.length() - 1, k = 0; i >= 0; i--, k++) {
            int d = payload.charAt(i) - '0';
            if (k % 2 == 0) {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }
            sum += d;
        }
        return (10 - sum % 10) % 10;
    }

    static boolean luhnValid(String digits) {
        return checkDigit(digits.substring(0, digits.length() - 1)) == digits.charAt(digits.length() - 1) - '0';
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
