package dev.cardvault.keys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;

import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.crypto.Hmac;
import dev.cardvault.crypto.KeyWrap;
import dev.cardvault.crypto.SecretKey;

/**
 * A master key held as base64 text (32 bytes), from a file (e.g. a mounted Kubernetes secret) or
 * from a configuration value. Its id is derived from the key itself, so a wrong key is detected
 * before anything is unwrapped with it.
 */
public final class FileMasterKey implements MasterKey {

    private final String source;
    private final KeyWrap wrap;
    private final String id;

    private FileMasterKey(String source, SecretKey key) {
        this.source = source;
        this.wrap = new KeyWrap(key);
        this.id = idOf(key);
        key.destroy(); // KeyWrap holds its own copy
    }

    /** A master key's id: an HMAC under a key derived from it, so it tells keys apart and reveals nothing of them. */
    static String idOf(SecretKey key) {
        SecretKey idKey = Hmac.derive(key, "cardvault/master-key-id/v1");
        try {
            Hmac mac = new Hmac(idKey);
            String id = "mk-" + HexFormat.of().formatHex(mac.mac(new byte[0]), 0, 8);
            mac.destroy();
            return id;
        } finally {
            idKey.destroy();
        }
    }

    public static FileMasterKey fromFile(Path path) {
        try {
            return fromBase64(Files.readString(path, StandardCharsets.US_ASCII), "file " + path);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the master key file " + path + ": " + e.getClass().getSimpleName());
        }
    }

    public static FileMasterKey fromBase64(String text, String source) {
        byte[] raw;
        try {
            raw = Base64.getMimeDecoder().decode(text.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("The master key from " + source + " is not base64");
        }
        if (raw.length != SecretKey.AES256_BYTES) {
            java.util.Arrays.fill(raw, (byte) 0);
            throw new IllegalStateException("The master key from " + source + " must be 32 bytes (256 bits), base64-encoded");
        }
        return new FileMasterKey(source, SecretKey.adopt(raw));
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String describe() {
        return "master key " + id + " from " + source;
    }

    @Override
    public byte[] wrap(SecretKey key) {
        return wrap.wrap(key);
    }

    @Override
    public SecretKey unwrap(byte[] wrapped) throws DecryptionFailedException {
        return wrap.unwrap(wrapped);
    }

    @Override
    public String toString() {
        return describe();
    }
}
