package dev.cardvault.capture;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditContexts;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.auth.Caller;
import dev.cardvault.auth.Roles;
import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.keys.DataKeys;
import dev.cardvault.time.VaultClock;
import dev.cardvault.tokens.TokenService;
import dev.cardvault.tokens.TokenizeCommand;
import dev.cardvault.tokens.TokenizeRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

/**
 * Phone capture: the telephony platform forwards the customer's key presses; the vault applies them
 * to the session's entry ({@link KeyEntry}), which is stored only encrypted under the tenant's data
 * key (so any replica can take the next chunk), and answers masked progress only. Chunks are
 * numbered: a replay of the last one changes nothing, an older one is refused, and two concurrent
 * chunks cannot both apply. The last valid field tokenizes the card exactly as POST /v1/tokens.
 */
@ApplicationScoped
public class PhoneCapture {

    private static final Pattern KEYS = Pattern.compile("^[0-9*#]{1,64}$");
    private static final byte[] LABEL = "cardvault/capture-entry/v1".getBytes(StandardCharsets.US_ASCII);

    @Inject
    CaptureService sessions;

    @Inject
    CaptureRepository repository;

    @Inject
    DataKeys dataKeys;

    @Inject
    TokenService tokens;

    @Inject
    Audit audit;

    @Inject
    AuditContexts auditContexts;

    @Inject
    Callbacks callbacks;

    @Inject
    dev.cardvault.tokens.TransientCvc transientCvc;

    @Inject
    VaultClock clock;

    /** The answer to a chunk: where the entry stands, never a digit. */
    public record KeysResult(String state, long seq, KeyEntry.Progress progress, String token) {
    }

    public Uni<KeysResult> keys(Caller telephony, String id, String keys, Long seq) {
        List<dev.cardvault.errors.Violation> v = new ArrayList<>();
        if (keys == null || !KEYS.matcher(keys).matches()) {
            v.add(new dev.cardvault.errors.Violation("keys", "must be 1 to 64 of 0-9, * and #"));
        }
        if (seq == null || seq < 1) {
            v.add(new dev.cardvault.errors.Violation("seq", "must be a positive, strictly increasing number"));
        }
        if (!v.isEmpty()) {
            return Uni.createFrom().failure(new InvalidRequest(v));
        }
        return sessions.find(telephony, id).flatMap(s -> {
            if (!"PHONE".equals(s.channel())) {
                throw CaptureRefused.notFound();
            }
            if (seq == s.keySeq()) {
                return current(s); // the same chunk again (a retry): already applied
            }
            if (!CaptureSession.OPEN.equals(s.stateAt(clock.instant()))) {
                throw closed(s);
            }
            if (seq < s.keySeq()) {
                throw new CaptureRefused(CaptureRefused.Reason.OUT_OF_ORDER, "Key presses arrived out of order: chunk " + seq
                        + " is older than the last one applied (" + s.keySeq() + ").");
            }
            return paused(telephony, s).flatMap(x -> entryOf(s)).flatMap(entry -> apply(telephony, s, entry, keys, seq));
        });
    }

    /**
     * Fail safe: with a recorder to pause, no key press is taken before it confirmed the pause. Paused
     * once per session, at its first key press.
     */
    private Uni<Void> paused(Caller telephony, CaptureSession s) {
        if (s.recordingControlUrl() == null || s.recordingPausedAt() != null) {
            return Uni.createFrom().voidItem();
        }
        AuditContext who = auditContexts.current(telephony);
        return callbacks.pause(s).flatMap(ok -> {
            if (!ok) {
                return audit.record(who.event(AuditType.RECORDING_PAUSE_FAILED, Outcome.FAILED, null, null)
                        .withDetail("session=" + s.id())).onItemOrFailure().transformToUni((v, e) -> Uni.createFrom()
                                .failure(new CaptureRefused(CaptureRefused.Reason.RECORDING_NOT_PAUSED, "The call recording could "
                                        + "not be paused, so no key press is taken; retry the chunk once the recorder answers.")));
            }
            return audit.recordAtomically(tx -> repository.markPaused(tx, s.id()), marked -> marked
                    ? who.event(AuditType.RECORDING_PAUSED, Outcome.SUCCESS, null, null).withDetail("session=" + s.id())
                    : null).replaceWithVoid();
        });
    }

    private Uni<KeysResult> apply(Caller telephony, CaptureSession s, KeyEntry entry, String keys, long seq) {
        List<KeyEntry.Progress> progress = new ArrayList<>();
        KeyEntry.Outcome outcome = entry.apply(keys, YearMonth.now(clock.withZone(ZoneOffset.UTC)), progress);
        KeyEntry.Progress last = entry.progress();
        String state = switch (outcome) {
            case COMPLETE -> CaptureSession.SUBMITTING;
            case FAILED -> CaptureSession.FAILED;
            case ENTERING -> CaptureSession.OPEN;
        };
        AuditContext who = auditContexts.current(telephony);
        Uni<byte[]> sealed = outcome == KeyEntry.Outcome.ENTERING ? encrypt(s, entry) : Uni.createFrom().nullItem();
        return sealed.flatMap(blob -> audit.recordAtomically(tx -> repository.saveEntry(tx, s.id(), s.keySeq(), seq, blob,
                blob == null ? null : ByteBuffer.wrap(blob, 0, 8).getLong(), entry.fieldIndex(), last.digitsEntered(), last.attempt(),
                state).flatMap(saved -> {
                    if (!saved) {
                        throw new CaptureRefused(CaptureRefused.Reason.CONFLICT, "Another chunk of key presses was applied at the "
                                + "same time; send the next one with a higher seq.");
                    }
                    Uni<Void> events = Uni.createFrom().voidItem();
                    for (KeyEntry.Progress p : progress) {
                        events = events.flatMap(x -> repository.addEvent(tx, s.id(), "progress", json(p)));
                    }
                    if (outcome == KeyEntry.Outcome.FAILED) {
                        events = events.flatMap(x -> repository.addEvent(tx, s.id(), "failed",
                                new JsonObject().put("field", last.field()).put("attempts", KeyEntry.MAX_ATTEMPTS)))
                                .flatMap(x -> repository.ended(tx, s.id()));
                    }
                    return events.replaceWith(saved);
                }), saved -> outcome == KeyEntry.Outcome.FAILED
                        ? who.event(AuditType.CAPTURE_SESSION_FAILED, Outcome.FAILED, null, null)
                                .withDetail("session=" + s.id() + " field=" + last.field() + " attempts=" + KeyEntry.MAX_ATTEMPTS)
                        : null))
                .flatMap(saved -> outcome == KeyEntry.Outcome.COMPLETE ? complete(s, entry, seq, last)
                        : Uni.createFrom().item(new KeysResult(state, seq, last, null)))
                .eventually(() -> {
                    if (outcome != KeyEntry.Outcome.COMPLETE) {
                        entry.wipe();
                    }
                });
    }

    private Uni<KeysResult> complete(CaptureSession s, KeyEntry entry, long seq, KeyEntry.Progress last) {
        TokenizeRequest card = new TokenizeRequest();
        card.pan = entry.pan();
        card.expMonth = entry.expMonth();
        card.expYear = entry.expYear();
        String cvc = entry.cvc();
        entry.wipe();
        card.format = s.format();
        card.deterministic = s.deterministic();
        card.metadata = s.metadata();
        card.purpose = s.purpose();
        card.consentRef = s.consentRef();
        Caller agent = new Caller(s.createdBy(), s.tenant(), Set.of(Roles.TOKENIZER));
        AuditContext audited = auditContexts.current(agent);
        TokenizeCommand cmd;
        try {
            cmd = TokenizeCommand.validate(card, clock);
        } catch (InvalidRequest e) {
            // e.g. a short card number that the session's token format cannot hold: the session fails, nothing is stored.
            return repository.failSubmitting(s.id()).replaceWith(new KeysResult(CaptureSession.FAILED, seq, last, null));
        } finally {
            card.pan = null;
        }
        return tokens.tokenize(agent, cmd, audited)
                // The security code, if collected, is kept (encrypted, unlogged, short-lived) before the agent hears "completed".
                .call(t -> cvc == null ? Uni.createFrom().voidItem() : transientCvc.keep(s.tenant(), t.view().token(), cvc))
                .onFailure().call(e -> repository.failSubmitting(s.id()))
                .flatMap(t -> audit.recordAtomically(tx -> repository.complete(tx, s.id(), t.view().token(), t.view().brand(),
                        t.view().last4(), t.view().expMonth(), t.view().expYear()).flatMap(done -> done && s.callbackUrl() != null
                                ? repository.insertWebhook(tx, s.id(), s.tenant(), s.callbackUrl(), Callbacks.body(s, t.view()))
                                        .replaceWith(true)
                                : Uni.createFrom().item(done)), done -> done
                                        ? audited.event(AuditType.CAPTURE_SESSION_COMPLETED, Outcome.SUCCESS, t.view().token(), null)
                                                .withDetail("session=" + s.id() + " channel=PHONE")
                                        : null)
                        .map(done -> new KeysResult(CaptureSession.COMPLETED, seq, last, t.view().token())));
    }

    private Uni<KeysResult> current(CaptureSession s) {
        String state = s.stateAt(clock.instant());
        if (s.entry() == null) {
            return Uni.createFrom().item(new KeysResult(state, s.keySeq(), new KeyEntry(s.fields()).progress(), s.token()));
        }
        return entryOf(s).map(e -> {
            KeyEntry.Progress p = e.progress();
            e.wipe();
            return new KeysResult(state, s.keySeq(), p, s.token());
        });
    }

    /** The stored entry, decrypted (a new one when nothing was keyed yet). */
    private Uni<KeyEntry> entryOf(CaptureSession s) {
        if (s.entry() == null) {
            return Uni.createFrom().item(new KeyEntry(s.fields()));
        }
        long keyId = ByteBuffer.wrap(s.entry(), 0, 8).getLong();
        return dataKeys.forDecryption(keyId, s.tenant()).map(key -> {
            try {
                byte[] plain = key.aead().decrypt(java.util.Arrays.copyOfRange(s.entry(), 8, s.entry().length), aad(s, keyId));
                return KeyEntry.decode(s.fields(), plain);
            } catch (DecryptionFailedException e) {
                throw new IllegalStateException("The phone entry of session " + s.id() + " does not decrypt");
            }
        });
    }

    /** {@code dataKeyId(8) || AES-256-GCM(entry)}, bound to the session and the key. */
    private Uni<byte[]> encrypt(CaptureSession s, KeyEntry entry) {
        return dataKeys.forEncryption(s.tenant()).map(key -> {
            byte[] plain = entry.encode();
            try {
                byte[] sealed = key.aead().encrypt(plain, aad(s, key.id()));
                return ByteBuffer.allocate(8 + sealed.length).putLong(key.id()).put(sealed).array();
            } finally {
                java.util.Arrays.fill(plain, (byte) 0);
            }
        });
    }

    private static byte[] aad(CaptureSession s, long keyId) {
        byte[] id = s.id().getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(LABEL.length + 4 + id.length + 8).put(LABEL).putInt(id.length).put(id).putLong(keyId).array();
    }

    static JsonObject json(KeyEntry.Progress p) {
        return new JsonObject().put("field", p.field()).put("digitsEntered", p.digitsEntered()).put("brand", p.brand())
                .put("valid", p.valid()).put("attempt", p.attempt());
    }

    private CaptureRefused closed(CaptureSession s) {
        return new CaptureRefused(CaptureRefused.Reason.CLOSED, "This capture session is " + s.stateAt(clock.instant())
                + " and takes no key presses; open a new session.");
    }
}
