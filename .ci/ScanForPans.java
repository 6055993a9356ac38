import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * CI leak check: fails when captured test output (surefire/failsafe *-output.txt: everything the
 * service and the tests logged)
 * contains a card number: a run of 12-19 digits, optionally grouped by spaces or dashes, that
 * passes Luhn. Prints file and masked match only. Run: java .ci/ScanForPans.java DIR...
 */
public class ScanForPans {
    private static final Pattern CANDIDATE = Pattern.compile("(?<![0-9])[0-9](?:[ -]?[0-9]){11,18}(?![0-9])");

    public static void main(String[] args) throws IOException {
        int hits = 0;
        for (String dir : args) {
            Path root = Path.of(dir);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.getFileName().toString().endsWith("-output.txt"))::iterator) {
                    String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                    Matcher m = CANDIDATE.matcher(text);
                    while (m.find()) {
                        String digits = m.group().replaceAll("[ -]", "");
                        if (digits.length() >= 12 && digits.length() <= 19 && luhn(digits)) {
                            hits++;
                            System.out.println(f + ": " + digits.substring(0, 6) + "..." + digits.substring(digits.length() - 4));
                        }
                    }
                }
            }
        }
        if (hits > 0) {
            System.out.println("FAIL: " + hits + " card number(s) in captured test output");
            System.exit(1);
        }
        System.out.println("no card numbers in captured test output");
    }

    static boolean luhn(String d) {
        int sum = 0;
        for (int i = 0; i < d.length(); i++) {
            int n = d.charAt(d.length() - 1 - i) - '0';
            if (i % 2 == 1) {
                n *= 2;
                if (n > 9) {
                    n -= 9;
                }
            }
            sum += n;
        }
        return sum % 10 == 0;
    }
}
