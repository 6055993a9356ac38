package dev.cardvault.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.cardvault.card.CardShape;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.RecordingSpanExporter;
import dev.cardvault.testsupport.TestCards;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Traces of a tokenize and a reveal: spans for HTTP, the database and the audit flush, and no card
 * data anywhere in them, not even where a caller put a card number into the path, the query or
 * the User-Agent, or sent a security code.
 */
@QuarkusTest
class TracingTest {

    private static final String SECURITY_CODE = "9731";

    @BeforeEach
    void record() {
        RecordingSpanExporter.start();
    }

    @AfterEach
    void stop() {
        RecordingSpanExporter.stop();
    }

    @Test
    void tokenizeAndReveal_traceHttpDatabaseAndAuditFlush_withoutCardData() throws Exception {
        String pan = TestCards.randomVisa();
        String token = Api.tokenized("otel", Api.card(pan));
        String revealed = Api.reveal(Api.bearer("billing", "otel", "detokenizer"), token, "REFUND").then().statusCode(200)
                .extract().path("pan");
        assertTrue(pan.equals(revealed), "the card did not reveal"); // no card number in failure output
        // A caller's card data where the HTTP span records request details, and a refused security code.
        String stray = strayCard();
        Api.as(Api.agent("otel"), null).header("User-Agent", "agent " + stray).get("/v1/tokens/" + stray + "?q=" + stray);
        Api.tokenize(Api.agent("otel"), Api.card(TestCards.randomVisa()).put("cvc", SECURITY_CODE)).then().statusCode(422);
        // A caller's trace context whose parent span id is a card number (sixteen digits are a valid span id).
        String callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
        Api.as(Api.agent("otel"), null).header("traceparent", "00-" + callerTrace + "-" + stray + "-01").get("/v1/tokens/tok_none");
        // ... and one whose parent is not: continued (sent after the first, so exported after it).
        String otherTrace = "0af7651916cd43dd8448eb211c80319c";
        Api.as(Api.agent("otel"), null).header("traceparent", "00-" + otherTrace + "-b7ad6b7169203331-01").get("/v1/tokens/tok_none");

        List<SpanData> spans = awaitSpans(all -> all.stream().anyMatch(s -> s.getName().equals("audit.flush"))
                && all.stream().anyMatch(s -> s.getKind() == SpanKind.SERVER && path(s).startsWith("/v1/tokens/") && path(s).endsWith("/detokenize"))
                && all.stream().anyMatch(s -> s.getKind() == SpanKind.SERVER && path(s).startsWith("/v1/tokens/4"))
                && all.stream().anyMatch(TracingTest::isDatabase)
                && all.stream().anyMatch(s -> s.getTraceId().equals(otherTrace)));

        SpanData tokenizeSpan = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER && path(s).equals("/v1/tokens")).findFirst()
                .orElseThrow(() -> new AssertionError("no HTTP span for POST /v1/tokens: " + names(spans)));
        assertEquals(201L, tokenizeSpan.getAttributes().get(AttributeKey.longKey("http.response.status_code")));

        List<SpanData> database = spans.stream().filter(TracingTest::isDatabase).toList();
        assertFalse(database.isEmpty(), "no database span: " + names(spans));
        for (SpanData db : database) {
            String sql = statement(db);
            // Parameterised text only: the bound values (the token looked up, the ciphertext) are not in it.
            assertFalse(sql != null && sql.contains(token), "a bound value in a database span: " + db.getName());
            String connection = db.getAttributes().get(AttributeKey.stringKey("db.connection_string"));
            assertFalse(connection != null && connection.contains("@"), "credentials in a database span's connection string");
        }
        assertTrue(database.stream().map(TracingTest::statement).anyMatch(sql -> sql != null && sql.contains("$1")),
                "no parameterised statement in the database spans");

        SpanData flush = spans.stream().filter(s -> s.getName().equals("audit.flush")).findFirst().orElseThrow();
        assertTrue(flush.getAttributes().get(AttributeKey.longKey("cardvault.audit.batch.size")) >= 1, flush.getAttributes().toString());

        SpanData strayPath = spans.stream().filter(s -> s.getKind() == SpanKind.SERVER && path(s).startsWith("/v1/tokens/4")).findFirst()
                .orElseThrow();
        assertTrue(path(strayPath).contains("******"), "the card number in the path was not masked");

        assertTrue(spans.stream().noneMatch(s -> s.getTraceId().equals(callerTrace)), "a trace continued from a card-shaped parent");
        List<String> leaks = new ArrayList<>();
        for (SpanData s : spans) {
            check(leaks, s, "traceId", s.getTraceId(), pan, stray);
            if (s.getParentSpanContext().isRemote()) { // a caller's; the service's own are random (and a root's all zeros)
                check(leaks, s, "parentSpanId", s.getParentSpanId(), pan, stray);
            }
            check(leaks, s, "name", s.getName(), pan, stray);
            s.getAttributes().forEach((k, v) -> check(leaks, s, k.getKey(), String.valueOf(v), pan, stray));
            s.getEvents().forEach(e -> e.getAttributes().forEach((k, v) -> check(leaks, s, e.getName() + "." + k.getKey(), String.valueOf(v),
                    pan, stray)));
            s.getResource().getAttributes().forEach((k, v) -> check(leaks, s, "resource." + k.getKey(), String.valueOf(v), pan, stray));
        }
        assertEquals(List.of(), leaks, "card data in spans");
    }

    /**
     * A card for the stray requests whose digits do not hold the security code: its masked form
     * keeps the first six and last four, and a card like 459731... would read as the code leaking.
     */
    private static String strayCard() {
        String card;
        do {
            card = TestCards.randomVisa();
        } while (card.contains(SECURITY_CODE));
        return card;
    }

    /** Records where (never what) a span holds something card-shaped, the test's cards or the security code. */
    private static void check(List<String> leaks, SpanData span, String where, String value, String... cards) {
        // The security code is looked for in text only: ids, ports and counters are hex or numbers where four digits occur by chance.
        boolean text = !where.equals("traceId") && !where.equals("parentSpanId") && !where.startsWith("network.") && !where.endsWith(".port")
                && !where.endsWith(".size") && !where.startsWith("thread.") && !where.startsWith("resource.");
        boolean leak = CardShape.contains(value) || text && value.contains(SECURITY_CODE);
        for (String card : cards) {
            leak |= value.contains(card) || value.contains(card.substring(0, 12)) || value.contains(card.substring(4));
        }
        if (leak) {
            leaks.add(span.getName() + " " + where);
        }
    }

    private static List<SpanData> awaitSpans(Predicate<List<SpanData>> done) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        List<SpanData> spans = RecordingSpanExporter.spans();
        while (!done.test(spans) && System.nanoTime() < deadline) {
            Thread.sleep(100);
            spans = RecordingSpanExporter.spans();
        }
        assertTrue(done.test(spans), "expected spans not exported: " + names(spans));
        return spans;
    }

    private static String path(SpanData s) {
        String path = s.getAttributes().get(AttributeKey.stringKey("url.path"));
        return path == null ? "" : path;
    }

    private static boolean isDatabase(SpanData s) {
        return s.getKind() == SpanKind.CLIENT && s.getAttributes().asMap().keySet().stream().anyMatch(k -> k.getKey().startsWith("db."));
    }

    private static String statement(SpanData s) {
        String text = s.getAttributes().get(AttributeKey.stringKey("db.query.text"));
        return text != null ? text : s.getAttributes().get(AttributeKey.stringKey("db.statement"));
    }

    private static String names(List<SpanData> spans) {
        return spans.stream().map(s -> s.getKind() + " " + s.getName()).distinct().toList().toString();
    }
}
