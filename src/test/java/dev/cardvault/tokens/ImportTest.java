package dev.cardvault.tokens;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.cardvault.containment.TableDump;
import dev.cardvault.crypto.Sha256;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.core.json.JsonObject;

/** Bulk tokenization as a billing migration runs it: NDJSON in, NDJSON out, resumable, audited per batch. */
@QuarkusTest
class ImportTest {

    private static final int YEAR = YearMonth.now(ZoneOffset.UTC).getYear() + 2;

    private static String key() {
        return "mig-" + UUID.randomUUID().toString().replaceAll("[0-9]", ""); // no digits: never card-shaped
    }

    private static Response post(String bearer, String key, String ndjson) {
        var spec = given().header("Authorization", bearer).contentType("application/x-ndjson").body(ndjson.getBytes(StandardCharsets.UTF_8));
        if (key != null) {
            spec = spec.header("Idempotency-Key", key);
        }
        return spec.post("/v1/imports");
    }

    private static List<JsonObject> answers(Response r) {
        List<JsonObject> out = new ArrayList<>();
        for (String line : r.asString().split("\n")) {
            if (!line.isBlank()) {
                out.add(new JsonObject(line));
            }
        }
        return out;
    }

    private static String card(String pan) {
        return new JsonObject().put("pan", pan).put("expMonth", 6).put("expYear", YEAR).put("metadata", new JsonObject().put("account", "A-7"))
                .encode();
    }

    @Test
    void aFileOfCards_isAnsweredLineByLine_storedEncrypted_auditedPerBatch_andResumesWithItsKey() throws Exception {
        String tenant = "imp-bill";
        String key = key();
        List<String> pans = new ArrayList<>();
        StringBuilder file = new StringBuilder();
        int lines = 1203;
        for (int i = 1; i <= lines; i++) {
            String pan = TestCards.randomVisa();
            pans.add(pan);
            String line = switch (i) {
                case 7 -> "{\"pan\": \"" + pan.substring(0, 15) + (char) ('0' + (pan.charAt(15) - '0' + 1) % 10) + "\", \"expMonth\": 6, \"expYear\": " + YEAR + "}";
                case 8 -> "{\"pan\": \"" + pan + "\", \"expMonth\": 6, \"expYear\": " + YEAR + ", \"cvv\": \"123\"}";
                case 9 -> "{\"pan\": \"" + pan + "\", \"expMonth\": 6, \"expYear\": " + YEAR + ", \"deterministic\": true}";
                case 10 -> "{\"pan\": \"" + pan + "\", \"expMonth\": 6, \"expYear\": " + YEAR + ", \"metadata\": {\"note\": \"" + pans.get(0) + "\"}}";
                case 11 -> "not json " + pan;
                case 12 -> "{\"pan\": \"" + pan + "\", \"expMonth\": \"six\", \"expYear\": " + YEAR + "}";
                case 13 -> "{\"pan\": \"" + pan + "\", \"expMonth\": 6, \"expYear\": " + YEAR + ", \"previousCard\": \"" + pans.get(0) + "\"}";
                default -> card(pan);
            };
            file.append(line).append(i % 2 == 0 ? "\r\n" : "\n");
        }
        file.append("\n"); // a blank line at the end: no answer

        Response r = post(Api.agent(tenant), key, file.toString());
        r.then().statusCode(200).contentType("application/x-ndjson").header("Cache-Control", "no-store");
        String id = r.header("CardVault-Import-Id");
        assertNotNull(id);
        String body = r.asString();
        for (String pan : pans) {
            assertFalse(body.contains(pan) || body.contains(pan.substring(6, 12) + pan.substring(12)), "an answer echoed a card");
        }
        List<JsonObject> answers = answers(r);
        assertEquals(lines + 1, answers.size());
        for (int i = 0; i < lines; i++) {
            JsonObject a = answers.get(i);
            assertEquals(i + 1, a.getInteger("line"));
            boolean bad = i + 1 >= 7 && i + 1 <= 13;
            assertEquals(bad, a.containsKey("errors"), "line " + (i + 1) + ": " + a.encode().replaceAll("[0-9]{12,}", "#"));
            if (!bad) {
                assertTrue(a.getString("token").startsWith("tok_"));
                assertEquals(pans.get(i).substring(12), a.getString("last4"));
            }
        }
        assertEquals("pan", answers.get(6).getJsonArray("errors").getJsonObject(0).getString("field"));
        assertTrue(answers.get(12).getJsonArray("errors").getJsonObject(0).getString("message").contains("card number outside"));
        JsonObject summary = answers.get(lines).getJsonObject("summary");
        assertEquals(lines, summary.getInteger("lines"));
        assertEquals(lines - 7, summary.getInteger("created"));
        assertEquals(7, summary.getInteger("failed"));

        // Stored as POST /v1/tokens stores: encrypted, revealable, with the line's metadata.
        String third = answers.get(2).getString("token");
        String revealed = Api.reveal(Api.bearer("billing", tenant, "detokenizer"), third, "RECURRING_BILLING").then().statusCode(200)
                .extract().path("pan");
        assertTrue(pans.get(2).equals(revealed), "the imported card does not reveal as itself");
        Api.metadata(Api.agent(tenant), third).then().statusCode(200).body("metadata.account", equalTo("A-7"));
        TableDump.assertNoneOf(pans);

        // The trail: one TOKENS_IMPORTED event per batch, whose digest names exactly the batch's tokens.
        List<Map<String, Object>> events = AuditTrail.events("type=TOKENS_IMPORTED&subject=agent").stream()
                .filter(e -> String.valueOf(e.get("detail")).startsWith("import=" + id + " ")).toList();
        assertEquals((lines + Imports.BATCH_LINES - 1) / Imports.BATCH_LINES, events.size(), events.toString());
        long audited = 0;
        for (Map<String, Object> e : events) {
            String detail = String.valueOf(e.get("detail"));
            String[] range = detail.replaceAll(".* lines=([0-9]+-[0-9]+) .*", "$1").split("-");
            List<String> batch = new ArrayList<>();
            for (int line = Integer.parseInt(range[0]); line <= Integer.parseInt(range[1]); line++) {
                JsonObject a = answers.get(line - 1);
                if (a.containsKey("token")) {
                    batch.add(a.getString("token"));
                }
            }
            String digest = HexFormat.of().formatHex(Sha256.of(String.join("\n", batch)));
            assertTrue(detail.endsWith("created=" + batch.size() + " sha256=" + digest), detail);
            audited += batch.size();
            assertEquals(batch.size(), Db.scalar("SELECT count(*) FROM token WHERE import_id = ? AND import_line BETWEEN ? AND ?",
                    id, Integer.parseInt(range[0]), Integer.parseInt(range[1])));
        }
        assertEquals(lines - 7, audited);
        given().header("Authorization", Api.agent(tenant)).get("/v1/imports/" + id).then().statusCode(200)
                .body("state", equalTo("COMPLETED")).body("linesRead", equalTo(lines)).body("created", equalTo(lines - 7))
                .body("failed", equalTo(7));

        // The same file and key again: every line answered, nothing created twice.
        long before = Db.scalar("SELECT count(*) FROM token WHERE tenant = ?", tenant);
        List<JsonObject> again = answers(post(Api.agent(tenant), key, file.toString()).then().statusCode(200).extract().response());
        assertEquals(answers.get(2).getString("token"), again.get(2).getString("token"));
        assertEquals(Boolean.TRUE, again.get(2).getBoolean("existing"));
        // The summary counts the import as a whole: the tokens it created, and the lines answered from earlier attempts.
        assertEquals(lines - 7, again.get(lines).getJsonObject("summary").getInteger("created"));
        assertEquals(lines - 7, again.get(lines).getJsonObject("summary").getInteger("existing"));
        assertEquals(before, Db.scalar("SELECT count(*) FROM token WHERE tenant = ?", tenant));
        given().header("Authorization", Api.agent("imp-other")).get("/v1/imports/" + id).then().statusCode(404);
    }

    @Test
    void answersFlowWhileTheFileIsStillBeingSent() throws Exception {
        try (Socket s = new Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/imports HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.agent("imp-stream")
                    + "\r\nContent-Type: application/x-ndjson\r\nIdempotency-Key: " + key() + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            chunk(out, lines(Imports.BATCH_LINES));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            // The first batch's answers arrive before the rest of the file is sent.
            int answered = 0;
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                if (l.startsWith("{\"line\":")) {
                    answered++;
                    if (answered == Imports.BATCH_LINES) {
                        break;
                    }
                }
            }
            assertEquals(Imports.BATCH_LINES, answered);
            chunk(out, lines(3));
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String summary = null;
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                if (l.startsWith("{\"summary\"")) {
                    summary = l;
                    break;
                }
            }
            assertNotNull(summary);
            assertEquals(Imports.BATCH_LINES + 3, new JsonObject(summary).getJsonObject("summary").getInteger("created"));
        }
    }

    @Test
    void aConnectionCutMidFile_leavesTheImportInterrupted_andSendingItAgainStoresOnlyTheRest() throws Exception {
        String tenant = "imp-cut";
        String key = key();
        List<String> file = new ArrayList<>();
        for (int i = 0; i < Imports.BATCH_LINES + 300; i++) {
            file.add(card(TestCards.randomVisa()));
        }
        String id;
        try (Socket s = new Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/imports HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + Api.agent(tenant)
                    + "\r\nContent-Type: application/x-ndjson\r\nIdempotency-Key: " + key + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            chunk(out, String.join("\n", file.subList(0, Imports.BATCH_LINES)) + "\n");
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String importId = null;
            int answered = 0;
            for (String l = in.readLine(); l != null && answered < Imports.BATCH_LINES; l = in.readLine()) {
                if (l.regionMatches(true, 0, "CardVault-Import-Id:", 0, 20)) {
                    importId = l.substring(20).trim();
                } else if (l.startsWith("{\"line\":")) {
                    answered++;
                }
            }
            assertEquals(Imports.BATCH_LINES, answered);
            id = importId;
            // Half of the next lines, then the connection is gone.
            chunk(out, String.join("\n", file.subList(Imports.BATCH_LINES, Imports.BATCH_LINES + 150)) + "\n");
        }
        assertNotNull(id);
        String state = null;
        for (int i = 0; i < 100 && !"INTERRUPTED".equals(state); i++) {
            state = given().header("Authorization", Api.agent(tenant)).get("/v1/imports/" + id).then().statusCode(200).extract().path("state");
            if (!"INTERRUPTED".equals(state)) {
                Thread.sleep(100); // the server notices the closed connection asynchronously
            }
        }
        assertEquals("INTERRUPTED", state);
        assertEquals(Imports.BATCH_LINES, Db.scalar("SELECT count(*) FROM token WHERE import_id = ?", id), "only the answered batch was kept");

        List<JsonObject> again = answers(post(Api.agent(tenant), key, String.join("\n", file) + "\n").then().statusCode(200).extract().response());
        assertEquals(id, again.get(file.size()).getJsonObject("summary").getString("import"));
        assertEquals(Boolean.TRUE, again.get(0).getBoolean("existing"));
        assertEquals(Boolean.TRUE, again.get(Imports.BATCH_LINES - 1).getBoolean("existing"));
        assertEquals(null, again.get(Imports.BATCH_LINES).getBoolean("existing"));
        assertEquals(file.size(), Db.scalar("SELECT count(*) FROM token WHERE import_id = ?", id), "every line stored exactly once");
        assertTrue(AuditTrail.events("type=IMPORT_INTERRUPTED&subject=agent").stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).startsWith("import=" + id + " ")));
    }

    private static String lines(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(card(TestCards.randomVisa())).append('\n');
        }
        return b.toString();
    }

    private static void chunk(OutputStream out, String data) throws java.io.IOException {
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Test
    void refusals_roleTypeKeyAndATenantThatTakesNoCards() {
        String lines = card(TestCards.randomVisa()) + "\n";
        post(Api.bearer("billing", "imp-ref", "detokenizer"), key(), lines).then().statusCode(403);
        given().header("Authorization", Api.agent("imp-ref")).header("Idempotency-Key", key()).contentType("application/json")
                .body(lines.getBytes(StandardCharsets.UTF_8)).post("/v1/imports").then().statusCode(415);
        post(Api.agent("imp-ref"), null, lines).then().statusCode(422).body("errors[0].field", equalTo("Idempotency-Key"));
        post(Api.agent("imp-ref"), TestCards.randomVisa(), lines).then().statusCode(422);
        given().contentType("application/x-ndjson").header("Idempotency-Key", key()).body(lines.getBytes(StandardCharsets.UTF_8))
                .post("/v1/imports").then().statusCode(401);
        given().header("Authorization", Api.agent("imp-ref")).get("/v1/imports/imp_nosuchimportatallxx").then().statusCode(404);
    }
}
