package dev.cardvault.capture;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.card.CardShape;
import dev.cardvault.database.Waiters;
import dev.cardvault.keys.KeyHierarchy;
import dev.cardvault.keys.WebhookKeys;
import dev.cardvault.tokens.TokenView;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

/**
 * Webhooks to the CRM: when a session with a {@code callbackUrl} completes, its token view (never
 * card data) is POSTed there, signed {@code CardVault-Signature: t=<unix>,v1=<hex HMAC-SHA-256 of
 * "t.body">} with the tenant's secret, and retried with exponential backoff until a 2xx or the
 * last attempt. A callback URL must start with one the tenant is allowed
 * ({@code cardvault.capture.callback-allowlist.<tenant>}, comma-separated URL prefixes).
 */
@ApplicationScoped
public class Callbacks {

    private static final Logger LOG = Logger.getLogger(Callbacks.class);
    static final String SIGNATURE_HEADER = "CardVault-Signature";
    private static final String ALLOWLIST = "cardvault.capture.callback-allowlist.";

    @Inject
    CaptureRepository repository;

    @Inject
    WebhookKeys keys;

    @Inject
    KeyHierarchy hierarchy;

    @Inject
    Audit audit;

    @ConfigProperty(name = "cardvault.capture.webhook.max-attempts", defaultValue = "8")
    int maxAttempts;

    @ConfigProperty(name = "cardvault.capture.webhook.initial-backoff", defaultValue = "2s")
    Duration initialBackoff;

    @ConfigProperty(name = "cardvault.capture.webhook.timeout", defaultValue = "10s")
    Duration timeout;

    private final Map<String, List<String>> allowlists = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /** Whether the tenant may receive webhooks at this URL. */
    boolean allows(String tenant, String url) {
        if (url.length() > 500 || CardShape.contains(url)) {
            return false;
        }
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            return false;
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        String host = u.getHost() == null ? "" : u.getHost();
        boolean local = host.equals("localhost") || host.equals("127.0.0.1");
        if (u.getRawUserInfo() != null || !(scheme.equals("https") || (scheme.equals("http") && local))) {
            return false;
        }
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        if (path.contains("/../") || path.endsWith("/..") || path.contains("/./") || path.contains("%2e") || path.contains("%2E")) {
            return false; // no dot segments: the path is compared as written
        }
        return allowlists.computeIfAbsent(tenant, t -> ConfigProvider.getConfig()
                .getOptionalValues(ALLOWLIST + t, String.class).orElse(List.of())).stream()
                .anyMatch(prefix -> matches(prefix.strip(), scheme, host, u.getPort(), path));
    }

    /**
     * Scheme, host and port exactly as the allowed prefix names them ({@code :*} for any port, for
     * development), and the path under the prefix's path on a segment boundary: a prefix never lets
     * {@code crm.acme.example.evil.net} or {@code /hooks-other} through.
     */
    static boolean matches(String prefix, String scheme, String host, int port, String path) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(https?)://([^/:]+)(?::(\\*|[0-9]{1,5}))?(/.*)?$").matcher(prefix);
        if (!m.matches() || !m.group(1).equalsIgnoreCase(scheme) || !m.group(2).equalsIgnoreCase(host)) {
            return false;
        }
        int defaultPort = "https".equals(scheme) ? 443 : 80;
        int actual = port == -1 ? defaultPort : port;
        if (!"*".equals(m.group(3))) {
            int allowed = m.group(3) == null ? defaultPort : Integer.parseInt(m.group(3));
            if (allowed != actual) {
                return false;
            }
        }
        String base = m.group(4) == null ? "/" : m.group(4);
        String under = path.isEmpty() ? "/" : path;
        return base.endsWith("/") ? under.startsWith(base) : under.equals(base) || under.startsWith(base + "/");
    }

    /** What the CRM gets: the session and its token view. */
    static String body(CaptureSession s, TokenView v) {
        return new JsonObject().put("type", "capture_session.completed").put("sessionId", s.id()).put("tenant", s.tenant())
                .put("token", v.token()).put("brand", v.brand()).put("last4", v.last4()).put("expMonth", v.expMonth())
                .put("expYear", v.expYear()).put("metadata", new JsonObject(Map.copyOf(v.metadata())))
                .put("completedAt", Instant.now().toString()).encode();
    }

    /** The receiver's answer, on the caller's Vert.x context (the HTTP client answers on its own threads). */
    private Uni<HttpResponse<Void>> answer(HttpRequest request) {
        return Waiters.onOwnContext(Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.discarding())));
    }

    /**
     * Asks the call recorder to pause, signed like a webhook, and waits for its answer: true only
     * for a 2xx within the timeout (fail safe: anything else means the recording may still run).
     */
    Uni<Boolean> pause(CaptureSession s) {
        String body = new JsonObject().put("sessionId", s.id()).put("action", "PAUSE").encode();
        HttpRequest request = HttpRequest.newBuilder(URI.create(s.recordingControlUrl())).timeout(timeout)
                .header("Content-Type", "application/json")
                .header(SIGNATURE_HEADER, keys.signature(s.tenant(), Instant.now().getEpochSecond(), body))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return answer(request).map(r -> r.statusCode() >= 200 && r.statusCode() < 300).onFailure().recoverWithItem(false);
    }

    /** The tenant's secret, for its receivers to verify signatures. */
    public String secret(String tenant) {
        return keys.secret(tenant);
    }

    @Scheduled(identity = "capture-webhooks", every = "${cardvault.capture.webhook.every:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        if (!hierarchy.isLoaded()) {
            return Uni.createFrom().voidItem();
        }
        return deliverDue().replaceWithVoid().onFailure().invoke(e -> LOG.warnf("Webhook run failed: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /** Sends every due delivery once; returns how many were attempted. */
    public Uni<Integer> deliverDue() {
        int lease = (int) Math.max(30, timeout.toSeconds() * 3);
        return repository.leaseDue(20, lease).flatMap(due -> {
            Uni<Void> all = Uni.createFrom().voidItem();
            for (CaptureRepository.Delivery d : due) {
                all = all.flatMap(v -> send(d));
            }
            return all.replaceWith(due.size());
        });
    }

    private Uni<Void> send(CaptureRepository.Delivery d) {
        long t = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(URI.create(d.url())).timeout(timeout)
                .header("Content-Type", "application/json").header(SIGNATURE_HEADER, keys.signature(d.tenant(), t, d.body()))
                .POST(HttpRequest.BodyPublishers.ofString(d.body())).build();
        return answer(request).map(r -> Optional.of(r.statusCode())).onFailure().recoverWithItem(Optional.empty())
                .flatMap(status -> outcome(d, status));
    }

    private Uni<Void> outcome(CaptureRepository.Delivery d, Optional<Integer> status) {
        int attempt = d.attempts() + 1;
        String detail = "session=" + d.sessionId() + " attempt=" + attempt + " status=" + status.map(String::valueOf).orElse("none");
        if (status.isPresent() && status.get() >= 200 && status.get() < 300) {
            AuditType type = "resume".equals(d.kind()) ? AuditType.RECORDING_RESUMED : AuditType.CAPTURE_WEBHOOK_DELIVERED;
            return audit.recordAtomically(tx -> repository.delivered(tx, d, status.get()).replaceWith(true),
                    x -> AuditEvent.service(type, Outcome.SUCCESS, d.tenant(), null, detail))
                    .replaceWithVoid();
        }
        if (attempt >= maxAttempts) {
            LOG.warnf("Webhook of capture session %s given up after %d attempts (last status %s)", d.sessionId(), attempt,
                    status.map(String::valueOf).orElse("no answer"));
            AuditType type = "resume".equals(d.kind()) ? AuditType.RECORDING_RESUME_FAILED : AuditType.CAPTURE_WEBHOOK_FAILED;
            return audit.recordAtomically(tx -> repository.attemptFailed(tx, d, status.orElse(null), null).replaceWith(true),
                    x -> AuditEvent.service(type, Outcome.FAILED, d.tenant(), null, detail))
                    .replaceWithVoid();
        }
        double backoff = Math.min(600, initialBackoff.toMillis() / 1000.0 * Math.pow(2, attempt - 1));
        return repository.pool().withTransaction(tx -> repository.attemptFailed(tx, d, status.orElse(null), backoff));
    }
}
