package dev.cardvault.testsupport;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwx.HeaderParameterNames;
import org.jose4j.lang.JoseException;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import io.smallrye.jwt.util.KeyUtils;
import io.vertx.core.json.JsonObject;

/**
 * Real RS256 tokens for tests, minted with SmallRye's {@link Jwt} builder and signed with
 * keys-dev/jwt-private.pem (trusted in the test profile) or with a key the service has never seen.
 * Only what the builder refuses to make is finished by hand from its output: a token without
 * {@code iat} (re-signed) and one under {@code "alg": "none"}. {@code TestJwtTest} checks both.
 */
public final class TestJwt {

    /** The issuer the test and dev profiles trust. */
    public static final String ISSUER = "https://cardvault.dev/issuer";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static volatile PrivateKey devKey;

    private String subject = "alice";
    private String tenant = "acme";
    private boolean withTenant = true;
    private final Set<String> groups = new LinkedHashSet<>();
    private String issuer = ISSUER;
    private Instant expiresAt = Instant.now().plusSeconds(600);
    private Instant issuedAt;
    private boolean withIssuedAt = true;
    private String audience;
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private PrivateKey key;

    private TestJwt() {
    }

    /** A token for {@code subject}; {@code null}: no {@code sub} claim at all. Tenant "acme", no roles. */
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

    public TestJwt issuedAt(Instant at) {
        this.issuedAt = at;
        return this;
    }

    /** No {@code iat} claim (the builder always adds one, so this token is signed by hand). */
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

    /** The compact RS256 token. */
    public String mint() {
        PrivateKey signer = key != null ? key : devKey();
        String token = claims().jws().sign(signer);
        return withIssuedAt ? token : signedByHand(withoutIssuedAt(token), signer);
    }

    /** The same claims under {@code "alg": "none"} and no signature (the builder signs every token). */
    public String mintUnsigned() {
        String payload = claims().jws().sign(devKey()).split("\\.")[1];
        if (!withIssuedAt) {
            payload = B64.encodeToString(withoutIssuedAt(payload).getBytes(StandardCharsets.UTF_8));
        }
        return B64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + payload + ".";
    }

    public String bearer() {
        return "Bearer " + mint();
    }

    /** Every claim of this token, with SmallRye's builder (which adds {@code jti}, and {@code iat} unless set). */
    private JwtClaimsBuilder claims() {
        JwtClaimsBuilder b = Jwt.issuer(issuer).groups(groups).expiresAt(expiresAt).issuedAt(issuedAt());
        if (subject != null) {
            b.subject(subject);
        }
        if (audience != null) {
            b.audience(audience);
        }
        extra.forEach(b::claim);
        if (withTenant) {
            b.claim("tenant", tenant);
        }
        return b;
    }

    private Instant issuedAt() {
        if (issuedAt != null) {
            return issuedAt;
        }
        Instant now = Instant.now();
        Instant beforeExpiry = expiresAt.minusSeconds(60);
        return now.isBefore(beforeExpiry) ? now : beforeExpiry; // an expired token was issued before it expired
    }

    /** The claims JSON of a token (or of its base64url payload alone) without {@code iat}. */
    private static String withoutIssuedAt(String tokenOrPayload) {
        String payload = tokenOrPayload.contains(".") ? tokenOrPayload.split("\\.")[1] : tokenOrPayload;
        JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
        claims.remove("iat");
        return claims.encode();
    }

    /** RS256 over claims the builder would not produce, with jose4j (which the builder uses too). */
    private static String signedByHand(String claimsJson, PrivateKey signer) {
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claimsJson);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        jws.setHeader(HeaderParameterNames.TYPE, "JWT");
        jws.setKey(signer);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A fresh RSA key that no profile trusts. */
    public static PrivateKey untrustedKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair().getPrivate();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** keys-dev/, found from the working directory upwards. */
    public static Path devKeysDir() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("keys-dev/jwt-private.pem"))) {
                return p.resolve("keys-dev");
            }
        }
        throw new IllegalStateException("keys-dev/ not found above " + Path.of("").toAbsolutePath());
    }

    /** The keys-dev signing key: trusted in dev and test, refused in prod. */
    public static PrivateKey devKey() {
        if (devKey == null) {
            try {
                devKey = KeyUtils.decodePrivateKey(Files.readString(devKeysDir().resolve("jwt-private.pem")));
            } catch (Exception e) {
                throw new IllegalStateException("keys-dev/jwt-private.pem", e);
            }
        }
        return devKey;
    }
}
