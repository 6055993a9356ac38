package dev.cardvault.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.MovableClock;
import dev.cardvault.testsupport.TestCards;
import io.restassured.response.Response;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Capture sessions through the API and the frame's endpoint (the browser side is WidgetBrowserTest). */
@io.quarkus.test.junit.QuarkusTest
class CaptureSessionTest {

    static final String DESK = "https://desk.example";

    @Inject
    MovableClock clock;

    static Response open(String bearer, JsonObject body) {
        return given().header("Authorization", bearer).contentType("application/json").body(body.encode()).post("/v1/capture-sessions");
    }

    static JsonObject session(String... origins) {
        return new JsonObject().put("channel", "WEB").put("allowedOrigins", new JsonArray(List.of((Object[]) origins)))
                .put("metadata", new JsonObject().put("orderRef", "A-17"));
    }

    static Response submit(String id, String secret, JsonObject card) {
        var spec = given().contentType("application/json");
        if (secret != null) {
            spec = spec.header(WidgetResource.SECRET_HEADER, secret);
        }
        return spec.body(card.encode()).post("/widget/v1/sessions/" + id + "/card");
    }

    static JsonObject card(String pan) {
        return new JsonObject().put("pan", pan).put("expMonth", 12).put("expYear", YearMonth.now(ZoneOffset.UTC).getYear() + 2);
    }

    private static Response get(String bearer, String id) {
        return given().header("Authorization", bearer).get("/v1/capture-sessions/" + id);
    }

    @Test
    void open_validatesEveryRule_andAnswersTheSecretOnce() {
        String agent = Api.agent("cap-a");
        open(agent, session(DESK).put("ttlSeconds", 901)).then().statusCode(422).body("errors[0].field", equalTo("ttlSeconds"));
        open(agent, session("https://desk.example/path")).then().statusCode(422).body("errors[0].field", equalTo("allowedOrigins"));
        open(agent, session("http://desk.example")).then().statusCode(422); // plain http only for localhost
        open(agent, session(DESK).put("channel", "FAX")).then().statusCode(422).body("errors[0].field", equalTo("channel"));
        open(agent, session(DESK).put("fields", new JsonArray().add("pan"))).then().statusCode(422)
                .body("errors[0].field", equalTo("fields")); // fields are for PHONE sessions
        open(agent, session(DESK).put("collectCvc", true)).then().statusCode(422)
                .body("errors[0].field", equalTo("collectCvc")); // security codes are keyed on the phone only
        open(agent, session(DESK).put("locale", "fr")).then().statusCode(422).body("errors[0].field", equalTo("locale"));
        open(agent, session(DESK).put("format", "PLAIN")).then().statusCode(422).body("errors[0].field", equalTo("format"));
        open(Api.bearer("billing", "cap-a", "detokenizer"), session(DESK)).then().statusCode(403);

        Response r = open(agent, session(DESK, "http://localhost:3000").put("locale", "it"));
        r.then().statusCode(201).header("Cache-Control", "no-store").body("state", equalTo("OPEN")).body("id", startsWith("cs_"))
                .body("clientSecret", startsWith("cvcs_"));
        String id = r.path("id");
        String secret = r.path("clientSecret");
        get(agent, id).then().statusCode(200).body("state", equalTo("OPEN")).body("locale", equalTo("it"))
                .body("allowedOrigins", equalTo(List.of(DESK, "http://localhost:3000"))).body("clientSecret", nullValue())
                .body("progress.complete", equalTo(false)).body("result", nullValue());
        get(Api.agent("cap-other"), id).then().statusCode(404); // another tenant
        assertFalse(get(agent, id).asString().contains(secret));
    }

    @Test
    void oneCardPerSession_wrongSecretAndInvalidCardsStoreNothing_thenTheTokenAppears() throws Exception {
        String agent = Api.agent("cap-b");
        Response r = open(agent, session(DESK));
        String id = r.path("id");
        String secret = r.path("clientSecret");
        String pan = TestCards.randomVisa();

        submit(id, "cvcs_wrong", card(pan)).then().statusCode(403).body("type", containsString("invalid-client-secret"));
        submit(id, null, card(pan)).then().statusCode(403);
        String bad = pan.substring(0, 15) + (char) ('0' + (pan.charAt(15) - '0' + 1) % 10);
        Response invalid = submit(id, secret, card(bad).put("expMonth", 13));
        invalid.then().statusCode(422).body("errors.field", org.hamcrest.Matchers.hasItems("pan", "expMonth"));
        assertFalse(invalid.asString().contains(bad));
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'cap-b'"), "an invalid card stored something");
        get(agent, id).then().body("state", equalTo("OPEN"));

        Response ok = submit(id, secret, card(pan).put("cardholderName", "Mario Rossi"));
        ok.then().statusCode(201).body("token", startsWith("tok_")).body("last4", equalTo(pan.substring(12))).body("brand", equalTo("VISA"));
        String token = ok.path("token");
        assertFalse(ok.asString().contains(pan));
        get(agent, id).then().statusCode(200).body("state", equalTo("COMPLETED")).body("result.token", equalTo(token))
                .body("result.metadata.orderRef", equalTo("A-17")).body("progress.masked", equalTo("•••• " + pan.substring(12)));
        Api.reveal(Api.bearer("billing", "cap-b", "detokenizer"), token, "REFUND").then().statusCode(200);
        submit(id, secret, card(TestCards.randomVisa())).then().statusCode(409).body("type", containsString("capture-session-closed"));
        assertEquals(1, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'cap-b'"));

        List<Map<String, Object>> events = AuditTrail.events("subject=agent").stream()
                .filter(e -> String.valueOf(e.get("detail")).contains("session=" + id)).toList();
        List<String> types = events.stream().map(e -> e.get("type") + "/" + e.get("outcome")).toList();
        for (String expected : List.of("CAPTURE_SESSION_OPENED/SUCCESS", "CAPTURE_SESSION_COMPLETED/SUCCESS")) {
            assertTrue(types.contains(expected), expected + " missing: " + types);
        }
    }

    @Test
    void cancelledAndExpiredSessions_takeNoCard() throws Exception {
        String agent = Api.agent("cap-c");
        Response r = open(agent, session(DESK));
        String id = r.path("id");
        String secret = r.path("clientSecret");
        given().header("Authorization", agent).post("/v1/capture-sessions/" + id + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED"));
        given().header("Authorization", agent).post("/v1/capture-sessions/" + id + "/cancel").then().statusCode(409);
        submit(id, secret, card(TestCards.randomVisa())).then().statusCode(409);

        Response phone = open(agent, session(DESK).put("channel", "PHONE"));
        submit(phone.path("id"), phone.path("clientSecret"), card(TestCards.randomVisa())).then().statusCode(404); // keyed, never typed

        Response shortLived = open(agent, session(DESK).put("ttlSeconds", 30));
        String expiring = shortLived.path("id");
        get(agent, expiring).then().body("state", equalTo("OPEN"));
        clock.advance(Duration.ofSeconds(31));
        get(agent, expiring).then().body("state", equalTo("EXPIRED"));
        submit(expiring, shortLived.path("clientSecret"), card(TestCards.randomVisa())).then().statusCode(409);
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'cap-c'"));
        assertTrue(AuditTrail.events("type=CAPTURE_SESSION_EXPIRED").stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).contains("session=" + expiring)));
        assertTrue(AuditTrail.events("type=CAPTURE_SESSION_CANCELLED").stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).contains("session=" + id)));
    }

    @Test
    void framePage_isFramedOnlyByTheSessionsOrigins_withStrictHeaders() {
        Response r = open(Api.agent("cap-d"), session(DESK, "http://localhost:3000"));
        String id = r.path("id");
        Response page = given().get("/widget/v1/frame?session=" + id);
        page.then().statusCode(200).contentType(containsString("text/html")).header("Referrer-Policy", "no-referrer")
                .header("X-Content-Type-Options", "nosniff");
        String csp = page.header("Content-Security-Policy");
        assertTrue(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), csp);
        assertTrue(csp.endsWith("frame-ancestors " + DESK + " http://localhost:3000"), csp);
        String html = page.asString();
        assertFalse(html.contains("<script>") || html.contains("style=") || html.contains("onclick"), "inline script or style");
        assertTrue(html.contains("autocomplete=\"off\"") && html.contains("aria-live") && html.contains("<label for=\"pan\">"));
        assertFalse(html.contains(r.<String> path("clientSecret")), "the secret is never in the page");

        given().get("/widget/v1/frame?session=cs_000000000000000000000000").then().statusCode(200)
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"));
        given().get("/widget/v1/cardvault.js").then().statusCode(200).header("X-Content-Type-Options", "nosniff")
                .body(containsString("CardVault"));
        given().redirects().follow(false).get("/demo/agent-desktop").then().statusCode(404); // the demo is for the dev profile only
    }

    @jakarta.inject.Inject
    Callbacks callbacks;

    @Test
    void completion_isPostedToTheCallback_signedWithTheTenantsSecret_andRetriedUntilAccepted() throws Exception {
        List<String[]> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer crm = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        crm.createContext("/hooks/cardvault", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            received.add(new String[] { exchange.getRequestHeaders().getFirst("CardVault-Signature"), body });
            exchange.sendResponseHeaders(received.size() == 1 ? 500 : 204, -1); // the first attempt fails
            exchange.close();
        });
        crm.start();
        try {
            String agent = Api.agent("cap-hook");
            String url = "http://127.0.0.1:" + crm.getAddress().getPort() + "/hooks/cardvault";
            open(agent, session(DESK).put("callbackUrl", "https://elsewhere.example/hook")).then().statusCode(422)
                    .body("errors[0].field", equalTo("callbackUrl"));
            open(Api.agent("cap-nohook"), session(DESK).put("callbackUrl", url)).then().statusCode(422); // not on that tenant's list
            Response r = open(agent, session(DESK).put("callbackUrl", url));
            String id = r.path("id");
            String pan = TestCards.randomVisa();
            String token = submit(id, r.path("clientSecret"), card(pan)).then().statusCode(201).extract().path("token");

            assertEquals(1, callbacks.deliverDue().await().atMost(java.time.Duration.ofSeconds(30)));
            assertEquals(1, received.size());
            assertEquals("PENDING", Db.scalarText("SELECT state FROM capture_webhook WHERE session_id = ?", id));
            assertEquals(1, callbacks.deliverDue().await().atMost(java.time.Duration.ofSeconds(30))); // retried
            assertEquals(2, received.size());
            assertEquals("DELIVERED", Db.scalarText("SELECT state FROM capture_webhook WHERE session_id = ?", id));
            assertEquals(0, callbacks.deliverDue().await().atMost(java.time.Duration.ofSeconds(30)));

            String[] last = received.get(1);
            JsonObject body = new JsonObject(last[1]);
            assertEquals(token, body.getString("token"));
            assertEquals(id, body.getString("sessionId"));
            assertEquals("A-17", body.getJsonObject("metadata").getString("orderRef"));
            assertFalse(last[1].contains(pan) || last[1].contains(pan.substring(0, 12)), "card digits in the webhook");
            java.util.regex.Matcher sig = java.util.regex.Pattern.compile("^t=(\\d+),v1=([0-9a-f]{64})$").matcher(last[0]);
            assertTrue(sig.matches(), "signature header shape");
            String secret = given().header("Authorization", agent).get("/v1/capture-sessions/webhook-secret").then().statusCode(200)
                    .header("Cache-Control", "no-store").extract().path("secret");
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(java.util.Base64.getUrlDecoder().decode(secret.substring("whsec_".length())),
                    "HmacSHA256"));
            String expected = java.util.HexFormat.of().formatHex(mac.doFinal((sig.group(1) + "." + last[1])
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertEquals(expected, sig.group(2), "the signature verifies with the tenant's secret");
            String other = given().header("Authorization", Api.agent("cap-nohook")).get("/v1/capture-sessions/webhook-secret")
                    .then().extract().path("secret");
            assertFalse(secret.equals(other), "tenants share a webhook secret");
            assertTrue(AuditTrail.events("type=CAPTURE_WEBHOOK_DELIVERED").stream()
                    .anyMatch(e -> String.valueOf(e.get("detail")).contains("session=" + id + " attempt=2 status=204")));
        } finally {
            crm.stop(0);
        }
    }
}
