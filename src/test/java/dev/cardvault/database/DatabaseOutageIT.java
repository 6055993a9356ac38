package dev.cardvault.database;

import static dev.cardvault.testsupport.ServiceProcesses.freePort;
import static dev.cardvault.testsupport.ServiceProcesses.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.HttpApi;
import dev.cardvault.testsupport.ServiceProcesses;
import dev.cardvault.testsupport.TestCards;
import io.vertx.core.json.JsonObject;

/**
 * The packaged service on a PostgreSQL this test starts, stops, cuts and freezes: during each
 * fault every request ends within the configured time with 503 problem+json (never 500, never a
 * hang), readiness says DOWN without hanging and liveness UP; afterwards the service recovers by
 * itself within 10 s and every card acknowledged before or during the fault reveals. Figures go to
 * docs/reliability.md. Runs in the integration-test phase of {@code ./mvnw verify}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DatabaseOutageIT {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration POOL_WAIT = Duration.ofMillis(1_000);
    private static final int POOL_SIZE = 32; // quarkus.datasource.reactive.max-size
    /** What a request may take beyond the configured timeout: scheduling on a busy 2-core machine. */
    private static final long SLACK_MS = 2_000;
    private static final long RECOVERY_MS = 10_000;

    @TempDir
    static Path work;

    private static EmbeddedPostgresServer db;
    private static Path dataDir;
    private static int dbPort;
    private static Process service;
    private static Path log;
    private static HttpApi api;
    private static final String AGENT = Api.agent("outage");
    private static final String BILLING = Api.bearer("billing", "outage", "detokenizer");
    /** Every card the service acknowledged (201), by token. */
    private static final Map<String, String> ACKNOWLEDGED = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        dataDir = work.resolve("pgdata");
        db = EmbeddedPostgresServer.start(dataDir, true, false);
        dbPort = db.port();
        int port = freePort();
        api = HttpApi.at(port).timeout(Duration.ofSeconds(30));
        log = work.resolve("service.log");
        Map<String, String> env = ServiceProcesses.devOn(db, port);
        env.put("CARDVAULT_HTTP_REQUEST_TIMEOUT", REQUEST_TIMEOUT.toSeconds() + "s");
        env.put("CARDVAULT_DATABASE_HEALTH_TIMEOUT", HEALTH_TIMEOUT.toSeconds() + "s");
        env.put("CARDVAULT_DATABASE_POOL_WAIT_TIMEOUT", POOL_WAIT.toMillis() + "ms");
        // Every acknowledged card is revealed after each fault: hundreds, by one billing subject.
        env.put("CARDVAULT_DETOKENIZE_RATE_LIMIT_PER_MINUTE", "1000000");
        service = ServiceProcesses.startJar(work, env, log);
        ServiceProcesses.awaitReady(service, api, log, Duration.ofSeconds(90));
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.destroy();
            service.waitFor(60, TimeUnit.SECONDS);
        }
        if (db != null) {
            signalCluster("CONT");
            db.close();
        }
    }

    @Test
    @Order(1)
    void databaseDown_requestsAnswer503_readinessDown_livenessUp_thenRecoversByItself() throws Exception {
        tokenizeSome(20);
        db.close();

        List<Long> elapsed = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            elapsed.add(expect503(() -> tokenize(TestCards.randomVisa()), "tokenize while the database is down"));
        }
        String known = ACKNOWLEDGED.keySet().iterator().next();
        elapsed.add(expect503(() -> reveal(known), "reveal while the database is down"));
        long readyMs = expectReadinessDown("database down");
        assertEquals(200, api.status("/q/health/live", null), "liveness must stay UP while the database is down");

        long restartedAt = System.nanoTime();
        db = EmbeddedPostgresServer.start(dataDir, true, false, dbPort);
        long recoveryMs = awaitRecovery(restartedAt);
        everyAcknowledgedCardReveals();
        System.out.printf("outage: 503 in %s (tokenize x5, reveal), readiness DOWN in %d ms, recovered %d ms after the database%n",
                durations(elapsed), readyMs, recoveryMs);
    }

    @Test
    @Order(2)
    void connectionsKilledMidLoad_only201or503_andEveryAcknowledgedCardReveals() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Map<Integer, Integer> statuses = new TreeMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> load = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            load.add(pool.submit(() -> {
                while (running.get()) {
                    int status = tokenize(TestCards.randomVisa()).statusCode();
                    synchronized (statuses) {
                        statuses.merge(status, 1, Integer::sum);
                    }
                }
                return null;
            }));
        }
        int killed = 0;
        for (int round = 0; round < 3; round++) {
            Thread.sleep(1_000);
            killed += terminateServiceBackends();
        }
        Thread.sleep(1_000);
        running.set(false);
        for (Future<?> f : load) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(killed > 0, "no service connection was terminated");
        assertTrue(statuses.keySet().stream().allMatch(s -> s == 201 || s == 503), "statuses under pg_terminate_backend: " + statuses);
        assertTrue(statuses.getOrDefault(201, 0) > 0, "nothing was acknowledged under load: " + statuses);
        awaitRecovery(System.nanoTime());
        everyAcknowledgedCardReveals();
        System.out.printf("pg_terminate_backend x3 (%d backends) under 4 tokenizing clients: statuses %s%n", killed, statuses);
    }

    @Test
    @Order(3)
    void frozenDatabase_requestsEndWithin503_healthDoesNotHang_recoversAfterSigcont() throws Exception {
        tokenizeSome(10);
        signalCluster("STOP");
        long frozenReady;
        List<Long> elapsed = new ArrayList<>();
        try {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            List<Future<Long>> calls = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                calls.add(pool.submit(() -> expect503(() -> tokenize(TestCards.randomVisa()), "tokenize on a frozen database")));
            }
            String known = ACKNOWLEDGED.keySet().iterator().next();
            calls.add(pool.submit(() -> expect503(() -> reveal(known), "reveal on a frozen database")));
            for (Future<Long> f : calls) {
                elapsed.add(f.get(60, TimeUnit.SECONDS));
            }
            pool.shutdown();
            frozenReady = expectReadinessDown("database frozen");
            long t0 = System.nanoTime();
            assertEquals(200, api.status("/q/health/live", null), "liveness must stay UP on a frozen database");
            assertTrue(ms(t0) < 1_000, "liveness took " + ms(t0) + " ms on a frozen database");
        } finally {
            signalCluster("CONT");
        }
        long recoveryMs = awaitRecovery(System.nanoTime());
        everyAcknowledgedCardReveals();
        System.out.printf("frozen (SIGSTOP): 503 in %s, readiness DOWN in %d ms, recovered %d ms after SIGCONT%n",
                durations(elapsed), frozenReady, recoveryMs);
        assertTrue(read(log).contains("abandoned after"), "no request was abandoned at its deadline");
        noUnexpectedErrorLogged();
    }

    @Test
    @Order(4)
    void tableLockedAndPoolFull_waitsAreBounded_healthAnswers_thenItDrains() throws Exception {
        tokenizeSome(5);
        int callers = POOL_SIZE + 16;
        List<Long> elapsed = new ArrayList<>();
        Map<String, Integer> types = new TreeMap<>();
        long readyMs;
        try (Connection lock = db.superuserConnection()) {
            lock.setAutoCommit(false);
            try (Statement s = lock.createStatement()) {
                s.execute("LOCK TABLE token IN ACCESS EXCLUSIVE MODE");
            }
            // Token reads take a pool connection each (writes share one, group-committed with
            // their audit events): every connection ends up waiting on the lock, the other
            // callers queue for one.
            String known = ACKNOWLEDGED.keySet().iterator().next();
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            List<Long> starts = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                starts.add(System.nanoTime());
                calls.add(pool.submit(() -> api.send("GET", "/v1/tokens/" + known, AGENT, null)));
            }
            awaitLockWaiters(POOL_SIZE);
            long t0 = System.nanoTime();
            assertEquals(200, api.status("/q/health/live", null), "liveness with a full pool");
            assertTrue(ms(t0) < 1_000, "liveness took " + ms(t0) + " ms with a full pool");
            readyMs = expectReadinessDown("pool full, table locked");
            for (int i = 0; i < callers; i++) {
                HttpResponse<String> r = calls.get(i).get(60, TimeUnit.SECONDS);
                long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - starts.get(i));
                assertEquals(503, r.statusCode(), () -> "a token read behind a held lock: " + firstUnexpectedError());
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), "no Retry-After behind a held lock");
                String type = new JsonObject(r.body()).getString("type", "");
                types.merge(type.substring(type.lastIndexOf('/') + 1), 1, Integer::sum);
                elapsed.add(took);
            }
            pool.shutdown();
            lock.rollback();
        }
        assertTrue(elapsed.stream().allMatch(t -> t <= REQUEST_TIMEOUT.toMillis() + SLACK_MS), "a wait past the timeout: " + elapsed);
        assertTrue(types.keySet().stream().allMatch(t -> t.equals("timed-out") || t.equals("database-unavailable")), "types " + types);
        assertTrue(types.containsKey("database-unavailable"), "no caller was refused at the pool's wait limit: " + types);
        long recoveryMs = awaitRecovery(System.nanoTime());
        everyAcknowledgedCardReveals();
        noUnexpectedErrorLogged(); // the late answers of the 32 abandoned reads included
        System.out.printf("table locked, %d token reads on a pool of %d: answers %s, slowest %d ms, readiness DOWN in %d ms, recovered %d ms after the lock%n",
                callers, POOL_SIZE, types, elapsed.stream().mapToLong(Long::longValue).max().orElse(0), readyMs, recoveryMs);
    }

    @Test
    @Order(5)
    void slowDatabase_pgSleepInEveryTokenInsert_requestsEndAtTheTimeout_healthAnswers_thenRecovers() throws Exception {
        tokenizeSome(3);
        // Every insert into token sleeps (pg_sleep, in steps) for as long as the flag row exists.
        sql("CREATE TABLE test_slow_flag (on_ boolean)", "INSERT INTO test_slow_flag VALUES (true)",
                "CREATE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN "
                        + "WHILE EXISTS (SELECT 1 FROM test_slow_flag) LOOP PERFORM pg_sleep(0.05); END LOOP; RETURN NEW; END $$",
                "CREATE TRIGGER test_slow BEFORE INSERT ON token FOR EACH ROW EXECUTE FUNCTION test_slow_insert()");
        List<Long> elapsed = new ArrayList<>();
        long readyMs;
        int readyStatus;
        try {
            ExecutorService pool = Executors.newFixedThreadPool(6);
            List<Future<Long>> calls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                calls.add(pool.submit(() -> expect503(() -> tokenize(TestCards.randomVisa()), "tokenize on a slow database")));
            }
            // The database still answers other work at once: health must neither hang nor fail.
            long t0 = System.nanoTime();
            readyStatus = api.status("/q/health/ready", null);
            readyMs = ms(t0);
            assertTrue(readyMs <= HEALTH_TIMEOUT.toMillis() + SLACK_MS, "readiness took " + readyMs + " ms on a slow database");
            long t1 = System.nanoTime();
            assertEquals(200, api.status("/q/health/live", null), "liveness on a slow database");
            assertTrue(ms(t1) < 1_000, "liveness took " + ms(t1) + " ms on a slow database");
            for (Future<Long> call : calls) {
                elapsed.add(call.get(60, TimeUnit.SECONDS));
            }
            pool.shutdown();
        } finally {
            sql("DELETE FROM test_slow_flag");
        }
        long recoveryMs = awaitRecovery(System.nanoTime());
        sql("DROP TRIGGER test_slow ON token", "DROP FUNCTION test_slow_insert()", "DROP TABLE test_slow_flag");
        everyAcknowledgedCardReveals();
        noUnexpectedErrorLogged();
        System.out.printf("slow (pg_sleep in every token insert): 503 in %s, readiness %d in %d ms, recovered %d ms after the sleeps ended%n",
                durations(elapsed), readyStatus, readyMs, recoveryMs);
    }

    private static void sql(String... statements) throws Exception {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement()) {
            for (String statement : statements) {
                s.execute(statement);
            }
        }
    }

    // --- helpers ------------------------------------------------------------------------------

    private interface Call {
        HttpResponse<String> send() throws Exception;
    }

    /** The call's 503 problem+json, within the request timeout and slack: its duration in ms. */
    private static long expect503(Call call, String what) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = call.send();
        long took = ms(t0);
        assertEquals(503, r.statusCode(), what + ": status");
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"), what + ": content type");
        String type = new JsonObject(r.body()).getString("type", "");
        assertTrue(type.endsWith("/database-unavailable") || type.endsWith("/timed-out") || type.endsWith("/audit-unavailable"),
                what + ": problem type " + type);
        assertTrue(r.headers().firstValue("Retry-After").isPresent(), what + ": no Retry-After");
        assertTrue(took <= REQUEST_TIMEOUT.toMillis() + SLACK_MS, what + " took " + took + " ms");
        return took;
    }

    private static long expectReadinessDown(String what) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = api.send("GET", "/q/health/ready", null, null);
        long took = ms(t0);
        assertEquals(503, r.statusCode(), what + ": readiness");
        assertTrue(r.body().contains("\"database\""), what + ": readiness does not name the database check");
        assertTrue(took <= HEALTH_TIMEOUT.toMillis() + SLACK_MS, what + ": readiness took " + took + " ms");
        return took;
    }

    /** Ms from {@code since} until the service is ready and tokenizes again; fails past 10 s. */
    private static long awaitRecovery(long since) throws Exception {
        while (ms(since) < RECOVERY_MS) {
            if (api.status("/q/health/ready", null) == 200 && tokenize(TestCards.randomVisa()).statusCode() == 201) {
                return ms(since);
            }
            Thread.sleep(100);
        }
        fail("not recovered within " + RECOVERY_MS + " ms:\n" + tail(read(log)));
        return -1;
    }

    private static void tokenizeSome(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            assertEquals(201, tokenize(TestCards.randomVisa()).statusCode(), "tokenize before the fault");
        }
    }

    /** Tokenizes; a 201's token is remembered with its card. */
    private static HttpResponse<String> tokenize(String pan) throws Exception {
        HttpResponse<String> r = api.post("/v1/tokens", AGENT, Api.card(pan).put("expYear", 2040).encode());
        if (r.statusCode() == 201) {
            ACKNOWLEDGED.put(new JsonObject(r.body()).getString("token"), pan);
        }
        return r;
    }

    private static HttpResponse<String> reveal(String token) throws Exception {
        return api.post("/v1/tokens/" + token + "/detokenize", BILLING, "{\"purpose\":\"RECURRING_BILLING\"}");
    }

    private static void everyAcknowledgedCardReveals() throws Exception {
        for (Map.Entry<String, String> e : ACKNOWLEDGED.entrySet()) {
            HttpResponse<String> r = reveal(e.getKey());
            assertEquals(200, r.statusCode(), "an acknowledged token does not reveal");
            // Compared, never printed: test output is scanned for card numbers.
            assertTrue(e.getValue().equals(new JsonObject(r.body()).getString("pan")), "an acknowledged token reveals another card");
        }
    }

    /** Until {@code n} of the service's backends wait on a lock (at most 10 s). */
    /**
     * Until the pool is exhausted (at most 10 s): {@code n} service backends, none idle, and all but
     * one waiting on the lock (a background job or the audit writer may hold one elsewhere).
     */
    private static void awaitLockWaiters(int n) throws Exception {
        long t0 = System.nanoTime();
        int most = 0;
        int backends = 0;
        while (ms(t0) < 10_000) {
            try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*), "
                            + "count(*) FILTER (WHERE state = 'idle') FROM pg_stat_activity "
                            + "WHERE usename = '" + EmbeddedPostgresServer.RUNTIME + "'")) {
                rs.next();
                most = Math.max(most, rs.getInt(1));
                backends = rs.getInt(2);
                if (backends >= n && rs.getInt(3) == 0 && rs.getInt(1) >= n - 1) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        fail("the pool never filled behind the lock: at most " + most + " of " + backends + " service backends waited on it");
    }

    private static int terminateServiceBackends() throws Exception {
        try (Connection c = db.superuserConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = '"
                        + EmbeddedPostgresServer.RUNTIME + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** SIGSTOP or SIGCONT to the postmaster and every process under it. */
    private static void signalCluster(String signal) throws Exception {
        var postmaster = EmbeddedPostgresServer.runningPostmaster(dataDir);
        if (postmaster.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal, Long.toString(postmaster.getAsLong())));
        ProcessHandle.of(postmaster.getAsLong()).ifPresent(h -> h.descendants().forEach(d -> cmd.add(Long.toString(d.pid()))));
        Process kill = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " failed");
    }

    private static void noUnexpectedErrorLogged() {
        String out = read(log);
        assertTrue(!out.contains("Unexpected error") && !out.contains("Unhandled failure"),
                () -> "an outage was logged as an unexpected error:\n" + firstUnexpectedError());
    }

    private static String firstUnexpectedError() {
        String out = read(log);
        int at = out.indexOf("Unexpected error");
        if (at < 0) {
            at = out.indexOf("Unhandled failure");
        }
        return at < 0 ? "(none logged)" : out.substring(at, Math.min(out.length(), at + 2500));
    }

    /** "12 ms, 15 ms": a bare list of numbers could look like a card number to the leak scan. */
    private static String durations(List<Long> ms) {
        return String.join(", ", ms.stream().map(m -> m + " ms").toList());
    }

    private static long ms(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
    }

    private static String tail(String s) {
        return s.length() <= 4000 ? s : s.substring(s.length() - 4000);
    }
}
