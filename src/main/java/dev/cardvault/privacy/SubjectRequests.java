package dev.cardvault.privacy;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditRepository;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.card.CardholderName;
import dev.cardvault.card.Expiry;
import dev.cardvault.card.Pan;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.time.VaultClock;
import dev.cardvault.tokens.PrivacyService;
import dev.cardvault.tokens.TokenView;
import io.smallrye.mutiny.Uni;

/**
 * Data-subject requests a processor helps its controller answer (GDPR Art. 28(3)(e)), for a
 * privacy officer of the controller's tenant: access (Art. 15), rectification (16), erasure (17)
 * and restriction (18). The changes answer a signed receipt; its id is in the audit event, which
 * commits with the change.
 */
@ApplicationScoped
public class SubjectRequests {

    /** Events of the access history answered at most (the audit trail keeps them all). */
    static final int MAX_HISTORY = 1000;

    @Inject
    PrivacyService cards;

    @Inject
    AuditRepository trail;

    @Inject
    Audit audit;

    @Inject
    Receipts receipts;

    @Inject
    VaultClock clock;

    /** One token in an access export, with the events about it. */
    public record AccessEntry(TokenView token, List<HistoryEntry> history) {
    }

    public record HistoryEntry(String at, String type, String subject, String purpose, String outcome) {
    }

    public record AccessExport(String requestId, String generatedAt, int tokens, List<AccessEntry> entries, boolean historyTruncated) {
    }

    /** What a change answers: its count and signed receipt. */
    public record Done(int count, Receipts.SignedReceipt receipt) {
    }

    public Uni<AccessExport> access(AuditContext who, Pan pan) {
        return cards.tokensOf(who.tenant(), pan).flatMap(tokens -> {
            String[] ids = tokens.stream().map(TokenView::token).toArray(String[]::new);
            Uni<List<AuditRepository.StoredEvent>> events = ids.length == 0 ? Uni.createFrom().item(List.of())
                    : trail.ofTokens(who.tenant(), ids, MAX_HISTORY + 1);
            return events.flatMap(found -> {
                Map<String, List<HistoryEntry>> byToken = new HashMap<>();
                found.stream().limit(MAX_HISTORY).forEach(e -> byToken.computeIfAbsent(e.token(), t -> new ArrayList<>())
                        .add(new HistoryEntry(e.at().toInstant().toString(), e.type(), e.subject(), e.purpose(), e.outcome())));
                List<AccessEntry> entries = tokens.stream()
                        .map(t -> new AccessEntry(t, byToken.getOrDefault(t.token(), List.of()))).toList();
                // Answered only once the export itself is on the trail.
                return audit.record(who.event(AuditType.SUBJECT_ACCESS_EXPORTED, Outcome.SUCCESS, null, null)
                        .withDetail("tokens=" + tokens.size()))
                        .replaceWith(new AccessExport(who.requestId(), Instant.now().toString(), tokens.size(), entries,
                                found.size() > MAX_HISTORY));
            });
        });
    }

    public Uni<Done> erase(AuditContext who, Pan pan) {
        Holder h = new Holder();
        return cards.erase(who, pan, n -> {
            h.receipt = receipts.sign(Receipts.content("ERASURE", who, who.tenant())
                    .put("article", "GDPR Art. 17")
                    .put("done", "every token of the card in the tenant deleted with its encrypted record; its data keys are "
                            + "destroyed within the crypto-shredding window")
                    .put("counts", Map.of("tokensDeleted", n)));
            return who.event(AuditType.CARD_ERASED, Outcome.SUCCESS, null, null).withDetail("count=" + n + " receipt="
                    + Receipts.idOf(h.receipt));
        }).map(n -> new Done(n, h.receipt));
    }

    public Uni<Done> restrict(AuditContext who, Pan pan, Boolean restricted) {
        if (restricted == null) {
            throw new InvalidRequest("restricted", "is required: true restricts processing of the card, false lifts the restriction");
        }
        boolean on = restricted;
        Holder h = new Holder();
        return cards.restrict(who, pan, on, n -> {
            h.receipt = receipts.sign(Receipts.content(on ? "RESTRICTION" : "RESTRICTION_LIFTED", who, who.tenant())
                    .put("article", "GDPR Art. 18")
                    .put("done", on ? "every token of the card kept but not revealed to anyone until the restriction is lifted"
                            : "the restriction of every token of the card lifted")
                    .put("counts", Map.of("tokensChanged", n)));
            return who.event(on ? AuditType.PROCESSING_RESTRICTED : AuditType.PROCESSING_RESTRICTION_LIFTED, Outcome.SUCCESS, null, null)
                    .withDetail("count=" + n + " receipt=" + Receipts.idOf(h.receipt));
        }).map(n -> new Done(n, h.receipt));
    }

    public Uni<Done> rectify(AuditContext who, Pan pan, Integer expMonth, Integer expYear, String cardholderName) {
        List<dev.cardvault.errors.Violation> v = new ArrayList<>();
        Expiry expiry = null;
        if (expMonth != null || expYear != null) {
            try {
                expiry = Expiry.of(expMonth, expYear, YearMonth.now(clock.withZone(ZoneOffset.UTC)));
            } catch (InvalidRequest e) {
                v.addAll(e.violations());
            }
        }
        String name = null;
        if (cardholderName != null) {
            try {
                name = CardholderName.validate(cardholderName);
            } catch (InvalidRequest e) {
                v.addAll(e.violations());
            }
        }
        if (v.isEmpty() && expiry == null && name == null) {
            v.add(new dev.cardvault.errors.Violation("expMonth", "expMonth and expYear, or cardholderName, is required: what to rectify"));
        }
        if (!v.isEmpty()) {
            throw new InvalidRequest(v);
        }
        List<String> fields = new ArrayList<>();
        if (expiry != null) {
            fields.add("expiry");
        }
        if (name != null) {
            fields.add("cardholderName");
        }
        Holder h = new Holder();
        return cards.rectify(who, pan, expiry, name, n -> {
            h.receipt = receipts.sign(Receipts.content("RECTIFICATION", who, who.tenant())
                    .put("article", "GDPR Art. 16")
                    .put("done", "the " + String.join(" and ", fields) + " of every token of the card replaced")
                    .put("counts", Map.of("tokensChanged", n)));
            return who.event(AuditType.SUBJECT_DATA_RECTIFIED, Outcome.SUCCESS, null, null)
                    .withDetail("count=" + n + " fields=" + String.join(",", fields) + " receipt=" + Receipts.idOf(h.receipt));
        }).map(n -> new Done(n, h.receipt));
    }

    /** The receipt made inside the transaction (so that its id is in the event) and answered after it. */
    private static final class Holder {
        Receipts.SignedReceipt receipt;
    }
}
