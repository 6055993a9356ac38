package dev.cardvault.testsupport;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** /q/metrics as the tests read it: the Prometheus text format, samples with labels and exemplars. */
public final class Metrics {

    // name{labels} value [timestamp], then an exemplar (" # {trace_id=...} value [timestamp]") where a span was active.
    private static final Pattern SAMPLE = Pattern.compile(
            "^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{((?:[^\"}]|\"(?:[^\"\\\\]|\\\\.)*\")*)})? (\\S+)(?: \\S+)?(?: # \\{.*)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    private Metrics() {
    }

    /** Every sample /q/metrics serves now; fails on a line that is not one. */
    public static List<Sample> scrape() {
        return parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    /** The samples of a Prometheus text exposition (any service's); fails on a line that is not one. */
    public static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a sample line: " + line.replaceAll("[0-9]", "9"));
            Map<String, String> labels = new TreeMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            out.add(new Sample(m.group(1), labels, number(m.group(3))));
        }
        return out;
    }

    /** The value of the unlabelled series {@code name} now; fails when there is none. */
    public static double value(String name) {
        return value(scrape(), name, Map.of());
    }

    /** The value of the series {@code name} with exactly these labels; fails when there is none. */
    public static double value(List<Sample> samples, String name, Map<String, String> labels) {
        return find(samples, name, labels).orElseThrow(() -> new AssertionError("no series " + name + labels));
    }

    /** The same, 0 for a series not there (yet). */
    public static double orZero(List<Sample> samples, String name, Map<String, String> labels) {
        return find(samples, name, labels).orElse(0.0);
    }

    private static Optional<Double> find(List<Sample> samples, String name, Map<String, String> labels) {
        Map<String, String> wanted = new TreeMap<>(labels);
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(wanted)).map(Sample::value).findFirst();
    }

    private static double number(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }
}
