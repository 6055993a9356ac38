package dev.cardvault.tokens;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.crypto.DecryptionFailedException;
import dev.cardvault.keys.DataKey;
import dev.cardvault.keys.DataKeys;
import io.smallrye.mutiny.Uni;

/**
 * Detokenization for billing. Order of checks: purpose present (422), purpose allowed (403),
 * rate limit (429), token of the tenant (404 / NOT_FOUND), decrypt, then the audit event, and
 * only after it is durable does a PAN leave. Every attempt is one audit event per token.
 */
@ApplicationScoped
public class RevealService {

    private static final Logger LOG = Logger.getLogger(RevealService.class);
    public static final int MAX_BATCH = 100;

    @ConfigProperty(name = "cardvault.detokenize.allowed-purposes",
            defaultValue = "PAYMENT_AUTHORIZATION,RECURRING_BILLING,REFUND,CHARGEBACK,FRAUD_INVESTIGATION")
    Set<String> allowedPurposes;

    @Inject
    TokenRepository repository;

    @Inject
    DataKeys dataKeys;

    @Inject
    RevealRateLimiter rateLimiter;

    @Inject
    Audit audit;

    /** One batch item: a revealed card, or NOT_FOUND; {@code token} is null unless the value was well-formed. */
    public record Item(String token, RevealView card) {
    }

    @Inject
    TransientCvc transientCvc;

    public Uni<RevealView> reveal(AuditContext who, String token, String purpose) {
        return revealAll(who, List.of(token), purpose).flatMap(items -> {
            RevealView card = items.get(0).card();
            if (card == null) {
                throw new TokenNotFoundException();
            }
            if (!TransientCvc.PURPOSE.equals(purpose)) {
                return Uni.createFrom().item(card);
            }
            // A security code kept for this authorisation goes with the card, once.
            return transientCvc.takeOnce(who, who.tenant(), token).map(cvc -> cvc.map(card::withCvc).orElse(card));
        });
    }

    public Uni<List<Item>> revealAll(AuditContext who, List<String> tokens, String purpose) {
        if (purpose == null || purpose.isBlank()) {
            throw new InvalidRequest("purpose", "is required: one of " + String.join(", ", allowedPurposes));
        }
        if (tokens.isEmpty() || tokens.size() > MAX_BATCH) {
            throw new InvalidRequest("tokens", "must hold 1 to " + MAX_BATCH + " tokens");
        }
        if (!allowedPurposes.contains(purpose)) {
            return denyAll(who, tokens, safePurpose(purpose), new RevealDenied(RevealDenied.Reason.PURPOSE_NOT_ALLOWED, 0));
        }
        long wait = rateLimiter.tryAcquire(who.subject(), tokens.size());
        if (wait > 0) {
            return denyAll(who, tokens, purpose, new RevealDenied(RevealDenied.Reason.RATE_LIMITED, wait));
        }
        Set<String> wellFormed = new LinkedHashSet<>();
        for (String t : tokens) {
            if (wellFormedOrNull(t) != null) {
                wellFormed.add(t);
            }
        }
        Uni<Map<String, TokenRow>> found = wellFormed.isEmpty() ? Uni.createFrom().item(Map.of())
                : repository.findLive(who.tenant(), wellFormed.toArray(String[]::new));
        return found.flatMap(sealed -> unseal(who.tenant(), sealed)).flatMap(cards -> {
            List<Item> items = new ArrayList<>(tokens.size());
            List<Uni<Void>> events = new ArrayList<>(tokens.size());
            for (String t : tokens) {
                RevealView card = cards.get(t);
                items.add(new Item(wellFormed.contains(t) ? t : null, card));
                // Only well-formed token values go into the trail: anything else is caller input.
                events.add(audit.record(who.event(AuditType.DETOKENIZED, card != null ? Outcome.SUCCESS : Outcome.FAILED,
                        wellFormed.contains(t) ? t : null, purpose)));
            }
            // Fail closed: all events of the batch must be durable before any PAN is returned.
            return Uni.join().all(events).andFailFast().replaceWith(items);
        });
    }

    /** Decrypts each sealed record, unwrapping each data key once (and from the cache after that). */
    private Uni<Map<String, RevealView>> unseal(String tenant, Map<String, TokenRow> sealed) {
        if (sealed.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        Set<Long> keyIds = new LinkedHashSet<>();
        sealed.values().forEach(s -> keyIds.add(s.dataKeyId()));
        List<Uni<DataKey>> keyUnis = keyIds.stream().map(id -> dataKeys.forDecryption(id, tenant)).toList();
        return Uni.join().all(keyUnis).andFailFast().map(loaded -> {
            Map<Long, DataKey> byId = new HashMap<>();
            loaded.forEach(k -> byId.put(k.id(), k));
            Map<String, RevealView> out = new HashMap<>();
            for (TokenRow s : sealed.values()) {
                try {
                    var record = CardRecordCipher.decrypt(s.ciphertext(), byId.get(s.dataKeyId()), tenant, s.token());
                    out.put(s.token(), new RevealView(s.token(), record.pan(), record.expMonth(), record.expYear(),
                            record.cardholderName()));
                } catch (DecryptionFailedException e) {
                    // Integrity failure of a stored record: never served, loudly logged, reported as not found.
                    LOG.errorf("Stored card record of a token in tenant %s failed authentication; not revealed", tenant);
                }
            }
            return out;
        });
    }

    private <T> Uni<T> denyAll(AuditContext who, List<String> tokens, String purpose, RevealDenied denial) {
        List<Uni<Void>> events = new ArrayList<>();
        for (String t : tokens) {
            events.add(audit.record(who.event(AuditType.DETOKENIZED, Outcome.DENIED, wellFormedOrNull(t), purpose)));
        }
        return Uni.join().all(events).andFailFast().flatMap(done -> Uni.createFrom().<T> failure(denial));
    }

    private static String wellFormedOrNull(String token) {
        return TokenGenerator.isWellFormed(token) ? token : null;
    }

    /** A refused purpose is recorded only when it is a plain identifier (it is caller input). */
    private static String safePurpose(String purpose) {
        return purpose.matches("[A-Z_]{1,40}") ? purpose : "(invalid)";
    }
}
