package dev.cardvault.tokens;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.card.Pan;
import dev.cardvault.keys.FingerprintKeys;
import io.smallrye.mutiny.Uni;

/** GDPR Art. 17 for privacy officers: delete one token, or erase every token of a card. Rows are destroyed, not flagged. */
@ApplicationScoped
public class PrivacyService {

    @Inject
    TokenRepository repository;

    @Inject
    FingerprintKeys fingerprints;

    @Inject
    Audit audit;

    public Uni<Void> delete(AuditContext who, String token) {
        if (!TokenGenerator.isWellFormed(token)) {
            return audit.record(who.event(AuditType.TOKEN_DELETED, Outcome.FAILED, null, null))
                    .onItem().failWith(TokenNotFoundException::new);
        }
        return repository.delete(token, who.tenant()).flatMap(deleted -> audit
                .record(who.event(AuditType.TOKEN_DELETED, deleted ? Outcome.SUCCESS : Outcome.FAILED, token, null))
                .invoke(() -> {
                    if (!deleted) {
                        throw new TokenNotFoundException();
                    }
                }));
    }

    /** @return how many tokens were destroyed (0 is a valid answer) */
    public Uni<Integer> erase(AuditContext who, Pan pan) {
        byte[] fingerprint = fingerprints.fingerprint(who.tenant(), pan.digits());
        return repository.deleteByFingerprint(who.tenant(), fingerprint)
                .call(n -> audit.record(who.event(AuditType.CARD_ERASED, Outcome.SUCCESS, null, null)));
    }
}
