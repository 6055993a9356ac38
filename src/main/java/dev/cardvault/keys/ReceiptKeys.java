package dev.cardvault.keys;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.crypto.Ed25519;
import dev.cardvault.crypto.SecretKey;
import io.smallrye.mutiny.Uni;

/**
 * The key that signs privacy receipts (erasure, restriction, rectification, off-boarding): an
 * Ed25519 seed, a root key of the hierarchy wrapped by the master key and created on first load.
 * Separate from the audit signing key, so that a controller verifying receipts holds nothing that
 * verifies the processor's audit trail, and either key can be replaced alone.
 */
@ApplicationScoped
public class ReceiptKeys {

    static final String SIGNING_KEY = "receipt-signing-1";

    @Inject
    MasterKey masterKey;

    @Inject
    KeyRepository repository;

    private volatile Ed25519 signer;
    private volatile byte[] publicKey;

    /** @return whether this call created the key */
    Uni<Boolean> load() {
        return repository.rootKeyOrCreate(SIGNING_KEY, masterKey).map(r -> {
            SecretKey seed = masterKey.unwrapStored(r.row().wrappedKey(), r.row().masterKeyId(), "the receipt signing key");
            try {
                signer = new Ed25519(seed);
            } finally {
                seed.destroy();
            }
            publicKey = signer.publicKey();
            return r.created();
        });
    }

    void unload() {
        Ed25519 s = signer;
        signer = null;
        if (s != null) {
            s.destroy();
        }
    }

    public String keyId() {
        return SIGNING_KEY;
    }

    /** @throws SealedException while the vault is sealed */
    public byte[] sign(byte[] message) {
        Ed25519 s = signer;
        if (s == null) {
            throw new SealedException();
        }
        return s.sign(message);
    }

    /** The raw 32-byte public key (known once the hierarchy was loaded; kept while sealed). */
    public byte[] publicKey() {
        byte[] k = publicKey;
        if (k == null) {
            throw new SealedException();
        }
        return k.clone();
    }
}
