package dev.cardvault.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The unit loop ({@code ./mvnw -o test -Punit}) runs the classes listed in src/test/unit-tests.txt:
 * surefire must not even load a {@code @QuarkusTest} class there, so the list is by file, and this
 * test keeps it equal to the classes tagged {@code @Tag("unit")}.
 */
@Tag("unit")
class UnitTestListTest {

    private static final Path SOURCES = Path.of("src/test/java");
    private static final Pattern UNIT = Pattern.compile("(?m)^@(net\\.jqwik\\.api\\.|org\\.junit\\.jupiter\\.api\\.)?Tag\\(\"unit\"\\)");
    private static final Pattern BOOTS = Pattern.compile("(?m)^@(io\\.quarkus\\.test\\.junit\\.)?(QuarkusTest|QuarkusIntegrationTest|QuarkusMainTest)\\b");

    @Test
    void unitTestList_equalsTheTaggedClasses_noneOfThemAQuarkusTest() throws IOException {
        TreeSet<String> tagged = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String source = Files.readString(f);
                if (UNIT.matcher(source).find()) {
                    assertFalse(BOOTS.matcher(source).find(), f + " is tagged unit but starts the application");
                    tagged.add(SOURCES.relativize(f).toString());
                }
            }
        }
        List<String> listed = Files.readAllLines(Path.of("src/test/unit-tests.txt")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals(tagged, new TreeSet<>(listed), "src/test/unit-tests.txt must list exactly the @Tag(\"unit\") classes");
        assertEquals(listed.size(), new TreeSet<>(listed).size(), "a class listed twice");
    }
}
