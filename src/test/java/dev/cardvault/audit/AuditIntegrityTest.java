package dev.cardvault.audit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.cardvault.crypto.Ed25519;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.AuditTrail;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.tokens.RetentionJob;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonObject;

/**
 * The trail against an attacker with full database access (a superuser with the triggers off),
 * lost commit acknowledgements, failing audit writes, floods of anonymous requests, and the
 * retirement of old months: each is detected, refused or survived as docs/audit.md says.
 */
@QuarkusTest
class AuditIntegrityTest {

    @Inject
    AuditAppender appender;

    @Inject
    DeniedRequests deniedRequests;

    @Inject
    AuditMaintenance maintenance;

    @Inject
    RetentionJob retention;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    private static JsonObject card(String pan) {
        return Api.card(pan).put("expMonth", 1).put("expYear", YearMonth.now(ZoneOffset.UTC).getYear() + 2);
    }

    private static String agent() {
        return Api.bearer("agent-int", "integrity", "tokenizer");
    }

    private static String token(String requestId) {
        return Api.tokenize(agent(), card(TestCards.randomVisa()), requestId).then().statusCode(201).extract().path("token");
    }

    private static JsonPath signCheckpoint() {
        return given().header("Authorization", AuditTrail.auditor()).post("/v1/audit/checkpoints").then().statusCode(201)
                .extract().jsonPath();
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = Db.superuser(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    /** Runs statements as a superuser with the append-only triggers off, as an attacker with full access can. */
    private static void tamper(String... statements) throws Exception {
        List<String> all = new ArrayList<>();
        all.add("SET session_replication_role = replica");
        all.addAll(List.of(statements));
        all.add("SET session_replication_role = origin");
        sql(all.toArray(String[]::new));
    }

    /** Ends this instance's chain (as a lost commit acknowledgement does) and returns its id. */
    private String closeChain() {
        String chain = appender.chain();
        appender.loseNextAcknowledgement();
        Api.tokenize(agent(), card(TestCards.randomVisa()), "int-close-" + System.nanoTime()).then().statusCode(503);
        return chain;
    }

    private static String rowsOf(String chain) {
        return "(SELECT * FROM audit_event WHERE chain = '" + chain + "')";
    }

    @Test
    void tampering_asSuperuser_isEachDetected_andRestoringTheRowsRestoresTheTrail() throws Exception {
        String target = token("int-tamper-a");
        token("int-tamper-b");
        signCheckpoint();
        String closed = closeChain(); // chain `closed` is complete and signed; a new chain links its head
        token("int-tamper-c");
        assertTrue(AuditTrail.verify().getBoolean("valid"), "trail invalid before tampering");
        long seq = ((Number) AuditTrail.events("token=" + target).get(0).get("seq")).longValue();

        try {
            sql("CREATE TABLE saved_events AS SELECT * FROM audit_event WHERE chain = '" + closed + "'");
            // Altered field, hash recomputed the only way open without the key (plain SHA-256 of the new content).
            tamper("UPDATE audit_event SET subject = 'someone-else', hash = encode(sha256(convert_to(hash || 'x', 'UTF8')), 'hex') "
                    + "WHERE seq = " + seq);
            JsonPath altered = AuditTrail.verify();
            assertFalse(altered.getBoolean("valid"));
            assertEquals(0.0, dev.cardvault.testsupport.Metrics.value("cardvault_audit_verify_valid"), "the verdict gauge: invalid");
            assertEquals("ALTERED", altered.getString("problem"));
            assertEquals(seq, altered.getLong("firstInvalidSeq"));
            restore(closed);

            // A removed event in the middle of a chain.
            tamper("DELETE FROM audit_event WHERE seq = " + seq);
            JsonPath middle = AuditTrail.verify();
            assertEquals("REMOVED_EVENT", middle.getString("problem"), middle.prettify());
            restore(closed);

            // The removed tail of a chain that a checkpoint signed.
            tamper("DELETE FROM audit_event WHERE chain = '" + closed + "' AND chain_seq = (SELECT max(chain_seq) FROM "
                    + rowsOf(closed) + " t)");
            JsonPath tail = AuditTrail.verify();
            assertEquals("REMOVED_TAIL", tail.getString("problem"), tail.prettify());
            assertEquals(closed, tail.getString("chain"));
            restore(closed);

            // A whole chain removed.
            tamper("DELETE FROM audit_event WHERE chain = '" + closed + "'");
            JsonPath chain = AuditTrail.verify();
            assertEquals("REMOVED_CHAIN", chain.getString("problem"), chain.prettify());
            assertEquals(closed, chain.getString("chain"));
            restore(closed);

            // A checkpoint altered (its payload no longer what was signed).
            tamper("CREATE TABLE saved_checkpoints AS SELECT * FROM audit_checkpoint",
                    "UPDATE audit_checkpoint SET payload = replace(payload, 'upto=', 'upto=1') WHERE id = (SELECT max(id) FROM audit_checkpoint)");
            assertEquals("CHECKPOINT_INVALID", AuditTrail.verify().getString("problem"));
            tamper("DELETE FROM audit_checkpoint", "INSERT INTO audit_checkpoint OVERRIDING SYSTEM VALUE SELECT * FROM saved_checkpoints",
                    "DROP TABLE saved_checkpoints");
        } finally {
            sql("DROP TABLE IF EXISTS saved_events");
        }
        JsonPath v = AuditTrail.verify();
        assertTrue(v.getBoolean("valid"), v.prettify());
        assertEquals(1.0, dev.cardvault.testsupport.Metrics.value("cardvault_audit_verify_valid"), "the verdict gauge: valid again");
    }

    private static void restore(String chain) throws Exception {
        tamper("DELETE FROM audit_event WHERE chain = '" + chain + "'",
                "INSERT INTO audit_event OVERRIDING SYSTEM VALUE SELECT * FROM saved_events");
        assertTrue(AuditTrail.verify().getBoolean("valid"), "restoring the rows restores the trail");
    }

    @Test
    void lostCommitAcknowledgement_startsANewChain_linkedToTheOldOne() {
        token("int-lost-before");
        String before = appender.chain();
        appender.loseNextAcknowledgement();
        // The commit landed, but the instance cannot know: the caller is told it failed.
        Api.tokenize(agent(), card(TestCards.randomVisa()), "int-lost").then().statusCode(503);
        token("int-lost-after");
        String after = appender.chain();
        assertFalse(before.equals(after), "a new chain after a lost acknowledgement");
        Map<String, Object> started = AuditTrail.events("type=CHAIN_STARTED").stream().filter(e -> after.equals(e.get("chain")))
                .findFirst().orElseThrow();
        assertEquals(1, ((Number) started.get("chainSeq")).intValue());
        assertTrue(String.valueOf(started.get("detail")).contains(before), "the new chain links the old one's head");
        JsonPath v = AuditTrail.verify();
        assertTrue(v.getBoolean("valid"), v.prettify());
    }

    @Test
    void trailThatCannotBeWritten_readinessDown_andAnIdleInstanceRecoversByItself() throws Exception {
        try {
            sql("CREATE OR REPLACE FUNCTION test_refuse_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    + "RAISE EXCEPTION 'disk full (test)'; END $$",
                    "CREATE TRIGGER test_refuse_all BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION test_refuse_all()");
            Api.tokenize(agent(), card(TestCards.randomVisa()), "int-down").then().statusCode(503);
            given().get("/q/health/ready").then().statusCode(503);
            given().get("/q/health/live").then().statusCode(200);
        } finally {
            sql("DROP TRIGGER IF EXISTS test_refuse_all ON audit_event");
        }
        // No request comes (a load balancer sends none to an unready instance): the probes heal it.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (given().get("/q/health/ready").statusCode() != 200) {
            assertTrue(System.nanoTime() < deadline, "readiness did not recover");
            Thread.sleep(100);
        }
        token("int-up-again");
        assertTrue(AuditTrail.verify().getBoolean("valid"));
    }

    @Test
    void checkpoint_isSignedWithTheAuditKey_listed_andRecorded() {
        JsonPath cp = signCheckpoint();
        JsonPath key = given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/public-key").then().statusCode(200)
                .extract().jsonPath();
        assertEquals("Ed25519", key.getString("algorithm"));
        assertEquals(cp.getString("keyId"), key.getString("keyId"));
        byte[] publicKey = Base64.getDecoder().decode(key.getString("publicKey"));
        byte[] payload = cp.getString("payload").getBytes(StandardCharsets.UTF_8);
        byte[] signature = Base64.getDecoder().decode(cp.getString("signature"));
        assertTrue(Ed25519.verify(publicKey, payload, signature));
        assertFalse(Ed25519.verify(publicKey, cp.getString("payload").replace("upto=", "upto=9").getBytes(StandardCharsets.UTF_8),
                signature));
        long id = cp.getLong("id");
        List<Long> ids = given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/checkpoints?limit=1000")
                .then().statusCode(200).extract().jsonPath().getList("checkpoints.id", Long.class);
        assertTrue(ids.contains(id));
        assertTrue(AuditTrail.events("type=CHECKPOINT_SIGNED").stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).startsWith("checkpoint=" + id + " ")));
        given().header("Authorization", agent()).post("/v1/audit/checkpoints").then().statusCode(403);
    }

    private Path export(Instant from, Instant to) throws Exception {
        byte[] body = given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/export?from=" + from + "&to=" + to)
                .then().statusCode(200).contentType("application/x-ndjson").extract().asByteArray();
        Path file = Files.createTempFile("cardvault-export", ".ndjson");
        file.toFile().deleteOnExit();
        Files.write(file, body);
        return file;
    }

    private static Path publicKeyPem() throws Exception {
        String pem = given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/public-key").then().statusCode(200)
                .extract().path("pem");
        Path file = Files.createTempFile("cardvault-audit", ".pem");
        file.toFile().deleteOnExit();
        Files.writeString(file, pem);
        return file;
    }

    @Test
    void export_verifiesOffline_andATamperedOrTruncatedExportDoesNot() throws Exception {
        token("int-export");
        signCheckpoint();
        Instant from = Instant.now().minus(Duration.ofHours(1));
        Instant to = Instant.now().plus(Duration.ofHours(1));
        Path file = export(from, to);
        byte[] key = VerifyExport.readPem(publicKeyPem());
        VerifyExport.Outcome ok = VerifyExport.verify(file, key);
        assertTrue(ok.valid(), ok.reason());
        assertTrue(ok.events() > 0);
        assertTrue(ok.checkpoints() > 0);
        String exportId = new io.vertx.core.json.JsonObject(Files.readAllLines(file).get(0)).getString("exportId");
        assertTrue(AuditTrail.events("type=AUDIT_EXPORTED").stream()
                .anyMatch(e -> String.valueOf(e.get("detail")).startsWith("export=" + exportId + " ")));
        try (Connection c = Db.superuser(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT events FROM audit_export WHERE id = '" + exportId + "'")) {
            assertTrue(rs.next(), "the export is recorded");
            assertEquals(ok.events(), rs.getLong(1));
        }

        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        int event = lines.indexOf(lines.stream().filter(l -> l.contains("\"int-export\"")).findFirst().orElseThrow());
        List<String> altered = new ArrayList<>(lines);
        altered.set(event, lines.get(event).replace("\"agent-int\"", "\"someone-else\""));
        VerifyExport.Outcome bad = VerifyExport.verify(write(altered), key);
        assertFalse(bad.valid());
        assertTrue(bad.reason().contains("differs"), bad.reason());

        List<String> removed = new ArrayList<>(lines);
        removed.remove(event);
        assertFalse(VerifyExport.verify(write(removed), key).valid());

        VerifyExport.Outcome truncated = VerifyExport.verify(write(lines.subList(0, lines.size() - 1)), key);
        assertFalse(truncated.valid());
        assertTrue(truncated.reason().contains("no trailer"), truncated.reason());

        byte[] otherKey = new Ed25519(dev.cardvault.crypto.SecretKey.generate()).publicKey();
        assertFalse(VerifyExport.verify(file, otherKey).valid(), "another key does not verify the export");

        given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/export?from=" + to + "&to=" + from).then().statusCode(422);
        given().header("Authorization", AuditTrail.auditor()).get("/v1/audit/export?from=yesterday&to=" + to).then().statusCode(422)
                .contentType("application/problem+json");
    }

    private static Path write(List<String> lines) throws Exception {
        Path file = Files.createTempFile("cardvault-export", ".ndjson");
        file.toFile().deleteOnExit();
        Files.write(file, lines);
        return file;
    }

    @Test
    void unauthenticatedFlood_ofTenThousandRequests_addsFewerThanAHundredRows() throws Exception {
        deniedRequests.flush().await().atMost(Duration.ofSeconds(10));
        long before = Db.scalar("SELECT count(*) FROM audit_event");
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Semaphore inFlight = new Semaphore(64);
        List<CompletableFuture<Integer>> all = new ArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/tokens/tok_aaaaaaaaaaaaaaaaaaaaaaaa"))
                .GET().build();
        for (int i = 0; i < 10_000; i++) {
            inFlight.acquire();
            all.add(client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode)
                    .whenComplete((r, e) -> inFlight.release()));
        }
        for (CompletableFuture<Integer> f : all) {
            assertEquals(401, f.get());
        }
        deniedRequests.flush().await().atMost(Duration.ofSeconds(10));
        long added = Db.scalar("SELECT count(*) FROM audit_event") - before;
        assertTrue(added < 100, "rows added by the flood: " + added);
        long counted = Db.scalar("SELECT coalesce(sum(substring(detail from 'count=([0-9]+)')::bigint), 0) FROM audit_event "
                + "WHERE type = 'ACCESS_DENIED' AND subject IS NULL AND seq > (SELECT max(seq) FROM audit_event) - " + added);
        assertEquals(10_000, counted, "every denial is counted");
    }

    /** Makes the trail refuse events of one type (a trigger, as a broken disk or a full partition would refuse them). */
    private static void refuse(String type) throws Exception {
        sql("CREATE OR REPLACE FUNCTION test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "RAISE EXCEPTION 'refused for the test'; END $$",
                "CREATE TRIGGER test_refuse_event BEFORE INSERT ON audit_event FOR EACH ROW WHEN (NEW.type = '" + type + "') "
                        + "EXECUTE FUNCTION test_refuse_event()");
    }

    private static void accept() throws Exception {
        sql("DROP TRIGGER IF EXISTS test_refuse_event ON audit_event");
    }

    private static long count(String sql) throws Exception {
        return Db.scalar(sql);
    }

    @Test
    void everyStateChange_withAFailingAuditWrite_leavesNoChange() throws Exception {
        String pan = TestCards.randomVisa();
        String t = Api.tokenize(agent(), card(pan), "int-atomic").then().statusCode(201).extract().path("token");
        String officer = Api.bearer("pia-privacy", "integrity", "privacy-officer");
        try {
            refuse("TOKEN_DELETED");
            Api.delete(officer, t).then().statusCode(503);
            Api.metadata(agent(), t).then().statusCode(200);
            accept();

            refuse("CARD_ERASED");
            Api.erase(officer, pan).then().statusCode(503);
            Api.metadata(agent(), t).then().statusCode(200);
            accept();

            // Restriction and rectification (GDPR Art. 18, 16): no receipt, no change.
            refuse("PROCESSING_RESTRICTED");
            given().header("Authorization", officer).contentType("application/json")
                    .body(new JsonObject().put("pan", pan).put("restricted", true).encode()).post("/v1/subject-requests/restriction")
                    .then().statusCode(503).body(not(containsString("receipt")));
            assertEquals(0, count("SELECT count(*) FROM token WHERE token = '" + t + "' AND restricted"));
            accept();
            refuse("SUBJECT_DATA_RECTIFIED");
            given().header("Authorization", officer).contentType("application/json")
                    .body(new JsonObject().put("pan", pan).put("cardholderName", "Changed Name").encode())
                    .post("/v1/subject-requests/rectification").then().statusCode(503);
            accept();
            Api.reveal(Api.bearer("billing", "integrity", "detokenizer"), t, "RECURRING_BILLING").then().statusCode(200)
                    .body("cardholderName", not(equalTo("Changed Name")));

            // Deterministic tokenize: no token for the card appears.
            String other = TestCards.randomVisa();
            refuse("TOKEN_CREATED");
            Api.tokenize(agent(), card(other).put("deterministic", true), "int-atomic-det").then().statusCode(503);
            accept();
            assertEquals(0, count("SELECT count(*) FROM token WHERE tenant = 'integrity' AND deterministic"));

            // Retention purge: the expired token stays.
            String expiring = Api.tokenize(agent(), card(TestCards.randomVisa()).put("expiresAt", Instant.now().plusSeconds(3600).toString()),
                    "int-atomic-exp").then().statusCode(201).extract().path("token");
            sql("UPDATE token SET expires_at = now() - interval '1 minute' WHERE token = '" + expiring + "'");
            refuse("TOKENS_PURGED");
            boolean failed = false;
            try {
                retention.runOnce().await().atMost(Duration.ofSeconds(30));
            } catch (AuditUnavailableException e) {
                failed = true;
            }
            assertTrue(failed, "the purge fails with the trail");
            assertEquals(1, count("SELECT count(*) FROM token WHERE token = '" + expiring + "'"));
            accept();
            retention.runOnce().await().atMost(Duration.ofSeconds(30));
            assertEquals(0, count("SELECT count(*) FROM token WHERE token = '" + expiring + "'"));
            assertTrue(AuditTrail.events("type=TOKENS_PURGED").stream().anyMatch(e -> "integrity".equals(e.get("tenant"))
                    && String.valueOf(e.get("detail")).matches("count=\\d+ reason=expiresAt")));

            // Key rotation: neither a request nor an approval stands without its event.
            String alice = Api.bearer("alice-int", "platform", "key-custodian");
            String bob = Api.bearer("bob-int", "platform", "key-custodian");
            long rotations = count("SELECT count(*) FROM key_rotation");
            refuse("KEY_ROTATION_REQUESTED");
            given().header("Authorization", alice).contentType("application/json").body("{\"reason\":\"atomicity test\"}")
                    .post("/v1/keys/rotations").then().statusCode(503);
            assertEquals(rotations, count("SELECT count(*) FROM key_rotation"));
            accept();
            String id = given().header("Authorization", alice).contentType("application/json").body("{\"reason\":\"atomicity test\"}")
                    .post("/v1/keys/rotations").then().statusCode(202).extract().path("id");
            long kekVersions = count("SELECT count(*) FROM kek");
            refuse("KEY_ROTATION_APPROVED");
            given().header("Authorization", bob).post("/v1/keys/rotations/" + id + "/approve").then().statusCode(503);
            assertEquals(kekVersions, count("SELECT count(*) FROM kek"));
            assertEquals(1, count("SELECT count(*) FROM key_rotation WHERE id = '" + id + "' AND state = 'PENDING_APPROVAL' "
                    + "AND cardinality(approved_by) = 0"));
            accept();
            // Leave no open rotation behind for other tests: let it expire.
            sql("UPDATE key_rotation SET expires_at = now() - interval '1 second' WHERE id = '" + id + "'");
            given().header("Authorization", alice).get("/v1/keys/rotations/" + id).then().statusCode(200);
        } finally {
            accept();
        }
        // The erasure that was refused works now, and records its count.
        Api.erase(officer, pan).then().statusCode(200);
        assertTrue(AuditTrail.events("type=CARD_ERASED").stream().anyMatch(e -> String.valueOf(e.get("detail")).startsWith("count=1 receipt=rcpt_")
                && "pia-privacy".equals(e.get("subject"))));
        assertTrue(AuditTrail.verify().getBoolean("valid"));
    }

    @Test
    void coverage_startAndKeyCreation_areRecorded() {
        assertFalse(AuditTrail.events("type=SERVICE_STARTED").isEmpty());
        List<Object> created = AuditTrail.events("type=KEY_CREATED").stream().map(e -> e.get("detail")).toList();
        for (String key : List.of("kek-v1", "fingerprint-root", "audit-chain-1", "audit-signing-1")) {
            assertTrue(created.stream().anyMatch(d -> String.valueOf(d).startsWith("key=" + key + " ")), key + " " + created);
        }
    }

    @Test
    void retiringExportedMonths_keepsVerifyValid_fromTheAnchors() throws Exception {
        YearMonth now = YearMonth.now(ZoneOffset.UTC);
        YearMonth oldest = now.minusMonths(4);
        Instant oldStart = oldest.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        try (Connection c = Db.owner(); Statement s = c.createStatement()) {
            s.execute("SELECT audit_ensure_partitions(0, '" + oldStart + "')");
        }
        // A chain written three months ago, entirely in a past month.
        Instant past = now.minusMonths(3).atDay(10).atStartOfDay().toInstant(ZoneOffset.UTC);
        appender.useClock(Clock.fixed(past, ZoneOffset.UTC));
        String oldChain;
        try {
            appender.startNewChain();
            token("int-old-1");
            token("int-old-2");
            oldChain = appender.chain();
            appender.startNewChain();
        } finally {
            appender.useClock(Clock.systemUTC());
        }
        token("int-new");
        signCheckpoint();
        JsonPath before = AuditTrail.verify();
        assertTrue(before.getBoolean("valid"), before.prettify());
        assertTrue(count("SELECT count(*) FROM audit_event WHERE chain = '" + oldChain + "' AND at < '" + now.minusMonths(2).atDay(1) + "'") >= 3,
                AuditTrail.events("").stream().filter(e -> oldChain.equals(e.get("chain"))).map(e -> e.get("type") + "@" + e.get("at")).toList().toString());

        // Not exported yet: nothing is retired.
        assertEquals(List.of(), maintenance.run(Period.ofMonths(1)).retired());
        // Exported: the months past retention go, the trail still verifies from the anchors.
        Instant exportEnd = now.minusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        VerifyExport.Outcome exported = VerifyExport.verify(export(oldStart, exportEnd), VerifyExport.readPem(publicKeyPem()));
        assertTrue(exported.valid(), exported.reason());
        List<String> retired = maintenance.run(Period.ofMonths(1)).retired();
        assertTrue(retired.contains("audit_event_" + now.minusMonths(3).toString().replace('-', '_')), retired.toString());
        assertEquals(0, count("SELECT count(*) FROM audit_event WHERE chain = '" + oldChain + "'"));
        assertTrue(count("SELECT count(*) FROM audit_anchor WHERE chain = '" + oldChain + "'") > 0);
        JsonPath v = AuditTrail.verify();
        assertTrue(v.getBoolean("valid"), v.prettify());
        assertNotNull(AuditTrail.events("type=AUDIT_RETIRED").stream().findFirst().orElse(null));
    }
}
