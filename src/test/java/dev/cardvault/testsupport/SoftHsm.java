package dev.cardvault.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A private SoftHSM2 token in a directory of its own (package {@code softhsm2}): its configuration
 * file, token store and user PIN file. Processes that use it need {@link #env()}.
 */
public final class SoftHsm {

    public static final String PACKAGE = "softhsm2";
    public static final Path LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");

    private final Path conf;
    private final Path pinFile;
    private final long slot;

    private SoftHsm(Path conf, Path pinFile, long slot) {
        this.conf = conf;
        this.pinFile = pinFile;
        this.slot = slot;
    }

    /** Skips the calling test (naming the package) unless SoftHSM2 is installed. */
    public static void require() {
        SystemPackages.require(PACKAGE, "softhsm2-util");
        assumeTrue(Files.isReadable(LIBRARY), SystemPackages.MISSING + " " + PACKAGE + " (no " + LIBRARY + ")");
    }

    /** Initialises a fresh token labelled {@code label} under {@code dir}. */
    public static SoftHsm init(Path dir, String label) throws IOException, InterruptedException {
        require();
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path conf = dir.resolve("softhsm2.conf");
        Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
        String pin = "dev-" + Long.toHexString(System.nanoTime());
        Path pinFile = dir.resolve("user.pin");
        Files.writeString(pinFile, pin + "\n");
        run(conf, "softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin, "--so-pin", pin + "-so");
        String slots = run(conf, "softhsm2-util", "--show-slots");
        long slot = -1;
        long current = -1;
        for (String line : slots.lines().toList()) {
            if (line.startsWith("Slot ")) {
                current = Long.parseLong(line.substring(5).trim());
            } else if (line.trim().startsWith("Label:") && line.trim().substring(6).trim().equals(label)) {
                slot = current;
                break;
            }
        }
        if (slot < 0) {
            throw new IllegalStateException("the new SoftHSM token " + label + " is not listed");
        }
        return new SoftHsm(conf, pinFile, slot);
    }

    private static String run(Path conf, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(command[0] + " " + command[1] + " failed: exit " + p.exitValue());
        }
        return out;
    }

    /** The environment a process needs to find this token. */
    public Map<String, String> env() {
        return Map.of("SOFTHSM2_CONF", conf.toString());
    }

    /** The service's settings for this token (create-if-missing as given). */
    public Map<String, String> serviceEnv(boolean createIfMissing) {
        return Map.of("SOFTHSM2_CONF", conf.toString(),
                "CARDVAULT_MASTER_KEY_SOURCE", "pkcs11",
                "CARDVAULT_MASTER_KEY_PKCS11_LIBRARY", LIBRARY.toString(),
                "CARDVAULT_MASTER_KEY_PKCS11_SLOT", Long.toString(slot),
                "CARDVAULT_MASTER_KEY_PKCS11_PIN_FILE", pinFile.toString(),
                "CARDVAULT_MASTER_KEY_PKCS11_CREATE_IF_MISSING", Boolean.toString(createIfMissing));
    }

    public long slot() {
        return slot;
    }

    public Path pinFile() {
        return pinFile;
    }
}
