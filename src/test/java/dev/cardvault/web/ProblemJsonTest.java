package dev.cardvault.web;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import dev.cardvault.testsupport.TestCards;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;

import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Every error the framework can raise comes out as problem+json with the right status, and no
 * error body echoes input, names a class or carries a stack trace.
 */
@QuarkusTest
class ProblemJsonTest {

    private static final String PAN = "4111111111111111";
    private static final Pattern LEAKS = Pattern.compile(
            "(?s).*(4111111111111111|4111 1111|Exception|java\\.|com\\.fasterxml|jakarta\\.|io\\.quarkus|at [a-z]+\\.).*");

    private static String token() {
        return TestJwt.as("alice").roles("tokenizer").tenant("acme").bearer();
    }

    private static void assertProblem(Response r, int status, String slug) {
        r.then().statusCode(status)
                .contentType("application/problem+json")
                .body("type", equalTo("https://cardvault.dev/problems/" + slug))
                .body("status", equalTo(status))
                .body("title", notNullValue())
                .body("detail", notNullValue())
                .body("requestId", notNullValue())
                .body(not(matchesPattern(LEAKS)));
    }

    @Test
    void unknownRoute_is404() {
        assertProblem(given().header("Authorization", token()).get("/v1/no-such-route/" + PAN), 404, "not-found");
        assertProblem(given().get("/no-such-page"), 404, "not-found");
        // Without a token, an unknown /v1 path is a 401 like any other: route existence is not revealed.
        assertProblem(given().get("/v1/no-such-route"), 401, "unauthorized");
    }

    @Test
    void wrongMethod_is405() {
        assertProblem(given().header("Authorization", token()).delete("/v1/test-probe"), 405, "method-not-allowed");
        assertProblem(given().header("Authorization", token()).put("/v1/test-probe"), 405, "method-not-allowed");
    }

    @Test
    void wrongContentType_is415() {
        assertProblem(given().header("Authorization", token()).contentType("text/plain").body(PAN).post("/v1/test-probe"),
                415, "unsupported-media-type");
    }

    @Test
    void malformedJson_is400_andDoesNotEchoTheBody() {
        assertProblem(given().header("Authorization", token()).contentType("application/json")
                .body("{\"name\" \"" + PAN + "\", ").post("/v1/test-probe"), 400, "malformed-json");
    }

    @Test
    void wrongType_is400_andNamesTheFieldNotTheValue() {
        Response r = given().header("Authorization", token()).contentType("application/json")
                .body("{\"name\": \"x\", \"count\": \"" + PAN + "\"}").post("/v1/test-probe");
        assertProblem(r, 400, "malformed-json");
        r.then().body("detail", containsString("count"));
    }

    @Test
    void wellFormedBody_isAccepted() {
        given().header("Authorization", token()).contentType("application/json")
                .body("{\"name\": \"abc\", \"count\": 3}").post("/v1/test-probe")
                .then().statusCode(200).body("nameLength", equalTo(3)).body("count", equalTo(3));
    }

    @Test
    void bodyOver16KiB_is413() {
        String big = "{\"name\": \"" + "a".repeat(17 * 1024) + "\", \"count\": 1}";
        assertProblem(given().header("Authorization", token()).contentType("application/json").body(big).post("/v1/test-probe"),
                413, "payload-too-large");
    }

    @Test
    void chunkedBodyOver16KiB_is413() throws IOException {
        String big = "{\"name\": \"" + "a".repeat(17 * 1024) + "\", \"count\": 1}";
        String raw = rawChunkedPost("/v1/test-probe", big);
        assertTrue(raw.startsWith("HTTP/1.1 413"), raw.lines().findFirst().orElse(""));
        assertTrue(raw.toLowerCase().contains("content-type: application/problem+json"), raw);
        assertFalse(LEAKS.matcher(raw).matches(), raw);
    }

    @Test
    void http2Requests_areServed() throws Exception {
        // Java's HttpClient asks for h2c; every route must work after the upgrade.
        var client = java.net.http.HttpClient.newHttpClient();
        var uri = java.net.URI.create("http://localhost:" + io.restassured.RestAssured.port + "/v1/test-probe");
        var get = client.send(java.net.http.HttpRequest.newBuilder(uri).header("Authorization", token()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, get.statusCode(), get.body());
        var post = client.send(java.net.http.HttpRequest.newBuilder(uri).header("Authorization", token())
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"name\":\"ab\",\"count\":1}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, post.statusCode(), post.body());
    }

    @Test
    void bodyJustUnderTheLimit_isAccepted() {
        String prefix = "{\"name\": \"";
        String suffix = "\", \"count\": 1}";
        String body = prefix + "a".repeat(16 * 1024 - prefix.length() - suffix.length()) + suffix;
        assertEquals(16 * 1024, body.getBytes(StandardCharsets.UTF_8).length);
        given().header("Authorization", token()).contentType("application/json").body(body).post("/v1/test-probe")
                .then().statusCode(200);
    }

    @Test
    void unexpectedFailure_is500_withoutMessageOrStackTrace() {
        assertProblem(given().header("Authorization", token()).get("/v1/test-probe/boom"), 500, "internal-error");
    }

    @Test
    void authErrors_areProblems() {
        assertProblem(given().get("/v1/test-probe"), 401, "unauthorized");
        assertProblem(given().header("Authorization", "Bearer " + PAN).get("/v1/test-probe"), 401, "unauthorized");
        assertProblem(given().header("Authorization", TestJwt.as("bob").roles("auditor").bearer()).get("/v1/test-probe"),
                403, "forbidden");
    }

    @Test
    void requestId_isHonouredWhenPlain_andReplacedOtherwise() {
        given().header("X-Request-Id", "call-42.abc").get("/q/health/live")
                .then().header("X-Request-Id", "call-42.abc");
        String replaced = given().header("X-Request-Id", "card-" + PAN).get("/q/health/live").header("X-Request-Id");
        assertFalse(replaced.contains(PAN));
        String generated = given().get("/q/health/live").header("X-Request-Id");
        assertTrue(generated != null && generated.matches("[a-z0-9]{20}"), generated);
        given().header("X-Request-Id", "trace-1").get("/v1/nope").then().body("requestId", equalTo("trace-1"));
    }

    @ParameterizedTest
    @ValueSource(strings = { "-", ".", "_", ":", "--", "" })
    void requestId_cardShapedWithAllowedCharacters_isReplaced(String sep) {
        String card = TestCards.randomVisa();
        String grouped = String.join(sep, card.substring(0, 4), card.substring(4, 8), card.substring(8, 12), card.substring(12));
        String echoed = given().header("X-Request-Id", "rid" + sep + grouped).get("/q/health/live").header("X-Request-Id");
        assertTrue(echoed.matches("[a-z0-9]{20}"), "a card-shaped request id must be replaced by a generated one");
    }

    @Test
    void requestId_tooLongOrOutsideTheAlphabet_isReplaced() {
        for (String bad : new String[] { "a".repeat(65), "has space", "quote\"", "semi;colon", "ünicode" }) {
            String echoed = given().header("X-Request-Id", bad).get("/q/health/live").header("X-Request-Id");
            assertTrue(echoed.matches("[a-z0-9]{20}"), "not replaced: length " + bad.length());
        }
        given().header("X-Request-Id", "a".repeat(64)).get("/q/health/live").then().header("X-Request-Id", "a".repeat(64));
    }

    /** RestAssured always sends Content-Length; a raw socket sends the body chunked. */
    private String rawChunkedPost(String path, String body) throws IOException {
        try (Socket s = new Socket("localhost", io.restassured.RestAssured.port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + token()
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[4096];
            int n;
            try {
                while ((n = in.read(buf)) > 0) {
                    out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(buf, 0, n);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException e) {
                // the server may answer and close before the whole body is sent
            }
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
