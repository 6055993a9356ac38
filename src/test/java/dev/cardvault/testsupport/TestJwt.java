package dev.cardvault.testsupport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Mints real RS256 tokens for tests, signed with keys-dev/jwt-private.pem (trusted in the test
 * profile) or with a freshly generated key that the service has never seen.
 */
public final class TestJwt {

    public static final String ISSUER = "https://cardvault.dev/issuer";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static volatile PrivateKey devKey;

    private String subject = "alice";
    private String tenant = "acme";
    private boolean withTenant = true;
    private final List<String> groups = new ArrayList<>();
    private String issuer = ISSUER;
    private Instant expiresAt = Instant.now().plusSeconds(600);
    private Instant issuedAt;
    private boolean withIssuedAt = true;
    private String audience;
    private final JsonObject extra = new JsonObject();
    private PrivateKey key;

    public static TestJwt as(String subject) {
        TestJwt t = new TestJwt();
        t.subject = subject;
        return t;
    }

    public TestJwt roles(String... roles) {
        groups.addAll(List.of(roles));
        return this;
    }

    public TestJwt tenant(String tenant) {
        this.tenant = tenant;
        this.withTenant = true;
        return this;
    }

    public TestJwt noTenant() {
        this.withTenant = false;
        return this;
    }

    public TestJwt issuer(String issuer) {
        this.issuer = issuer;
        return this;
    }

    /** {@code null}: no {@code sub} claim at all. */
    public TestJwt subject(String subject) {
        this.subject = subject;
        return this;
    }

    public TestJwt issuedAt(Instant at) {
        this.issuedAt = at;
        return this;
    }

    public TestJwt noIssuedAt() {
        this.withIssuedAt = false;
        return this;
    }

    public TestJwt audience(String audience) {
        this.audience = audience;
        return this;
    }

    /** Any other claim, e.g. {@code upn}. */
    public TestJwt claim(String name, Object value) {
        extra.put(name, value);
        return this;
    }

    public TestJwt expiresAt(Instant at) {
        this.expiresAt = at;
        return this;
    }

    public TestJwt signedWith(PrivateKey key) {
        this.key = key;
        return this;
    }

    public String mint() {
        JsonObject header = new JsonObject().put("alg", "RS256").put("typ", "JWT");
        JsonObject payload = claims();
        String input = b64(header.encode()) + "." + b64(payload.encode());
        try {
            Signature sig = Signature.getInstance("SHA256withRSA");
            sig.initSign(key != null ? key : devKey());
            sig.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64.encodeToString(sig.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same claims under {@code "alg": "none"} and no signature. */
    public String mintUnsigned() {
        JsonObject header = new JsonObject().put("alg", "none").put("typ", "JWT");
        return b64(header.encode()) + "." + b64(claims().encode()) + ".";
    }

    public String bearer() {
        return "Bearer " + mint();
    }

    private JsonObject claims() {
        long now = Instant.now().getEpochSecond();
        JsonObject payload = new JsonObject()
                .put("iss", issuer)
                .put("groups", new JsonArray(groups))
                .put("exp", expiresAt.getEpochSecond())
                .put("jti", UUID.randomUUID().toString());
        if (subject != null) {
            payload.put("sub", subject);
        }
        if (withIssuedAt) {
            payload.put("iat", issuedAt != null ? issuedAt.getEpochSecond() : Math.min(now, expiresAt.getEpochSecond() - 60));
        }
        if (audience != null) {
            payload.put("aud", audience);
        }
        payload.mergeIn(extra);
        if (withTenant) {
            payload.put("tenant", tenant);
        }
        return payload;
    }

    public static PrivateKey untrustedKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair().getPrivate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path devKeysDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("keys-dev/jwt-private.pem"))) {
                return p.resolve("keys-dev");
            }
        }
        throw new IllegalStateException("keys-dev/ not found above " + Path.of("").toAbsolutePath());
    }

    /** The keys-dev signing key: trusted in dev and test, refused in prod. */
    public static PrivateKey devKey() throws Exception {
        if (devKey == null) {
            String pem = Files.readString(devKeysDir().resolve("jwt-private.pem"));
            String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            devKey = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        }
        return devKey;
    }

    private static String b64(String s) {
        return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
