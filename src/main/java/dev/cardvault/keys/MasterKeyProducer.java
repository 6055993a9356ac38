package dev.cardvault.keys;

import java.nio.file.Path;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Chooses the master key source from configuration. There is no fallback: with nothing
 * configured the service does not start, and nothing is ever encrypted under a default key.
 */
@ApplicationScoped
public class MasterKeyProducer {

    public static final String FILE = "cardvault.master-key.file";
    public static final String VALUE = "cardvault.master-key.value";

    @ConfigProperty(name = FILE)
    Optional<String> file;

    @ConfigProperty(name = VALUE)
    Optional<String> value;

    public static final String SOURCE = "cardvault.master-key.source";
    public static final String ALLOW_FILE = "cardvault.master-key.allow-file";
    static final String PKCS11 = "cardvault.master-key.pkcs11.";

    @ConfigProperty(name = SOURCE, defaultValue = "file")
    String source;

    @ConfigProperty(name = PKCS11 + "library")
    Optional<String> library;

    @ConfigProperty(name = PKCS11 + "slot")
    Optional<Long> slot;

    @ConfigProperty(name = PKCS11 + "slot-list-index")
    Optional<Integer> slotListIndex;

    @ConfigProperty(name = PKCS11 + "pin-file")
    Optional<String> pinFile;

    @ConfigProperty(name = PKCS11 + "key-label", defaultValue = "cardvault-master")
    String keyLabel;

    @ConfigProperty(name = PKCS11 + "create-if-missing", defaultValue = "false")
    boolean createIfMissing;

    @Produces
    @Singleton
    MasterKey masterKey() {
        return switch (source) {
            case "file" -> load(file, value);
            case "pkcs11" -> Pkcs11MasterKey.open(new Pkcs11MasterKey.Settings(
                    library.orElseThrow(() -> new IllegalStateException("Set " + PKCS11 + "library to the token's PKCS#11 "
                            + "library (for SoftHSM2: /usr/lib/softhsm/libsofthsm2.so)")),
                    slot, slotListIndex,
                    Path.of(pinFile.orElseThrow(() -> new IllegalStateException("Set " + PKCS11 + "pin-file to a file holding "
                            + "the token user's PIN"))),
                    keyLabel, createIfMissing));
            case "shares" -> new SharedMasterKey();
            default -> throw new IllegalStateException(SOURCE + " must be file, pkcs11 or shares");
        };
    }

    /** The master key these settings name; fails, saying what to configure, when they name none or both. */
    public static MasterKey load(Optional<String> file, Optional<String> value) {
        if (file.isPresent() && value.isPresent()) {
            throw new IllegalStateException("Configure the master key once: either " + FILE + " or " + VALUE + ", not both");
        }
        if (file.isPresent()) {
            return FileMasterKey.fromFile(Path.of(file.get()));
        }
        if (value.isPresent()) {
            return FileMasterKey.fromBase64(value.get(), VALUE);
        }
        throw new IllegalStateException("No master key is configured: set " + FILE
                + " (a file holding 32 random bytes, base64) or " + VALUE + " (CARDVAULT_MASTER_KEY_VALUE)");
    }
}
