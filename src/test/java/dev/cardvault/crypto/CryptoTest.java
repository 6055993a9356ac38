package dev.cardvault.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The Bouncy Castle primitives against published vectors and against the JDK's own implementations. */
@Tag("unit")
class CryptoTest {

    private static final HexFormat HEX = HexFormat.of();
    private final byte[] ad = "tenant:acme|token:tok_x".getBytes(StandardCharsets.UTF_8);

    @Test
    void aesGcm_knownAnswer_mcGrewViegaTestCase14() {
        // AES-256, zero key, zero 96-bit IV, one zero block (GCM specification, test case 14).
        AesGcm gcm = new AesGcm(SecretKey.adopt(new byte[32]));
        byte[] out = gcm.encryptWithNonce(new byte[12], new byte[16], new byte[0]);
        assertEquals("cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919",
                HEX.formatHex(Arrays.copyOfRange(out, 12, out.length)));
    }

    @Test
    void aesGcm_matchesTheJdk() throws Exception {
        SecretKey key = SecretKey.generate();
        byte[] plain = "4111111111111111|12|2030|Mario".getBytes(StandardCharsets.UTF_8);
        byte[] ours = new AesGcm(key).encrypt(plain, ad);
        Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
        jdk.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key.bytes(SecretAccess.grant()), "AES"),
                new GCMParameterSpec(128, ours, 0, 12));
        jdk.updateAAD(ad);
        assertArrayEquals(plain, jdk.doFinal(ours, 12, ours.length - 12));
    }

    @Test
    void aesGcm_roundTrip_freshNonceEachTime() throws Exception {
        Aead aead = new AesGcm(SecretKey.generate());
        byte[] plain = "card".getBytes(StandardCharsets.UTF_8);
        byte[] a = aead.encrypt(plain, ad);
        byte[] b = aead.encrypt(plain, ad);
        assertFalse(Arrays.equals(Arrays.copyOf(a, 12), Arrays.copyOf(b, 12)), "nonce reused");
        assertArrayEquals(plain, aead.decrypt(a, ad));
    }

    @Test
    void aesGcm_decrypt_tamperedCiphertext_tamperedAd_otherKey_truncated_allThrowTheSameException() {
        Aead aead = new AesGcm(SecretKey.generate());
        byte[] ct = aead.encrypt("card".getBytes(StandardCharsets.UTF_8), ad);
        for (int i = 0; i < ct.length; i++) {
            byte[] t = ct.clone();
            t[i] ^= 0x01;
            assertThrows(DecryptionFailedException.class, () -> aead.decrypt(t, ad));
        }
        byte[] otherAd = ad.clone();
        otherAd[0] ^= 1;
        assertThrows(DecryptionFailedException.class, () -> aead.decrypt(ct, otherAd));
        assertThrows(DecryptionFailedException.class, () -> new AesGcm(SecretKey.generate()).decrypt(ct, ad));
        assertThrows(DecryptionFailedException.class, () -> aead.decrypt(Arrays.copyOf(ct, 20), ad));
        assertThrows(DecryptionFailedException.class, () -> aead.decrypt(null, ad));
    }

    @Test
    void keyWrap_knownAnswer_rfc3394Section4_6() throws Exception {
        SecretKey kek = SecretKey.adopt(HEX.parseHex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"));
        SecretKey data = SecretKey.adopt(HEX.parseHex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F"));
        byte[] wrapped = new KeyWrap(kek).wrap(data);
        assertEquals("28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21", HEX.formatHex(wrapped));
        assertArrayEquals(data.bytes(SecretAccess.grant()), new KeyWrap(kek).unwrap(wrapped).bytes(SecretAccess.grant()));
    }

    @Test
    void keyWrap_unwrapWithOtherKeyOrTamperedBytes_throws() {
        SecretKey kek = SecretKey.generate();
        byte[] wrapped = new KeyWrap(kek).wrap(SecretKey.generate());
        assertThrows(DecryptionFailedException.class, () -> new KeyWrap(SecretKey.generate()).unwrap(wrapped));
        byte[] t = wrapped.clone();
        t[5] ^= 1;
        assertThrows(DecryptionFailedException.class, () -> new KeyWrap(kek).unwrap(t));
    }

    @Test
    void hmac_matchesTheJdk_andDerivedKeysAreIndependent() throws Exception {
        SecretKey root = SecretKey.generate();
        byte[] msg = "4111111111111111".getBytes(StandardCharsets.US_ASCII);
        Mac jdk = Mac.getInstance("HmacSHA256");
        jdk.init(new SecretKeySpec(root.bytes(SecretAccess.grant()), "HmacSHA256"));
        Hmac hmac = new Hmac(root);
        assertArrayEquals(jdk.doFinal(msg), hmac.mac(msg));
        // One instance, reused on this thread and on others: every MAC starts from the key, none from the last message.
        for (int i = 0; i < 3; i++) {
            byte[] m = ("message " + i).getBytes(StandardCharsets.US_ASCII);
            assertArrayEquals(jdk.doFinal(m), hmac.mac(m));
        }
        byte[][] fromOtherThread = new byte[1][];
        Thread t = new Thread(() -> fromOtherThread[0] = hmac.mac(msg));
        t.start();
        t.join();
        assertArrayEquals(jdk.doFinal(msg), fromOtherThread[0]);

        SecretKey a = Hmac.derive(root, "tenant:a");
        SecretKey a2 = Hmac.derive(root, "tenant:a");
        SecretKey b = Hmac.derive(root, "tenant:b");
        assertArrayEquals(new Hmac(a).mac(msg), new Hmac(a2).mac(msg));
        assertNotEquals(HEX.formatHex(new Hmac(a).mac(msg)), HEX.formatHex(new Hmac(b).mac(msg)));
    }

    @Test
    void secretKey_neverPrintsItsBytes() {
        SecretKey k = SecretKey.generate();
        assertEquals("SecretKey[redacted]", k.toString());
        k.destroy();
        assertThrows(IllegalStateException.class, () -> k.bytes(SecretAccess.grant()));
    }

    @Test
    void destroyedKeys_refuseEveryUse_andTheirBytesAreZeroed() throws Exception {
        SecretKey k = SecretKey.generate();
        KeyWrap wrap = new KeyWrap(k);
        AesGcm gcm = new AesGcm(k);
        Hmac hmac = new Hmac(k);
        Ed25519 ed = new Ed25519(k);
        byte[] wrapped = wrap.wrap(SecretKey.generate());
        byte[] sealed = gcm.encrypt(new byte[] { 1 }, new byte[0]);
        hmac.mac(new byte[] { 1 });

        wrap.destroy();
        gcm.destroy();
        hmac.destroy();
        ed.destroy();
        assertThrows(IllegalStateException.class, () -> wrap.wrap(SecretKey.generate()));
        assertThrows(DecryptionFailedException.class, () -> wrap.unwrap(wrapped));
        assertThrows(IllegalStateException.class, () -> gcm.encrypt(new byte[] { 1 }, new byte[0]));
        assertThrows(DecryptionFailedException.class, () -> gcm.decrypt(sealed, new byte[0]));
        assertThrows(IllegalStateException.class, () -> hmac.mac(new byte[] { 1 }));
        assertThrows(IllegalStateException.class, () -> ed.sign(new byte[] { 1 }));
        for (Object holder : new Object[] { wrap, gcm, hmac }) {
            java.lang.reflect.Field f = holder.getClass().getDeclaredField(holder instanceof KeyWrap ? "wrappingKey" : "key");
            f.setAccessible(true);
            byte[] held = ((org.bouncycastle.crypto.params.KeyParameter) f.get(holder)).getKey();
            assertArrayEquals(new byte[32], held, holder.getClass().getSimpleName() + " still holds key bytes");
        }
    }
}
