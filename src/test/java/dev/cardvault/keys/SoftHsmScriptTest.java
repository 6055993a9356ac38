package dev.cardvault.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.cardvault.testsupport.SoftHsm;

/** keys-dev/softhsm-init.sh, run as a developer runs it, in a copy of keys-dev/ (it writes under .cardvault/). */
class SoftHsmScriptTest {

    @TempDir
    Path dir;

    private String run() throws Exception {
        Process p = new ProcessBuilder("bash", dir.resolve("keys-dev/softhsm-init.sh").toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void initialisesOneTokenOnce_andPrintsTheSettingsToExport() throws Exception {
        SoftHsm.require();
        Files.createDirectories(dir.resolve("keys-dev"));
        Files.copy(Path.of("keys-dev/softhsm-init.sh"), dir.resolve("keys-dev/softhsm-init.sh"));
        String first = run();
        for (String setting : new String[] { "SOFTHSM2_CONF", "CARDVAULT_MASTER_KEY_SOURCE=pkcs11", "CARDVAULT_MASTER_KEY_PKCS11_LIBRARY",
                "CARDVAULT_MASTER_KEY_PKCS11_SLOT=", "CARDVAULT_MASTER_KEY_PKCS11_PIN_FILE", "CARDVAULT_MASTER_KEY_PKCS11_CREATE_IF_MISSING=true",
                "CARDVAULT_EMBEDDED_DB_DATA_DIR" }) {
            assertTrue(first.contains("export " + setting), setting + " missing from:\n" + first);
        }
        assertEquals(first, run(), "a second run reuses the token and prints the same settings");
        Path pin = dir.resolve(".cardvault/softhsm/user.pin");
        assertTrue(Files.isRegularFile(pin));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(pin)));
        assertTrue(!first.contains(Files.readString(pin).strip()), "the PIN itself is printed");
    }
}
