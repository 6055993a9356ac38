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

    /** The row and its TOKEN_DELETED event commit together; an unknown token is recorded as FAILED. */
    public Uni<Void> delete(AuditContext who, String token) {
        if (!TokenGenerator.isWellFormed(token)) {
            return audit.record(who.event(AuditType.TOKEN_DELETED, Outcome.FAILED, null, null))
                    .onItem().failWith(TokenNotFoundException::new);
        }
        return audit.recordAtomically(tx -> repository.delete(tx, token, who.tenant()),
                deleted -> deleted ? who.event(AuditType.TOKEN_DELETED, Outcome.SUCCESS, token, null) : null)
                .flatMap(deleted -> deleted ? Uni.createFrom().voidItem()
                        : audit.record(who.event(AuditType.TOKEN_DELETED, Outcome.FAILED, token, null))
                                .onItem().failWith(TokenNotFoundException::new));
    }

    /**
     * Destroys every token of the card in the caller's tenant; the deletion and its CARD_ERASED
     * event (with the count) commit together.
     *
     * @return how many tokens were destroyed (0 is a valid answer)
     */
    public Uni<Integer> erase(AuditContext who, Pan pan) {
        byte[] fingerprint = fingerprints.fingerprint(who.tenant(), pan.digits());
        return audit.recordAtomically(tx -> repository.deleteByFingerprint(tx, who.tenant(), fingerprint),
                n -> who.event(AuditType.CARD_ERASED, Outcome.SUCCESS, null, null).withDetail("count=" + n));
    }
}
