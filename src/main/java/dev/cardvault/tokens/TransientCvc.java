package dev.cardvault.tokens;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.keys.DataKeys;
import dev.cardvault.keys.KeyHierarchy;
import dev.cardvault.time.VaultClock;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A security code collected for one authorisation (PCI DSS 3.3.2: sensitive authentication data).
 * Encrypted under the tenant's data key, in an UNLOGGED table (never in the WAL, backups or
 * standbys); revealed once, with its card, to a detokenizer whose purpose is PAYMENT_AUTHORIZATION,
 * and destroyed then, or at {@code cardvault.cvc.ttl} (15 min) at the latest. Both destructions are
 * audited (SAD_DESTROYED) in the transaction that deletes it.
 */
@ApplicationScoped
public class TransientCvc {

    public static final String PURPOSE = "PAYMENT_AUTHORIZATION";
    private static final byte[] LABEL = "cardvault/transient-cvc/v1".getBytes(StandardCharsets.US_ASCII);

    @Inject
    Pool pool;

    @Inject
    DataKeys dataKeys;

    @Inject
    Audit audit;

    @Inject
    KeyHierarchy hierarchy;

    @Inject
    VaultClock clock;

    @ConfigProperty(name = "cardvault.cvc.ttl", defaultValue = "15m")
    Duration ttl;

    /** Keeps the code of the card just tokenized as {@code token}; the caller wipes its copy. */
    public Uni<Void> keep(String tenant, String token, String cvc) {
        return dataKeys.forEncryption(tenant).flatMap(key -> {
            byte[] plain = cvc.getBytes(StandardCharsets.US_ASCII);
            byte[] sealed;
            try {
                sealed = key.aead().encrypt(plain, aad(tenant, token, key.id()));
            } finally {
                Arrays.fill(plain, (byte) 0);
            }
            byte[] stored = ByteBuffer.allocate(8 + sealed.length).putLong(key.id()).put(sealed).array();
            return pool.preparedQuery("INSERT INTO transient_cvc (token, tenant, ciphertext, expires_at) "
                    + "VALUES ($1, $2, $3, $4) "
                    + "ON CONFLICT (token) DO UPDATE SET ciphertext = excluded.ciphertext, expires_at = excluded.expires_at")
                    .execute(Tuple.of(token, tenant, io.vertx.core.buffer.Buffer.buffer(stored), clock.offsetNow().plus(ttl)))
                    .replaceWithVoid();
        });
    }

    /** The code of this token, removed in the same transaction as its SAD_DESTROYED event: there is no second time. */
    Uni<Optional<String>> takeOnce(dev.cardvault.audit.AuditContext who, String tenant, String token) {
        return audit.recordAtomically(tx -> tx.preparedQuery("DELETE FROM transient_cvc WHERE token = $1 AND tenant = $2 "
                + "AND expires_at > $3 RETURNING ciphertext").execute(Tuple.of(token, tenant, clock.offsetNow()))
                .map(rows -> rows.size() == 0 ? Optional.<byte[]> empty()
                        : Optional.of(rows.iterator().next().getBuffer("ciphertext").getBytes())),
                found -> found.isPresent() ? who.event(AuditType.SAD_DESTROYED, Outcome.SUCCESS, token, PURPOSE)
                        .withDetail("what=cvc reason=revealed-once") : null)
                .flatMap(found -> found.isEmpty() ? Uni.createFrom().item(Optional.<String> empty()) : open(tenant, token, found.get()));
    }

    private Uni<Optional<String>> open(String tenant, String token, byte[] stored) {
        long keyId = ByteBuffer.wrap(stored, 0, 8).getLong();
        return dataKeys.forDecryption(keyId, tenant).map(key -> {
            try {
                byte[] plain = key.aead().decrypt(Arrays.copyOfRange(stored, 8, stored.length), aad(tenant, token, keyId));
                String cvc = new String(plain, StandardCharsets.US_ASCII);
                Arrays.fill(plain, (byte) 0);
                return Optional.of(cvc);
            } catch (DecryptionFailedException e) {
                return Optional.<String> empty();
            }
        });
    }

    /** Destroys every code past its time, each with its event. */
    @Scheduled(identity = "transient-cvc-expiry", every = "${cardvault.cvc.sweep-every:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return hierarchy.isLoaded() ? destroyExpired().replaceWithVoid().onFailure().recoverWithNull() : Uni.createFrom().voidItem();
    }

    public Uni<Integer> destroyExpired() {
        return audit.recordAllAtomically(tx -> tx.preparedQuery("DELETE FROM transient_cvc WHERE expires_at <= $1 RETURNING token, tenant")
                .execute(Tuple.of(clock.offsetNow())).map(rows -> {
                    java.util.List<String[]> out = new java.util.ArrayList<>();
                    rows.forEach(r -> out.add(new String[] { r.getString("token"), r.getString("tenant") }));
                    return out;
                }), gone -> gone.stream().map(g -> AuditEvent.service(AuditType.SAD_DESTROYED, Outcome.SUCCESS, g[1], g[0],
                        "what=cvc reason=ttl")).toList())
                .map(java.util.List::size);
    }

    private static byte[] aad(String tenant, String token, long keyId) {
        byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
        byte[] k = token.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(LABEL.length + 4 + t.length + 4 + k.length + 8).put(LABEL).putInt(t.length).put(t)
                .putInt(k.length).put(k).putLong(keyId).array();
    }
}
