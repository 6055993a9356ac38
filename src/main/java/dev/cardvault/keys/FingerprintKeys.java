package dev.cardvault.keys;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.crypto.Hmac;
import dev.cardvault.crypto.SecretKey;
import io.smallrye.mutiny.Uni;

/**
 * Card fingerprints: HMAC-SHA-256 of the PAN under a per-tenant key derived (HKDF) from one
 * root key, so the same card never matches across tenants. The root is wrapped by the master key
 * and created on first start.
 */
@ApplicationScoped
public class FingerprintKeys {

    static final String ROOT = "fingerprint";

    @Inject
    MasterKey masterKey;

    @Inject
    KeyRepository repository;

    private volatile SecretKey root;
    private final Map<String, Hmac> byTenant = new ConcurrentHashMap<>();

    /** @return whether this call created the root key (first start) */
    Uni<Boolean> load() {
        return repository.rootKeyOrCreate(ROOT, masterKey)
                .invoke(r -> root = masterKey.unwrapStored(r.row().wrappedKey(), r.row().masterKeyId(), "the fingerprint root key"))
                .map(KeyRepository.CreatedOrFound::created);
    }

    public boolean isLoaded() {
        return root != null;
    }

    /** Forgets the root and the tenants' keys, zeroing them (sealing). */
    void unload() {
        SecretKey r = root;
        root = null;
        if (r != null) {
            r.destroy();
        }
        byTenant.values().forEach(Hmac::destroy);
        byTenant.clear();
    }

    /** The tenant's fingerprint of a PAN (raw HMAC bytes). */
    public byte[] fingerprint(String tenant, String panDigits) {
        SecretKey r = root;
        if (r == null) {
            throw new SealedException();
        }
        Hmac hmac = byTenant.computeIfAbsent(tenant, t -> {
            SecretKey k = Hmac.derive(r, "cardvault/fingerprint/v1/tenant:" + t);
            try {
                return new Hmac(k);
            } finally {
                k.destroy();
            }
        });
        return hmac.mac(panDigits.getBytes(StandardCharsets.US_ASCII));
    }
}
