package dev.cardvault.audit;

/**
 * The audit trail's keys, held by the key hierarchy (wrapped by the master key): an HMAC key that
 * chains the events, so that whoever can write rows cannot forge a consistent chain, and an
 * Ed25519 key that signs checkpoints and exports. Key ids are recorded with what they made.
 */
public interface AuditKeys {

    boolean isLoaded();

    /** The HMAC key new events are chained with. */
    String chainKeyId();

    /** HMAC-SHA-256 under the named chain key; IllegalStateException when the key is unknown. */
    byte[] mac(String keyId, byte[] message);

    String signingKeyId();

    byte[] sign(byte[] message);

    /** Raw Ed25519 public key of the named signing key; IllegalStateException when unknown. */
    byte[] publicKey(String keyId);
}
