package dev.cardvault.crypto;

import java.security.MessageDigest;
import java.util.Arrays;

import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Ed25519 signatures (RFC 8032), from Bouncy Castle. A signing key is made from a 32-byte seed
 * ({@link SecretKey}), so it is generated, wrapped and stored like every other key of the vault.
 */
public final class Ed25519 {

    public static final int PUBLIC_KEY_BYTES = Ed25519PublicKeyParameters.KEY_SIZE;
    public static final int SIGNATURE_BYTES = Ed25519PrivateKeyParameters.SIGNATURE_SIZE;
    /** DER prefix of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410): what a PEM "PUBLIC KEY" holds. */
    private static final byte[] SPKI_PREFIX = { 0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };

    private volatile Ed25519PrivateKeyParameters privateKey;
    private final byte[] publicKey;

    public Ed25519(SecretKey seed) {
        this.privateKey = new Ed25519PrivateKeyParameters(seed.bytes(SecretAccess.grant()), 0);
        this.publicKey = privateKey.generatePublicKey().getEncoded();
    }

    public byte[] sign(byte[] message) {
        Ed25519PrivateKeyParameters k = privateKey;
        if (k == null) {
            throw new IllegalStateException("key destroyed");
        }
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, k);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    /**
     * Forgets the private key. Bouncy Castle keeps the key bytes in a private array it never
     * hands out, so they are left to the garbage collector: best effort.
     */
    public void destroy() {
        privateKey = null;
    }

    /** The raw 32-byte public key. */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    public static boolean verify(byte[] publicKey, byte[] message, byte[] signature) {
        if (publicKey == null || publicKey.length != PUBLIC_KEY_BYTES || signature == null || signature.length != SIGNATURE_BYTES) {
            return false;
        }
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, new Ed25519PublicKeyParameters(publicKey, 0));
        verifier.update(message, 0, message.length);
        return verifier.verifySignature(signature);
    }

    /** The public key as DER SubjectPublicKeyInfo (for a PEM file an auditor keeps). */
    public static byte[] toSpki(byte[] publicKey) {
        byte[] out = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + publicKey.length);
        System.arraycopy(publicKey, 0, out, SPKI_PREFIX.length, publicKey.length);
        return out;
    }

    /** The public key as a PEM "PUBLIC KEY" (what openssl and the offline verifiers read). */
    public static String toPem(byte[] publicKey) {
        return "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getEncoder().encodeToString(toSpki(publicKey)) + "\n-----END PUBLIC KEY-----\n";
    }

    /** The raw public key from DER SubjectPublicKeyInfo; throws IllegalArgumentException if it is not Ed25519. */
    public static byte[] fromSpki(byte[] spki) {
        if (spki.length != SPKI_PREFIX.length + PUBLIC_KEY_BYTES
                || !MessageDigest.isEqual(Arrays.copyOf(spki, SPKI_PREFIX.length), SPKI_PREFIX)) {
            throw new IllegalArgumentException("not an Ed25519 public key (X.509 SubjectPublicKeyInfo)");
        }
        return Arrays.copyOfRange(spki, SPKI_PREFIX.length, spki.length);
    }
}
