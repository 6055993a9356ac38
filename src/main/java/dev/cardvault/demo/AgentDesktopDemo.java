package dev.cardvault.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.cardvault.devkeys.DevMaterial;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The development demo of the agent payment widget: a sample agent desktop on a second HTTP port
 * (so a separate origin, as a real desktop would be) with a tiny backend that opens capture
 * sessions the way a desktop's backend would, with a development JWT signed by keys-dev. Started
 * only in the dev profile (never in prod, whatever the settings): {@code ./mvnw quarkus:dev}, then
 * http://localhost:8082/demo/agent-desktop (the vault's /demo/agent-desktop redirects there).
 */
@ApplicationScoped
public class AgentDesktopDemo {

    private static final Logger LOG = Logger.getLogger(AgentDesktopDemo.class);
    static final String TENANT = "demo";

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "cardvault.demo.enabled", defaultValue = "false")
    boolean enabled;

    @ConfigProperty(name = "cardvault.demo.port", defaultValue = "8082")
    int port;

    @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080")
    int vaultPort;

    @ConfigProperty(name = "mp.jwt.verify.issuer", defaultValue = "https://cardvault.dev/issuer")
    String issuer;

    private HttpServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    static boolean devProfile() {
        return ConfigUtils.getProfiles().contains("dev");
    }

    /** On the vault's own port: /demo/agent-desktop leads to the demo's origin (dev only). */
    void vaultRoutes(@Observes Router router) {
        if (enabled && devProfile()) {
            router.get("/demo/agent-desktop").handler(ctx -> ctx.redirect(demoOrigin() + "/demo/agent-desktop"));
        }
    }

    void start(@Observes StartupEvent event) {
        if (!enabled || !devProfile()) {
            return;
        }
        Optional<Path> keys = DevMaterial.locateDirectory(AgentDesktopDemo.class);
        if (keys.isEmpty() || !Files.isRegularFile(keys.get().resolve("jwt-private.pem"))) {
            LOG.warn("Widget demo not started: keys-dev/jwt-private.pem not found");
            return;
        }
        PrivateKey signing;
        try {
            signing = privateKey(Files.readString(keys.get().resolve("jwt-private.pem")));
        } catch (IOException | java.security.GeneralSecurityException e) {
            LOG.warnf("Widget demo not started: keys-dev/jwt-private.pem unreadable (%s)", e.getClass().getSimpleName());
            return;
        }
        Router router = Router.router(vertx);
        router.get("/demo/agent-desktop").handler(ctx -> resource(ctx, "agent-desktop.html", "text/html; charset=utf-8"));
        router.get("/demo/agent-desktop.js").handler(ctx -> resource(ctx, "agent-desktop.js", "text/javascript; charset=utf-8"));
        router.get("/demo/agent-desktop.css").handler(ctx -> resource(ctx, "agent-desktop.css", "text/css; charset=utf-8"));
        router.get("/demo/config").handler(ctx -> ctx.json(new JsonObject().put("vault", vaultOrigin())));
        router.post("/demo/api/sessions").handler(ctx -> openSession(ctx, signing));
        router.get("/demo/api/sessions/:id").handler(ctx -> session(ctx, signing, ctx.pathParam("id")));
        server = vertx.createHttpServer();
        server.requestHandler(router).listen(port, "localhost").onSuccess(s -> LOG.infof(
                "Widget demo: open %s/demo/agent-desktop (a sample agent desktop on its own origin)", demoOrigin()))
                .onFailure(e -> LOG.warnf("Widget demo not started on port %d: %s", port, e.getMessage()));
    }

    void stop(@Observes ShutdownEvent event) {
        if (server != null) {
            server.close();
        }
    }

    private String demoOrigin() {
        return "http://localhost:" + port;
    }

    private String vaultOrigin() {
        return "http://localhost:" + vaultPort;
    }

    private void resource(RoutingContext ctx, String name, String type) {
        try (InputStream in = AgentDesktopDemo.class.getResourceAsStream("/demo/" + name)) {
            if (in == null) {
                ctx.response().setStatusCode(404).end();
                return;
            }
            ctx.response().putHeader("Content-Type", type).putHeader("Cache-Control", "no-store")
                    .putHeader("Content-Security-Policy", "default-src 'self'; script-src 'self' " + vaultOrigin()
                            + "; frame-src " + vaultOrigin() + "; connect-src 'self'; style-src 'self'; base-uri 'none'")
                    .end(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            ctx.fail(e);
        }
    }

    /** The desktop's backend: opens a capture session for this page's origin, server to server, with its own JWT. */
    private void openSession(RoutingContext ctx, PrivateKey signing) {
        String channel = "PHONE".equals(ctx.request().getParam("channel")) ? "PHONE" : "WEB";
        JsonObject body = new JsonObject().put("channel", channel).put("allowedOrigins", new JsonArray().add(demoOrigin()))
                .put("locale", "it".equals(ctx.request().getParam("locale")) ? "it" : "en")
                .put("metadata", new JsonObject().put("orderRef", "DEMO-" + (System.currentTimeMillis() % 100000)));
        call(ctx, HttpRequest.newBuilder(URI.create(vaultOrigin() + "/v1/capture-sessions"))
                .header("Authorization", "Bearer " + jwt(signing)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build());
    }

    private void session(RoutingContext ctx, PrivateKey signing, String id) {
        if (!id.matches("^cs_[0-9a-f]{24}$")) {
            ctx.response().setStatusCode(404).end();
            return;
        }
        call(ctx, HttpRequest.newBuilder(URI.create(vaultOrigin() + "/v1/capture-sessions/" + id))
                .header("Authorization", "Bearer " + jwt(signing)).GET().build());
    }

    private void call(RoutingContext ctx, HttpRequest request) {
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> ctx.vertx().runOnContext(v -> {
            if (e != null) {
                ctx.response().setStatusCode(502).end();
                return;
            }
            ctx.response().setStatusCode(r.statusCode()).putHeader("Content-Type", "application/json").end(r.body());
        }));
    }

    /** A short-lived development token of the demo desktop's backend (RS256, keys-dev/jwt-private.pem). */
    private String jwt(PrivateKey key) {
        long now = Instant.now().getEpochSecond();
        JsonObject claims = new JsonObject().put("iss", issuer).put("sub", "demo-desk-backend")
                .put("groups", new JsonArray().add("tokenizer")).put("tenant", TENANT).put("iat", now).put("exp", now + 300);
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String input = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(key);
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + b64.encodeToString(s.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("demo JWT", e);
        }
    }

    private static PrivateKey privateKey(String pem) throws java.security.GeneralSecurityException {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }
}
