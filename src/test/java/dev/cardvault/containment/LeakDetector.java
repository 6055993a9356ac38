package dev.cardvault.containment;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the planted card numbers in any text, whatever separators, digit scripts, \\u escapes or
 * (repeated) percent-encoding they were written with, and records each find with the card masked.
 */
final class LeakDetector {

    /** A card number the sweep sent, and the variant (slot and style) it was sent in. */
    record Planted(String digits, String origin) {
    }

    private static final long HEAD = 1_000_000_000_000L; // 10^12: a rolling value of the last 13 digits
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;]*[A-Za-z]");
    private static final Pattern U_ESCAPE = Pattern.compile("\\\\u([0-9a-fA-F]{4})");

    /** Every planted card, indexed by its first 13 digits, so one pass over a digit string finds them all. */
    private final Map<Long, List<Planted>> byHead = new HashMap<>();
    private final List<Planted> planted = new ArrayList<>();
    private final Set<String> leaks = new TreeSet<>();

    Planted plant(String digits, String origin) {
        Planted p = new Planted(digits, origin);
        planted.add(p);
        byHead.computeIfAbsent(Long.parseLong(digits.substring(0, 13)), k -> new ArrayList<>(1)).add(p);
        return p;
    }

    int plantedCount() {
        return planted.size();
    }

    /** The findings so far: masked card, where it was planted, where it was found. */
    Set<String> leaks() {
        return leaks;
    }

    /** Records every planted card that {@code text} holds, as found in {@code where}. */
    void scan(String where, String text) {
        for (Planted p : find(text)) {
            leaks.add(mask(p.digits()) + " planted in " + p.origin() + " -> found in " + where);
        }
    }

    /** The planted cards that {@code text} holds. */
    List<Planted> find(String text) {
        List<Planted> hits = new ArrayList<>();
        if (text == null || text.length() < 13) {
            return hits;
        }
        for (String digits : projections(text)) {
            long v = 0;
            for (int i = 0; i < digits.length(); i++) {
                v = (v % HEAD) * 10 + (digits.charAt(i) - '0');
                for (Planted p : i < 12 ? List.<Planted>of() : byHead.getOrDefault(v, List.of())) {
                    if (digits.startsWith(p.digits(), i - 12) && !hits.contains(p)) {
                        hits.add(p);
                    }
                }
            }
        }
        return hits;
    }

    /**
     * The digits-only projections of a text: every decimal digit of any script as ASCII, everything
     * else dropped, so a card written with any separator is found. Also after undoing \\u escapes and
     * percent-encoding, which would otherwise hide digits or add some.
     */
    static Set<String> projections(String text) {
        Set<String> texts = new LinkedHashSet<>(List.of(ANSI.matcher(text).replaceAll("")));
        Set<String> round = texts;
        // Encodings can nest (a percent-encoded escape, an escaped percent sign): undo them in any order.
        for (int i = 0; i < 3 && !round.isEmpty(); i++) {
            Set<String> next = new LinkedHashSet<>();
            for (String t : round) {
                if (t.contains("\\u")) {
                    next.add(U_ESCAPE.matcher(t).replaceAll(
                            r -> Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(r.group(1), 16)))));
                }
                if (t.indexOf('%') >= 0) {
                    next.add(percentDecoded(t));
                }
            }
            next.removeAll(texts);
            texts.addAll(next);
            round = next;
        }
        Set<String> out = new LinkedHashSet<>();
        texts.forEach(t -> out.add(digitsOnly(t)));
        return out;
    }

    private static String digitsOnly(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().filter(LeakDetector::isDigit).forEach(cp -> b.append((char) ('0' + Character.digit(cp, 10))));
        return b.toString();
    }

    private static boolean isDigit(int cp) {
        return Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER;
    }

    /** Lenient: %XX runs decoded as UTF-8, anything else kept as it is. */
    private static String percentDecoded(String s) {
        StringBuilder b = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < s.length();) {
            if (s.charAt(i) == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                bytes.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                b.append(bytes.toString(StandardCharsets.UTF_8)).append(s.charAt(i++));
                bytes.reset();
            }
        }
        return b.append(bytes.toString(StandardCharsets.UTF_8)).toString();
    }

    /** First six and last four digits only: what may be shown, and what CI's output scan accepts. */
    static String mask(String digits) {
        return digits.substring(0, 6) + "*".repeat(digits.length() - 10) + digits.substring(digits.length() - 4);
    }

    /** Server text quoted in a finding: digits blanked, so no echoed card can reach the test output. */
    static String safe(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(160).forEach(cp -> b.appendCodePoint(isDigit(cp) ? '#' : cp));
        return b.toString();
    }
}
