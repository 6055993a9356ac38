package dev.cardvault.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.codahale.shamir.Scheme;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.crypto.Randomness;
import dev.cardvault.crypto.SecretAccess;
import dev.cardvault.crypto.SecretKey;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.Violation;
import dev.cardvault.time.VaultClock;
import io.smallrye.mutiny.Uni;

/**
 * The seal of a vault whose master key is split among key custodians
 * ({@code cardvault.master-key.source=shares}). Initialising creates the master key, splits it
 * (Shamir over GF(256)) and hands the shares out once; the key itself is never stored. Each
 * instance starts sealed and is unsealed by {@code threshold} custodians, each giving one share:
 * the shares are kept in this instance's memory only until the key is rebuilt (or the attempt
 * times out), then zeroed. Sealing drops every key from memory at once.
 */
@ApplicationScoped
public class Seal {

    private static final Logger LOG = Logger.getLogger(Seal.class);
    static final int MAX_SHARES = 16;

    @Inject
    MasterKey masterKey;

    @Inject
    KeyHierarchy hierarchy;

    @Inject
    SealRepository repository;

    @Inject
    Audit audit;

    @ConfigProperty(name = MasterKeyProducer.SOURCE, defaultValue = "file")
    String source;

    @ConfigProperty(name = "cardvault.seal.unseal-timeout", defaultValue = "10m")
    Duration unsealTimeout;

    @Inject
    VaultClock clock;

    public record SealStatus(String source, boolean initialized, boolean sealed, int progress, Integer threshold, Integer shares) {
    }

    /** What initialising hands out, once. */
    public record InitResult(List<String> shares, int threshold, String masterKeyId) {
    }

    private static final String UNSEAL = "unseal";
    // Unseal progress of this instance: one share per custodian subject.
    private final ShareCollector shares = new ShareCollector(() -> clock.nanoTime());
    private volatile boolean unsealing;
    private volatile SealRepository.Config config;

    /** Whether this vault's master key comes from custodian shares (and so can be sealed). */
    public boolean sealable() {
        return masterKey instanceof SharedMasterKey;
    }

    /** Sealed: the master key is absent or the keys under it are not loaded yet. Never true for other sources. */
    public boolean sealed() {
        return sealable() && !(((SharedMasterKey) masterKey).isOpen() && hierarchy.isLoaded());
    }

    public Uni<SealStatus> status() {
        if (!sealable()) {
            return Uni.createFrom().item(new SealStatus(source, true, false, 0, null, null));
        }
        return config().map(c -> c.map(v -> new SealStatus(source, true, sealed(), progress(), v.threshold(), v.shares()))
                .orElseGet(() -> new SealStatus(source, false, true, 0, null, null)));
    }

    private Uni<Optional<SealRepository.Config>> config() {
        SealRepository.Config known = config;
        if (known != null) {
            return Uni.createFrom().item(Optional.of(known)); // once initialized, always initialized
        }
        return repository.config().invoke(c -> c.ifPresent(v -> config = v));
    }

    private int progress() {
        return shares.progress(UNSEAL, unsealTimeout);
    }

    /** Creates the master key, splits it into {@code shares} of which {@code threshold} rebuild it. Once. */
    public Uni<InitResult> init(AuditContext who, Integer shares, Integer threshold) {
        requireSealable();
        List<Violation> errors = new ArrayList<>();
        if (shares == null || shares < 2 || shares > MAX_SHARES) {
            errors.add(new Violation("shares", "must be a number from 2 to " + MAX_SHARES));
        }
        if (threshold == null || threshold < 2) {
            errors.add(new Violation("threshold", "must be at least 2: one custodian alone never rebuilds the master key"));
        } else if (shares != null && threshold > shares) {
            errors.add(new Violation("threshold", "must not exceed shares"));
        }
        if (!errors.isEmpty()) {
            return Uni.createFrom().failure(new InvalidRequest(errors));
        }
        return config().flatMap(existing -> {
            if (existing.isPresent()) {
                return Uni.createFrom().failure(alreadyInitialized());
            }
            return repository.wrappingMasterKey();
        }).flatMap(wrappedBy -> {
            if (wrappedBy.isPresent()) {
                return Uni.createFrom().failure(new SealRefused(SealRefused.Reason.KEYS_EXIST, "The database already holds keys "
                        + "wrapped by master key " + wrappedBy.get() + ": a new master key from shares would not unwrap them. "
                        + "Start with the source that created them, or use an empty database."));
            }
            SecretKey key = SecretKey.generate();
            String id = FileMasterKey.idOf(key);
            Map<Integer, byte[]> parts = new Scheme(Randomness.secure(), shares, threshold).split(key.bytes(SecretAccess.grant()));
            key.destroy();
            List<String> texts = new ArrayList<>(shares);
            parts.forEach((index, value) -> {
                Share share = new Share(index, value);
                texts.add(share.encode());
                share.wipe();
            });
            SealRepository.Config c = new SealRepository.Config(id, shares, threshold);
            return audit.recordAtomically(tx -> repository.insertConfig(tx, c, who.subject()),
                    inserted -> inserted ? who.event(AuditType.SEAL_INITIALIZED, Outcome.SUCCESS, null, null)
                            .withDetail("shares=" + shares + " threshold=" + threshold + " masterKey=" + id) : null)
                    .map(inserted -> {
                        if (!inserted) {
                            throw alreadyInitialized();
                        }
                        config = c;
                        LOG.infof("Initialised: master key %s split into %d shares, %d needed to unseal", id, shares, threshold);
                        return new InitResult(texts, threshold, id);
                    });
        });
    }

    /** One custodian's share toward unsealing this instance. */
    public Uni<SealStatus> unseal(AuditContext who, String text) {
        requireSealable();
        return config().flatMap(c -> {
            if (c.isEmpty()) {
                return Uni.createFrom().failure(new SealRefused(SealRefused.Reason.NOT_INITIALIZED,
                        "The vault has no master key yet: a key custodian initialises it first (POST /v1/sys/init)."));
            }
            if (!sealed()) {
                return status();
            }
            if (unsealing) {
                return Uni.createFrom().failure(new SealRefused(SealRefused.Reason.UNSEAL_IN_PROGRESS,
                        "Enough shares were given; the vault is loading its keys. Check GET /v1/sys/seal-status."));
            }
            Share share;
            try {
                share = Share.parse(text);
            } catch (IllegalArgumentException e) {
                return refusedShare(who, "malformed", new SealRefused(SealRefused.Reason.MALFORMED_SHARE, e.getMessage()
                        + " Nothing was counted."));
            }
            return offer(who, share, c.get());
        });
    }

    private Uni<SealStatus> offer(AuditContext who, Share share, SealRepository.Config c) {
        Optional<Map<Integer, byte[]>> parts;
        try {
            parts = shares.offer(UNSEAL, who.subject(), share, c.threshold(), unsealTimeout);
        } catch (SealRefused refused) {
            return refusedShare(who, refused.reason() == SealRefused.Reason.SHARE_ALREADY_GIVEN ? "same-subject" : "duplicate-share",
                    refused);
        }
        if (parts.isEmpty()) {
            int p = shares.progress(UNSEAL, unsealTimeout);
            return audit.record(who.event(AuditType.UNSEAL_SHARE_GIVEN, Outcome.SUCCESS, null, null)
                    .withDetail("progress=" + p + "/" + c.threshold()))
                    .onFailure().invoke(e -> shares.withdraw(who.subject()))
                    .flatMap(v -> status());
        }
        unsealing = true;
        try {
            return rebuild(who, parts.get(), c);
        } catch (RuntimeException e) {
            unsealing = false; // a failure thrown before the Uni: this instance can still be unsealed
            parts.get().values().forEach(v -> java.util.Arrays.fill(v, (byte) 0));
            throw e;
        }
    }

    private Uni<SealStatus> rebuild(AuditContext who, Map<Integer, byte[]> parts, SealRepository.Config c) {
        byte[] raw = new Scheme(Randomness.secure(), Math.max(c.shares(), parts.size()), c.threshold()).join(parts);
        parts.values().forEach(v -> java.util.Arrays.fill(v, (byte) 0));
        SecretKey key = SecretKey.adopt(raw);
        boolean right = MessageDigest.isEqual(FileMasterKey.idOf(key).getBytes(StandardCharsets.US_ASCII),
                c.masterKeyId().getBytes(StandardCharsets.US_ASCII));
        if (!right) {
            key.destroy();
            unsealing = false;
            // Which share was wrong cannot be told (and is not guessed at): everyone starts over.
            return audit.record(who.event(AuditType.UNSEAL_FAILED, Outcome.FAILED, null, null)
                    .withDetail("shares=" + parts.size() + " reason=shares-do-not-rebuild-the-master-key"))
                    .onItemOrFailure().transformToUni((v, e) -> Uni.createFrom().failure(new SealRefused(
                            SealRefused.Reason.UNSEAL_FAILED, "The " + parts.size() + " shares given do not rebuild this vault's "
                                    + "master key. Unseal progress was reset: each custodian gives their share again.")));
        }
        ((SharedMasterKey) masterKey).open(key);
        key.destroy();
        return hierarchy.load()
                .onFailure().invoke(e -> {
                    LOG.errorf("Unseal: the master key was rebuilt but the key hierarchy did not load: %s", e.getMessage());
                    ((SharedMasterKey) masterKey).close();
                    unsealing = false;
                })
                .onFailure().transform(e -> new SealRefused(SealRefused.Reason.KEYS_UNAVAILABLE, "The master key was rebuilt, "
                        + "but the stored keys do not load with it; the vault stays sealed. The service log says why."))
                .invoke(() -> {
                    unsealing = false;
                    if (!((SharedMasterKey) masterKey).isOpen()) {
                        hierarchy.unload(); // sealed again while loading
                    }
                })
                .flatMap(v -> audit.record(who.event(AuditType.UNSEALED, Outcome.SUCCESS, null, null)
                        .withDetail("shares=" + parts.size() + " masterKey=" + c.masterKeyId())))
                .flatMap(v -> audit.releaseHeld().onFailure().invoke(e -> LOG.errorf(
                        "Audit events held while sealed were not moved into the trail yet (retried every 30 s): %s", e.toString()))
                        .onFailure().recoverWithItem(0L))
                .invoke(n -> LOG.infof("Unsealed by %d custodians; %d audit event(s) held while sealed moved into the trail",
                        parts.size(), n))
                .flatMap(n -> status());
    }

    /** The master key was rotated in this instance: the new one is in force (its shares were confirmed). */
    void masterKeyRotated(String newId) {
        SealRepository.Config c = config;
        if (c != null) {
            config = new SealRepository.Config(newId, c.shares(), c.threshold());
        }
    }

    /** Seals this instance on its own (the master key was rotated elsewhere); recorded like a custodian's seal. */
    Uni<Void> sealBecause(String reason) {
        config = null; // re-read: the master key id changed
        return seal(new AuditContext(dev.cardvault.audit.AuditEvent.SERVICE, null, null, null)).replaceWithVoid()
                .invoke(() -> LOG.warnf("Sealed by the service itself: %s", reason));
    }

    /** Seals this instance now: every key is dropped from memory and zeroed. */
    public Uni<SealStatus> seal(AuditContext who) {
        requireSealable();
        boolean wasSealed = !((SharedMasterKey) masterKey).isOpen() && !hierarchy.isLoaded();
        shares.reset();
        if (!wasSealed) {
            hierarchy.unload();
            ((SharedMasterKey) masterKey).close();
            LOG.warn("Sealed: every key was dropped from memory; key custodians must unseal the vault to serve requests again");
        }
        // Recorded after sealing, so sealing never waits: the event is held and chained at the next unseal.
        return audit.record(who.event(AuditType.SEALED, Outcome.SUCCESS, null, null)
                .withDetail(wasSealed ? "alreadySealed=true" : null))
                .onFailure().invoke(e -> LOG.errorf("SEALED could not be recorded: %s", e.toString()))
                .onFailure().recoverWithNull()
                .flatMap(v -> status());
    }

    private <T> Uni<T> refusedShare(AuditContext who, String reason, SealRefused refusal) {
        return audit.record(who.event(AuditType.UNSEAL_SHARE_GIVEN, Outcome.DENIED, null, null).withDetail("reason=" + reason))
                .onItemOrFailure().transformToUni((v, e) -> Uni.createFrom().failure(refusal));
    }

    private void requireSealable() {
        if (!sealable()) {
            throw new SealRefused(SealRefused.Reason.NOT_SEALABLE, "This vault's master key comes from '" + source
                    + "'; only a vault with cardvault.master-key.source=shares is initialised, unsealed and sealed by custodians.");
        }
    }

    private static SealRefused alreadyInitialized() {
        return new SealRefused(SealRefused.Reason.ALREADY_INITIALIZED,
                "The vault was initialised already; its shares were handed out then and are never shown again.");
    }
}
