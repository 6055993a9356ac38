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

/**
 * The card side of data-subject requests (role privacy-officer, own tenant): erase (Art. 17; rows
 * destroyed, not flagged), find every token of a card (Art. 15), rectify its expiry or name
 * (Art. 16), restrict its processing (Art. 18). A card is found through its fingerprint.
 */
@ApplicationScoped
public class PrivacyService {

    @Inject
    TokenRepository repository;

    @Inject
    FingerprintKeys fingerprints;

    @Inject
    Audit audit;

    @Inject
    dev.cardvault.keys.DataKeys dataKeys;

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
        return erase(who, pan, n -> who.event(AuditType.CARD_ERASED, Outcome.SUCCESS, null, null).withDetail("count=" + n));
    }

    /** The erasure with the caller's own event (which may name the receipt it will answer). */
    public Uni<Integer> erase(AuditContext who, Pan pan, java.util.function.Function<Integer, dev.cardvault.audit.AuditEvent> eventOf) {
        byte[] fingerprint = fingerprints.fingerprint(who.tenant(), pan.digits());
        return audit.recordAtomically(tx -> repository.deleteByFingerprint(tx, who.tenant(), fingerprint), eventOf);
    }

    /** Every stored token of the card in the caller's tenant. */
    public Uni<java.util.List<TokenView>> tokensOf(String tenant, Pan pan) {
        return repository.byFingerprint(tenant, fingerprints.fingerprint(tenant, pan.digits()))
                .map(rows -> rows.stream().map(TokenRow::view).toList());
    }

    /** Restricts or lifts; the change and its event (from the count) commit together. */
    public Uni<Integer> restrict(AuditContext who, Pan pan, boolean restricted,
            java.util.function.Function<Integer, dev.cardvault.audit.AuditEvent> eventOf) {
        byte[] fingerprint = fingerprints.fingerprint(who.tenant(), pan.digits());
        return audit.recordAtomically(tx -> repository.restrict(tx, who.tenant(), fingerprint, restricted), eventOf);
    }

    /**
     * Rectifies expiry and/or cardholder name of every token of the card: each record decrypted,
     * changed and encrypted again under the tenant's current data key; the updates and the event
     * commit together. A record moved meanwhile (re-key) is not overwritten: the count says so.
     */
    public Uni<Integer> rectify(AuditContext who, Pan pan, dev.cardvault.card.Expiry expiry, String cardholderName,
            java.util.function.Function<Integer, dev.cardvault.audit.AuditEvent> eventOf) {
        String tenant = who.tenant();
        return repository.byFingerprint(tenant, fingerprints.fingerprint(tenant, pan.digits())).flatMap(rows -> {
            java.util.List<Uni<TokenRow>> rectified = new java.util.ArrayList<>();
            for (TokenRow row : rows) {
                rectified.add(dataKeys.forDecryption(row.dataKeyId(), tenant).flatMap(old -> dataKeys.forEncryption(tenant).map(now -> {
                    CardRecordCipher.CardRecord card;
                    try {
                        card = CardRecordCipher.decrypt(row.ciphertext(), old, tenant, row.token());
                    } catch (dev.cardvault.crypto.DecryptionFailedException e) {
                        // Integrity failure of a stored record: left as it is, not counted, loudly logged.
                        org.jboss.logging.Logger.getLogger(PrivacyService.class)
                                .errorf("Stored card record of a token in tenant %s failed authentication; not rectified", tenant);
                        return null;
                    }
                    CardRecordCipher.CardRecord changed = new CardRecordCipher.CardRecord(card.pan(),
                            expiry != null ? expiry.month() : card.expMonth(), expiry != null ? expiry.year() : card.expYear(),
                            cardholderName != null ? cardholderName : card.cardholderName());
                    return new TokenRow(row.token(), tenant, row.format(), row.deterministic(), row.fingerprint(), row.brand(), row.bin(),
                            row.last4(), changed.expMonth(), changed.expYear(), now.id(),
                            CardRecordCipher.encrypt(changed, now, tenant, row.token()), row.metadata(), row.expiresAt(), row.createdAt(),
                            row.purpose(), row.legalBasis(), row.consentRef(), row.restricted());
                })));
            }
            Uni<java.util.List<TokenRow>> all = rectified.isEmpty() ? Uni.createFrom().item(java.util.List.of())
                    : Uni.join().all(rectified).andFailFast();
            return all.flatMap(changed -> audit.recordAtomically(tx -> {
                Uni<Integer> n = Uni.createFrom().item(0);
                for (int i = 0; i < changed.size(); i++) {
                    TokenRow c = changed.get(i);
                    if (c == null) {
                        continue;
                    }
                    long readUnder = rows.get(i).dataKeyId();
                    n = n.flatMap(k -> repository.rectify(tx, c, readUnder).map(ok -> ok ? k + 1 : k));
                }
                return n;
            }, eventOf));
        });
    }
}
