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
 * Detokenization for billing. Order of checks: purpose present (422), purpose allowed for the
 * tenant (403), the subject's rate limit, then the tenant's (429), token of the tenant (404 / NOT_FOUND), processing not restricted
 * and the reveal purpose allowed by the token's collection purpose (403 / RESTRICTED,
 * PURPOSE_NOT_ALLOWED), decrypt, then the audit event, and only after it is durable does a PAN
 * leave. Every attempt is one audit event per token.
 */
@ApplicationScoped
public class RevealService {

    private static final Logger LOG = Logger.getLogger(RevealService.class);
    public static final int MAX_BATCH = 100;

    @ConfigProperty(name = "cardvault.detokenize.allowed-purposes",
            defaultValue = "PAYMENT_AUTHORIZATION,RECURRING_BILLING,REFUND,CHARGEBACK,FRAUD_INVESTIGATION")
    Set<String> allowedPurposes;

    @Inject
    TokenLookups lookups;

    @Inject
    DataKeys dataKeys;

    @Inject
    RevealRateLimiter rateLimiter;

    @Inject
    TenantRevealLimit tenantLimit;

    @Inject
    Audit audit;

    @Inject
    PurposePolicies purposes;

    @Inject
    dev.cardvault.metrics.VaultMetrics metrics;

    /** Why a batch item was not revealed. */
    public enum Refusal { NOT_FOUND, RESTRICTED, PURPOSE_NOT_ALLOWED }

    /** One batch item: a revealed card, or why not; {@code token} is null unless the value was well-formed. */
    public record Item(String token, RevealView card, Refusal refusal) {
    }

    @Inject
    TransientCvc transientCvc;

    public Uni<RevealView> reveal(AuditContext who, String token, String purpose) {
        return revealAll(who, List.of(token), purpose).flatMap(items -> {
            Item item = items.get(0);
            RevealView card = item.card();
            if (item.refusal() == Refusal.RESTRICTED) {
                throw new RevealDenied(RevealDenied.Reason.RESTRICTED, 0);
            }
            if (item.refusal() == Refusal.PURPOSE_NOT_ALLOWED) {
                throw new RevealDenied(RevealDenied.Reason.PURPOSE_NOT_ALLOWED, 0);
            }
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
        return purposes.of(who.tenant()).flatMap(policy -> {
            if (!policy.revealable(purpose)) {
                return denyAll(who, tokens, safePurpose(purpose), new RevealDenied(RevealDenied.Reason.PURPOSE_NOT_ALLOWED, 0));
            }
            long wait = rateLimiter.tryAcquire(who.subject(), tokens.size());
            if (wait > 0) {
                return denyAll(who, tokens, purpose, new RevealDenied(RevealDenied.Reason.RATE_LIMITED, wait));
            }
            if (!tenantLimit.enabled(who.tenant())) {
                return reveal(who, tokens, purpose, policy);
            }
            return tenantLimit.tryAcquire(who.tenant(), tokens.size()).flatMap(tenantWait -> tenantWait > 0
                    ? denyAll(who, tokens, purpose, new RevealDenied(RevealDenied.Reason.TENANT_RATE_LIMITED, tenantWait))
                    : reveal(who, tokens, purpose, policy));
        });
    }

    private Uni<List<Item>> reveal(AuditContext who, List<String> tokens, String purpose, TenantPurposes policy) {
        Set<String> wellFormed = new LinkedHashSet<>();
        for (String t : tokens) {
            if (wellFormedOrNull(t) != null) {
                wellFormed.add(t);
            }
        }
        Uni<Map<String, TokenRow>> found = wellFormed.isEmpty() ? Uni.createFrom().item(Map.of())
                : lookups.findLive(who.tenant(), wellFormed.toArray(String[]::new));
        return found.flatMap(rows -> {
            Map<String, Refusal> refused = new HashMap<>();
            Map<String, TokenRow> permitted = new HashMap<>();
            rows.forEach((t, row) -> {
                if (row.restricted()) {
                    refused.put(t, Refusal.RESTRICTED);
                } else if (!policy.allows(row.purpose(), purpose)) {
                    refused.put(t, Refusal.PURPOSE_NOT_ALLOWED);
                } else {
                    permitted.put(t, row);
                }
            });
            return unseal(who.tenant(), permitted).flatMap(cards -> {
                List<Item> items = new ArrayList<>(tokens.size());
                List<Uni<Void>> events = new ArrayList<>(tokens.size());
                for (String t : tokens) {
                    String token = wellFormed.contains(t) ? t : null; // null for a JSON null too: immutable maps refuse it as a key
                    RevealView card = token == null ? null : cards.get(token);
                    Refusal refusal = card != null ? null : token == null ? Refusal.NOT_FOUND : refused.getOrDefault(token, Refusal.NOT_FOUND);
                    items.add(new Item(token, card, refusal));
                    // Only well-formed token values go into the trail: anything else is caller input.
                    events.add(audit.record(event(who, token, purpose, refusal)));
                }
                // Fail closed: all events of the batch must be durable before any PAN is returned.
                return Uni.join().all(events).andFailFast().replaceWith(items).invoke(done -> count(who, purpose, done));
            });
        });
    }

    /** Revealed and denied cards of a batch whose events are durable; a token not found is neither. */
    private void count(AuditContext who, String purpose, List<Item> items) {
        int revealed = 0;
        int denied = 0;
        for (Item i : items) {
            if (i.card() != null) {
                revealed++;
            } else if (i.refusal() == Refusal.RESTRICTED || i.refusal() == Refusal.PURPOSE_NOT_ALLOWED) {
                denied++;
            }
        }
        String label = purposeLabel(purpose);
        metrics.revealed(who.tenant(), label, revealed);
        metrics.revealDenied(who.tenant(), label, denied);
    }

    /** Only a purpose of the allowed list becomes a label: anything else is caller input. */
    private String purposeLabel(String purpose) {
        return dev.cardvault.metrics.VaultMetrics.purpose(purpose, allowedPurposes);
    }

    private static dev.cardvault.audit.AuditEvent event(AuditContext who, String token, String purpose, Refusal refusal) {
        if (refusal == null) {
            return who.event(AuditType.DETOKENIZED, Outcome.SUCCESS, token, purpose);
        }
        return switch (refusal) {
            case NOT_FOUND -> who.event(AuditType.DETOKENIZED, Outcome.FAILED, token, purpose);
            case RESTRICTED -> who.event(AuditType.DETOKENIZED, Outcome.DENIED, token, purpose).withDetail("reason=restricted");
            case PURPOSE_NOT_ALLOWED -> who.event(AuditType.DETOKENIZED, Outcome.DENIED, token, purpose)
                    .withDetail("reason=not-allowed-by-collection-purpose");
        };
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
        // Counted when decided: the denial stands whether or not its events are written.
        metrics.revealDenied(who.tenant(), purposeLabel(purpose), tokens.size());
        List<Uni<Void>> events = new ArrayList<>();
        String reason = "reason=" + denial.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        for (String t : tokens) {
            events.add(audit.record(who.event(AuditType.DETOKENIZED, Outcome.DENIED, wellFormedOrNull(t), purpose).withDetail(reason)));
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
