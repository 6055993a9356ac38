package dev.cardvault.keys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.codahale.shamir.Scheme;

import dev.cardvault.crypto.SecretAccess;
import dev.cardvault.crypto.SecretKey;

/** Shares as custodians hold them, and the Shamir scheme they come from: any k rebuild the key, fewer or a wrong one do not. */
@Tag("unit")
class ShareTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void encodeParse_roundTrips_andPrintsAMask() {
        byte[] value = new byte[32];
        RANDOM.nextBytes(value);
        Share share = new Share(7, value.clone());
        String text = share.encode();
        assertTrue(text.startsWith(Share.PREFIX));
        Share back = Share.parse("  " + text + "\n");
        assertEquals(7, back.index());
        assertArrayEquals(value, back.value());
        assertEquals("Share[#7, redacted]", back.toString());
        back.wipe();
        assertArrayEquals(new byte[32], back.value());
    }

    @Test
    void everySingleCharacterTypo_isRefused_withoutEchoingTheInput() {
        byte[] value = new byte[32];
        RANDOM.nextBytes(value);
        String text = new Share(3, value).encode();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int refused = 0;
        for (int i = Share.PREFIX.length(); i < text.length(); i++) {
            for (char c : alphabet.toCharArray()) {
                if (c == text.charAt(i)) {
                    continue;
                }
                String typo = text.substring(0, i) + c + text.substring(i + 1);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Share.parse(typo), "typo at " + i);
                assertFalse(e.getMessage().contains(typo.substring(Share.PREFIX.length())));
                refused++;
            }
        }
        assertEquals((text.length() - Share.PREFIX.length()) * 63, refused);
        assertThrows(IllegalArgumentException.class, () -> Share.parse(text.substring(0, text.length() - 1)));
        assertThrows(IllegalArgumentException.class, () -> Share.parse("cvshare:" + "A".repeat(51)));
        assertThrows(IllegalArgumentException.class, () -> Share.parse(null));
    }

    @Test
    void anyKOfN_rebuildTheKey_fewerOrAForeignShareDoNot() {
        SecretKey key = SecretKey.generate();
        byte[] secret = key.bytes(SecretAccess.grant()).clone();
        Map<Integer, byte[]> parts = new Scheme(RANDOM, 5, 3).split(secret);
        assertEquals(5, parts.size());
        Scheme join = new Scheme(RANDOM, 5, 3);
        for (int a = 1; a <= 5; a++) {
            for (int b = a + 1; b <= 5; b++) {
                for (int c = b + 1; c <= 5; c++) {
                    Map<Integer, byte[]> some = Map.of(a, parts.get(a), b, parts.get(b), c, parts.get(c));
                    byte[] rebuilt = join.join(some);
                    assertArrayEquals(secret, rebuilt);
                    assertEquals(FileMasterKey.idOf(key), FileMasterKey.idOf(SecretKey.adopt(rebuilt)));
                }
            }
        }
        assertFalse(java.util.Arrays.equals(secret, join.join(Map.of(1, parts.get(1), 2, parts.get(2)))), "two of three");
        Map<Integer, byte[]> withForeign = new HashMap<>(Map.of(1, parts.get(1), 2, parts.get(2)));
        byte[] foreign = new byte[32];
        RANDOM.nextBytes(foreign);
        withForeign.put(3, foreign);
        assertNotEquals(FileMasterKey.idOf(key), FileMasterKey.idOf(SecretKey.adopt(join.join(withForeign))));
    }
}
