package dev.cardvault.devkeys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.cardvault.keys.FileMasterKey;
import dev.cardvault.testsupport.TestJwt;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

@Tag("unit")
class ProductionKeyGuardTest {

    @TempDir
    Path tmp;

    private static final String PROD_MASTER = "cardvault.master-key.value";

    /** Checks {@code props}, plus a production master key unless the test sets one. */
    private static List<String> check(Map<String, String> props) {
        Map<String, String> all = new java.util.HashMap<>(props);
        if (!props.containsKey("cardvault.master-key.file") && !props.containsKey("none")) {
            all.putIfAbsent(PROD_MASTER, Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'B'));
        }
        if (!props.containsKey("none") && !props.containsKey("no-audience")) {
            all.putIfAbsent("mp.jwt.verify.audiences", "cardvault");
        }
        if (!props.containsKey("none") && !props.containsKey("no-allow-file")) {
            all.putIfAbsent("cardvault.master-key.allow-file", "true");
        }
        all.remove("none");
        all.remove("no-audience");
        all.remove("no-allow-file");
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(all, "test", 300)).build();
        return ProductionKeyGuard.check(config);
    }

    private Path realProviderKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        String pem = "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(g.generateKeyPair().getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        Path p = tmp.resolve("idp.pem");
        Files.writeString(p, pem);
        return p;
    }

    @Test
    void check_devKeyByPath_refused() {
        List<String> problems = check(Map.of("mp.jwt.verify.publickey.location", "keys-dev/jwt-public.pem",
                "mp.jwt.verify.issuer", "https://idp.example"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("keys-dev"));
        assertTrue(problems.get(0).contains("mp.jwt.verify.publickey.location"));
    }

    @Test
    void check_devKeyCopiedElsewhere_refusedByContent() throws Exception {
        Path copy = tmp.resolve("innocent.pem");
        Files.copy(TestJwt.devKeysDir().resolve("jwt-public.pem"), copy);
        List<String> problems = check(Map.of("mp.jwt.verify.publickey.location", copy.toUri().toString(),
                "mp.jwt.verify.issuer", "https://idp.example"));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("keys-dev"));
    }

    @Test
    void check_devKeyInline_refused() throws Exception {
        String pem = Files.readString(TestJwt.devKeysDir().resolve("jwt-public.pem"));
        List<String> problems = check(Map.of("mp.jwt.verify.publickey", pem, "mp.jwt.verify.issuer", "https://idp.example"));
        assertEquals(1, problems.size(), problems.toString());
    }

    @Test
    void check_nothingConfigured_refusedNamingTheSettings() {
        List<String> problems = check(Map.of("none", ""));
        assertEquals(5, problems.size(), problems.toString());
        assertTrue(String.join(" ", problems).contains("cardvault.master-key.source=pkcs11"));
        assertTrue(String.join(" ", problems).contains("mp.jwt.verify.audiences"));
        assertTrue(String.join(" ", problems).contains("cardvault.master-key.file"));
        assertTrue(String.join(" ", problems).contains("mp.jwt.verify.publickey.location"));
        assertTrue(String.join(" ", problems).contains("mp.jwt.verify.issuer"));
    }

    @Test
    void check_providerKeyAndIssuer_accepted() throws Exception {
        assertEquals(List.of(), check(Map.of("mp.jwt.verify.publickey.location", realProviderKey().toString(),
                "mp.jwt.verify.issuer", "https://idp.example")));
        assertEquals(List.of(), check(Map.of("mp.jwt.verify.publickey.location", "https://idp.example/jwks.json",
                "mp.jwt.verify.issuer", "https://idp.example")));
    }

    @Test
    void check_devMasterKey_byPathOrCopyOrValue_refused() throws Exception {
        Path copy = tmp.resolve("prod-master.key");
        Files.copy(TestJwt.devKeysDir().resolve("master.key"), copy);
        Map<String, String> base = Map.of("mp.jwt.verify.publickey.location", realProviderKey().toString(),
                "mp.jwt.verify.issuer", "https://idp.example");
        for (Map<String, String> master : List.of(Map.of("cardvault.master-key.file", "keys-dev/master.key"),
                Map.of("cardvault.master-key.file", copy.toString()),
                Map.of(PROD_MASTER, Files.readString(copy)))) {
            Map<String, String> props = new java.util.HashMap<>(base);
            props.putAll(master);
            List<String> problems = check(props);
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("keys-dev"), problems.get(0));
        }
    }

    @Test
    void check_devMasterKeyReencoded_refusedByKeyId() throws Exception {
        // The file reader takes base64 leniently (MIME: other characters are skipped), so the same
        // key bytes can arrive as text that no byte comparison recognises. The key id does.
        String base64 = Files.readString(TestJwt.devKeysDir().resolve("master.key")).trim();
        StringBuilder disguised = new StringBuilder("#*#*#\n");
        for (int i = 0; i < base64.length(); i++) {
            disguised.append(base64.charAt(i)).append(i % 3 == 0 ? "*" : "");
        }
        Path file = tmp.resolve("master.key");
        Files.writeString(file, disguised);
        Map<String, String> props = Map.of("mp.jwt.verify.publickey.location", realProviderKey().toString(),
                "mp.jwt.verify.issuer", "https://idp.example", "cardvault.master-key.file", file.toString());
        List<String> problems = check(props);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains(DevMaterial.MASTER_KEY_ID), problems.get(0));
    }

    @Test
    void check_noAudience_refusedNamingTheSetting() throws Exception {
        List<String> problems = check(Map.of("mp.jwt.verify.publickey.location", realProviderKey().toString(),
                "mp.jwt.verify.issuer", "https://idp.example", "no-audience", ""));
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("mp.jwt.verify.audiences"), problems.get(0));
    }

    @Test
    void devMaterial_matchesTheCommittedDevKeys() throws Exception {
        assertEquals(DevMaterial.MASTER_KEY_ID, FileMasterKey.fromFile(TestJwt.devKeysDir().resolve("master.key")).id(),
                "DevMaterial.MASTER_KEY_ID is stale: it must be the id of keys-dev/master.key");
        String pem = Files.readString(TestJwt.devKeysDir().resolve("jwt-public.pem"));
        assertTrue(DevMaterial.isDevContent(pem), "DevMaterial.FINGERPRINTS is stale: regenerate it from keys-dev/");
    }

    @Test
    void check_fileMasterKey_refusedUnlessAllowedKnowingly_andPkcs11NeedsItsSettings() throws Exception {
        Map<String, String> base = Map.of("mp.jwt.verify.publickey.location", realProviderKey().toString(),
                "mp.jwt.verify.issuer", "https://idp.example");
        Map<String, String> notAllowed = new java.util.HashMap<>(base);
        notAllowed.put("no-allow-file", "");
        List<String> problems = check(notAllowed);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("cardvault.master-key.source=pkcs11") && problems.get(0).contains("allow-file=true"));
        assertEquals(List.of(), check(base));

        Map<String, String> hsm = new java.util.HashMap<>(base);
        hsm.put("cardvault.master-key.source", "pkcs11");
        hsm.put("no-allow-file", "");
        hsm.put("cardvault.master-key.file", "unused");
        List<String> missing = check(hsm);
        assertEquals(2, missing.size(), missing.toString());
        assertTrue(String.join(" ", missing).contains("cardvault.master-key.pkcs11.library"));
        assertTrue(String.join(" ", missing).contains("cardvault.master-key.pkcs11.pin-file"));
        hsm.put("cardvault.master-key.pkcs11.library", "/usr/lib/softhsm/libsofthsm2.so");
        hsm.put("cardvault.master-key.pkcs11.pin-file", "/run/secrets/hsm/pin");
        assertEquals(List.of(), check(hsm));

        Map<String, String> unknown = new java.util.HashMap<>(base);
        unknown.put("cardvault.master-key.source", "vault");
        assertTrue(check(unknown).get(0).contains("must be file or pkcs11"));
    }
}
