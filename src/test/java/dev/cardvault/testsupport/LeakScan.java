package dev.cardvault.testsupport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

import dev.cardvault.card.CardShape;

/**
 * CI leak check: fails when captured test output holds anything {@link CardShape} calls
 * card-shaped, the same definition the service masks its own logs with. Captured output is
 * surefire/failsafe {@code *-output.txt} and the {@code system-out}/{@code system-err} of their
 * {@code TEST-*.xml} (failsafe keeps output only there); the XML's other parts (system properties,
 * test names) are not output. Prints file, line and masked number only, never the digits.
 *
 * <p>Each line is scanned on its own: a log record is a line, and joining lines would merge a
 * number ending one line with a timestamp starting the next into one digit segment, whose windows
 * pass Luhn one time in ten.
 *
 * <p>Run: {@code java -cp target/classes:target/test-classes dev.cardvault.testsupport.LeakScan DIR...}
 */
public final class LeakScan {

    /** How {@link CardShape#mask} writes a number: first six, asterisks, last four. */
    private static final Pattern MASKED = Pattern.compile("[0-9]{6}\\*+[0-9]{4}");

    private LeakScan() {
    }

    public static void main(String... dirs) throws IOException {
        if (dirs.length == 0) {
            System.err.println("usage: LeakScan DIR...");
            System.exit(2);
        }
        System.exit(run(System.out, Stream.of(dirs).map(Path::of).toList()));
    }

    /** Scans the report directories (absent ones are skipped); 1 when anything was found, else 0. */
    static int run(PrintStream out, List<Path> dirs) throws IOException {
        int files = 0;
        int hits = 0;
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                out.println("skipped " + dir + ": no such directory");
                continue;
            }
            List<Path> reports;
            try (Stream<Path> walk = Files.walk(dir)) {
                reports = walk.filter(LeakScan::isCapturedOutput).sorted().toList();
            }
            for (Path report : reports) {
                files++;
                List<String> found = scanFile(report, out);
                found.forEach(out::println);
                hits += found.size();
            }
        }
        if (hits > 0) {
            out.println("FAIL: " + hits + " card-shaped number(s) in captured test output");
            return 1;
        }
        out.println("no card-shaped numbers in captured test output (" + files + " files)");
        return 0;
    }

    static boolean isCapturedOutput(Path p) {
        String name = p.getFileName().toString();
        return Files.isRegularFile(p) && (name.endsWith("-output.txt") || (name.startsWith("TEST-") && name.endsWith(".xml")));
    }

    /** One entry per card-shaped line: "file:line: masked number(s)". */
    static List<String> scanFile(Path file, PrintStream notes) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<String> hits = new ArrayList<>();
        if (file.getFileName().toString().endsWith(".xml")) {
            try {
                scanXml(file, bytes, hits);
                return hits;
            } catch (XMLStreamException e) {
                // A half-written report (crashed fork) is still scanned: all of it, as text.
                notes.println(file + ": not well-formed XML, scanned as text");
                hits.clear();
            }
        }
        String utf8 = new String(bytes, StandardCharsets.UTF_8);
        scanText(file, 1, utf8, hits);
        if (hits.isEmpty() && utf8.indexOf('\uFFFD') >= 0) {
            // Not UTF-8: Latin-1 keeps every byte, a no-break space (0xA0) between digits included.
            scanText(file, 1, new String(bytes, StandardCharsets.ISO_8859_1), hits);
        }
        return hits;
    }

    private static void scanXml(Path file, byte[] bytes, List<String> hits) throws XMLStreamException {
        XMLInputFactory factory = XMLInputFactory.newFactory();
        factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        XMLStreamReader xml = factory.createXMLStreamReader(new ByteArrayInputStream(bytes));
        try {
            while (xml.hasNext()) {
                if (xml.next() == XMLStreamConstants.START_ELEMENT
                        && (xml.getLocalName().equals("system-out") || xml.getLocalName().equals("system-err"))) {
                    int line = xml.getLocation().getLineNumber();
                    scanText(file, line, xml.getElementText(), hits);
                }
            }
        } finally {
            xml.close();
        }
    }

    private static void scanText(Path file, int firstLine, String text, List<String> hits) {
        int lineNumber = firstLine;
        for (String line : (Iterable<String>) text.lines()::iterator) {
            if (CardShape.contains(line)) {
                hits.add(file + ":" + lineNumber + ": " + maskedNumbers(line));
            }
            lineNumber++;
        }
    }

    /** The masked forms mask() produced for this line; ones the line already held are not new. */
    static String maskedNumbers(String line) {
        List<String> produced = new ArrayList<>();
        Matcher m = MASKED.matcher(CardShape.mask(line));
        while (m.find()) {
            produced.add(m.group());
        }
        Matcher already = MASKED.matcher(line);
        while (already.find()) {
            produced.remove(already.group());
        }
        return produced.isEmpty() ? "(card-shaped, masked form not isolated)" : String.join(" ", produced);
    }
}
