package dev.cardvault.tokens;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.Violation;

/**
 * The purpose a card is collected for (GDPR Art. 5(1)(b), 6): checked against the tenant's
 * registered purposes when a tokenization or a capture session asks for it, and bound to the
 * token with its legal basis, consent reference and a retention-bounded expiry.
 */
public final class PurposeBinding {

    private PurposeBinding() {
    }

    /**
     * The broken rules of a purpose and consent reference for this tenant (empty: acceptable).
     *
     * @throws CollectionRefused when the tenant may not collect at all
     */
    public static List<Violation> check(TenantPurposes p, String purpose, String consentRef, boolean requireRegistry) {
        List<Violation> v = new ArrayList<>();
        if (p.closed()) {
            throw new CollectionRefused(CollectionRefused.Reason.CONTROLLER_CLOSED);
        }
        if (p.unbound()) {
            if (requireRegistry) {
                throw new CollectionRefused(CollectionRefused.Reason.NOT_REGISTERED);
            }
            if (purpose != null) {
                v.add(new Violation("purpose", "names no registered purpose: your tenant has none registered (omit it)"));
            }
            return v;
        }
        if (purpose == null) {
            v.add(new Violation("purpose", "is required: one of " + String.join(", ", p.activeCodes())));
            return v;
        }
        TenantPurposes.Rule rule = p.purposes().get(purpose);
        if (rule == null || !rule.active()) {
            v.add(new Violation("purpose", "must be an active purpose of your controller: one of " + String.join(", ", p.activeCodes())));
        } else if (rule.needsConsent() && consentRef == null) {
            v.add(new Violation("consentRef", "is required: the legal basis of this purpose is CONSENT (the reference of the "
                    + "cardholder's recorded consent)"));
        }
        return v;
    }

    /** The command with its purpose's legal basis and an expiry within the purpose's retention. */
    static TokenizeCommand bind(TenantPurposes p, TokenizeCommand cmd, Instant now, boolean requireRegistry) {
        List<Violation> v = check(p, cmd.purpose(), cmd.consentRef(), requireRegistry);
        if (!v.isEmpty()) {
            throw new InvalidRequest(v);
        }
        if (p.unbound()) {
            return cmd;
        }
        TenantPurposes.Rule rule = p.purposes().get(cmd.purpose());
        Instant limit = now.atZone(ZoneOffset.UTC).plus(rule.retention()).toInstant();
        if (cmd.expiresAt() != null && cmd.expiresAt().isAfter(limit)) {
            throw new InvalidRequest("expiresAt", "must not be later than the retention of purpose " + rule.code() + " allows ("
                    + rule.retention() + " from now); omit it to get that limit");
        }
        return cmd.bound(rule.legalBasis(), cmd.expiresAt() != null ? cmd.expiresAt() : limit);
    }
}
