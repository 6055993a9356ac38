package dev.cardvault.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static dev.cardvault.testsupport.ServiceProcesses.freePort;
import static dev.cardvault.testsupport.ServiceProcesses.read;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.vertx.core.json.JsonObject;

import dev.cardvault.database.EmbeddedPostgresServer;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.HttpApi;
import dev.cardvault.testsupport.SystemPackages;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;

/**
 * Runs the packaged service the way the prod overlay's Deployment runs the image, without a
 * cluster: the command is the Dockerfile's ENTRYPOINT; the environment, the Secret files (mode
 * 0440, group = fsGroup), the writable {@code /tmp} and the probe paths are read from the rendered
 * manifest; the root file system is read-only, the process runs as the manifest's non-root UID
 * with no capabilities and no_new_privs. First the init container migrates as the schema owner
 * and exits, then the service starts as the runtime role, on a real PostgreSQL with both roles (the
 * Service's host and port mapped to it, as cluster DNS would). Then SIGTERM, as the kubelet sends it.
 *
 * <p>Needs root (mount namespace, chroot), as CI has; skipped otherwise.
 */
class ContainerIT {

    private static final Path APP = Path.of("target/quarkus-app").toAbsolutePath();

    @TempDir
    Path work;

    @ParameterizedTest
    @ValueSource(strings = { "prod", "dev" })
    void deployment_startsReadOnlyAsNonRoot_servesWithItsSecrets_andDrainsOnSigterm(String overlay) throws Exception {
        boolean prod = overlay.equals("prod");
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to build the container sandbox (a mount namespace, chroot)");
        SystemPackages.require("util-linux", "unshare", "setpriv"); // the container sandbox
        SystemPackages.require("openssl", "openssl"); // the database's TLS
        Kubectl.require();
        JsonNode deployment = Kubectl.kustomize(ManifestsTest.K8S.resolve("overlays").resolve(overlay)).stream()
                .filter(o -> o.path("kind").asText().equals("Deployment") && Kubectl.name(o).equals("cardvault"))
                .findFirst().orElseThrow();
        JsonNode pod = ManifestsTest.pod(deployment);
        JsonNode container = ManifestsTest.container(deployment, "cardvault");
        JsonNode migrate = ManifestsTest.initContainer(deployment, "migrate");
        String uid = pod.path("securityContext").path("runAsUser").asText();
        String gid = pod.path("securityContext").path("runAsGroup").asText();
        String fsGroup = pod.path("securityContext").path("fsGroup").asText();

        try (EmbeddedPostgresServer db = EmbeddedPostgresServer.start(work.resolve("pgdata"), false, true)) {
            String ownerPassword = "ci-owner-" + Long.toHexString(new SecureRandom().nextLong());
            String runtimePassword = "ci-app-" + Long.toHexString(new SecureRandom().nextLong());
            // prod, like CloudNativePG: TLS with a server certificate from the cluster's own CA, and
            // no connection without TLS, so the service only works if it speaks TLS and trusts that
            // CA. dev: the plain single PostgreSQL pod.
            String caPem = prod ? serverTls(db) : "";
            try (Connection c = db.superuserConnection(); Statement s = c.createStatement()) {
                s.execute("ALTER ROLE " + EmbeddedPostgresServer.OWNER + " PASSWORD '" + ownerPassword + "'");
                s.execute("ALTER ROLE " + EmbeddedPostgresServer.RUNTIME + " PASSWORD '" + runtimePassword + "'");
            }
            if (prod) {
                requireTls(db, ownerPassword);
            }
            // What the platform team's Secrets hold (prod: an identity provider key pair of our own,
            // as the prod profile refuses keys-dev; dev: what create-secrets.sh puts there).
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            KeyPair idp = rsa.generateKeyPair();
            byte[] master = new byte[32];
            new SecureRandom().nextBytes(master);
            Map<String, Map<String, String>> secrets = Map.of(
                    "cardvault-db-ca", Map.of("ca.crt", caPem),
                    "cardvault-db-app", Map.of("username", EmbeddedPostgresServer.OWNER, "password", ownerPassword),
                    "cardvault-db-runtime", Map.of("username", EmbeddedPostgresServer.RUNTIME, "password", runtimePassword),
                    "cardvault-jwt", Map.of("public.pem", prod ? "-----BEGIN PUBLIC KEY-----\n"
                            + Base64.getMimeEncoder().encodeToString(idp.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n"
                            : Files.readString(TestJwt.devKeysDir().resolve("jwt-public.pem"))),
                    "cardvault-master-key", Map.of("master.key", Base64.getEncoder().encodeToString(master)));

            int port = freePort();
            // HTTP/1.1, as the ingress controller and kube-proxy'd clients speak to the pod. (Over cleartext
            // HTTP/2 a stream opened while Quarkus sends its shutdown GOAWAY can lose its body: README.)
            HttpApi api = HttpApi.at(port).timeout(Duration.ofSeconds(10));
            HttpApi prober = api.timeout(Duration.ofSeconds(5));
            // The database Service's name and port, resolved as cluster DNS and kube-proxy would
            // (prod: the name in the server certificate).
            Map<String, String> service = Map.of("DB_HOST", prod ? "localhost" : "127.0.0.1", "DB_PORT", Integer.toString(db.port()));
            Map<String, String> env = environment(container, secrets, service);
            env.put("QUARKUS_HTTP_PORT", Integer.toString(port)); // the container port, mapped as a runtime would
            String issuer = prod ? env.get("MP_JWT_VERIFY_ISSUER") : TestJwt.ISSUER;
            String audience = env.get("MP_JWT_VERIFY_AUDIENCES");
            java.security.PrivateKey signer = prod ? idp.getPrivate() : TestJwt.devKey();

            // The init container: migrations and grants as the owner, then it exits, before the service starts.
            Path migrateLog = work.resolve("migrate.log");
            Process migration = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    sandboxScript(pod, migrate, secrets, uid, gid, fsGroup, environment(migrate, secrets, service)), "sandbox")
                    .redirectErrorStream(true).redirectOutput(migrateLog.toFile()).start();
            try {
                assertTrue(migration.waitFor(120, TimeUnit.SECONDS), () -> "the init container did not exit:\n" + read(migrateLog));
            } finally {
                migration.destroyForcibly();
            }
            String migrated = read(migrateLog);
            assertEquals(0, migration.exitValue(), () -> "the init container failed" + (migration.exitValue() == 143
                    ? " (143: the JVM was sent SIGTERM, by nothing in this test)" : "") + ":\n" + migrated);
            assertTrue(migrated.contains("Successfully applied") && migrated.contains("Executing SQL callback: afterMigrate"), migrated);
            assertFalse(migrated.contains(" ERROR "), migrated);
            try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
                    java.sql.ResultSet rs = s.executeQuery("SELECT pg_get_userbyid(relowner) || ' ' || has_table_privilege('"
                            + EmbeddedPostgresServer.RUNTIME + "', 'audit_event', 'INSERT') FROM pg_class WHERE relname = 'audit_event'")) {
                assertTrue(rs.next());
                assertEquals(EmbeddedPostgresServer.OWNER + " true", rs.getString(1), "migrated as the owner, granted to the runtime role");
            }

            Path log = work.resolve("container.log");
            Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    sandboxScript(pod, container, secrets, uid, gid, fsGroup, env), "sandbox")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                List<String> probes = List.of("startupProbe", "readinessProbe", "livenessProbe");
                JsonNode startup = container.path("startupProbe");
                long window = startup.path("periodSeconds").asLong() * startup.path("failureThreshold").asLong();
                awaitStatus(p, log, prober, startup.path("httpGet").path("path").asText(), 200, Duration.ofSeconds(window));
                for (String probe : probes) {
                    assertEquals(200, prober.status(container.path(probe).path("httpGet").path("path").asText(), null), probe);
                }
                // The JVM really runs as the pod would: non-root, no capabilities, no privilege gain, read-only root.
                String proc = Files.readString(Path.of("/proc", Long.toString(p.pid()), "status"));
                assertTrue(proc.contains("\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid), proc);
                assertTrue(proc.contains("\nCapEff:\t0000000000000000") && proc.contains("\nCapBnd:\t0000000000000000"), proc);
                assertTrue(proc.contains("\nNoNewPrivs:\t1"), proc);
                // The service runs as the runtime role and never saw the owner's password.
                String environ = Files.readString(Path.of("/proc", Long.toString(p.pid()), "environ"));
                assertTrue(environ.contains("QUARKUS_DATASOURCE_USERNAME=" + EmbeddedPostgresServer.RUNTIME + "\0"), "not the runtime role");
                assertFalse(environ.contains(ownerPassword) || environ.contains("CARDVAULT_MIGRATION_"), "the owner's credentials reached the service");
                Path containerRoot = Path.of("/proc", Long.toString(p.pid()), "root");
                for (String dir : List.of("", "deployments", "run/secrets/cardvault/jwt", "usr")) {
                    IOException refused = assertThrows(IOException.class,
                            () -> Files.writeString(containerRoot.resolve(dir).resolve("probe"), "x"), "/" + dir + " is writable");
                    assertTrue(String.valueOf(refused.getMessage()).contains("Read-only"), refused.toString());
                }

                // It works as the vault: tokenize and reveal with a token of "our" identity provider.
                String pan = TestCards.randomVisa();
                String agent = "Bearer " + TestJwt.as("agent").roles("tokenizer").tenant("acme").issuer(issuer).audience(audience).signedWith(signer).mint();
                String billing = "Bearer " + TestJwt.as("billing").roles("detokenizer").tenant("acme").issuer(issuer).audience(audience).signedWith(signer).mint();
                String admin = "Bearer " + TestJwt.as("admin").roles("processor-admin").tenant("platform").issuer(issuer).audience(audience)
                        .signedWith(signer).mint();
                if (prod) {
                    // Production collects cards only for a purpose the tenant's controller registered.
                    assertEquals(403, api.post("/v1/tokens", agent, Api.card(pan).put("expYear", 2040).encode()).statusCode());
                }
                int registered = api.send("PUT", "/v1/controllers/acme", admin, "{\"name\": \"Acme\", \"dpaReference\": \"DPA-1\", "
                        + "\"dpaDate\": \"2026-01-01\", \"contact\": {\"email\": \"dpo@acme.example\"}}").statusCode();
                assertTrue(registered == 201 || registered == 200, "controller registration answered " + registered);
                int purpose = api.send("PUT", "/v1/controllers/acme/purposes/BILLING", admin, "{\"description\": \"Billing\", "
                        + "\"legalBasis\": \"CONTRACT\", \"retention\": \"P2Y\", \"revealPurposes\": [\"RECURRING_BILLING\"]}").statusCode();
                assertTrue(purpose == 201 || purpose == 200, "purpose registration answered " + purpose);
                HttpResponse<String> created = api.post("/v1/tokens", agent, Api.card(pan).put("expYear", 2040).put("purpose", "BILLING").encode());
                assertEquals(201, created.statusCode(), () -> created.body() + "\n" + read(log));
                String token = new JsonObject(created.body()).getString("token");
                HttpResponse<String> revealed = api.post("/v1/tokens/" + token + "/detokenize", billing, "{\"purpose\":\"RECURRING_BILLING\"}");
                assertEquals(200, revealed.statusCode(), () -> "reveal failed\n" + read(log)); // the body may hold the card
                // equals, not assertEquals: a failure message must not print the card number.
                assertTrue(pan.equals(new JsonObject(revealed.body()).getString("pan")), "the revealed card differs");
                // A token from anyone else is refused: the mounted key is what verification uses.
                java.security.PrivateKey other = prod ? TestJwt.devKey() : TestJwt.untrustedKey();
                assertEquals(401, api.post("/v1/tokens", "Bearer " + TestJwt.as("agent").roles("tokenizer").tenant("acme").issuer(issuer)
                        .signedWith(other).mint(), Api.card(TestCards.randomVisa()).put("expYear", 2040).encode()).statusCode(),
                        "a token signed with another key was accepted");

                // SIGTERM, as the kubelet sends it, while agents keep tokenizing.
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger servedAfterSigterm = new AtomicInteger();
                AtomicInteger serverErrors = new AtomicInteger();
                AtomicInteger refused = new AtomicInteger();
                AtomicInteger cut = new AtomicInteger();
                AtomicInteger notConnected = new AtomicInteger();
                AtomicBoolean terminating = new AtomicBoolean();
                List<Thread> agents = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    Thread t = new Thread(() -> {
                        while (!stop.get()) {
                            try {
                                int s = api.post("/v1/tokens", agent, Api.card(TestCards.randomVisa()).put("expMonth", 1).put("expYear", 2041)
                                        .put("purpose", "BILLING").encode()).statusCode();
                                if (s == 201 && terminating.get()) {
                                    servedAfterSigterm.incrementAndGet();
                                } else if (s == 503) {
                                    refused.incrementAndGet(); // shutting down: retry elsewhere
                                } else if (s >= 500) {
                                    serverErrors.incrementAndGet();
                                }
                            } catch (java.net.ConnectException closed) {
                                notConnected.incrementAndGet(); // the listener is gone: expected at the end
                            } catch (IOException lost) {
                                cut.incrementAndGet(); // connected, but no answer
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    });
                    t.start();
                    agents.add(t);
                }
                Thread.sleep(500);
                long sigterm = System.nanoTime();
                terminating.set(true);
                p.destroy(); // SIGTERM to the JVM: unshare, chroot, setpriv and env all exec'd into it
                Duration delay = ManifestsTest.quarkusDuration(env.get("QUARKUS_SHUTDOWN_DELAY"));
                awaitStatus(p, log, prober, container.path("readinessProbe").path("httpGet").path("path").asText(), 503, delay);
                assertEquals(200, prober.status(container.path("livenessProbe").path("httpGet").path("path").asText(), null),
                        "liveness must stay up while draining, or the kubelet restarts the pod instead of letting it finish");
                long graceNanos = TimeUnit.SECONDS.toNanos(pod.path("terminationGracePeriodSeconds").asLong());
                assertTrue(p.waitFor(graceNanos - (System.nanoTime() - sigterm), TimeUnit.NANOSECONDS),
                        "still running after terminationGracePeriodSeconds: SIGKILL would follow");
                long stoppedAfterMs = (System.nanoTime() - sigterm) / 1_000_000;
                stop.set(true);
                for (Thread t : agents) {
                    t.join(10_000);
                }
                String out = read(log);
                // Kept where CI's card-number scan reads captured output (*-output.txt).
                Files.createDirectories(Path.of("target/failsafe-reports"));
                Files.writeString(Path.of("target/failsafe-reports/ContainerIT-" + overlay + "-container-output.txt"), out);
                System.out.printf(overlay + ": SIGTERM: stopped after %d ms; %d tokenizations served during the drain, %d refused with 503,"
                        + " %d connected without an answer, %d could not connect%n", stoppedAfterMs, servedAfterSigterm.get(), refused.get(),
                        cut.get(), notConnected.get());
                // read() shows prod's JSON lines as the dev pattern does, with the whole category name.
                List<String> lost = out.lines().filter(l -> l.matches(".*\\[(car|cardvault)\\.access\\].* (GET|POST|PUT|DELETE) \\S+ status=closed .*"))
                        .toList();
                assertEquals(List.of(), lost, "requests lost their response while draining");
                assertTrue(servedAfterSigterm.get() > 0, "nothing served during the pre-shutdown delay");
                assertEquals(0, serverErrors.get(), "server errors while draining");
                assertTrue(stoppedAfterMs >= delay.toMillis(), "stopped before the delay was over: " + stoppedAfterMs + " ms");
                assertFalse(out.contains(" ERROR "), "errors in the log:\n" + out);
                assertFalse(out.contains(pan), "a card number in the log");
                assertTrue(out.contains("Profile " + overlay + " activated"), "not the " + overlay + " profile:\n" + out);
            } finally {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** Server TLS on, and pg_hba accepting TLS connections only. */
    private void requireTls(EmbeddedPostgresServer db, String ownerPassword) throws Exception {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET ssl_cert_file = '" + work.resolve("tls/server.crt") + "'");
            s.execute("ALTER SYSTEM SET ssl_key_file = '" + work.resolve("tls/server.key") + "'");
            s.execute("ALTER SYSTEM SET ssl = on");
            Path hba = db.dataDir().resolve("pg_hba.conf");
            Files.writeString(hba, Files.readString(hba).replaceAll("(?m)^host(\\s)", "hostssl$1"));
            s.execute("SELECT pg_reload_conf()");
        }
        // The reload is asynchronous: wait until a connection without TLS is refused.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try (Connection plain = java.sql.DriverManager.getConnection("jdbc:postgresql://localhost:" + db.port()
                    + "/cardvault?sslmode=disable", EmbeddedPostgresServer.OWNER, ownerPassword)) {
                assertTrue(System.nanoTime() < deadline, "the database still accepts connections without TLS");
                Thread.sleep(100);
            } catch (java.sql.SQLException refusedWithoutTls) {
                break;
            }
        }
    }

    /** A CA and a server certificate for "localhost" signed by it (openssl); returns the CA certificate. */
    private String serverTls(EmbeddedPostgresServer db) throws Exception {
        Path tls = Files.createDirectories(work.resolve("tls"));
        Files.writeString(tls.resolve("san.ext"), "subjectAltName=DNS:localhost\n");
        run(tls, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=cardvault-test-ca",
                "-keyout", "ca.key", "-out", "ca.crt");
        run(tls, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
        run(tls, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
                "-extfile", "san.ext", "-out", "server.crt");
        Files.setPosixFilePermissions(tls.resolve("server.key"), PosixFilePermissions.fromString("rw-------"));
        return Files.readString(tls.resolve("ca.crt"));
    }

    private static void run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, String.join(" ", command) + ":\n" + out);
    }

    /**
     * The container's environment as the kubelet builds it: Secret values and $(VAR) references
     * resolved; {@code resolved} replaces plain values (what cluster DNS and the Service port map to here).
     */
    static Map<String, String> environment(JsonNode container, Map<String, Map<String, String>> secrets, Map<String, String> resolved) {
        Map<String, String> env = new LinkedHashMap<>();
        Pattern ref = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
        for (JsonNode e : container.path("env")) {
            String value;
            if (resolved.containsKey(e.path("name").asText())) {
                value = resolved.get(e.path("name").asText());
            } else if (e.has("valueFrom")) {
                JsonNode key = e.path("valueFrom").path("secretKeyRef");
                assertFalse(key.isMissingNode(), "only Secret references are expected: " + e);
                value = secrets.get(key.path("name").asText()).get(key.path("key").asText());
                assertTrue(value != null, "no test value for " + key);
            } else {
                Matcher m = ref.matcher(e.path("value").asText());
                StringBuilder sb = new StringBuilder();
                while (m.find()) {
                    m.appendReplacement(sb, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
                }
                m.appendTail(sb);
                value = sb.toString();
            }
            env.put(e.path("name").asText(), value);
        }
        return env;
    }

    /**
     * A shell script, run in a private mount namespace, that builds the container's file system
     * (read-only root of bind mounts, tmpfs emptyDirs, Secret directories) and execs the image's
     * ENTRYPOINT in it as the pod's user.
     */
    private String sandboxScript(JsonNode pod, JsonNode container, Map<String, Map<String, String>> secrets, String uid, String gid,
            String fsGroup, Map<String, String> env) throws IOException {
        Path root = Files.createDirectories(work.resolve("root"));
        StringBuilder sh = new StringBuilder("set -eu\nR=" + root + "\nmount -t tmpfs -o mode=0755 rootfs \"$R\"\n");
        // The image: the JRE and OS from the host, read-only; the fast-jar at /deployments.
        for (String dir : List.of("usr", "etc", "bin", "sbin", "lib", "lib64", "lib32", "libx32")) {
            Path host = Path.of("/" + dir);
            if (Files.isSymbolicLink(host)) {
                sh.append("ln -s ").append(Files.readSymbolicLink(host)).append(" \"$R/").append(dir).append("\"\n");
            } else if (Files.isDirectory(host)) {
                sh.append("mkdir \"$R/").append(dir).append("\"; mount --rbind -o ro /").append(dir).append(" \"$R/").append(dir)
                        .append("\"; mount -o remount,bind,ro \"$R/").append(dir).append("\"\n");
            }
        }
        sh.append("for d in dev proc sys; do mkdir \"$R/$d\"; mount --rbind /$d \"$R/$d\"; done\n");
        sh.append("mkdir -p \"$R/deployments\"; mount --bind ").append(APP).append(" \"$R/deployments\"; mount -o remount,bind,ro \"$R/deployments\"\n");

        Map<String, JsonNode> volumes = new LinkedHashMap<>();
        pod.path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
        for (JsonNode m : container.path("volumeMounts")) {
            JsonNode v = volumes.get(m.path("name").asText());
            String target = "\"$R" + m.path("mountPath").asText() + "\"";
            sh.append("mkdir -p ").append(target).append('\n');
            if (v.has("emptyDir")) {
                String size = v.path("emptyDir").path("sizeLimit").asText("64Mi").replace("Mi", "m");
                sh.append("mount -t tmpfs -o size=").append(size).append(",mode=1777 emptydir ").append(target).append('\n');
            } else if (v.has("secret")) {
                Path dir = Files.createDirectories(work.resolve("secrets").resolve(v.path("name").asText()));
                Map<String, String> data = secrets.get(v.path("secret").path("secretName").asText());
                String mode = Integer.toOctalString(v.path("secret").path("defaultMode").asInt(0644));
                for (JsonNode item : v.path("secret").path("items")) {
                    Path f = dir.resolve(item.path("path").asText());
                    Files.writeString(f, data.get(item.path("key").asText()));
                    sh.append("chown 0:").append(fsGroup).append(' ').append(f).append("; chmod ").append(mode).append(' ').append(f).append('\n');
                }
                sh.append("mount --bind ").append(dir).append(' ').append(target).append("; mount -o remount,bind,ro ").append(target).append('\n');
            } else {
                throw new AssertionError("unexpected volume " + v);
            }
        }
        sh.append("mount -o remount,ro \"$R\"\n"); // readOnlyRootFilesystem

        List<String> dockerfile = Files.readAllLines(Path.of("src/main/docker/Dockerfile.jvm"));
        List<String> entrypoint = ManifestsTest.texts(ManifestsTest.readJson(dockerfile.stream()
                .filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow().substring("ENTRYPOINT ".length())));
        // The image's own environment (ENV NAME=value lines), under the pod's.
        StringBuilder imageEnv = new StringBuilder();
        dockerfile.stream().filter(l -> l.startsWith("ENV ")).map(l -> l.substring(4).trim())
                .filter(kv -> !env.containsKey(kv.substring(0, kv.indexOf('='))))
                .forEach(kv -> imageEnv.append(' ').append(quote(kv)));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        StringBuilder cmd = new StringBuilder("exec chroot \"$R\" setpriv --reuid=" + uid + " --regid=" + gid + " --groups=" + fsGroup
                + " --bounding-set=-all --inh-caps=-all --no-new-privs env -i -C /deployments");
        env.forEach((k, v) -> cmd.append(' ').append(quote(k + "=" + v)));
        cmd.append(imageEnv).append(" PATH=/usr/bin:/bin ").append(quote(java)); // the image's "java" on PATH
        entrypoint.subList(1, entrypoint.size()).forEach(a -> cmd.append(' ').append(quote(a)));
        sh.append(cmd).append('\n');
        Path script = work.resolve("sandbox.sh");
        Files.writeString(script, sh);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return sh.toString();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static void awaitStatus(Process p, Path log, HttpApi api, String path, int expected, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            try {
                last = api.status(path, null);
                if (last == expected) {
                    return;
                }
            } catch (IOException notListening) {
                assertTrue(p.isAlive(), () -> "the container exited:\n" + read(log));
            }
            Thread.sleep(100);
        }
        throw new AssertionError(path + " did not answer " + expected + " within " + within + " (last " + last + "):\n" + read(log));
    }

}
