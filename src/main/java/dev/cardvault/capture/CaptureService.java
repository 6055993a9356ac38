package dev.cardvault.capture;

import java.net.URI;
import java.net.URISyntaxException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
import dev.cardvault.card.CardShape;
import dev.cardvault.crypto.Randomness;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.Violation;
import dev.cardvault.time.VaultClock;
import dev.cardvault.tokens.TokenService;
import dev.cardvault.tokens.PurposeBinding;
import dev.cardvault.tokens.TokenizeCommand;
import dev.cardvault.tokens.TokenizeRequest;
import io.smallrye.mutiny.Uni;

/**
 * Capture sessions: opened by an agent desktop's backend (role tokenizer), completed by one card
 * typed into the vault's own frame with the session's client secret, tokenized exactly as
 * {@code POST /v1/tokens} would into the session's tenant. Every transition is audited with the
 * session id.
 */
@ApplicationScoped
public class CaptureService {

    static final int MAX_TTL_SECONDS = 900;
    static final int DEFAULT_TTL_SECONDS = 600;
    static final int MAX_ORIGINS = 10;
    private static final Pattern ID_SHAPE = Pattern.compile("^cs_[0-9a-f]{24}$");
    private static final String SECRET_PREFIX = "cvcs_";

    @Inject
    CaptureRepository repository;

    @Inject
    TokenService tokens;

    @Inject
    Audit audit;

    @Inject
    AuditContexts auditContexts;

    @Inject
    Callbacks callbacks;

    @Inject
    dev.cardvault.tokens.PurposePolicies purposes;

    @Inject
    dev.cardvault.keys.KeyHierarchy hierarchy;

    @Inject
    VaultClock clock;

    /** What a caller asked for, as received. */
    public record Request(String channel, List<String> allowedOrigins, String format, Boolean deterministic,
            Map<String, String> metadata, Integer ttlSeconds, String locale, String callbackUrl, List<String> fields,
            Boolean collectCvc, String recordingControlUrl, String purpose, String consentRef) {
    }

    /** A new session and its client secret, which is answered once and stored only as a hash. */
    public record Opened(CaptureSession session, String clientSecret) {
    }

    /** What the frame gets back for the card it submitted: the token and what the agent may see. */
    public record Captured(String token, String brand, String last4, int expMonth, int expYear) {
    }

    public Uni<Opened> open(Caller who, Request r) {
        // The purpose is checked when the session opens (the agent learns at once) and bound again when the card arrives.
        return purposes.of(who.tenant()).flatMap(p -> {
            List<Violation> v = new ArrayList<>(TokenizeCommand.purposeViolations(r.purpose(), r.consentRef()));
            if (v.isEmpty()) {
                v.addAll(PurposeBinding.check(p, r.purpose(), r.consentRef(), tokens.requiresRegistry()));
            }
            return open(who, r, v);
        });
    }

    private Uni<Opened> open(Caller who, Request r, List<Violation> v) {
        String channel = r.channel() == null ? "WEB" : r.channel();
        if (!"WEB".equals(channel) && !"PHONE".equals(channel)) {
            v.add(new Violation("channel", "must be WEB (typed into the vault's frame) or PHONE (keyed on the phone)"));
        }
        boolean phone = "PHONE".equals(channel);
        // A phone session needs no frame origin unless the agent's widget shows its progress.
        List<String> origins = phone && (r.allowedOrigins() == null || r.allowedOrigins().isEmpty()) ? List.of()
                : origins(r.allowedOrigins(), v);
        boolean cvc = Boolean.TRUE.equals(r.collectCvc());
        List<String> fields = new java.util.ArrayList<>(r.fields() == null ? List.of("pan", "expiry") : r.fields());
        if (!phone && r.fields() != null) {
            v.add(new Violation("fields", "is for PHONE sessions (the frame always asks for the number and expiry)"));
        } else if (!fields.equals(List.of("pan", "expiry"))) {
            v.add(new Violation("fields", "must be [\"pan\", \"expiry\"] (the default): a token needs the number and the expiry; "
                    + "collectCvc adds the security code"));
        }
        if (cvc && !phone) {
            v.add(new Violation("collectCvc", "is for PHONE sessions"));
        }
        if (cvc) {
            fields.add("cvc"); // keyed last, kept only until the authorisation (transient_cvc)
        }
        if (r.recordingControlUrl() != null && (!phone || !callbacks.allows(who.tenant(), r.recordingControlUrl()))) {
            v.add(new Violation("recordingControlUrl", "is for PHONE sessions, and must start with one of the callback URLs the "
                    + "vault allows for your tenant"));
        }
        int ttl = r.ttlSeconds() == null ? DEFAULT_TTL_SECONDS : r.ttlSeconds();
        if (ttl < 1 || ttl > MAX_TTL_SECONDS) {
            v.add(new Violation("ttlSeconds", "must be 1 to " + MAX_TTL_SECONDS + " seconds"));
        }
        String locale = r.locale() == null ? "en" : r.locale();
        if (!"en".equals(locale) && !"it".equals(locale)) {
            v.add(new Violation("locale", "must be en or it"));
        }
        v.addAll(TokenizeCommand.optionViolations(r.format(), r.metadata()));
        if (r.callbackUrl() != null && !callbacks.allows(who.tenant(), r.callbackUrl())) {
            v.add(new Violation("callbackUrl", "must start with one of the callback URLs the vault allows for your tenant "
                    + "(https; ask the vault's operators to add it)"));
        }
        if (!v.isEmpty()) {
            throw new InvalidRequest(v);
        }
        String secret = SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random(32));
        Instant now = clock.instant();
        CaptureSession s = new CaptureSession(newId(), who.tenant(), who.subject(), channel, CaptureSession.OPEN, origins,
                r.format() == null ? "RANDOM" : r.format(), Boolean.TRUE.equals(r.deterministic()),
                r.metadata() == null ? Map.of() : Map.copyOf(r.metadata()), locale, hash(secret), now.plusSeconds(ttl), now, null,
                null, null, null, null, null, r.callbackUrl(), fields, null, null, 0, r.recordingControlUrl(), null, r.purpose(), r.consentRef());
        AuditContext audited = auditContexts.current(who);
        return audit.recordAtomically(tx -> repository.insert(tx, s).replaceWith(true),
                ok -> audited.event(AuditType.CAPTURE_SESSION_OPENED, Outcome.SUCCESS, null, null)
                        .withDetail("session=" + s.id() + " channel=" + channel + " ttl=" + ttl + "s"))
                .map(ok -> new Opened(s, secret));
    }

    /** The session of the caller's tenant (recording its expiry when this read is the first to see it). */
    public Uni<CaptureSession> find(Caller who, String id) {
        return find(id).map(s -> {
            if (!s.tenant().equals(who.tenant())) {
                throw CaptureRefused.notFound();
            }
            return s;
        });
    }

    private Uni<CaptureSession> find(String id) {
        if (!isWellFormedId(id)) {
            return Uni.createFrom().failure(CaptureRefused.notFound());
        }
        return repository.find(id).flatMap(found -> {
            CaptureSession s = found.orElseThrow(CaptureRefused::notFound);
            if (!CaptureSession.EXPIRED.equals(s.stateAt(clock.instant())) || CaptureSession.EXPIRED.equals(s.state())) {
                return Uni.createFrom().item(s);
            }
            return audit.recordAtomically(tx -> repository.expire(tx, id), expired -> expired
                    ? auditOf(s).event(AuditType.CAPTURE_SESSION_EXPIRED, Outcome.SUCCESS, null, null).withDetail("session=" + id)
                    : null).flatMap(x -> repository.find(id)).map(again -> again.orElseThrow(CaptureRefused::notFound));
        });
    }

    /** Records the expiry of sessions nobody touches any more (and so resumes their recorders). */
    @io.quarkus.scheduler.Scheduled(identity = "capture-expiry", every = "${cardvault.capture.expiry-sweep-every:5s}",
            concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> expireOverdue() {
        if (!hierarchy.isLoaded()) {
            return Uni.createFrom().voidItem();
        }
        return repository.overdue(100).flatMap(ids -> {
            Uni<Void> all = Uni.createFrom().voidItem();
            for (String id : ids) {
                all = all.flatMap(v -> expireIfDue(id));
            }
            return all;
        }).flatMap(v -> repository.failStuckSubmissions()).onFailure().recoverWithNull();
    }

    /** Records the expiry of an open session past its time (for a stream nobody else touches). */
    Uni<Void> expireIfDue(String id) {
        return find(id).replaceWithVoid().onFailure().recoverWithNull();
    }

    public Uni<CaptureSession> cancel(Caller who, String id) {
        return find(who, id).flatMap(s -> audit.recordAtomically(tx -> repository.cancel(tx, id), cancelled -> cancelled
                ? auditContexts.current(who).event(AuditType.CAPTURE_SESSION_CANCELLED, Outcome.SUCCESS, null, null)
                        .withDetail("session=" + id)
                : null).flatMap(cancelled -> {
                    if (!cancelled) {
                        return Uni.createFrom().failure(closed(s));
                    }
                    return find(who, id);
                }));
    }

    /**
     * The frame's card for this session: checked with the client secret, validated as a tokenize
     * request, stored under the session's tenant, and the session completed. One card per session.
     */
    public Uni<Captured> submit(String id, String clientSecret, TokenizeRequest card) {
        return forSecret(id, clientSecret).flatMap(s -> {
            if (!"WEB".equals(s.channel())) {
                throw CaptureRefused.notFound(); // a PHONE session's card is keyed on the phone, never typed into a page
            }
            if (!CaptureSession.OPEN.equals(s.stateAt(clock.instant()))) {
                throw closed(s);
            }
            Caller agent = new Caller(s.createdBy(), s.tenant(), Set.of(Roles.TOKENIZER));
            AuditContext audited = auditContexts.current(agent);
            card.format = s.format();
            card.deterministic = s.deterministic();
            card.metadata = s.metadata();
            card.purpose = s.purpose();
            card.consentRef = s.consentRef();
            card.expiresAt = null;
            TokenizeCommand cmd;
            try {
                cmd = TokenizeCommand.validate(card, clock);
            } catch (InvalidRequest e) {
                audit.recordInBackground(audited.event(AuditType.TOKEN_CREATED, Outcome.FAILED, null, null)
                        .withDetail("session=" + id));
                throw e;
            }
            return repository.claim(id).flatMap(claimed -> {
                if (!claimed) {
                    return Uni.createFrom().failure(closed(s));
                }
                return tokens.tokenize(agent, cmd, audited)
                        .onFailure().call(e -> repository.release(id))
                        .flatMap(t -> audit.recordAtomically(tx -> repository.complete(tx, id, t.view().token(), t.view().brand(),
                                t.view().last4(), t.view().expMonth(), t.view().expYear()).flatMap(done -> done && s.callbackUrl() != null
                                        ? repository.insertWebhook(tx, id, s.tenant(), s.callbackUrl(), Callbacks.body(s, t.view()))
                                                .replaceWith(true)
                                        : Uni.createFrom().item(done)), done -> done
                                        ? audited.event(AuditType.CAPTURE_SESSION_COMPLETED, Outcome.SUCCESS, t.view().token(), null)
                                                .withDetail("session=" + id)
                                        : null)
                                .map(done -> new Captured(t.view().token(), t.view().brand(), t.view().last4(), t.view().expMonth(),
                                        t.view().expYear())));
            });
        });
    }

    /** The session whose client secret this is (for the frame's own calls). */
    public Uni<CaptureSession> forSecret(String id, String clientSecret) {
        return find(id).map(s -> {
            if (clientSecret == null || !MessageDigest.isEqual(hash(clientSecret), s.secretHash())) {
                throw new CaptureRefused(CaptureRefused.Reason.WRONG_SECRET, "The client secret does not open this session.");
            }
            return s;
        });
    }

    /** The session as the frame may know it (no secret check: the page itself holds nothing). */
    public Uni<CaptureSession> forFrame(String id) {
        return find(id);
    }

    private AuditContext auditOf(CaptureSession s) {
        return new AuditContext(AuditContext.service().subject(), s.tenant(), null, null);
    }

    private CaptureRefused closed(CaptureSession s) {
        return new CaptureRefused(CaptureRefused.Reason.CLOSED, "This capture session is "
                + s.stateAt(clock.instant()) + " and takes no card; open a new session.");
    }

    public static boolean isWellFormedId(String id) {
        return id != null && ID_SHAPE.matcher(id).matches() && !CardShape.containsInIdentifier(id);
    }

    private static String newId() {
        String id = "cs_" + HexFormat.of().formatHex(random(12));
        return isWellFormedId(id) ? id : newId();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        Randomness.secure().nextBytes(b);
        return b;
    }

    static byte[] hash(String secret) {
        return dev.cardvault.crypto.Sha256.of(secret);
    }

    /**
     * Origins as browsers send them: {@code https://host[:port]}, no path; plain http only for
     * localhost (development). Normalised to lower case without the default port.
     */
    static List<String> origins(List<String> given, List<Violation> v) {
        if (given == null || given.isEmpty() || given.size() > MAX_ORIGINS) {
            v.add(new Violation("allowedOrigins", "must list 1 to " + MAX_ORIGINS + " origins such as https://desk.example"));
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (String o : given) {
            String normal = origin(o);
            if (normal == null) {
                v.add(new Violation("allowedOrigins", "each must be an origin: https://host or https://host:port, no path "
                        + "(http only for localhost)"));
                return List.of();
            }
            out.add(normal);
        }
        return List.copyOf(out);
    }

    private static String origin(String text) {
        if (text == null || text.length() > 200 || CardShape.contains(text)) {
            return null;
        }
        try {
            URI u = new URI(text);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            String host = u.getHost() == null ? null : u.getHost().toLowerCase(Locale.ROOT);
            if (host == null || u.getRawUserInfo() != null || u.getRawQuery() != null || u.getRawFragment() != null
                    || (u.getRawPath() != null && !u.getRawPath().isEmpty())) {
                return null;
            }
            boolean local = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
            if (!scheme.equals("https") && !(scheme.equals("http") && local)) {
                return null;
            }
            int port = u.getPort();
            boolean defaultPort = port == -1 || (scheme.equals("https") && port == 443) || (scheme.equals("http") && port == 80);
            return scheme + "://" + host + (defaultPort ? "" : ":" + port);
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
