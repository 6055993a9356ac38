package dev.cardvault.capture;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.MovableClock;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;

/** Phone capture: key presses from the telephony platform, masked progress, the agent's event stream. */
@QuarkusTest
class PhoneCaptureTest {

    @TestHTTPResource("/")
    URL base;

    @Inject
    MovableClock clock;

    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "cardvault.cvc.ttl")
    Duration cvcTtl;

    private final List<String> answers = new ArrayList<>();

    private static String phoneSession(String tenant, Integer ttl) {
        JsonObject body = new JsonObject().put("channel", "PHONE").put("metadata", new JsonObject().put("orderRef", "P-1"));
        if (ttl != null) {
            body.put("ttlSeconds", ttl);
        }
        return given().header("Authorization", Api.agent(tenant)).contentType("application/json").body(body.encode())
                .post("/v1/capture-sessions").then().statusCode(201).extract().path("id");
    }

    private Response keys(String tenant, String id, String keys, long seq) {
        Response r = given().header("Authorization", Api.bearer("ivr", tenant, "telephony")).contentType("application/json")
                .body(new JsonObject().put("keys", keys).put("seq", seq).encode()).post("/v1/capture-sessions/" + id + "/keys");
        answers.add(r.asString());
        return r;
    }

    private static String expiry() {
        return "12" + String.format("%02d", (YearMonth.now(ZoneOffset.UTC).getYear() + 2) % 100);
    }

    private void assertNoCard(String pan) {
        String all = String.join("\n", answers);
        assertFalse(all.contains(pan) || all.contains(pan.substring(0, 12)), "an answer held card digits");
    }

    @Test
    void keyedInChunks_withClearsAndAWrongAttempt_tokenizesExactlyOnce() throws Exception {
        String id = phoneSession("ph-a", null);
        String pan = TestCards.randomVisa();
        String bad = pan.substring(0, 15) + (char) ('0' + (pan.charAt(15) - '0' + 1) % 10);

        given().header("Authorization", Api.agent("ph-a")).contentType("application/json").body("{\"keys\":\"1\",\"seq\":1}")
                .post("/v1/capture-sessions/" + id + "/keys").then().statusCode(403); // tokenizer is not telephony
        keys("ph-other", id, "1", 1).then().statusCode(404); // another tenant's telephony
        keys("ph-a", id, "12ab", 1).then().statusCode(422);
        keys("ph-a", id, "1", 0).then().statusCode(422);

        keys("ph-a", id, pan.substring(0, 3), 1).then().statusCode(200).body("progress.field", equalTo("pan"))
                .body("progress.digitsEntered", equalTo(3)).body("state", equalTo("OPEN"));
        keys("ph-a", id, pan.substring(0, 3), 1).then().statusCode(200).body("progress.digitsEntered", equalTo(3)); // replay: no change
        keys("ph-a", id, "99*", 2).then().statusCode(200).body("progress.digitsEntered", equalTo(0)); // cleared
        keys("ph-a", id, bad.substring(0, 8), 3).then().statusCode(200).body("progress.brand", equalTo("VISA"));
        keys("ph-a", id, bad.substring(8) + "#", 4).then().statusCode(200).body("progress.valid", equalTo(false))
                .body("progress.attempt", equalTo(2)).body("progress.field", equalTo("pan"));
        keys("ph-a", id, "1", 3).then().statusCode(409); // older than the last chunk applied
        keys("ph-a", id, pan + "#", 5).then().statusCode(200).body("progress.field", equalTo("expiry"))
                .body("progress.valid", equalTo(true)).body("progress.attempt", equalTo(1));
        keys("ph-a", id, "1399#", 6).then().statusCode(200).body("progress.valid", equalTo(false)).body("progress.attempt", equalTo(2));
        Response done = keys("ph-a", id, expiry() + "#", 7);
        done.then().statusCode(200).body("state", equalTo("COMPLETED"));
        String token = done.path("token");
        keys("ph-a", id, "1", 8).then().statusCode(409); // completed: no more keys
        keys("ph-a", id, expiry() + "#", 7).then().statusCode(200).body("state", equalTo("COMPLETED")); // retry of the last chunk

        given().header("Authorization", Api.agent("ph-a")).get("/v1/capture-sessions/" + id).then().statusCode(200)
                .body("state", equalTo("COMPLETED")).body("result.token", equalTo(token)).body("result.metadata.orderRef", equalTo("P-1"));
        String revealed = Api.reveal(Api.bearer("billing", "ph-a", "detokenizer"), token, "REFUND").then().statusCode(200)
                .extract().path("pan");
        assertTrue(pan.equals(revealed), "the keyed card does not reveal"); // no card number in failure output
        assertEquals(1, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'ph-a'"));
        assertEquals(0, Db.scalar("SELECT count(*) FROM capture_entry WHERE session_id = ?", id),
                "the entry outlived the capture");
        assertNoCard(pan);
    }

    @Test
    void threeInvalidAttempts_failTheSession_andExpiryMidEntryStopsIt() throws Exception {
        String id = phoneSession("ph-b", null);
        for (int i = 1; i <= 3; i++) {
            keys("ph-b", id, "4111#", i).then().statusCode(200);
        }
        keys("ph-b", id, "1", 4).then().statusCode(409);
        given().header("Authorization", Api.agent("ph-b")).get("/v1/capture-sessions/" + id).then().body("state", equalTo("FAILED"))
                .body("result", nullValue());
        assertTrue(AuditTrail.events("type=CAPTURE_SESSION_FAILED").stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).contains("session=" + id)));

        String expiring = phoneSession("ph-b", 30);
        keys("ph-b", expiring, "4111", 1).then().statusCode(200);
        clock.advance(Duration.ofSeconds(31));
        keys("ph-b", expiring, "1111", 2).then().statusCode(409);
        given().header("Authorization", Api.agent("ph-b")).get("/v1/capture-sessions/" + expiring).then().body("state", equalTo("EXPIRED"));
        assertEquals(0, Db.scalar("SELECT count(*) FROM capture_entry WHERE session_id = ?", expiring));
        assertEquals(0, Db.scalar("SELECT count(*) FROM token WHERE tenant = 'ph-b'"));
    }

    @Test
    void concurrentChunks_applyOneAtATime_neverTwice() throws Exception {
        String id = phoneSession("ph-c", null);
        List<CompletableFuture<Integer>> sent = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            long seq = i;
            sent.add(CompletableFuture.supplyAsync(() -> keys("ph-c", id, "4", seq).statusCode()));
        }
        List<Integer> statuses = sent.stream().map(CompletableFuture::join).toList();
        assertTrue(statuses.stream().allMatch(s -> s == 200 || s == 409), statuses.toString());
        long applied = statuses.stream().filter(s -> s == 200).count();
        long digits = Db.scalar("SELECT digits_entered FROM capture_session WHERE id = ?", id);
        assertTrue(digits >= 1 && digits <= applied, "digits " + digits + " for " + applied + " accepted chunk(s)");
    }

    @Test
    void theAgentsEventStream_showsOnlyMaskedProgress_andResumesWithLastEventId() throws Exception {
        String id = phoneSession("ph-d", null);
        String pan = TestCards.randomVisa();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest watch = HttpRequest.newBuilder(URI.create(base + "v1/capture-sessions/" + id + "/events"))
                .header("Authorization", Api.agent("ph-d")).header("Accept", "text/event-stream").timeout(Duration.ofSeconds(60)).build();
        // The response head comes once the stream is open: the key presses below are then watched live.
        HttpResponse<java.util.stream.Stream<String>> r = http.sendAsync(watch, HttpResponse.BodyHandlers.ofLines())
                .get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals(200, r.statusCode());
        keys("ph-d", id, pan.substring(0, 6), 1).then().statusCode(200);
        keys("ph-d", id, pan.substring(6) + "#", 2).then().statusCode(200);
        keys("ph-d", id, expiry() + "#", 3).then().statusCode(200).body("state", equalTo("COMPLETED"));
        String text = CompletableFuture.supplyAsync(() -> r.body().collect(Collectors.joining("\n")))
                .get(30, java.util.concurrent.TimeUnit.SECONDS); // ends after "completed"
        assertTrue(text.contains("event:progress") || text.contains("event: progress"), text.length() + " characters");
        assertTrue(text.contains("completed"), "no completed event");
        assertFalse(text.contains(pan) || text.contains(pan.substring(0, 12)) || text.matches("(?s).*\\d{5,}.*"),
                "the stream held more than masked data");
        List<String> ids = text.lines().filter(l -> l.startsWith("id:")).map(l -> l.substring(3).strip()).collect(Collectors.toList());
        assertTrue(ids.size() >= 3, ids.toString());

        HttpResponse<String> resumed = http.send(HttpRequest.newBuilder(URI.create(base + "v1/capture-sessions/" + id + "/events"))
                .header("Authorization", Api.agent("ph-d")).header("Last-Event-ID", ids.get(ids.size() - 2)).build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> rest = resumed.body().lines().filter(l -> l.startsWith("id:")).map(l -> l.substring(3).strip()).toList();
        assertEquals(List.of(ids.get(ids.size() - 1)), rest, "resumed after the last event seen");

        given().header("Authorization", Api.bearer("other-agent", "ph-d", "tokenizer")).get("/v1/capture-sessions/" + id + "/events")
                .then().statusCode(404); // only the creating agent
        assertNoCard(pan);
    }

    @jakarta.inject.Inject
    Callbacks callbacks;

    @Test
    void recording_isPausedBeforeTheFirstKey_refusedKeysWhileItCannotBe_andResumedAfterTheEnd() throws Exception {
        List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicInteger answer = new java.util.concurrent.atomic.AtomicInteger(500);
        com.sun.net.httpserver.HttpServer recorder = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        recorder.createContext("/recording", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            String signature = exchange.getRequestHeaders().getFirst("CardVault-Signature");
            calls.add(new JsonObject(body).getString("action") + (signature != null && signature.matches("^t=\\d+,v1=[0-9a-f]{64}$")
                    ? " signed" : " unsigned"));
            exchange.sendResponseHeaders(answer.get(), -1);
            exchange.close();
        });
        recorder.start();
        try {
            String url = "http://127.0.0.1:" + recorder.getAddress().getPort() + "/recording";
            String agent = Api.agent("ph-rec");
            given().header("Authorization", agent).contentType("application/json")
                    .body(new JsonObject().put("channel", "PHONE").put("recordingControlUrl", "https://elsewhere.example/rec").encode())
                    .post("/v1/capture-sessions").then().statusCode(422).body("errors[0].field", equalTo("recordingControlUrl"));
            String id = given().header("Authorization", agent).contentType("application/json")
                    .body(new JsonObject().put("channel", "PHONE").put("recordingControlUrl", url).encode())
                    .post("/v1/capture-sessions").then().statusCode(201).extract().path("id");

            // The recorder fails: no key press is taken (fail safe).
            keys("ph-rec", id, "4", 1).then().statusCode(503).body("type", org.hamcrest.Matchers.containsString("recording-not-paused"));
            assertEquals(0, Db.scalar("SELECT key_seq FROM capture_session WHERE id = ?", id));
            assertEquals(List.of("PAUSE signed"), calls);

            answer.set(204);
            String pan = TestCards.randomVisa();
            keys("ph-rec", id, pan + "#", 1).then().statusCode(200);
            assertEquals(List.of("PAUSE signed", "PAUSE signed"), calls, "paused before the first key was taken");
            keys("ph-rec", id, expiry() + "#", 2).then().statusCode(200).body("state", equalTo("COMPLETED"));
            assertEquals(2, calls.size(), "paused once per session");
            callbacks.deliverDue().await().atMost(Duration.ofSeconds(30));
            assertEquals(List.of("PAUSE signed", "PAUSE signed", "RESUME signed"), calls, "resumed after the end");
            List<String> types = AuditTrail.events("type=RECORDING_PAUSED").stream()
                    .filter(e -> String.valueOf(e.get("detail")).contains("session=" + id)).map(e -> String.valueOf(e.get("type"))).toList();
            assertEquals(1, types.size());
            assertTrue(AuditTrail.events("type=RECORDING_PAUSE_FAILED").stream()
                    .anyMatch(e -> String.valueOf(e.get("detail")).contains("session=" + id)));
            assertTrue(AuditTrail.events("type=RECORDING_RESUMED").stream()
                    .anyMatch(e -> String.valueOf(e.get("detail")).contains("session=" + id)));
            assertNoCard(pan);
        } finally {
            recorder.stop(0);
        }
    }

    @jakarta.inject.Inject
    dev.cardvault.tokens.TransientCvc transientCvc;

    private String cvcSession(String tenant) {
        return given().header("Authorization", Api.agent(tenant)).contentType("application/json")
                .body(new JsonObject().put("channel", "PHONE").put("collectCvc", true).encode()).post("/v1/capture-sessions")
                .then().statusCode(201).extract().path("id");
    }

    @Test
    void aCollectedSecurityCode_isRevealedOnceForAnAuthorisation_andGoneAfterItsTtl() throws Exception {
        String id = cvcSession("ph-cvc");
        String pan = TestCards.randomVisa();
        keys("ph-cvc", id, pan + "#", 1).then().statusCode(200).body("progress.field", equalTo("expiry"));
        keys("ph-cvc", id, expiry() + "#", 2).then().statusCode(200).body("progress.field", equalTo("cvc"));
        keys("ph-cvc", id, "98#", 3).then().statusCode(200).body("progress.valid", equalTo(false)).body("progress.attempt", equalTo(2));
        String token = keys("ph-cvc", id, "987#", 4).then().statusCode(200).body("state", equalTo("COMPLETED")).extract().path("token");
        assertFalse(String.join("\n", answers).contains("\"987\""), "the security code was echoed");
        assertEquals(1, Db.scalar("SELECT count(*) FROM transient_cvc WHERE token = ?", token));
        assertEquals(2, Db.scalar("SELECT count(*) FROM pg_class WHERE relname IN ('transient_cvc', 'capture_entry') AND relpersistence = 'u'"),
                "the security code and keyed digits must live in UNLOGGED tables (never in the WAL)");

        String billing = Api.bearer("billing", "ph-cvc", "detokenizer");
        Api.reveal(billing, token, "REFUND").then().statusCode(200).body("cvc", nullValue()); // not for another purpose
        Api.reveal(billing, token, "PAYMENT_AUTHORIZATION").then().statusCode(200).body("cvc", equalTo("987"));
        Api.reveal(billing, token, "PAYMENT_AUTHORIZATION").then().statusCode(200).body("cvc", nullValue()); // once
        assertEquals(0, Db.scalar("SELECT count(*) FROM transient_cvc WHERE token = ?", token));
        assertTrue(AuditTrail.events("type=SAD_DESTROYED&token=" + token).stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).contains("reason=revealed-once")));

        String other = cvcSession("ph-cvc");
        keys("ph-cvc", other, TestCards.randomVisa() + "#" + expiry() + "#321#", 1).then().statusCode(200)
                .body("state", equalTo("COMPLETED"));
        String otherToken = given().header("Authorization", Api.agent("ph-cvc")).get("/v1/capture-sessions/" + other).then()
                .extract().path("result.token");
        transientCvc.destroyExpired().await().atMost(Duration.ofSeconds(30));
        assertEquals(1, Db.scalar("SELECT count(*) FROM transient_cvc WHERE token = ?", otherToken), "destroyed before its time");
        clock.advance(cvcTtl.plusSeconds(1));
        transientCvc.destroyExpired().await().atMost(Duration.ofSeconds(30)); // or the scheduled sweep did it first
        assertEquals(0, Db.scalar("SELECT count(*) FROM transient_cvc WHERE token = ?", otherToken), "kept past its time");
        Api.reveal(billing, otherToken, "PAYMENT_AUTHORIZATION").then().statusCode(200).body("cvc", nullValue());
        assertTrue(AuditTrail.events("type=SAD_DESTROYED&token=" + otherToken).stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).contains("reason=ttl")));
        assertNoCard(pan);
    }
}
