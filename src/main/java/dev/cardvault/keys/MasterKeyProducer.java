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

    @Produces
    @Singleton
    MasterKey masterKey() {
        return load(file, value);
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
