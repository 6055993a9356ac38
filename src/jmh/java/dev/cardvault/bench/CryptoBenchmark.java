package dev.cardvault.bench;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.cardvault.card.Pan;
import dev.cardvault.crypto.AesGcm;
import dev.cardvault.crypto.Hmac;
import dev.cardvault.crypto.Randomness;
import dev.cardvault.crypto.SecretAccess;
import dev.cardvault.crypto.SecretKey;
import dev.cardvault.keys.DataKey;
import dev.cardvault.tokens.CardRecordCipher;
import dev.cardvault.tokens.TokenFormat;
import dev.cardvault.tokens.TokenGenerator;

/** The CPU each tokenize/detokenize spends on crypto, token generation and JWT verification. */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CryptoBenchmark {

    private DataKey key;
    private CardRecordCipher.CardRecord record;
    private byte[] sealed;
    private SecretKeySpec jdkKey;
    private byte[] plain;
    private byte[] ad;
    private byte[] jdkSealed;
    private Hmac hmac;
    private Pan pan;
    private String jwt;
    private JwtConsumer consumer;

    @Setup
    public void setup() throws Exception {
        SecretKey k = SecretKey.generate();
        jdkKey = new SecretKeySpec(k.bytes(SecretAccess.grant()).clone(), "AES");
        key = new DataKey(1, "acme", 1, new AesGcm(k));
        record = new CardRecordCipher.CardRecord("4111111111111111", 12, 2030, "Mario Rossi");
        sealed = CardRecordCipher.encrypt(record, key, "acme", "tok_abcdefghijklmnopqrstuvwx");
        plain = "4111111111111111\u001f12\u001f2030\u001f1Mario Rossi".getBytes(StandardCharsets.UTF_8);
        ad = "cardvault/card/v1 acme tok_abcdefghijklmnopqrstuvwx 1".getBytes(StandardCharsets.UTF_8);
        jdkSealed = jdkEncrypt();
        hmac = new Hmac(Hmac.derive(SecretKey.generate(), "tenant:acme"));
        pan = Pan.parse("4111111111111111");

        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair kp = g.generateKeyPair();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        long now = System.currentTimeMillis() / 1000;
        String input = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"iss\":\"https://cardvault.dev/issuer\",\"sub\":\"alice\",\"groups\":[\"tokenizer\"],"
                        + "\"tenant\":\"acme\",\"iat\":" + now + ",\"exp\":" + (now + 86400) + "}").getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initSign(kp.getPrivate());
        s.update(input.getBytes(StandardCharsets.US_ASCII));
        jwt = input + "." + b64.encodeToString(s.sign());
        RSAPublicKey pub = (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(
                new java.security.spec.X509EncodedKeySpec(kp.getPublic().getEncoded()));
        consumer = new JwtConsumerBuilder().setVerificationKey(pub).setExpectedIssuer("https://cardvault.dev/issuer")
                .setJwsAlgorithmConstraints(AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256)
                .setRequireExpirationTime().build();
    }

    private byte[] jdkEncrypt() throws Exception {
        byte[] nonce = new byte[12];
        Randomness.secure().nextBytes(nonce);
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, jdkKey, new GCMParameterSpec(128, nonce));
        c.updateAAD(ad);
        byte[] ct = c.doFinal(plain);
        byte[] out = new byte[12 + ct.length];
        System.arraycopy(nonce, 0, out, 0, 12);
        System.arraycopy(ct, 0, out, 12, ct.length);
        return out;
    }

    @Benchmark
    public byte[] recordEncrypt_bouncyCastleGcm() {
        return CardRecordCipher.encrypt(record, key, "acme", "tok_abcdefghijklmnopqrstuvwx");
    }

    @Benchmark
    public Object recordDecrypt_bouncyCastleGcm() throws Exception {
        return CardRecordCipher.decrypt(sealed, key, "acme", "tok_abcdefghijklmnopqrstuvwx");
    }

    @Benchmark
    public byte[] recordEncrypt_jdkIntrinsicGcm() throws Exception {
        return jdkEncrypt();
    }

    @Benchmark
    public byte[] recordDecrypt_jdkIntrinsicGcm() throws Exception {
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, jdkKey, new GCMParameterSpec(128, jdkSealed, 0, 12));
        c.updateAAD(ad);
        return c.doFinal(jdkSealed, 12, jdkSealed.length - 12);
    }

    @Benchmark
    public byte[] fingerprint_hmacSha256() {
        return hmac.mac(pan.digits().getBytes(StandardCharsets.US_ASCII));
    }

    @Benchmark
    public String token_random() {
        return TokenGenerator.generate(TokenFormat.RANDOM, pan);
    }

    @Benchmark
    public String token_bin6Last4() {
        return TokenGenerator.generate(TokenFormat.BIN6_LAST4, pan);
    }

    @Benchmark
    public Object jwt_verifyRs256() throws Exception {
        return consumer.processToClaims(jwt);
    }
}
