package dev.cardvault.keys;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.spec.GCMParameterSpec;

import org.jboss.logging.Logger;

import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.crypto.Randomness;
import dev.cardvault.crypto.SecretAccess;
import dev.cardvault.crypto.SecretKey;

/**
 * The master key inside a PKCS#11 token (an HSM; SoftHSM2 for development and tests), through the
 * JDK's SunPKCS11 provider. The key is generated inside the token as a sensitive, non-extractable
 * token object, and every wrap and unwrap runs inside the token (AES-256-GCM, a random 96-bit IV,
 * associated data naming the purpose): its bytes never exist in this JVM. What it wraps (KEKs,
 * root keys) comes out as {@link SecretKey}, as with every other source.
 *
 * <p>Wrapped form: {@code 0x02 || iv(12) || ciphertext || tag(16)}. The id, {@code p11-<label>-<check
 * value>}, names the key label and a check value (the first three bytes of an encryption of a zero
 * block, as HSM key ceremonies print), so a database is never opened with another token's key.
 */
public final class Pkcs11MasterKey implements MasterKey {

    private static final Logger LOG = Logger.getLogger(Pkcs11MasterKey.class);
    private static final byte FORMAT = 0x02;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final byte[] AAD = "cardvault/master-key-wrap/v1".getBytes(StandardCharsets.US_ASCII);

    /** Where the token and key are: settings {@code cardvault.master-key.pkcs11.*}. */
    public record Settings(String library, Optional<Long> slot, Optional<Integer> slotListIndex, Path pinFile, String keyLabel,
            boolean createIfMissing) {
    }

    /** One key in the token: the configured label, or {@code <label>.<n>} after n-1 rotations. */
    public final class Generation {
        private final String label;
        private final Key key;
        private final String id;

        private Generation(String label, Key key) throws GeneralSecurityException {
            this.label = label;
            this.key = key;
            this.id = "p11-" + label + "-" + checkValue(key);
        }

        public String id() {
            return id;
        }

        public byte[] wrap(SecretKey k) {
            return wrapWith(key, k);
        }
    }

    private final Provider provider;
    private final KeyStore store;
    private final String baseLabel;
    private volatile Generation current;

    private Pkcs11MasterKey(Provider provider, KeyStore store, Key key, String label) throws GeneralSecurityException {
        this.provider = provider;
        this.store = store;
        this.baseLabel = label;
        this.current = new Generation(label, key);
    }

    /** Logs in to the token and finds (or, when allowed, creates) the key; fails saying what to fix, never with the PIN. */
    public static Pkcs11MasterKey open(Settings s) {
        if (s.slot().isPresent() == s.slotListIndex().isPresent()) {
            throw new IllegalStateException("Name the PKCS#11 token once: cardvault.master-key.pkcs11.slot (the slot id) or "
                    + "cardvault.master-key.pkcs11.slot-list-index, not both and not neither");
        }
        if (!Files.isReadable(Path.of(s.library()))) {
            throw new IllegalStateException("The PKCS#11 library " + s.library() + " (cardvault.master-key.pkcs11.library) "
                    + "cannot be read");
        }
        char[] pin = readPin(s.pinFile());
        Provider provider;
        try {
            provider = Security.getProvider("SunPKCS11").configure(config(s));
        } catch (RuntimeException e) {
            Arrays.fill(pin, '\0');
            throw new IllegalStateException("The PKCS#11 token could not be opened (library " + s.library() + ", "
                    + s.slot().map(v -> "slot " + v).orElseGet(() -> "slot list index " + s.slotListIndex().get())
                    + "): check the library, the slot and that the token is initialised");
        }
        try {
            KeyStore store = KeyStore.getInstance("PKCS11", provider);
            try {
                store.load(null, pin);
            } catch (IOException e) {
                throw new IllegalStateException("Login to the PKCS#11 token failed: check the PIN in "
                        + s.pinFile() + " (cardvault.master-key.pkcs11.pin-file)");
            }
            Key key = store.getKey(s.keyLabel(), null);
            if (key == null) {
                if (!s.createIfMissing()) {
                    throw new IllegalStateException("The PKCS#11 token holds no key labelled " + s.keyLabel()
                            + ": create it at the key ceremony, or set cardvault.master-key.pkcs11.create-if-missing=true "
                            + "for the first start");
                }
                KeyGenerator generator = KeyGenerator.getInstance("AES", provider);
                generator.init(256);
                // Generated as a sensitive, non-extractable session object, then stored as a token object under its label.
                store.setKeyEntry(s.keyLabel(), generator.generateKey(), null, null);
                key = store.getKey(s.keyLabel(), null);
                LOG.infof("Created the master key %s inside the PKCS#11 token (sensitive, non-extractable)", s.keyLabel());
            }
            if (key.getEncoded() != null) {
                throw new IllegalStateException("The PKCS#11 key " + s.keyLabel() + " is extractable: its bytes can leave the "
                        + "token. Create a key with CKA_SENSITIVE=true and CKA_EXTRACTABLE=false");
            }
            return new Pkcs11MasterKey(provider, store, key, s.keyLabel());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The PKCS#11 token refused an operation on key " + s.keyLabel() + ": "
                    + e.getClass().getSimpleName());
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    private static String config(Settings s) {
        // Keys this provider generates are sensitive and never leave the token.
        return "--name=cardvault\nlibrary=" + s.library() + "\n"
                + s.slot().map(v -> "slot=" + v + "\n").orElseGet(() -> "slotListIndex=" + s.slotListIndex().get() + "\n")
                + "attributes(generate,CKO_SECRET_KEY,CKK_AES) = {\n  CKA_SENSITIVE = true\n  CKA_EXTRACTABLE = false\n}\n";
    }

    private static char[] readPin(Path pinFile) {
        try {
            byte[] raw = Files.readAllBytes(pinFile);
            String text = new String(raw, StandardCharsets.UTF_8).strip();
            Arrays.fill(raw, (byte) 0);
            if (text.isEmpty()) {
                throw new IllegalStateException("The PKCS#11 PIN file " + pinFile + " is empty");
            }
            return text.toCharArray();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the PKCS#11 PIN file " + pinFile
                    + " (cardvault.master-key.pkcs11.pin-file): " + e.getClass().getSimpleName());
        }
    }

    /** A new key generated inside the token for a master key rotation; not in force until {@link #adopt}. */
    synchronized Generation newGeneration() {
        try {
            int n = 2;
            while (store.containsAlias(baseLabel + "." + n)) {
                n++;
            }
            String label = baseLabel + "." + n;
            KeyGenerator generator = KeyGenerator.getInstance("AES", provider);
            generator.init(256);
            store.setKeyEntry(label, generator.generateKey(), null, null);
            Key key = store.getKey(label, null);
            if (key == null || key.getEncoded() != null) {
                throw new IllegalStateException("The PKCS#11 token did not keep the new master key " + label + " sensitive");
            }
            LOG.infof("Created the master key %s inside the PKCS#11 token for a rotation", label);
            return new Generation(label, key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The PKCS#11 token could not create a new master key: " + e.getClass().getSimpleName());
        }
    }

    void adopt(Generation next) {
        current = next;
    }

    /** Uses the key of this token that the database says is in force (after a rotation, e.g. {@code <label>.2}). */
    @Override
    public synchronized void follow(String inForceId) {
        if (inForceId.equals(current.id()) || !inForceId.startsWith("p11-") || inForceId.lastIndexOf('-') <= 4) {
            return;
        }
        String label = inForceId.substring(4, inForceId.lastIndexOf('-'));
        if (!label.equals(baseLabel) && !label.startsWith(baseLabel + ".")) {
            return; // another token's key: unwrapStored says so
        }
        try {
            Key key = store.getKey(label, null);
            if (key != null) {
                Generation g = new Generation(label, key);
                if (g.id().equals(inForceId)) {
                    current = g;
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The PKCS#11 token refused access to key " + label + ": " + e.getClass().getSimpleName());
        }
    }

    private String checkValue(Key key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding", provider);
        c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, new byte[IV_BYTES]));
        c.updateAAD("cardvault/master-key-check/v1".getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(c.doFinal(new byte[16]), 0, 3);
    }

    @Override
    public String id() {
        return current.id();
    }

    @Override
    public String describe() {
        Generation g = current;
        return "master key " + g.id() + " in PKCS#11 token (" + provider.getName() + ", key " + g.label + ")";
    }

    @Override
    public byte[] wrap(SecretKey k) {
        return wrapWith(current.key, k);
    }

    private byte[] wrapWith(Key key, SecretKey k) {
        byte[] iv = new byte[IV_BYTES];
        Randomness.secure().nextBytes(iv);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding", provider);
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
            c.updateAAD(AAD);
            byte[] ct = c.doFinal(k.bytes(SecretAccess.grant()));
            return ByteBuffer.allocate(1 + IV_BYTES + ct.length).put(FORMAT).put(iv).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("The PKCS#11 token could not wrap a key: " + e.getClass().getSimpleName());
        }
    }

    @Override
    public SecretKey unwrap(byte[] wrapped) throws DecryptionFailedException {
        if (wrapped == null || wrapped.length != 1 + IV_BYTES + SecretKey.AES256_BYTES + TAG_BITS / 8 || wrapped[0] != FORMAT) {
            throw new DecryptionFailedException();
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding", provider);
            c.init(Cipher.DECRYPT_MODE, current.key, new GCMParameterSpec(TAG_BITS, wrapped, 1, IV_BYTES));
            c.updateAAD(AAD);
            return SecretKey.adopt(c.doFinal(wrapped, 1 + IV_BYTES, wrapped.length - 1 - IV_BYTES));
        } catch (GeneralSecurityException e) {
            throw new DecryptionFailedException();
        }
    }

    /** The token's key object, for tests that try to get its bytes out. */
    Key tokenKey() {
        return current.key;
    }

    Provider provider() {
        return provider;
    }
}
