package dev.cardvault.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.cardvault.testsupport.ServiceProcesses.freePort;
import static dev.cardvault.testsupport.ServiceProcesses.read;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.cardvault.database.EmbeddedPostgresServer;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.HttpApi;
import dev.cardvault.testsupport.Metrics;
import dev.cardvault.testsupport.ServiceProcesses;
import dev.cardvault.testsupport.TestJwt;

/**
 * The packaged service as an operator runs it: {@code java -jar target/quarkus-app/quarkus-run.jar},
 * started from a directory that is not the project root, stopped with SIGTERM and killed with
 * SIGKILL. Runs in the integration-test phase of {@code ./mvnw verify}.
 */
class PackagedJarIT {

    @TempDir
    Path workDir;

    private Process start(Map<String, String> env, Path log) throws IOException {
        return ServiceProcesses.startJar(workDir, env, log);
    }


    private void awaitReady(Process p, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), () -> "service exited early:\n" + read(log));
            try {
                if (HttpApi.at(port).timeout(Duration.ofSeconds(5)).status("/q/health/ready", null) == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("service not ready in 90 s:\n" + read(log));
    }


    @Test
    void keyRotation_rewrapKilledMidway_resumesAfterRestart_andEveryCardStillReveals() throws Exception {
        int port = freePort();
        HttpApi api = HttpApi.at(port);
        // Run 1: no background rewrap, so the approval leaves all the work pending when the process dies.
        Map<String, String> paused = Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port),
                "CARDVAULT_KEYS_REWRAP_EVERY", "off");
        Path log1 = workDir.resolve("rot1.log");
        Process first = start(paused, log1);
        awaitReady(first, port, log1);
        java.util.Map<String, String> panByToken = new java.util.HashMap<>();
        java.util.Map<String, String> tenantByToken = new java.util.HashMap<>();
        for (int i = 0; i < 40; i++) { // one data key per tenant: 40 keys to rewrap
            String tenant = "t" + i;
            String pan = dev.cardvault.testsupport.TestCards.randomVisa();
            String token = api.json("POST", "/v1/tokens", Api.agent(tenant), Api.card(pan).put("expYear", 2040).encode(), 201)
                    .getString("token");
            panByToken.put(token, pan);
            tenantByToken.put(token, tenant);
        }
        String alice = TestJwt.as("alice").roles("key-custodian").tenant("ops").bearer();
        String bob = TestJwt.as("bob").roles("key-custodian").tenant("ops").bearer();
        String id = api.json("POST", "/v1/keys/rotations", alice, "{\"reason\":\"cryptoperiod\"}", 202).getString("id");
        var approved = api.json("POST", "/v1/keys/rotations/" + id + "/approve", bob, null, 200);
        assertEquals("REWRAPPING", approved.getString("state"));
        first.destroyForcibly(); // SIGKILL before any rewrap
        first.waitFor(30, TimeUnit.SECONDS);

        // Run 2: rewrap one small batch per second; killed again once it has made some progress.
        Map<String, String> slow = Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port),
                "CARDVAULT_KEYS_REWRAP_BATCH_SIZE", "5", "CARDVAULT_KEYS_REWRAP_BATCHES_PER_RUN", "1");
        Path log2 = workDir.resolve("rot2.log");
        Process second = start(slow, log2);
        awaitReady(second, port, log2);
        long rewrapped = 0;
        for (int i = 0; i < 100 && rewrapped == 0; i++) {
            rewrapped = api.json("GET", "/v1/keys/rotations/" + id, alice, null, 200).getLong("rewrapped");
            Thread.sleep(200);
        }
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
        assertTrue(rewrapped > 0, "no progress before the second kill");

        // Run 3: resumes and completes; every card reveals.
        Path log3 = workDir.resolve("rot3.log");
        Process third = start(Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port)), log3);
        try {
            awaitReady(third, port, log3);
            String state = "";
            for (int i = 0; i < 150 && !"COMPLETED".equals(state); i++) {
                state = api.json("GET", "/v1/keys/rotations/" + id, alice, null, 200).getString("state");
                Thread.sleep(200);
            }
            assertEquals("COMPLETED", state, read(log3));
            var keys = api.json("GET", "/v1/keys", alice, null, 200);
            assertEquals(approved.getInteger("toVersion"), keys.getInteger("activeVersion"));
            for (var e : panByToken.entrySet()) {
                String billing = Api.bearer("billing", tenantByToken.get(e.getKey()), "detokenizer");
                String pan = api.json("POST", "/v1/tokens/" + e.getKey() + "/detokenize", billing,
                        "{\"purpose\":\"RECURRING_BILLING\"}", 200).getString("pan");
                assertTrue(e.getValue().equals(pan), "wrong card revealed for " + e.getKey()); // no PAN in failure output
            }
        } finally {
            third.destroy();
            third.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void prodProfile_withoutDatabase_refusesToStart_andStartsNoEmbeddedDatabase() throws Exception {
        Path log = workDir.resolve("prod-nodb.log");
        Process p = start(Map.of(
                "QUARKUS_PROFILE", "prod",
                "QUARKUS_HTTP_PORT", Integer.toString(freePort()),
                "MP_JWT_VERIFY_ISSUER", "https://idp.example/issuer"), log);
        assertTrue(p.waitFor(90, TimeUnit.SECONDS), "prod start without a database did not exit");
        String out = read(log);
        assertNotEquals(0, p.exitValue(), out);
        assertTrue(out.contains("No database is configured"), out);
        assertTrue(out.contains("quarkus.datasource.reactive.url"), out);
        assertFalse(Files.exists(workDir.resolve(".cardvault")), "an embedded database was started in prod");
    }

    /** The prod profile on {@code db}, connecting as its owner, with {@code more} settings. */
    private static Map<String, String> prodAsOwner(EmbeddedPostgresServer db, Map<String, String> more) throws IOException {
        String host = "localhost:" + db.port() + "/" + EmbeddedPostgresServer.DATABASE;
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "QUARKUS_PROFILE", "prod",
                "QUARKUS_HTTP_PORT", Integer.toString(freePort()),
                "QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://" + host,
                "QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://" + host,
                "QUARKUS_DATASOURCE_USERNAME", EmbeddedPostgresServer.OWNER,
                "MP_JWT_VERIFY_ISSUER", "https://idp.example/issuer"));
        env.putAll(more);
        return env;
    }

    @Test
    void prodProfile_withDevKeys_refusesToStart_andSaysWhatToConfigure() throws Exception {
        Path log = workDir.resolve("prod.log");
        try (EmbeddedPostgresServer db = EmbeddedPostgresServer.start(workDir.resolve("external-pg"), false, true)) {
            Process p = start(prodAsOwner(db, Map.of(
                    "MP_JWT_VERIFY_PUBLICKEY_LOCATION", TestJwt.devKeysDir().resolve("jwt-public.pem").toString())), log);
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "prod start with dev keys did not exit");
            String out = read(log);
            assertNotEquals(0, p.exitValue(), out);
            assertTrue(out.contains("refuses to start in the prod profile"), out);
            assertTrue(out.contains("keys-dev"), out);
            assertTrue(out.contains("mp.jwt.verify.publickey.location"), out);
            assertTrue(out.contains("mp.jwt.verify.audiences"), out);
        }
    }

    /**
     * The prod profile logs one JSON object a line, each with its request id, the caller's subject
     * and tenant on a request's lines, the audit event a request recorded, and card numbers masked
     * there as in the plain pattern of the other profiles.
     */
    @Test
    void prodProfile_logsJsonLines_withRequestSubjectTenantAndEvent_andMasksCardNumbers() throws Exception {
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        java.security.KeyPair idp = rsa.generateKeyPair();
        Path jwtKey = workDir.resolve("idp.pem");
        Files.writeString(jwtKey, "-----BEGIN PUBLIC KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(idp.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        byte[] master = new byte[32];
        new java.security.SecureRandom().nextBytes(master);
        Path masterKey = workDir.resolve("master.key");
        Files.writeString(masterKey, java.util.Base64.getEncoder().encodeToString(master));
        String issuer = "https://idp.example/issuer";
        Path log = workDir.resolve("prod-json.log");
        try (EmbeddedPostgresServer db = EmbeddedPostgresServer.start(workDir.resolve("external-pg"), false, true)) {
            int port = freePort();
            Map<String, String> env = new java.util.HashMap<>(ServiceProcesses.devOn(db, port));
            env.putAll(Map.of("QUARKUS_PROFILE", "prod",
                    "MP_JWT_VERIFY_ISSUER", issuer,
                    "MP_JWT_VERIFY_PUBLICKEY_LOCATION", jwtKey.toString(),
                    "MP_JWT_VERIFY_AUDIENCES", "cardvault",
                    "CARDVAULT_MASTER_KEY_FILE", masterKey.toString(),
                    "CARDVAULT_MASTER_KEY_ALLOW_FILE", "true",
                    // No controller registered for the tenant: collect without a registered purpose, as dev does.
                    "CARDVAULT_PRIVACY_REQUIRE_REGISTRY", "false"));
            // The scheduled verification (prod runs it every 6 h), here at once and every second.
            env.putAll(Map.of("CARDVAULT_AUDIT_VERIFY_EVERY", "1s", "CARDVAULT_AUDIT_VERIFY_INITIAL_DELAY", "1s"));
            Process p = start(env, log);
            String pan = dev.cardvault.testsupport.TestCards.randomVisa();
            String stray = dev.cardvault.testsupport.TestCards.randomVisa();
            try {
                awaitReady(p, port, log);
                HttpApi api = HttpApi.at(port);
                String agent = "Bearer " + TestJwt.as("agent-json").roles("tokenizer").tenant("json-t").issuer(issuer).audience("cardvault")
                        .signedWith(idp.getPrivate()).mint();
                api.json("POST", "/v1/tokens", agent, Api.card(pan).encode(), 201);
                // A card number where the access log writes the request: its path.
                assertNotEquals(200, api.status("/v1/tokens/" + stray, agent));
                // No one called GET /v1/audit/verify: the verdict comes from the scheduled verification.
                long deadline = System.nanoTime() + java.time.Duration.ofSeconds(15).toNanos();
                double valid = 0;
                while (valid != 1.0 && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                    valid = Metrics.orZero(Metrics.parse(api.send("GET", "/q/metrics", null, null).body()),
                            "cardvault_audit_verify_valid", Map.of());
                }
                assertEquals(1.0, valid, "the scheduled verification gave no verdict");
            } finally {
                p.destroy();
                p.waitFor(60, TimeUnit.SECONDS);
            }
            String raw = Files.readString(log);
            java.util.List<io.vertx.core.json.JsonObject> records = ServiceProcesses.jsonLines(log);
            long lines = raw.lines().filter(l -> l.startsWith("{")).count();
            assertTrue(records.size() > 5 && records.size() == lines, "JSON lines that do not parse: " + (lines - records.size()));
            assertTrue(records.stream().anyMatch(r -> r.getString("message").contains("Profile prod activated")), "not the prod profile");

            java.util.List<io.vertx.core.json.JsonObject> access = records.stream()
                    .filter(r -> "cardvault.access".equals(r.getString("loggerName"))).toList();
            io.vertx.core.json.JsonObject tokenize = access.stream().filter(r -> r.getString("message").startsWith("POST /v1/tokens status=201"))
                    .findFirst().orElseThrow(() -> new AssertionError("no access line of the tokenize"));
            io.vertx.core.json.JsonObject mdc = tokenize.getJsonObject("mdc");
            assertTrue(mdc.getString("requestId", "").length() >= 8, tokenize.encode());
            assertTrue(tokenize.getString("message").endsWith("rid=" + mdc.getString("requestId")), tokenize.encode());
            assertEquals("agent-json", mdc.getString("subject"), tokenize.encode());
            assertEquals("json-t", mdc.getString("tenant"), tokenize.encode());
            assertEquals("TOKEN_CREATED", mdc.getString("event"), tokenize.encode());

            io.vertx.core.json.JsonObject strayLine = access.stream().filter(r -> r.getString("message").startsWith("GET /v1/tokens/"))
                    .findFirst().orElseThrow(() -> new AssertionError("no access line of the request with a card number in its path"));
            assertTrue(strayLine.getString("message").contains(stray.substring(0, 6) + "******" + stray.substring(12)), "not masked");
            assertEquals("agent-json", strayLine.getJsonObject("mdc").getString("subject"));
            // Every line a request wrote carries its id; the card numbers appear nowhere, in no encoding of the digits.
            assertTrue(records.stream().filter(r -> r.getJsonObject("mdc", new io.vertx.core.json.JsonObject()).containsKey("subject"))
                    .allMatch(r -> r.getJsonObject("mdc").containsKey("requestId")), "a caller's line without its request id");
            for (String card : java.util.List.of(pan, stray)) {
                assertFalse(raw.contains(card) || raw.contains(card.substring(0, 12)) || raw.contains(card.substring(4)),
                        "a card number in the JSON log");
            }
        }
    }

    @Test
    void prodProfile_connectingAsTheSchemaOwner_refusesToStart_andSaysWhichRoleToUse() throws Exception {
        Path log = workDir.resolve("prod-owner.log");
        // Production key material of our own: only the database role is wrong here.
        java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        Path jwtKey = workDir.resolve("idp.pem");
        Files.writeString(jwtKey, "-----BEGIN PUBLIC KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(rsa.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        byte[] master = new byte[32];
        new java.security.SecureRandom().nextBytes(master);
        Path masterKey = workDir.resolve("master.key");
        Files.writeString(masterKey, java.util.Base64.getEncoder().encodeToString(master));
        try (EmbeddedPostgresServer db = EmbeddedPostgresServer.start(workDir.resolve("external-pg"), false, true)) {
            Process p = start(prodAsOwner(db, Map.of(
                    "MP_JWT_VERIFY_PUBLICKEY_LOCATION", jwtKey.toString(),
                    "MP_JWT_VERIFY_AUDIENCES", "cardvault",
                    "CARDVAULT_MASTER_KEY_FILE", masterKey.toString(),
                    "CARDVAULT_MASTER_KEY_ALLOW_FILE", "true")), log);
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "prod start as the schema owner did not exit");
            String out = read(log);
            assertNotEquals(0, p.exitValue(), out);
            assertTrue(out.contains("refuses to start in the prod profile: the database role \"" + EmbeddedPostgresServer.OWNER + "\""), out);
            assertTrue(out.contains("owns schema public") && out.contains("quarkus.datasource.username")
                    && out.contains("cardvault.migration.username"), out);
            assertFalse(out.contains("Key hierarchy loaded"), "the service touched its keys before the role was checked");
        }
    }

    @Test
    void devProfile_fromAnotherDirectory_embeddedDatabase_survivesSigtermAndSigkill() throws Exception {
        int port = freePort();
        Map<String, String> env = Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port));
        Path dataDir = workDir.resolve(".cardvault/pgdata");
        HttpApi api = HttpApi.at(port);
        String valid = Api.bearer("alice", "acme", "tokenizer");
        String untrusted = TestJwt.as("alice").roles("tokenizer").signedWith(TestJwt.untrustedKey()).bearer();

        // 1. First start: embedded database created under the working directory; dev JWT key found
        //    although the service was not started from the project root.
        Path log1 = workDir.resolve("run1.log");
        Process first = start(env, log1);
        awaitReady(first, port, log1);
        assertTrue(Files.isDirectory(dataDir), "no data directory under the working directory");
        assertEquals(404, api.status("/v1/nothing-here", valid), () -> "a dev token should authenticate:\n" + read(log1));
        assertEquals(401, api.status("/v1/nothing-here", untrusted));

        // 2. SIGTERM: clean shutdown stops PostgreSQL too.
        first.destroy();
        assertTrue(first.waitFor(60, TimeUnit.SECONDS));
        assertFalse(Files.exists(dataDir.resolve("postmaster.pid")), "postmaster still running after SIGTERM:\n" + read(log1));

        // 3. Restart, then SIGKILL: PostgreSQL is orphaned...
        Path log2 = workDir.resolve("run2.log");
        Process second = start(env, log2);
        awaitReady(second, port, log2);
        long orphan = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
        assertTrue(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false));

        // 4. ...and the next start deals with it instead of reusing it.
        Path log3 = workDir.resolve("run3.log");
        Process third = start(env, log3);
        try {
            awaitReady(third, port, log3);
            assertTrue(read(log3).contains("orphaned embedded PostgreSQL (pid " + orphan + ")"), read(log3));
            assertFalse(ProcessHandle.of(orphan).map(ProcessHandle::isAlive).orElse(false));
            assertEquals(404, api.status("/v1/nothing-here", valid));
            // The trail holds each start and the clean stop (not the SIGKILL'd one), and still verifies.
            String auditor = Api.bearer("quinn", "platform", "auditor");
            io.vertx.core.json.JsonArray started = api.json("GET", "/v1/audit/events?type=SERVICE_STARTED&limit=100", auditor, null, 200)
                    .getJsonArray("events");
            io.vertx.core.json.JsonArray stopping = api.json("GET", "/v1/audit/events?type=SERVICE_STOPPING&limit=100", auditor, null, 200)
                    .getJsonArray("events");
            assertEquals(3, started.size(), "SERVICE_STARTED events");
            assertEquals(1, stopping.size(), "SERVICE_STOPPING events");
            assertEquals(true, api.json("GET", "/v1/audit/verify", auditor, null, 200).getBoolean("valid"));

            // 5. A second instance on the same directory refuses, naming the holder.
            Path log4 = workDir.resolve("run4.log");
            Process fourth = start(Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(freePort())), log4);
            assertTrue(fourth.waitFor(60, TimeUnit.SECONDS), "second instance did not exit");
            assertNotEquals(0, fourth.exitValue());
            assertTrue(read(log4).contains("is in use by process " + third.pid()), read(log4));
        } finally {
            third.destroy();
            third.waitFor(60, TimeUnit.SECONDS);
        }
        assertFalse(Files.exists(dataDir.resolve("postmaster.pid")));
    }

    @Test
    void hsmMasterKey_isGeneratedInsideSoftHsm_neverLeavesIt_andSurvivesAReopen() throws Exception {
        dev.cardvault.testsupport.SoftHsm hsm = dev.cardvault.testsupport.SoftHsm.init(workDir.resolve("hsm"), "cardvault-probe");
        Path wrapped = workDir.resolve("wrapped.bin");
        String created = probe(hsm, "create", wrapped);
        assertTrue(created.contains("roundtrip same"), created);
        assertTrue(created.contains("encoded none"), created);
        assertTrue(created.contains("wrap-export refused"), created);
        assertTrue(created.contains("keyspec-export refused"), created);
        String id = created.lines().filter(l -> l.startsWith("id ")).findFirst().orElseThrow();
        // A new process, a new session: the same key in the token unwraps what the first one wrapped.
        String reopened = probe(hsm, "reopen", wrapped);
        assertTrue(reopened.contains(id), reopened);
        assertTrue(reopened.contains("reopen unwrapped"), reopened);
        assertTrue(reopened.contains("tampered refused"), reopened);
    }

    private static String probe(dev.cardvault.testsupport.SoftHsm hsm, String mode, Path wrapped) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "dev.cardvault.keys.Pkcs11Probe",
                dev.cardvault.testsupport.SoftHsm.LIBRARY.toString(), Long.toString(hsm.slot()), hsm.pinFile().toString(), mode,
                wrapped.toString()).redirectErrorStream(true);
        pb.environment().putAll(hsm.env());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void hsmSource_tokenizesAndReveals_andARestartKeepsTheData() throws Exception {
        dev.cardvault.testsupport.SoftHsm hsm = dev.cardvault.testsupport.SoftHsm.init(workDir.resolve("hsm"), "cardvault-it");
        int port = freePort();
        HttpApi api = HttpApi.at(port);
        Map<String, String> env = new java.util.HashMap<>(hsm.serviceEnv(true));
        env.put("QUARKUS_PROFILE", "dev");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        Path log1 = workDir.resolve("hsm1.log");
        Process first = start(env, log1);
        String pan = dev.cardvault.testsupport.TestCards.randomVisa();
        String token;
        try {
            awaitReady(first, port, log1);
            assertTrue(read(log1).contains("in PKCS#11 token"), "not the PKCS#11 master key");
            token = api.json("POST", "/v1/tokens", Api.agent("hsm"), Api.card(pan).put("expYear", 2040).encode(), 201)
                    .getString("token");
            assertTrue(pan.equals(reveal(api, token)), "the card did not reveal"); // no card number in failure output
        } finally {
            first.destroy();
            first.waitFor(60, TimeUnit.SECONDS);
        }
        // Restart: the key must now be found, not created.
        env.putAll(hsm.serviceEnv(false));
        Path log2 = workDir.resolve("hsm2.log");
        Process second = start(env, log2);
        String rotatedTo;
        try {
            awaitReady(second, port, log2);
            assertTrue(pan.equals(reveal(api, token)), "the card did not reveal after the restart");
            // Master key rotation: a new key generated in the token, in force at the approval.
            String alice = TestJwt.as("alice").roles("key-custodian").tenant("ops").bearer();
            String bob = TestJwt.as("bob").roles("key-custodian").tenant("ops").bearer();
            String id = api.json("POST", "/v1/keys/master-rotations", alice, "{\"reason\":\"HSM key cryptoperiod\"}", 202)
                    .getString("id");
            var done = api.json("POST", "/v1/keys/master-rotations/" + id + "/approve", bob, null, 200);
            assertEquals("COMPLETED", done.getString("state"));
            rotatedTo = done.getString("nextMasterKeyId");
            assertTrue(rotatedTo.startsWith("p11-cardvault-master.2-"), rotatedTo);
            assertTrue(pan.equals(reveal(api, token)), "the card did not reveal after the master key rotation");
        } finally {
            second.destroy();
            second.waitFor(60, TimeUnit.SECONDS);
        }
        // Restart after the rotation: the configured label names the first key; the database names the one in force.
        Path log3 = workDir.resolve("hsm3.log");
        Process third = start(env, log3);
        try {
            awaitReady(third, port, log3);
            assertTrue(read(log3).contains(rotatedTo), "not the rotated key in force after the restart");
            assertTrue(pan.equals(reveal(api, token)), "the card did not reveal after the rotation and a restart");
        } finally {
            third.destroy();
            third.waitFor(60, TimeUnit.SECONDS);
        }
        assertFalse(read(log1).contains(Files.readString(hsm.pinFile()).strip()), "the PIN reached the log");
    }

    @Test
    void rekey_killedTwiceMidway_resumesAfterRestart_destroysTheOldKeys_andEveryCardStillReveals() throws Exception {
        int port = freePort();
        HttpApi api = HttpApi.at(port);
        Map<String, String> paused = Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port),
                "CARDVAULT_KEYS_REKEY_EVERY", "off");
        Path log1 = workDir.resolve("rk1.log");
        Process first = start(paused, log1);
        awaitReady(first, port, log1);
        Map<String, String> panByToken = new java.util.HashMap<>();
        Map<String, String> tenantByToken = new java.util.HashMap<>();
        for (int i = 0; i < 40; i++) {
            String tenant = "rk" + (i % 4);
            String pan = dev.cardvault.testsupport.TestCards.randomVisa();
            String token = api.json("POST", "/v1/tokens", Api.agent(tenant), Api.card(pan).put("expYear", 2040).encode(), 201)
                    .getString("token");
            panByToken.put(token, pan);
            tenantByToken.put(token, tenant);
        }
        String alice = TestJwt.as("alice").roles("key-custodian").tenant("ops").bearer();
        String bob = TestJwt.as("bob").roles("key-custodian").tenant("ops").bearer();
        String id = api.json("POST", "/v1/keys/rekeys", alice, "{\"reason\":\"suspected compromise\"}", 202).getString("id");
        assertEquals("REKEYING", api.json("POST", "/v1/keys/rekeys/" + id + "/approve", bob, null, 200).getString("state"));
        first.destroyForcibly(); // SIGKILL before any record moved
        first.waitFor(30, TimeUnit.SECONDS);

        // Run 2: one small batch a second, killed once some records moved.
        Map<String, String> slow = Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port),
                "CARDVAULT_KEYS_REKEY_EVERY", "1s", "CARDVAULT_KEYS_REKEY_BATCH_SIZE", "3", "CARDVAULT_KEYS_REKEY_BATCHES_PER_RUN", "1");
        Path log2 = workDir.resolve("rk2.log");
        Process second = start(slow, log2);
        awaitReady(second, port, log2);
        long moved = 0;
        for (int i = 0; i < 100 && moved == 0; i++) {
            moved = api.json("GET", "/v1/keys/rekeys/" + id, alice, null, 200).getLong("rewrapped");
            Thread.sleep(200);
        }
        second.destroyForcibly();
        second.waitFor(30, TimeUnit.SECONDS);
        assertTrue(moved > 0 && moved < 40, "expected part of the records moved before the second kill, got " + moved);

        // Run 3: resumes and completes (no grace wait in this test); every card reveals.
        Path log3 = workDir.resolve("rk3.log");
        Process third = start(Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port),
                "CARDVAULT_KEYS_REKEY_EVERY", "1s", "CARDVAULT_KEYS_RETIRED_KEY_GRACE", "0s"), log3);
        try {
            awaitReady(third, port, log3);
            String state = "";
            for (int i = 0; i < 150 && !"COMPLETED".equals(state); i++) {
                state = api.json("GET", "/v1/keys/rekeys/" + id, alice, null, 200).getString("state");
                Thread.sleep(200);
            }
            assertEquals("COMPLETED", state, read(log3));
            for (var e : panByToken.entrySet()) {
                String billing = Api.bearer("billing", tenantByToken.get(e.getKey()), "detokenizer");
                String pan = api.json("POST", "/v1/tokens/" + e.getKey() + "/detokenize", billing,
                        "{\"purpose\":\"RECURRING_BILLING\"}", 200).getString("pan");
                assertTrue(e.getValue().equals(pan), "wrong card revealed for " + e.getKey()); // no PAN in failure output
            }
            String auditor = TestJwt.as("quinn").roles("auditor").tenant("ops").bearer();
            assertTrue(api.json("GET", "/v1/audit/verify", auditor, null, 200).getBoolean("valid"));
        } finally {
            third.destroy();
            third.waitFor(60, TimeUnit.SECONDS);
        }
    }

    @Test
    void devProfile_servesTheWidgetDemo_onItsOwnOrigin_whoseBackendOpensCaptureSessions() throws Exception {
        int port = freePort();
        int demoPort = freePort();
        Path log = workDir.resolve("demo.log");
        Process p = start(Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port),
                "CARDVAULT_DEMO_PORT", Integer.toString(demoPort)), log);
        try {
            awaitReady(p, port, log);
            var client = java.net.http.HttpClient.newHttpClient();
            var page = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + demoPort
                    + "/demo/agent-desktop")).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, page.statusCode(), read(log));
            assertTrue(page.body().contains("Sample agent desktop"));
            assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("frame-src http://localhost:" + port));
            var redirect = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port
                    + "/demo/agent-desktop")).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
            assertEquals(302, redirect.statusCode());
            assertEquals("http://localhost:" + demoPort + "/demo/agent-desktop", redirect.headers().firstValue("Location").orElse(""));
            var opened = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + demoPort
                    + "/demo/api/sessions")).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(201, opened.statusCode(), opened.body());
            var session = new io.vertx.core.json.JsonObject(opened.body());
            assertTrue(session.getString("id").startsWith("cs_") && session.getString("clientSecret").startsWith("cvcs_"));
            var frame = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port
                    + "/widget/v1/frame?session=" + session.getString("id"))).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertTrue(frame.headers().firstValue("Content-Security-Policy").orElse("")
                    .endsWith("frame-ancestors http://localhost:" + demoPort), "the demo's origin frames the widget");
            demoInChromium(port, demoPort);
        } finally {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** The whole demo flow in a real browser: the page's own script, the widget, a token. */
    private void demoInChromium(int port, int demoPort) throws Exception {
        dev.cardvault.testsupport.SystemPackages.require("chromium chromium-driver", "chromium", "chromedriver");
        var options = new org.openqa.selenium.chrome.ChromeOptions();
        options.setBinary(dev.cardvault.testsupport.SystemPackages.which("chromium").orElseThrow().toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1000,760");
        var service = new org.openqa.selenium.chrome.ChromeDriverService.Builder()
                .usingDriverExecutable(dev.cardvault.testsupport.SystemPackages.which("chromedriver").orElseThrow().toFile())
                .usingAnyFreePort().build();
        org.openqa.selenium.WebDriver driver = new org.openqa.selenium.chrome.ChromeDriver(service, options);
        try {
            driver.get("http://localhost:" + port + "/demo/agent-desktop"); // redirected to the demo's origin
            assertEquals("http://localhost:" + demoPort + "/demo/agent-desktop", driver.getCurrentUrl());
            driver.findElement(org.openqa.selenium.By.id("start")).click();
            var wait = new org.openqa.selenium.support.ui.WebDriverWait(driver, Duration.ofSeconds(20));
            wait.until(d -> !d.findElements(org.openqa.selenium.By.tagName("iframe")).isEmpty());
            driver.switchTo().frame(driver.findElement(org.openqa.selenium.By.tagName("iframe")));
            wait.until(d -> d.findElements(org.openqa.selenium.By.id("pan")).size() == 1);
            String pan = dev.cardvault.testsupport.TestCards.randomVisa();
            driver.findElement(org.openqa.selenium.By.id("pan")).sendKeys(pan);
            driver.findElement(org.openqa.selenium.By.id("exp")).sendKeys("12" + ((java.time.Year.now().getValue() + 2) % 100));
            driver.findElement(org.openqa.selenium.By.id("submit")).click();
            driver.switchTo().defaultContent();
            wait.until(d -> d.findElement(org.openqa.selenium.By.id("log")).getText().contains("backend check: session COMPLETED"));
            String page = driver.getPageSource();
            assertFalse(page.contains(pan) || page.contains(pan.substring(0, 12)), "the demo desktop saw the card's digits");
            java.io.File shot = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(org.openqa.selenium.OutputType.FILE);
            Files.createDirectories(Path.of("target", "widget-screenshots"));
            Files.copy(shot.toPath(), Path.of("target", "widget-screenshots", "demo.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

            // A phone payment: the agent's browser shows the progress while the customer keys (here, this test as the IVR).
            driver.findElement(org.openqa.selenium.By.id("phone")).click();
            wait.until(d -> d.findElement(org.openqa.selenium.By.id("phone-command")).getText().contains("--session cs_"));
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("--session (cs_[0-9a-f]+)")
                    .matcher(driver.findElement(org.openqa.selenium.By.id("phone-command")).getText());
            assertTrue(m.find());
            String session = m.group(1);
            String ivr = TestJwt.as("ivr").roles("telephony").tenant("demo").bearer();
            String phonePan = dev.cardvault.testsupport.TestCards.randomVisa();
            HttpApi vaultApi = HttpApi.at(port);
            vaultApi.json("POST", "/v1/capture-sessions/" + session + "/keys", ivr, "{\"keys\":\"" + phonePan + "#\",\"seq\":1}", 200);
            vaultApi.json("POST", "/v1/capture-sessions/" + session + "/keys", ivr,
                    "{\"keys\":\"12" + ((java.time.Year.now().getValue() + 2) % 100) + "#\",\"seq\":2}", 200);
            wait.until(d -> d.findElement(org.openqa.selenium.By.id("log")).getText().split("backend check: session COMPLETED").length > 2);
            String phonePage = driver.getPageSource();
            assertFalse(phonePage.contains(phonePan) || phonePage.contains(phonePan.substring(0, 12)), "the demo desktop saw the keyed card");
            shot = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(org.openqa.selenium.OutputType.FILE);
            Files.copy(shot.toPath(), Path.of("target", "widget-screenshots", "demo-phone.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            driver.quit();
        }
    }

    @Test
    void sharesSource_startsSealedEveryTime_andAMasterKeyRotationKilledMidwayIsConfirmedAfterTheRestart() throws Exception {
        int port = freePort();
        HttpApi api = HttpApi.at(port);
        Map<String, String> env = Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port),
                "CARDVAULT_MASTER_KEY_SOURCE", "shares");
        String alice = TestJwt.as("alice").roles("key-custodian").tenant("ops").bearer();
        String bob = TestJwt.as("bob").roles("key-custodian").tenant("ops").bearer();
        String carol = TestJwt.as("carol").roles("key-custodian").tenant("ops").bearer();
        String pan = dev.cardvault.testsupport.TestCards.randomVisa();
        Path log1 = workDir.resolve("shares1.log");
        Process first = start(env, log1);
        java.util.List<String> shares = new java.util.ArrayList<>();
        java.util.List<String> newShares = new java.util.ArrayList<>();
        String token;
        String rotation;
        try {
            awaitSealed(first, port, log1, false);
            api.json("POST", "/v1/tokens", Api.agent("sh"), Api.card(pan).encode(), 503);
            var init = api.json("POST", "/v1/sys/init", alice, "{\"shares\":3,\"threshold\":2}", 200);
            init.getJsonArray("shares").forEach(x -> shares.add((String) x));
            api.json("POST", "/v1/sys/unseal", alice, "{\"share\":\"" + shares.get(0) + "\"}", 200);
            assertEquals(false, api.json("POST", "/v1/sys/unseal", bob, "{\"share\":\"" + shares.get(1) + "\"}", 200)
                    .getBoolean("sealed"));
            assertEquals(200, api.status("/q/health/ready", null));
            token = api.json("POST", "/v1/tokens", Api.agent("sh"), Api.card(pan).put("expYear", 2040).encode(), 201)
                    .getString("token");
            // A master key rotation approved, its new shares handed out, then the process is killed.
            rotation = api.json("POST", "/v1/keys/master-rotations", alice, "{\"reason\":\"custodian change\"}", 202).getString("id");
            var approved = api.json("POST", "/v1/keys/master-rotations/" + rotation + "/approve", bob, null, 200);
            assertEquals("AWAITING_SHARES", approved.getString("state"));
            approved.getJsonArray("newShares").forEach(x -> newShares.add((String) x));
        } finally {
            first.destroyForcibly();
            first.waitFor(60, TimeUnit.SECONDS);
        }
        Path log2 = workDir.resolve("shares2.log");
        Process second = start(env, log2);
        try {
            awaitSealed(second, port, log2, true);
            assertEquals(503, api.status("/q/health/ready", null));
            api.json("POST", "/v1/tokens/" + token + "/detokenize", Api.bearer("billing", "sh", "detokenizer"),
                    "{\"purpose\":\"REFUND\"}", 503);
            api.json("POST", "/v1/sys/unseal", carol, "{\"share\":\"" + shares.get(2) + "\"}", 200);
            api.json("POST", "/v1/sys/unseal", alice, "{\"share\":\"" + shares.get(0) + "\"}", 200);
            String revealed = api.json("POST", "/v1/tokens/" + token + "/detokenize", Api.bearer("billing", "sh", "detokenizer"),
                    "{\"purpose\":\"REFUND\"}", 200).getString("pan");
            assertTrue(pan.equals(revealed), "the card did not reveal after the restart"); // no card number in failure output
            // The old key is still in force; the rotation resumes: two custodians confirm their new shares.
            assertEquals("AWAITING_SHARES", api.json("POST", "/v1/keys/master-rotations/" + rotation + "/confirm", carol,
                    "{\"share\":\"" + newShares.get(2) + "\"}", 200).getString("state"));
            assertEquals("COMPLETED", api.json("POST", "/v1/keys/master-rotations/" + rotation + "/confirm", bob,
                    "{\"share\":\"" + newShares.get(1) + "\"}", 200).getString("state"));
        } finally {
            second.destroy();
            second.waitFor(60, TimeUnit.SECONDS);
        }
        Path log3 = workDir.resolve("shares3.log");
        Process third = start(env, log3);
        try {
            awaitSealed(third, port, log3, true);
            api.json("POST", "/v1/sys/unseal", alice, "{\"share\":\"" + shares.get(0) + "\"}", 200);
            api.json("POST", "/v1/sys/unseal", carol, "{\"share\":\"" + shares.get(2) + "\"}", 422); // the old key is gone
            api.json("POST", "/v1/sys/unseal", alice, "{\"share\":\"" + newShares.get(0) + "\"}", 200);
            api.json("POST", "/v1/sys/unseal", bob, "{\"share\":\"" + newShares.get(1) + "\"}", 200);
            String revealed = api.json("POST", "/v1/tokens/" + token + "/detokenize", Api.bearer("billing", "sh", "detokenizer"),
                    "{\"purpose\":\"REFUND\"}", 200).getString("pan");
            assertTrue(pan.equals(revealed), "the card did not reveal under the rotated master key");
        } finally {
            third.destroy();
            third.waitFor(60, TimeUnit.SECONDS);
        }
        java.util.List<String> all = new java.util.ArrayList<>(shares);
        all.addAll(newShares);
        for (Path log : java.util.List.of(log1, log2, log3)) {
            String text = read(log);
            for (String share : all) {
                assertFalse(text.contains(share.substring("cvshare:".length())), "a share reached the log " + log.getFileName());
            }
        }
    }

    /** Waits until the service answers its seal status (it never gets ready while sealed). */
    private void awaitSealed(Process p, int port, Path log, boolean initialized) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            assertTrue(p.isAlive(), () -> "service exited early:\n" + read(log));
            try {
                var status = HttpApi.at(port).timeout(Duration.ofSeconds(5)).json("GET", "/v1/sys/seal-status", null, null, 200);
                assertEquals(true, status.getBoolean("sealed"));
                assertEquals(initialized, status.getBoolean("initialized"));
                return;
            } catch (java.io.UncheckedIOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("service not answering in 90 s:\n" + read(log));
    }

    private static String reveal(HttpApi api, String token) {
        String billing = Api.bearer("billing", "hsm", "detokenizer");
        return api.json("POST", "/v1/tokens/" + token + "/detokenize", billing, "{\"purpose\":\"REFUND\"}", 200).getString("pan");
    }
}
