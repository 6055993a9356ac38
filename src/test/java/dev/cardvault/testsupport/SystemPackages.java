package dev.cardvault.testsupport;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Programs that some tests run, from system packages. Where one is missing the test is skipped
 * with a message that starts with {@link #MISSING} and names the package; {@code .ci/run} installs
 * the packages and fails the build when a report holds that message, so CI never passes on a skip.
 */
public final class SystemPackages {

    /** The start of every such skip message: what {@code .ci/run} looks for in the test reports. */
    public static final String MISSING = "missing system package";

    private SystemPackages() {
    }

    /** Skips the calling test (a JUnit assumption) unless every one of {@code commands} from {@code pkg} is on PATH. */
    public static void require(String pkg, String... commands) {
        List<String> missing = Arrays.stream(commands).filter(c -> which(c).isEmpty()).toList();
        assumeTrue(missing.isEmpty(), () -> MISSING + " " + pkg + " (not on PATH: " + String.join(", ", missing)
                + "); .ci/run installs it and fails when this test is skipped");
    }

    /** The executable {@code command} on PATH, as the shell would find it. */
    public static Optional<Path> which(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Optional.of(Path.of(dir, command));
            }
        }
        return Optional.empty();
    }
}
