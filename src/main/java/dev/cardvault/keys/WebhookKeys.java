package dev.cardvault.keys;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.crypto.Hmac;
import dev.cardvault.crypto.SecretAccess;
import dev.cardvault.crypto.SecretKey;
import io.smallrye.mutiny.Uni;

/**
 * Webhook signing: HMAC-SHA-256 under a per-tenant secret derived (HKDF) from one root key,
 * wrapped by the master key and created on first load like every root key. A tenant's receivers
 * verify with its secret ({@link #secret}); no tenant's secret opens another's.
 */
@ApplicationScoped
public class WebhookKeys {

    static final String ROOT = "webhook-signing";
    private static final String INFO = "cardvault/webhook/v1/tenant:";

    @Inject
    MasterKey masterKey;

    @Inject
    KeyRepository repository;

    private volatile SecretKey root;
    private final Map<String, Hmac> byTenant = new ConcurrentHashMap<>();

    /** @return whether this call created the root key */
    Uni<Boolean> load() {
        return repository.rootKeyOrCreate(ROOT, masterKey)
                .invoke(r -> root = masterKey.unwrapStored(r.row().wrappedKey(), r.row().masterKeyId(), "the webhook root key"))
                .map(KeyRepository.CreatedOrFound::created);
    }

    void unload() {
        SecretKey r = root;
        root = null;
        if (r != null) {
            r.destroy();
        }
        byTenant.values().forEach(Hmac::destroy);
        byTenant.clear();
    }

    /** {@code CardVault-Signature} value for a body sent at {@code unixSeconds}: {@code t=<unix>,v1=<hex HMAC of "t.body">}. */
    public String signature(String tenant, long unixSeconds, String body) {
        Hmac mac = byTenant.computeIfAbsent(tenant, t -> {
            SecretKey k = derive(t);
            try {
                return new Hmac(k);
            } finally {
                k.destroy();
            }
        });
        byte[] v1 = mac.mac((unixSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
        return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(v1);
    }

    /** The tenant's verification secret, {@code whsec_} and base64url of the 32 key bytes. */
    public String secret(String tenant) {
        SecretKey k = derive(tenant);
        try {
            return "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(k.bytes(SecretAccess.grant()));
        } finally {
            k.destroy();
        }
    }

    private SecretKey derive(String tenant) {
        SecretKey r = root;
        if (r == null) {
            throw new SealedException();
        }
        return Hmac.derive(r, INFO + tenant);
    }
}
