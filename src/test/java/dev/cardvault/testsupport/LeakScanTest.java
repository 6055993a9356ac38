package dev.cardvault.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scan's own report must not print the numbers it finds: checked on a random card number. */
@Tag("unit")
class LeakScanTest {

    @TempDir
    Path reports;

    private final String pan = TestCards.randomVisa();
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();

    @Test
    void run_cleanAndLeakingOutputFiles_reportsOnlyTheLeakMasked() throws IOException {
        write("dev.cardvault.CleanTest-output.txt",
                "2026-11-30 00:38:30,309 INFO card 411111******1111 tokenized as tok_7Hq2 in 12 ms\n"
                        + "request 550e8400-e29b-41d4-a716-446655440000 sha e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n");
        write("dev.cardvault.LeakyTest-output.txt", "first line\ncharging " + grouped(pan) + " now\n");

        assertEquals(1, run());
        String report = printed();
        assertTrue(report.contains("dev.cardvault.LeakyTest-output.txt:2: " + masked(pan)), this::shapeOfReport);
        assertFalse(report.contains("CleanTest"), this::shapeOfReport);
        assertNoDigitsOfPan(report);
    }

    @Test
    void run_onlyCleanFiles_passes() throws IOException {
        write("dev.cardvault.CleanTest-output.txt", "nothing to see, port 34899, 2026-11-29T14:23:13Z\n");

        assertEquals(0, run());
        assertTrue(printed().contains("(1 files)"), this::shapeOfReport);
    }

    /** In the XML only what the test printed counts; system properties and test names are not output. */
    @Test
    void run_xmlReport_scansSystemOutAndErrOnly() throws IOException {
        write("TEST-dev.cardvault.XmlTest.xml", """
                <?xml version="1.0" encoding="UTF-8"?>
                <testsuite name="dev.cardvault.XmlTest" tests="2">
                  <properties>
                    <property name="surefire.tmp" value="%s"/>
                  </properties>
                  <testcase name="quiet" classname="dev.cardvault.XmlTest"/>
                  <testcase name="loud" classname="dev.cardvault.XmlTest">
                    <system-err><![CDATA[warning: %s
                ]]></system-err>
                  </testcase>
                </testsuite>
                """.formatted(pan, pan.substring(0, 4) + "\u00A0" + pan.substring(4)));

        assertEquals(1, run());
        List<String> hits = printed().lines().filter(l -> l.contains("TEST-dev.cardvault.XmlTest.xml")).toList();
        assertEquals(1, hits.size(), this::shapeOfReport);
        assertTrue(hits.get(0).endsWith(":8: " + masked(pan)), this::shapeOfReport);
        assertNoDigitsOfPan(printed());
    }

    @Test
    void run_absentDirectory_isSkipped() throws IOException {
        assertEquals(0, LeakScan.run(new PrintStream(printed, true, StandardCharsets.UTF_8), List.of(reports.resolve("failsafe-reports"))));
    }

    private int run() throws IOException {
        return LeakScan.run(new PrintStream(printed, true, StandardCharsets.UTF_8), List.of(reports));
    }

    private String printed() {
        return printed.toString(StandardCharsets.UTF_8);
    }

    private void write(String name, String content) throws IOException {
        Files.writeString(reports.resolve(name), content);
    }

    private void assertNoDigitsOfPan(String report) {
        assertFalse(report.replaceAll("[^0-9]", "").contains(pan), "the scan printed the card number");
    }

    /** The report with digits as '#', for failure messages. */
    private String shapeOfReport() {
        return printed().replaceAll("[0-9]", "#");
    }

    private static String grouped(String digits) {
        return digits.substring(0, 4) + " " + digits.substring(4, 8) + " " + digits.substring(8, 12) + " " + digits.substring(12);
    }

    private static String masked(String digits) {
        return digits.substring(0, 6) + "******" + digits.substring(12);
    }
}
