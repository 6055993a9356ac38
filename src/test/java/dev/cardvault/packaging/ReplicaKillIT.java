package dev.cardvault.packaging;

import static dev.cardvault.testsupport.ServiceProcesses.freePort;
import static dev.cardvault.testsupport.ServiceProcesses.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.HttpApi;
import dev.cardvault.testsupport.ServiceProcesses;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * SIGKILL, the way a node failure or the OOM killer ends a replica: during a bulk import, then
 * during batch reveals, on the packaged jar with its embedded PostgreSQL (left running, orphaned,
 * by the kill). After each restart: every card whose token was acknowledged exists and reveals,
 * every batch reveal that was answered has its audit events (one per card, same request id), and
 * the trail verifies. Runs in the integration-test phase of {@code ./mvnw verify}.
 */
class ReplicaKillIT {

    private static final String TENANT = "killed";
    private static final int IMPORT_LINES = 30_000;
    private static final int KILL_AFTER_LINES = 3_000;

    @TempDir
    Path workDir;

    private int port;
    private HttpApi api;
    private final String agent = Api.agent(TENANT);
    private final String billing = Api.bearer("billing", TENANT, "detokenizer");
    /** Every card whose token the service acknowledged, by token. */
    private final Map<String, String> acknowledged = new ConcurrentHashMap<>();

    @Test
    void sigkill_duringAnImport_andDuringBatchReveals_losesNoAcknowledgedCard_andRevealsNothingUnaudited() throws Exception {
        port = freePort();
        api = HttpApi.at(port).timeout(Duration.ofSeconds(60));

        // Run 1: single tokenizations, then an import killed part-way.
        Process first = start("run1.log");
        for (int i = 0; i < 100; i++) {
            String pan = TestCards.randomVisa();
            acknowledged.put(api.json("POST", "/v1/tokens", agent, Api.card(pan).put("expYear", 2040).encode(), 201).getString("token"), pan);
        }
        int importAcknowledged = importUntilKilled(first);
        assertTrue(importAcknowledged >= KILL_AFTER_LINES && importAcknowledged < IMPORT_LINES,
                "the kill did not land mid-import: " + importAcknowledged + " lines acknowledged");

        // Run 2: batch reveals from four clients, killed under load.
        Process second = start("run2.log");
        Map<String, Integer> answeredReveals = batchRevealsUntilKilled(second);
        assertTrue(!answeredReveals.isEmpty(), "no batch reveal was answered before the kill");

        // Run 3: a clean restart on the same (orphaned, then restarted) embedded database.
        Process third = start("run3.log");
        try {
            everyAcknowledgedCardReveals();
            Map<String, Integer> audited = revealEventsByRequest();
            for (Map.Entry<String, Integer> answered : answeredReveals.entrySet()) {
                assertEquals(answered.getValue(), audited.getOrDefault(answered.getKey(), 0),
                        "batch reveal " + answered.getKey() + " answered cards without their audit events");
            }
            String auditor = TestJwt.as("auditor").roles("auditor").tenant("ops").bearer();
            JsonObject verify = api.json("GET", "/v1/audit/verify", auditor, null, 200);
            assertTrue(verify.getBoolean("valid"), "the audit trail does not verify after two kills: " + verify.getString("reason"));
            String log3 = read(workDir.resolve("run3.log"));
            assertTrue(!log3.contains("Unexpected error"), "the restart logged an unexpected error");
            System.out.printf("kills: %d import lines acknowledged of %d before SIGKILL; %d batch reveals answered before SIGKILL, "
                    + "each with its audit events; %d acknowledged cards reveal after the restarts; trail valid (%d events)%n",
                    importAcknowledged, IMPORT_LINES, answeredReveals.size(), acknowledged.size(), verify.getInteger("events"));
        } finally {
            third.destroy(); // SIGTERM: a clean stop, the embedded database with it
            third.waitFor(60, TimeUnit.SECONDS);
        }
    }

    /** Streams an import of fresh cards and SIGKILLs the service once enough lines are answered. */
    private int importUntilKilled(Process service) throws Exception {
        List<String> pans = new ArrayList<>(IMPORT_LINES);
        StringBuilder ndjson = new StringBuilder();
        for (int i = 0; i < IMPORT_LINES; i++) {
            String pan = TestCards.randomVisa();
            pans.add(pan);
            ndjson.append(Api.card(pan).put("expYear", 2040).encode()).append('\n');
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/imports"))
                .header("Authorization", agent).header("Content-Type", "application/x-ndjson")
                .header("Idempotency-Key", "kill-import-one")
                .POST(HttpRequest.BodyPublishers.ofString(ndjson.toString())).build();
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, response.statusCode(), "import");
        int answered = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                JsonObject answer = new JsonObject(line);
                if (answer.containsKey("token")) {
                    acknowledged.put(answer.getString("token"), pans.get(answer.getInteger("line") - 1));
                    if (++answered == KILL_AFTER_LINES) {
                        kill(service);
                    }
                }
            }
        } catch (IOException cut) {
            // the connection died with the process: what was read is what was acknowledged
        }
        kill(service);
        return answered;
    }

    /** Batch reveals of 100 from four clients; SIGKILL after 1.5 s. Answered request id → cards revealed. */
    private Map<String, Integer> batchRevealsUntilKilled(Process service) throws Exception {
        List<String> tokens = new ArrayList<>(acknowledged.keySet());
        Map<String, Integer> answered = new ConcurrentHashMap<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger sequence = new AtomicInteger();
        AtomicInteger wrongCards = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        for (int c = 0; c < 4; c++) {
            clients.submit(() -> {
                while (running.get()) {
                    JsonArray batch = new JsonArray();
                    for (int i = 0; i < 100; i++) {
                        batch.add(tokens.get(ThreadLocalRandom.current().nextInt(tokens.size())));
                    }
                    String requestId = "kill-reveal-" + sequence.incrementAndGet();
                    try {
                        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest
                                .newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/detokenizations"))
                                .header("Authorization", billing).header("Content-Type", "application/json")
                                .header("X-Request-Id", requestId).timeout(Duration.ofSeconds(30))
                                .POST(HttpRequest.BodyPublishers.ofString(new JsonObject().put("tokens", batch)
                                        .put("purpose", "RECURRING_BILLING").encode()))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            int revealed = 0;
                            for (Object o : new JsonObject(r.body()).getJsonArray("results")) {
                                JsonObject item = (JsonObject) o;
                                if (item.containsKey("pan")) {
                                    revealed++;
                                    if (!item.getString("pan").equals(acknowledged.get(item.getString("token")))) {
                                        wrongCards.incrementAndGet();
                                    }
                                }
                            }
                            answered.put(requestId, revealed);
                        }
                    } catch (IOException cut) {
                        // in flight at the kill: not answered
                    }
                }
                return null;
            });
        }
        // Killed under load: once ten batches have been answered (or after 30 s on a slow machine).
        long t0 = System.nanoTime();
        while (answered.size() < 10 && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30)) {
            Thread.sleep(20);
        }
        kill(service);
        running.set(false);
        clients.shutdown();
        assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS), "reveal clients did not stop");
        assertEquals(0, wrongCards.get(), "a batch reveal answered another card");
        return answered;
    }

    private void everyAcknowledgedCardReveals() {
        List<String> tokens = new ArrayList<>(acknowledged.keySet());
        int checked = 0;
        for (int from = 0; from < tokens.size(); from += 100) {
            JsonArray batch = new JsonArray(tokens.subList(from, Math.min(tokens.size(), from + 100)));
            JsonObject answer = api.json("POST", "/v1/detokenizations", billing,
                    new JsonObject().put("tokens", batch).put("purpose", "RECURRING_BILLING").encode(), 200);
            for (Object o : answer.getJsonArray("results")) {
                JsonObject item = (JsonObject) o;
                assertTrue(item.containsKey("pan"), "an acknowledged token does not reveal: " + item.getString("error"));
                // Compared, never printed: test output is scanned for card numbers.
                assertTrue(item.getString("pan").equals(acknowledged.get(item.getString("token"))), "an acknowledged token reveals another card");
                checked++;
            }
        }
        assertEquals(acknowledged.size(), checked);
    }

    /** DETOKENIZED events by request id, over the whole trail. */
    private Map<String, Integer> revealEventsByRequest() {
        String auditor = TestJwt.as("auditor").roles("auditor").tenant("ops").bearer();
        Map<String, Integer> byRequest = new HashMap<>();
        long after = 0;
        while (true) {
            JsonObject page = api.json("GET", "/v1/audit/events?type=DETOKENIZED&limit=1000&afterSeq=" + after, auditor, null, 200);
            JsonArray events = page.getJsonArray("events");
            if (events.isEmpty()) {
                return byRequest;
            }
            for (Object o : events) {
                String requestId = ((JsonObject) o).getString("requestId");
                if (requestId != null) {
                    byRequest.merge(requestId, 1, Integer::sum);
                }
            }
            after = page.getLong("nextAfterSeq");
        }
    }

    /** Every process this test started, and the embedded PostgreSQL the last SIGKILL may have orphaned, stopped. */
    @org.junit.jupiter.api.AfterEach
    void stopWhatIsLeft() throws Exception {
        for (Process p : started) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
        Path pid = workDir.resolve(".cardvault/pgdata/postmaster.pid");
        if (java.nio.file.Files.isRegularFile(pid)) {
            long postmaster = Long.parseLong(java.nio.file.Files.readAllLines(pid).get(0).trim());
            ProcessHandle.of(postmaster).filter(h -> h.info().command().orElse("").endsWith("postgres")).ifPresent(h -> {
                h.destroy(); // SIGTERM: PostgreSQL's smart shutdown, no client is left
                h.onExit().orTimeout(30, TimeUnit.SECONDS).join();
            });
        }
    }

    private final List<Process> started = new ArrayList<>();

    private Process start(String logName) throws Exception {
        Path log = workDir.resolve(logName);
        Process p = ServiceProcesses.startJar(workDir, Map.of("QUARKUS_PROFILE", "dev", "QUARKUS_HTTP_PORT", Integer.toString(port),
                // Thousands of cards are revealed by one billing subject.
                "CARDVAULT_DETOKENIZE_RATE_LIMIT_PER_MINUTE", "100000000"), log);
        started.add(p);
        ServiceProcesses.awaitReady(p, api, log, Duration.ofSeconds(120));
        return p;
    }

    private static void kill(Process service) throws InterruptedException {
        if (service.isAlive()) {
            service.destroyForcibly(); // SIGKILL: no shutdown hook, no drain, the embedded PostgreSQL orphaned
            assertTrue(service.waitFor(30, TimeUnit.SECONDS), "the service survived SIGKILL");
        }
    }
}
