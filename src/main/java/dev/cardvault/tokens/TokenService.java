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

    @Inject
    PurposePolicies purposes;

    @Inject
    dev.cardvault.metrics.VaultMetrics metrics;

    /** Production: a tenant collects cards only once its controller registered a purpose. */
    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "cardvault.privacy.require-registry", defaultValue = "true")
    boolean requireRegistry;

    @Inject
    dev.cardvault.time.VaultClock clock;

    /** Whether a tenant without a registered purpose is refused (production). */
    public boolean requiresRegistry() {
        return requireRegistry;
    }

    /** Writes new token rows inside the audit batch transaction. */
    private final dev.cardvault.audit.AuditAppender.Companion<TokenRow> newTokens =
            new dev.cardvault.audit.AuditAppender.Companion<>() {
                @Override
                public Uni<boolean[]> write(io.vertx.mutiny.sqlclient.SqlClient tx, java.util.List<TokenRow> rows) {
                    return repository.insertMany(tx, rows);
                }

                @Override
                public Uni<Void> writeAll(io.vertx.mutiny.sqlclient.SqlClient tx, java.util.List<TokenRow> rows) {
                    return repository.insertAll(tx, rows);
                }

                @Override
                public boolean writesAll() {
                    return true;
                }
            };

    /**
     * Stores the card and answers only after the TOKEN_CREATED event is durable. The token row and
     * its event share one transaction (the audit batch's): both or neither. A deterministic token
     * is found or created inside that transaction too, and the event names the token it ended up
     * with. Other failures are recorded as FAILED where possible.
     */
    public Uni<Tokenized> tokenize(Caller caller, TokenizeCommand requested, AuditContext audited) {
        Uni<Tokenized> stored = purposes.of(caller.tenant()).flatMap(p -> {
            // The purpose binds before anything is encrypted: an unknown purpose stores nothing.
            TokenizeCommand cmd = PurposeBinding.bind(p, requested, clock.instant(), requireRegistry);
            byte[] fingerprint = fingerprints.fingerprint(caller.tenant(), cmd.pan().digits());
            Uni<Tokenized> done = cmd.deterministic()
                    ? deterministic(caller.tenant(), cmd, fingerprint, audited, 0)
                    : insertNew(caller.tenant(), cmd, fingerprint, audited, 0).map(v -> new Tokenized(v, true));
            // The bound purpose is one the tenant's controller registered (or none): a bounded label.
            String label = dev.cardvault.metrics.VaultMetrics.purpose(cmd.purpose(), p.purposes().keySet());
            return done.invoke(t -> metrics.tokenized(caller.tenant(), label, 1));
        });
        return stored.onFailure().invoke(e -> audit.recordInBackground(audited.event(AuditType.TOKEN_CREATED, Outcome.FAILED, null,
                safePurpose(requested.purpose()))));
    }

    /** A purpose as the trail may record it: caller input, so only when it has the form of a code. */
    static String safePurpose(String purpose) {
        return purpose != null && TokenizeCommand.PURPOSE_CODE.matcher(purpose).matches() ? purpose : null;
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
            return audit.recordWith(audited.event(AuditType.TOKEN_CREATED, Outcome.SUCCESS, token, cmd.purpose()), newTokens, row)
                    .flatMap(written -> written
                            ? Uni.createFrom().item(row.view())
                            // The value is taken (format-preserving tokens have few random digits): draw again.
                            : retry(attempt, null, () -> insertNew(tenant, cmd, fingerprint, audited, attempt + 1)));
        });
    }

    private Uni<Tokenized> deterministic(String tenant, TokenizeCommand cmd, byte[] fingerprint, AuditContext audited, int attempt) {
        String drawn = TokenGenerator.generate(cmd.format(), cmd.pan());
        return dataKeys.forEncryption(tenant).flatMap(key -> {
            DeterministicWrite w = new DeterministicWrite(tenant, cmd, fingerprint, key, drawn);
            return audit.recordWith(audited.event(AuditType.TOKEN_CREATED, Outcome.SUCCESS, null, cmd.purpose()), deterministicTokens, w)
                    .flatMap(written -> written
                            ? Uni.createFrom().item(new Tokenized(w.view, w.created))
                            // The drawn value is taken by another token: draw again.
                            : retry(attempt, null, () -> deterministic(tenant, cmd, fingerprint, audited, attempt + 1)));
        });
    }

    /** One deterministic tokenization; the write inside the audit batch fills in its outcome. */
    private static final class DeterministicWrite {
        final String tenant;
        final TokenizeCommand cmd;
        final byte[] fingerprint;
        final DataKey key;
        final String drawn;
        TokenView view;
        boolean created;

        DeterministicWrite(String tenant, TokenizeCommand cmd, byte[] fingerprint, DataKey key, String drawn) {
            this.tenant = tenant;
            this.cmd = cmd;
            this.fingerprint = fingerprint;
            this.key = key;
            this.drawn = drawn;
        }
    }

    /**
     * Finds or creates each deterministic token inside the audit batch's transaction, one after
     * the other (two requests for the same card in one batch: the second finds the first's row).
     * The existing token's record is encrypted again: expiry and name are the newest.
     */
    private final dev.cardvault.audit.AuditAppender.Companion<DeterministicWrite> deterministicTokens =
            new dev.cardvault.audit.AuditAppender.Companion<>() {
                @Override
                public Uni<boolean[]> write(io.vertx.mutiny.sqlclient.SqlClient tx, java.util.List<DeterministicWrite> rows) {
                    boolean[] ok = new boolean[rows.size()];
                    Uni<Void> all = Uni.createFrom().voidItem();
                    for (int i = 0; i < rows.size(); i++) {
                        int k = i;
                        all = all.flatMap(v -> writeDeterministic(tx, rows.get(k)).invoke(written -> ok[k] = written).replaceWithVoid());
                    }
                    return all.replaceWith(ok);
                }

                @Override
                public dev.cardvault.audit.AuditEvent eventFor(DeterministicWrite w, dev.cardvault.audit.AuditEvent event) {
                    return event.withToken(w.view.token());
                }
            };

    private Uni<Boolean> writeDeterministic(io.vertx.mutiny.sqlclient.SqlClient tx, DeterministicWrite w) {
        return repository.findDeterministic(tx, w.tenant, w.cmd.format(), w.fingerprint).flatMap(existing -> existing.isPresent()
                ? refresh(tx, w, existing.get())
                : repository.insertDeterministic(tx, row(w.drawn, w.tenant, w.cmd, w.fingerprint, w.key)).flatMap(inserted -> {
                    if (inserted.isPresent()) {
                        w.view = inserted.get();
                        w.created = true;
                        return Uni.createFrom().item(true);
                    }
                    // Another replica's request won the race for this card, or the drawn value is taken.
                    return repository.findDeterministic(tx, w.tenant, w.cmd.format(), w.fingerprint)
                            .flatMap(winner -> winner.isPresent() ? refresh(tx, w, winner.get()) : Uni.createFrom().item(false));
                }));
    }

    private Uni<Boolean> refresh(io.vertx.mutiny.sqlclient.SqlClient tx, DeterministicWrite w, String token) {
        // A token erased meanwhile updates nothing: not written, the caller tries again (and creates one).
        return repository.refreshDeterministic(tx, row(token, w.tenant, w.cmd, w.fingerprint, w.key)).map(updated -> {
            updated.ifPresent(v -> w.view = v);
            w.created = false;
            return updated.isPresent();
        });
    }

    private static <T> Uni<T> retry(int attempt, Throwable e, java.util.function.Supplier<Uni<T>> again) {
        return attempt + 1 < MAX_COLLISION_RETRIES ? again.get()
                : Uni.createFrom().failure(new IllegalStateException("no free token value after " + MAX_COLLISION_RETRIES + " attempts"));
    }

    private static TokenRow row(String token, String tenant, TokenizeCommand cmd, byte[] fingerprint, DataKey key) {
        // PostgreSQL keeps microseconds
        return row(token, tenant, cmd, fingerprint, key, java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    }

    /** The row of a new token: the card encrypted under the data key, bound to the tenant and the token value. */
    static TokenRow row(String token, String tenant, TokenizeCommand cmd, byte[] fingerprint, DataKey key, java.time.Instant createdAt) {
        var record = new CardRecordCipher.CardRecord(cmd.pan().digits(), cmd.expiry().month(), cmd.expiry().year(),
                cmd.cardholderName());
        byte[] ciphertext = CardRecordCipher.encrypt(record, key, tenant, token);
        return new TokenRow(token, tenant, cmd.format(), cmd.deterministic(), fingerprint,
                cmd.pan().brand().name(), cmd.pan().bin(), cmd.pan().last4(), cmd.expiry().month(), cmd.expiry().year(),
                key.id(), ciphertext, cmd.metadata(), cmd.expiresAt(), createdAt, cmd.purpose(), cmd.legalBasis(), cmd.consentRef(), false);
    }

}
