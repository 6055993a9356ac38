package dev.cardvault.keys;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.audit.AuditKeys;
import dev.cardvault.crypto.Ed25519;
import dev.cardvault.crypto.Hmac;
import dev.cardvault.crypto.SecretKey;
import io.smallrye.mutiny.Uni;

/**
 * The audit trail's keys, root keys of the hierarchy wrapped by the master key and created on
 * first start: the chain key (HMAC-SHA-256) and the signing key (an Ed25519 seed). A key's id is
 * its root key name, recorded with every event, checkpoint and export it made.
 */
@ApplicationScoped
public class AuditKeyring implements AuditKeys {

    static final String CHAIN_KEY = "audit-chain-1";
    static final String SIGNING_KEY = "audit-signing-1";

    @Inject
    MasterKey masterKey;

    @Inject
    KeyRepository repository;

    private final Map<String, Hmac> chainKeys = new ConcurrentHashMap<>();
    private final Map<String, byte[]> publicKeys = new ConcurrentHashMap<>();
    private volatile Ed25519 signer;

    /** @return the names of the keys this call created (first start) */
    Uni<java.util.List<String>> load() {
        return repository.rootKeyOrCreate(CHAIN_KEY, masterKey).flatMap(chain -> {
            SecretKey k = masterKey.unwrapStored(chain.row().wrappedKey(), chain.row().masterKeyId(), "the audit chain key");
            try {
                chainKeys.put(CHAIN_KEY, new Hmac(k));
            } finally {
                k.destroy();
            }
            return repository.rootKeyOrCreate(SIGNING_KEY, masterKey).map(signing -> {
                SecretKey seed = masterKey.unwrapStored(signing.row().wrappedKey(), signing.row().masterKeyId(),
                        "the audit signing key");
                try {
                    signer = new Ed25519(seed);
                } finally {
                    seed.destroy();
                }
                publicKeys.put(SIGNING_KEY, signer.publicKey());
                java.util.List<String> created = new java.util.ArrayList<>();
                if (chain.created()) {
                    created.add(CHAIN_KEY);
                }
                if (signing.created()) {
                    created.add(SIGNING_KEY);
                }
                return created;
            });
        });
    }

    @Override
    public boolean isLoaded() {
        return signer != null;
    }

    /** Forgets the chain and signing keys, zeroing what can be zeroed (sealing); public keys stay. */
    void unload() {
        Ed25519 s = signer;
        signer = null;
        if (s != null) {
            s.destroy();
        }
        chainKeys.values().forEach(Hmac::destroy);
        chainKeys.clear();
    }

    @Override
    public String chainKeyId() {
        return CHAIN_KEY;
    }

    @Override
    public byte[] mac(String keyId, byte[] message) {
        Hmac h = chainKeys.get(keyId);
        if (h == null) {
            throw new IllegalStateException("Audit chain key " + keyId + " is not loaded");
        }
        return h.mac(message);
    }

    @Override
    public String signingKeyId() {
        return SIGNING_KEY;
    }

    @Override
    public byte[] sign(byte[] message) {
        Ed25519 s = signer;
        if (s == null) {
            throw new IllegalStateException("The audit signing key is not loaded");
        }
        return s.sign(message);
    }

    @Override
    public byte[] publicKey(String keyId) {
        byte[] k = publicKeys.get(keyId);
        if (k == null) {
            throw new IllegalStateException("Audit signing key " + keyId + " is not known");
        }
        return k.clone();
    }
}
