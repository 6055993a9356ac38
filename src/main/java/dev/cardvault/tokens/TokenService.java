package dev.cardvault.tokens;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.auth.Caller;
import dev.cardvault.keys.DataKey;
import dev.cardvault.keys.DataKeys;
import dev.cardvault.keys.FingerprintKeys;
import io.smallrye.mutiny.Uni;

/**
 * Tokenization: the multi-step logic between the card rules, the key hierarchy and the token
 * table. Everything here is non-blocking; the crypto is microseconds of CPU per card.
 */
@ApplicationScoped
public class TokenService {

    static final int MAX_COLLISION_RETRIES = 10;

    /** A token and whether this request created it (201) or found the deterministic one (200). */
    public record Tokenized(TokenView view, boolean created) {
    }

    @Inject
    DataKeys dataKeys;

    @Inject
    FingerprintKeys fingerprints;

    @Inject
    TokenRepository repository;

    @Inject
    Audit audit;

    /** Writes new token rows inside the audit batch transaction. */
    private final dev.cardvault.audit.AuditAppender.Companion<TokenRow> newTokens =
            (tx, rows) -> repository.insertMany(tx, rows);

    /**
     * Stores the card and answers only after the TOKEN_CREATED event is durable. A new token's row
     * and its event share one transaction (the audit batch's): both or neither. A deterministic
     * token is written first and its event after (it may update an existing row); if that event
     * fails the caller gets 503 and no token. Other failures are recorded as FAILED where possible.
     */
    public Uni<Tokenized> tokenize(Caller caller, TokenizeCommand cmd, AuditContext audited) {
        byte[] fingerprint = fingerprints.fingerprint(caller.tenant(), cmd.pan().digits());
        Uni<Tokenized> stored;
        if (!cmd.deterministic()) {
            // Token row and TOKEN_CREATED event in one transaction (one commit shared with the batch).
            return insertNew(caller.tenant(), cmd, fingerprint, audited, 0).map(v -> new Tokenized(v, true))
                    .onFailure().invoke(e -> audit.recordInBackground(audited.event(AuditType.TOKEN_CREATED, Outcome.FAILED, null, null)));
        } else {
            stored = repository.findDeterministic(caller.tenant(), cmd.format(), fingerprint).flatMap(existing -> existing.isPresent()
                    ? refresh(existing.get(), caller.tenant(), cmd, fingerprint)
                    : insertDeterministic(caller.tenant(), cmd, fingerprint, 0));
        }
        return stored
                .onFailure().invoke(e -> audit.recordInBackground(audited.event(AuditType.TOKEN_CREATED, Outcome.FAILED, null, null)))
                .call(t -> audit.record(audited.event(AuditType.TOKEN_CREATED, Outcome.SUCCESS, t.view().token(), null)));
    }

    public Uni<TokenView> metadata(Caller caller, String token) {
        if (!TokenGenerator.isWellFormed(token)) {
            return Uni.createFrom().failure(new TokenNotFoundException());
        }
        return repository.find(token, caller.tenant())
                .map(found -> found.orElseThrow(TokenNotFoundException::new));
    }

    private Uni<TokenView> insertNew(String tenant, TokenizeCommand cmd, byte[] fingerprint, AuditContext audited, int attempt) {
        String token = TokenGenerator.generate(cmd.format(), cmd.pan());
        return dataKeys.forEncryption(tenant).flatMap(key -> {
            TokenRow row = row(token, tenant, cmd, fingerprint, key);
            return audit.recordWith(audited.event(AuditType.TOKEN_CREATED, Outcome.SUCCESS, token, null), newTokens, row)
                    .flatMap(written -> written
                            ? Uni.createFrom().item(row.view())
                            // The value is taken (format-preserving tokens have few random digits): draw again.
                            : retry(attempt, null, () -> insertNew(tenant, cmd, fingerprint, audited, attempt + 1)));
        });
    }

    private Uni<Tokenized> insertDeterministic(String tenant, TokenizeCommand cmd, byte[] fingerprint, int attempt) {
        String token = TokenGenerator.generate(cmd.format(), cmd.pan());
        return dataKeys.forEncryption(tenant)
                .flatMap(key -> repository.insertDeterministic(row(token, tenant, cmd, fingerprint, key)))
                .flatMap(inserted -> inserted.isPresent()
                        ? Uni.createFrom().item(new Tokenized(inserted.get(), true))
                        // Another request won the race for this card (the database now holds its token),
                        // or the drawn value is taken by another token: draw again.
                        : repository.findDeterministic(tenant, cmd.format(), fingerprint).flatMap(winner -> winner.isPresent()
                                ? refresh(winner.get(), tenant, cmd, fingerprint)
                                : retry(attempt, null, () -> insertDeterministic(tenant, cmd, fingerprint, attempt + 1))));
    }

    private Uni<Tokenized> refresh(String token, String tenant, TokenizeCommand cmd, byte[] fingerprint) {
        // The card record is encrypted again for the existing token: expiry and name are the newest.
        return dataKeys.forEncryption(tenant)
                .flatMap(key -> repository.refreshDeterministic(row(token, tenant, cmd, fingerprint, key)))
                .map(updated -> new Tokenized(updated.orElseThrow(() -> new IllegalStateException(
                        "deterministic token vanished during refresh")), false));
    }

    private static <T> Uni<T> retry(int attempt, Throwable e, java.util.function.Supplier<Uni<T>> again) {
        return attempt + 1 < MAX_COLLISION_RETRIES ? again.get()
                : Uni.createFrom().failure(new IllegalStateException("no free token value after " + MAX_COLLISION_RETRIES + " attempts"));
    }

    private static TokenRow row(String token, String tenant, TokenizeCommand cmd, byte[] fingerprint, DataKey key) {
        var record = new CardRecordCipher.CardRecord(cmd.pan().digits(), cmd.expiry().month(), cmd.expiry().year(),
                cmd.cardholderName());
        byte[] ciphertext = CardRecordCipher.encrypt(record, key, tenant, token);
        return new TokenRow(token, tenant, cmd.format(), cmd.deterministic(), fingerprint,
                cmd.pan().brand().name(), cmd.pan().bin(), cmd.pan().last4(), cmd.expiry().month(), cmd.expiry().year(),
                key.id(), ciphertext, cmd.metadata(), cmd.expiresAt(),
                java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS)); // PostgreSQL keeps microseconds
    }

}
