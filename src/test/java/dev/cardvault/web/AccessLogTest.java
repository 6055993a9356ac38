package dev.cardvault.web;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.cardvault.logging.PanMaskingLogFilter;
import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;

/** One access-log line per request: method, path, status, duration, subject, request id; never query or body. */
@QuarkusTest
class AccessLogTest {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            // Same path as the real handlers: the PAN mask first, then formatting.
            new PanMaskingLogFilter().isLoggable(record);
            lines.add(((ExtLogRecord) record).getFormattedMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Logger access;

    @BeforeEach
    void attach() {
        access = LogContext.getLogContext().getLogger("cardvault.access");
        access.addHandler(capture);
    }

    @AfterEach
    void detach() {
        access.removeHandler(capture);
    }

    private String awaitLine(String requestId) throws InterruptedException {
        for (int i = 0; i < 50; i++) {
            for (String l : lines) {
                if (l.contains("rid=" + requestId)) {
                    return l;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no access log line for " + requestId + " in " + lines);
    }

    @Test
    void line_hasMethodPathStatusDurationSubjectAndRequestId_butNoQueryOrBody() throws Exception {
        given().header("Authorization", TestJwt.as("alice").roles("tokenizer").bearer())
                .header("X-Request-Id", "acc-1")
                .contentType("application/json").body("{\"name\":\"secret-name\",\"count\":1}")
                .post("/v1/test-probe?pan=4111111111111111&x=y").then().statusCode(200);
        String line = awaitLine("acc-1");
        assertTrue(line.matches("POST /v1/test-probe status=200 time=\\d+\\.\\d{3}ms sub=alice rid=acc-1"), line);
        assertFalse(line.contains("secret-name"));
        assertFalse(line.contains("pan="));
    }

    @Test
    void deniedRequest_isLoggedWithoutSubject() throws Exception {
        given().header("X-Request-Id", "acc-2").get("/v1/test-probe").then().statusCode(401);
        assertTrue(awaitLine("acc-2").startsWith("GET /v1/test-probe status=401 "), lines.toString());
    }

    @Test
    void cardNumberTypedIntoAPath_isMasked() throws Exception {
        given().header("X-Request-Id", "acc-3").get("/v1/tokens-typo/4111111111111111").then().statusCode(401);
        String line = awaitLine("acc-3");
        assertFalse(line.contains("4111111111111111"), line);
        assertTrue(line.contains("411111******1111"), line);
        assertEquals(1, lines.stream().filter(l -> l.contains("rid=acc-3")).count());
    }

    @Test
    void cardNumberPercentEncodedInAPath_isMaskedToo() throws Exception {
        // Fullwidth digits arrive percent-encoded; a literal "%20" between groups arrives as %2520.
        StringBuilder fullwidth = new StringBuilder();
        for (char c : "4111111111111111".toCharArray()) {
            fullwidth.append(java.net.URLEncoder.encode(String.valueOf((char) (0xFF10 + c - '0')), java.nio.charset.StandardCharsets.UTF_8));
        }
        given().urlEncodingEnabled(false).header("X-Request-Id", "acc-4").get("/v1/tokens-typo/" + fullwidth).then().statusCode(401);
        given().urlEncodingEnabled(false).header("X-Request-Id", "acc-5").get("/v1/tokens-typo/4111%25201111%25201111%25201111")
                .then().statusCode(401);
        for (String rid : new String[] { "acc-4", "acc-5" }) {
            String line = awaitLine(rid);
            assertTrue(line.contains("411111******1111"), line);
            assertFalse(line.replaceAll("[^0-9]", "").contains("4111111111111111"), line);
        }
    }

    @Test
    void loggablePath_replacesControlCharacters() {
        assertEquals("/v1/a?b", AccessLog.loggablePath("/v1/a%0Ab"));
    }
}
