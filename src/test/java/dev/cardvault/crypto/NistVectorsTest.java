package dev.cardvault.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link AesGcm} and {@link KeyWrap} against NIST CAVP known-answer vectors (src/test/resources/nist-cavp,
 * README there): every vector of the files, valid ones reproduced exactly, {@code FAIL} ones refused.
 * Failure messages name the file and the vector's count, never key or data bytes.
 */
@Tag("unit")
class NistVectorsTest {

    private static final HexFormat HEX = HexFormat.of();

    /** One vector: its section's parameters, then its fields in file order ({@code FAIL} as a key with an empty value). */
    record Vector(String file, Map<String, String> params, Map<String, String> fields) {
        byte[] bytes(String name) {
            String v = fields.get(name);
            if (v == null) {
                throw new IllegalStateException(this + " has no " + name);
            }
            return HEX.parseHex(v);
        }

        boolean fails() {
            return fields.containsKey("FAIL");
        }

        @Override
        public String toString() {
            return file + " " + params + " count " + fields.getOrDefault("Count", fields.get("COUNT"));
        }
    }

    /** The vectors of a CAVP response file: {@code [name = value]} section lines, {@code name = value} fields, blank-line separated. */
    static List<Vector> read(String file) throws IOException {
        String text;
        try (InputStream in = NistVectorsTest.class.getResourceAsStream("/nist-cavp/" + file)) {
            if (in == null) {
                throw new IllegalStateException("no nist-cavp/" + file + " on the test class path");
            }
            text = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
        List<Vector> out = new ArrayList<>();
        Map<String, String> params = new LinkedHashMap<>();
        Map<String, String> fields = new LinkedHashMap<>();
        boolean paramsDone = false;
        for (String raw : (text + "\n\n").split("\n", -1)) {
            String line = raw.strip();
            if (line.startsWith("#")) {
                continue;
            }
            if (line.isEmpty()) {
                if (!fields.isEmpty()) {
                    out.add(new Vector(file, Map.copyOf(params), fields));
                    fields = new LinkedHashMap<>();
                }
            } else if (line.startsWith("[")) {
                if (paramsDone) {
                    params = new LinkedHashMap<>();
                    paramsDone = false;
                }
                String[] kv = line.substring(1, line.length() - 1).split("=", 2);
                params.put(kv[0].strip(), kv[1].strip());
            } else {
                paramsDone = true;
                String[] kv = line.split("=", 2);
                fields.put(kv[0].strip(), kv.length > 1 ? kv[1].strip() : "");
            }
        }
        return out;
    }

    @Test
    void aesGcmEncrypt_everyVectorWith96BitNonceAnd128BitTag_matchesCiphertextAndTag() throws IOException {
        List<Vector> vectors = read("gcmEncryptExtIV256-iv96-tag128.rsp");
        assertEquals(375, vectors.size());
        for (Vector v : vectors) {
            assertEquals("96", v.params().get("IVlen"), v.toString());
            assertEquals("128", v.params().get("Taglen"), v.toString());
            byte[] out = new AesGcm(SecretKey.adopt(v.bytes("Key"))).encryptWithNonce(v.bytes("IV"), v.bytes("PT"), v.bytes("AAD"));
            assertArrayEquals(v.bytes("IV"), Arrays.copyOfRange(out, 0, AesGcm.NONCE_BYTES), v + ": nonce prefix");
            assertArrayEquals(concat(v.bytes("CT"), v.bytes("Tag")), Arrays.copyOfRange(out, AesGcm.NONCE_BYTES, out.length), v.toString());
        }
    }

    @Test
    void aesGcmDecrypt_everyVector_returnsThePlaintext_orRefusesTheFailOnes() throws Exception {
        List<Vector> vectors = read("gcmDecrypt256-iv96-tag128.rsp");
        assertEquals(375, vectors.size());
        long refused = 0;
        for (Vector v : vectors) {
            Aead aead = new AesGcm(SecretKey.adopt(v.bytes("Key")));
            byte[] sealed = concat(v.bytes("IV"), v.bytes("CT"), v.bytes("Tag"));
            if (v.fails()) {
                assertThrows(DecryptionFailedException.class, () -> aead.decrypt(sealed, v.bytes("AAD")), v.toString());
                refused++;
            } else {
                assertArrayEquals(v.bytes("PT"), aead.decrypt(sealed, v.bytes("AAD")), v.toString());
            }
        }
        assertEquals(191, refused, "FAIL vectors in the file");
    }

    @Test
    void keyWrap_everyWrapOfA256BitKey_matches() throws IOException {
        List<Vector> vectors = read("KW_AE_256-p256.txt");
        assertEquals(100, vectors.size());
        for (Vector v : vectors) {
            byte[] wrapped = new KeyWrap(SecretKey.adopt(v.bytes("K"))).wrap(SecretKey.adopt(v.bytes("P")));
            assertArrayEquals(v.bytes("C"), wrapped, v.toString());
        }
    }

    @Test
    void keyWrap_everyUnwrap_returnsTheKey_orRefusesTheFailOnes() throws Exception {
        List<Vector> vectors = read("KW_AD_256-p256.txt");
        assertEquals(100, vectors.size());
        long refused = 0;
        for (Vector v : vectors) {
            KeyWrap kw = new KeyWrap(SecretKey.adopt(v.bytes("K")));
            if (v.fails()) {
                assertThrows(DecryptionFailedException.class, () -> kw.unwrap(v.bytes("C")), v.toString());
                refused++;
            } else {
                assertArrayEquals(v.bytes("P"), kw.unwrap(v.bytes("C")).bytes(SecretAccess.grant()), v.toString());
            }
        }
        assertEquals(20, refused, "FAIL vectors in the file");
    }

    private static byte[] concat(byte[]... parts) {
        int n = Arrays.stream(parts).mapToInt(p -> p.length).sum();
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
