package dev.cardvault.containment;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import dev.cardvault.testsupport.TestCards;

/** Fresh card numbers, and the styles (separators, digit scripts, encodings) a card number is written in. */
final class CardStyles {

    record Style(String name, UnaryOperator<String> render) {
        String apply(String digits) {
            return render.apply(digits);
        }
    }

    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** Brand prefixes (IIN ranges of VISA, MASTERCARD, AMEX, DISCOVER, JCB, DINERS, UNIONPAY, MAESTRO). */
    private static final List<String> PREFIXES = List.of("4", "51", "52", "53", "54", "55", "2221", "2720", "34", "37", "6011", "65",
            "644", "3528", "3589", "36", "300", "305", "62", "50", "56", "58", "67");

    /** How a person, a form or a copy-paste may write a card number in free text. */
    static final List<Style> TEXT = List.of(
            new Style("plain", d -> d),
            sep("space", " "), sep("two-spaces", "  "), sep("dash", "-"), sep("spaced-dash", " - "), sep("dot", "."),
            sep("slash", "/"), sep("underscore", "_"), sep("nbsp", "\u00A0"), sep("narrow-nbsp", "\u202F"),
            sep("ideographic-space", "\u3000"), sep("en-dash", "\u2013"), sep("pct20-text", "%20"),
            new Style("fullwidth", d -> shifted(d, 0xFF10)),
            new Style("arabic-indic", d -> shifted(d, 0x0660)));

    /** In a JSON body: each text style as a JSON string, plus the digits written as \\u escapes. */
    static final List<Style> JSON = Stream.concat(
            TEXT.stream().map(s -> new Style(s.name(), d -> Json.encode(s.apply(d)))),
            Stream.of(new Style("json-u-escapes", d -> "\"" + uEscaped(d) + "\""))).toList();

    /** In a path or query: each text style percent-encoded, plus separators percent-encoded by hand. */
    static final List<Style> PATH = urlStyles(false);
    static final List<Style> QUERY = urlStyles(true);

    /** Header values travel as ISO-8859-1 bytes: the text styles that fit. */
    static final List<Style> HEADER = TEXT.stream()
            .filter(s -> s.apply(TestCards.VISA).chars().allMatch(c -> c <= 0xFF)).toList();

    /** X-Request-Id: also with ':' (allowed in request ids, and a person still reads a card number). */
    static final List<Style> REQUEST_ID = Stream.concat(HEADER.stream(), Stream.of(sep("colon", ":"))).toList();

    /** Every family by name (HEADER is part of REQUEST_ID), for the detector's self-check. */
    static final Map<String, List<Style>> FAMILIES = families();

    private CardStyles() {
    }

    /** A Luhn-valid number of a random brand and a random length from 13 to 19. */
    static String freshCard() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return TestCards.luhn(PREFIXES.get(r.nextInt(PREFIXES.size())), 13 + r.nextInt(7));
    }

    private static Map<String, List<Style>> families() {
        Map<String, List<Style>> out = new LinkedHashMap<>();
        out.put("text", TEXT);
        out.put("json", JSON);
        out.put("path", PATH);
        out.put("query", QUERY);
        out.put("request-id", REQUEST_ID);
        return out;
    }

    private static List<Style> urlStyles(boolean query) {
        List<Style> out = new ArrayList<>();
        TEXT.forEach(s -> out.add(new Style(s.name(), d -> pct(s.apply(d)))));
        for (String encoded : List.of("%20", "%C2%A0", "%E2%80%AF", "%2D", "%2F")) {
            out.add(sep("raw-" + encoded, encoded));
        }
        out.add(new Style("raw-all-%XX", CardStyles::pctAll));
        if (query) {
            out.add(sep("raw-plus", "+"));
        }
        return List.copyOf(out);
    }

    private static Style sep(String name, String separator) {
        return new Style(name, d -> grouped(d, separator));
    }

    private static String grouped(String digits, String separator) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < digits.length(); i++) {
            if (i > 0 && i % 4 == 0) {
                b.append(separator);
            }
            b.append(digits.charAt(i));
        }
        return b.toString();
    }

    /** The digits in another script whose zero is {@code zero}. */
    private static String shifted(String digits, int zero) {
        StringBuilder b = new StringBuilder();
        digits.chars().forEach(c -> b.appendCodePoint(zero + (c - '0')));
        return b.toString();
    }

    /** Every character as a JSON \\uXXXX escape (without the quotes). */
    static String uEscaped(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(String.format("\\u%04x", c)));
        return b.toString();
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters. */
    static String pct(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                b.append((char) c);
            } else {
                b.append('%').append(HEX[c >> 4]).append(HEX[c & 15]);
            }
        }
        return b.toString();
    }

    /** Every byte percent-encoded, digits too: the server decodes it to a plain card number. */
    private static String pctAll(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            b.append('%').append(HEX[(x & 0xFF) >> 4]).append(HEX[x & 15]);
        }
        return b.toString();
    }
}
