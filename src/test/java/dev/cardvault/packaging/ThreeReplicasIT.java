package dev.cardvault.packaging;

import static dev.cardvault.testsupport.ServiceProcesses.freePort;
import static dev.cardvault.testsupport.ServiceProcesses.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import dev.cardvault.database.EmbeddedPostgresServer;
import dev.cardvault.keys.RewrapJob;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.HttpApi;
import dev.cardvault.testsupport.ServiceProcesses;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.tokens.RetentionJob;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Three packaged replicas (three processes, three ports) on one PostgreSQL: any replica reveals
 * what another tokenized; a KEK rotation requested on the first, approved on the second, is picked
 * up by the third within its poll interval; the rewrap and the retention purge run only under
 * their advisory lock, so on one replica at a time; the per-subject reveal limit is per replica,
 * the tenant-wide one is shared; the trail verifies at the end. Figures go to docs/reliability.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeReplicasIT {

    private static final int REPLICAS = 3;
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(2); // cardvault.keys.poll-interval, the default
    /** What noticing may take beyond the poll interval on a busy 2-core machine. */
    private static final long SLACK_MS = 3_000;
    private static final int SUBJECT_LIMIT = 40;
    private static final int TENANT_LIMIT = 60;
    private static final String PURPOSE = "RECURRING_BILLING";

    @TempDir
    static Path work;

    private static EmbeddedPostgresServer db;
    private static final List<Process> services = new ArrayList<>();
    private static final List<HttpApi> apis = new ArrayList<>();
    private static final List<Path> logs = new ArrayList<>();
    /** Cards tokenized in the first test, by token, revealed again after the rotation. */
    private static final Map<String, String> cards = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        db = EmbeddedPostgresServer.start(work.resolve("pgdata"), false, true);
        for (int i = 0; i < REPLICAS; i++) {
            int port = freePort();
            Path log = work.resolve("replica-" + i + ".log");
            Map<String, String> env = ServiceProcesses.devOn(db, port);
            env.put("CARDVAULT_RETENTION_EVERY", "1s");
            env.put("CARDVAULT_RETENTION_INITIAL_DELAY", "1s");
            env.put("CARDVAULT_DETOKENIZE_RATE_LIMIT_PER_MINUTE", Integer.toString(SUBJECT_LIMIT));
            env.put("CARDVAULT_DETOKENIZE_TENANT_RATE_LIMIT_PER_MINUTE_TR_LIMITED", Integer.toString(TENANT_LIMIT));
            // All three start at once: Flyway's lock lets one migrate, the others find the schema done.
            services.add(ServiceProcesses.startJar(work, env, log));
            apis.add(HttpApi.at(port).timeout(Duration.ofSeconds(30)));
            logs.add(log);
        }
        for (int i = 0; i < REPLICAS; i++) {
            ServiceProcesses.awaitReady(services.get(i), apis.get(i), logs.get(i), Duration.ofSeconds(150));
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : services) {
            p.destroy();
        }
        for (Process p : services) {
            p.waitFor(60, TimeUnit.SECONDS);
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    @Order(1)
    void tokenizeAndReveal_spreadOverAllThree_anyReplicaRevealsWhatAnotherTokenized() throws Exception {
        String agent = Api.agent("tr");
        List<String> tokens = new ArrayList<>();
        int[] tokenized = new int[REPLICAS];
        for (int i = 0; i < 90; i++) {
            String pan = TestCards.randomVisa();
            String token = apis.get(i % REPLICAS).json("POST", "/v1/tokens", agent, Api.card(pan).encode(), 201).getString("token");
            tokenized[i % REPLICAS]++;
            cards.put(token, pan);
            tokens.add(token);
        }
        // Each card revealed on the next replica: single reveals by one subject per replica (under its limit of 40) ...
        int[] revealed = new int[REPLICAS];
        for (int i = 0; i < tokens.size(); i++) {
            int replica = (i + 1) % REPLICAS;
            String pan = apis.get(replica).json("POST", "/v1/tokens/" + tokens.get(i) + "/detokenize", billing("tr", replica),
                    new JsonObject().put("purpose", PURPOSE).encode(), 200).getString("pan");
            assertTrue(cards.get(tokens.get(i)).equals(pan), "replica " + replica + " revealed another card");
            revealed[replica]++;
        }
        // ... and in batches, every card on every replica, by another subject each.
        for (int replica = 0; replica < REPLICAS; replica++) {
            for (int from = 0; from < tokens.size(); from += 30) {
                JsonArray results = apis.get(replica).json("POST", "/v1/detokenizations", Api.bearer("batch-" + replica + "-" + from, "tr",
                        "detokenizer"), new JsonObject().put("tokens", new JsonArray(tokens.subList(from, from + 30))).put("purpose", PURPOSE)
                        .encode(), 200).getJsonArray("results");
                for (int k = 0; k < results.size(); k++) {
                    assertTrue(cards.get(tokens.get(from + k)).equals(results.getJsonObject(k).getString("pan")), "a batch revealed another card");
                }
            }
        }
        System.out.printf("spread: tokenized %s, revealed singly %s, each replica revealed all 90 in batches%n",
                java.util.Arrays.toString(tokenized), java.util.Arrays.toString(revealed));
    }

    @Test
    @Order(2)
    void rotation_requestedOnOne_approvedOnAnother_pickedUpByTheThird_rewrapRunsOnlyUnderItsLock() throws Exception {
        String alice = Api.bearer("alice", "ops", "key-custodian");
        String bob = Api.bearer("bob", "ops", "key-custodian");
        try (Connection c = db.superuserConnection()) {
            lock(c, RewrapJob.LOCK_KEY);
            long underOld;
            long approvedAt;
            String id;
            try {
                for (int t = 0; t < 12; t++) { // a data key each, to rewrap
                    apis.get(t % REPLICAS).json("POST", "/v1/tokens", Api.agent("tr-k" + t), Api.card(TestCards.randomVisa()).encode(), 201);
                }
                id = apis.get(0).json("POST", "/v1/keys/rotations", alice, "{\"reason\":\"cryptoperiod\"}", 202).getString("id");
                JsonObject approved = apis.get(1).json("POST", "/v1/keys/rotations/" + id + "/approve", bob, null, 200);
                approvedAt = System.nanoTime(); // committed before the answer
                assertEquals("REWRAPPING", approved.getString("state"));
                int to = approved.getInteger("toVersion");

                long noticedMs = awaitLog(2, "KEK v" + to + " is now active", approvedAt, POLL_INTERVAL.toMillis() + SLACK_MS);
                String pan = TestCards.randomVisa();
                String token = apis.get(2).json("POST", "/v1/tokens", Api.agent("tr"), Api.card(pan).encode(), 201).getString("token");
                cards.put(token, pan);
                assertEquals(to, count(c, "SELECT k.kek_version FROM token t JOIN data_key k ON k.id = t.data_key_id WHERE t.token = ?", token),
                        "the third replica encrypted under the old KEK after noticing the new one");

                // Every replica ticks its rewrap each second; none may start while the test holds the lock.
                underOld = count(c, "SELECT count(*) FROM data_key WHERE kek_version < ?", to);
                assertTrue(underOld > 0, "nothing to rewrap");
                TimeUnit.SECONDS.sleep(3); // three ticks on each replica: proving nothing happens takes waiting
                assertEquals(underOld, count(c, "SELECT count(*) FROM data_key WHERE kek_version < ?", to), "a rewrap ran without the lock");
                System.out.printf("rotation: the third replica noticed KEK v%d %d ms after the approval (poll interval %d ms); "
                        + "%d data key(s) left alone for 3 s while the test held the rewrap lock%n", to, noticedMs, POLL_INTERVAL.toMillis(), underOld);
            } finally {
                unlock(c, RewrapJob.LOCK_KEY);
            }
            long releasedAt = System.nanoTime();
            String state = "";
            while (!"COMPLETED".equals(state)) {
                assertTrue(System.nanoTime() - releasedAt < Duration.ofSeconds(30).toNanos(), "rewrap did not complete: " + state);
                TimeUnit.MILLISECONDS.sleep(100);
                state = apis.get(2).json("GET", "/v1/keys/rotations/" + id, alice, null, 200).getString("state");
            }
            long completedMs = (System.nanoTime() - releasedAt) / 1_000_000;
            assertEquals(1, replicasLogging("Rotation " + id + " completed"), "the rotation must complete on exactly one replica");
            System.out.printf("rewrap: %d data key(s) rewrapped and the rotation completed %d ms after the lock was released, on one replica%n",
                    underOld, completedMs);
        }
        // Every card still reveals, on every replica (batches of 30, a subject each: under the subject limit).
        List<String> all = new ArrayList<>(cards.keySet());
        for (int replica = 0; replica < REPLICAS; replica++) {
            for (int from = 0; from < all.size(); from += 30) {
                List<String> batch = all.subList(from, Math.min(all.size(), from + 30));
                JsonArray results = apis.get(replica).json("POST", "/v1/detokenizations", Api.bearer("after-rotation-" + replica + "-" + from,
                        "tr", "detokenizer"), new JsonObject().put("tokens", new JsonArray(batch)).put("purpose", PURPOSE).encode(), 200)
                        .getJsonArray("results");
                for (int k = 0; k < batch.size(); k++) {
                    assertTrue(cards.get(batch.get(k)).equals(results.getJsonObject(k).getString("pan")), "a card did not reveal after the rotation");
                }
            }
        }
    }

    @Test
    @Order(3)
    void retentionPurge_waitsForItsLock_thenRunsOnOneReplica() throws Exception {
        String agent = Api.agent("tr-ret");
        Instant expiresAt = Instant.now().plusSeconds(6); // after the 30 tokenizations, even on a slow machine
        try (Connection c = db.superuserConnection()) {
            lock(c, RetentionJob.LOCK_KEY);
            try {
                for (int i = 0; i < 30; i++) {
                    apis.get(i % REPLICAS).json("POST", "/v1/tokens", agent,
                            Api.card(TestCards.randomVisa()).put("expiresAt", expiresAt.toString()).encode(), 201);
                }
                while (Instant.now().isBefore(expiresAt.plusSeconds(3))) {
                    TimeUnit.MILLISECONDS.sleep(200); // expired, and three purge ticks on each replica
                }
                assertEquals(30, count(c, "SELECT count(*) FROM token WHERE tenant = ?", "tr-ret"), "a purge ran without the lock");
            } finally {
                unlock(c, RetentionJob.LOCK_KEY);
            }
            long releasedAt = System.nanoTime();
            while (count(c, "SELECT count(*) FROM token WHERE tenant = ?", "tr-ret") > 0) {
                assertTrue(System.nanoTime() - releasedAt < Duration.ofSeconds(15).toNanos(), "expired tokens not purged");
                TimeUnit.MILLISECONDS.sleep(100);
            }
            long purgedMs = (System.nanoTime() - releasedAt) / 1_000_000;
            long purged = 0;
            for (Map<String, Object> e : events("TOKENS_PURGED")) {
                if ("tr-ret".equals(e.get("tenant"))) {
                    Matcher m = Pattern.compile("count=(\\d+)").matcher(String.valueOf(e.get("detail")));
                    assertTrue(m.find(), "TOKENS_PURGED without a count");
                    purged += Long.parseLong(m.group(1));
                }
            }
            assertEquals(30, purged, "every expired token purged once, in the trail");
            System.out.printf("retention: 30 expired tokens kept while the test held the lock, purged %d ms after it was released%n", purgedMs);
        }
    }

    @Test
    @Order(4)
    void theSubjectLimitIsPerReplica_theTenantLimitIsShared() throws Exception {
        // Per subject, per replica: 40 on the first replica, then 429 there, yet the second still answers.
        List<String> tokens = tokenize("tr", 41);
        String billing = Api.bearer("billing-per-replica", "tr", "detokenizer");
        for (int i = 0; i < SUBJECT_LIMIT; i++) {
            assertEquals(200, reveal(0, billing, tokens.get(i)).statusCode());
        }
        assertEquals(429, reveal(0, billing, tokens.get(SUBJECT_LIMIT)).statusCode());
        assertEquals(200, reveal(1, billing, tokens.get(SUBJECT_LIMIT)).statusCode());

        // Tenant-wide, through the database: 90 reveals over three replicas (30 each, under each
        // replica's subject limit) get exactly the tenant's 60 a minute.
        List<String> limited = tokenize("tr-limited", 90);
        intoOneWindow();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        try {
            for (int i = 0; i < limited.size(); i++) {
                int replica = i % REPLICAS;
                String token = limited.get(i);
                String subject = Api.bearer("billing-" + replica, "tr-limited", "detokenizer");
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return reveal(replica, subject, token).statusCode();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool));
            }
        } finally {
            pool.shutdown();
        }
        List<Integer> statuses = answers.stream().map(CompletableFuture::join).toList();
        long ok = statuses.stream().filter(s -> s == 200).count();
        long refused = statuses.stream().filter(s -> s == 429).count();
        try (Connection c = db.superuserConnection()) {
            assertEquals(1, count(c, "SELECT count(*) FROM reveal_allowance WHERE tenant = ?", "tr-limited"), "the reveals straddled a minute");
            assertEquals(TENANT_LIMIT, count(c, "SELECT taken FROM reveal_allowance WHERE tenant = ?", "tr-limited"));
        }
        assertEquals(TENANT_LIMIT, ok, statuses.toString());
        assertEquals(90 - TENANT_LIMIT, refused, statuses.toString());
        System.out.printf("limits: a subject's 40 a minute is per replica (41st refused on one, served by another); "
                + "tenant-wide 60 a minute over three replicas: %d of 90 served, %d refused%n", ok, refused);
    }

    @Test
    @Order(5)
    void theTrailVerifies() {
        JsonObject v = apis.get(2).json("GET", "/v1/audit/verify", Api.bearer("quinn", "platform", "auditor"), null, 200);
        assertTrue(v.getBoolean("valid"), "audit trail invalid after the three replicas' work");
        for (int i = 0; i < REPLICAS; i++) {
            assertTrue(services.get(i).isAlive(), "replica " + i + " exited");
            String log = read(logs.get(i));
            assertTrue(!log.contains(" ERROR "), "replica " + i + " logged an error");
        }
        System.out.printf("trail: valid, %d events written by three replicas%n", v.getLong("events"));
    }

    private static String billing(String tenant, int replica) {
        return Api.bearer("billing-" + replica, tenant, "detokenizer");
    }

    private static List<String> tokenize(String tenant, int n) {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tokens.add(apis.get(i % REPLICAS).json("POST", "/v1/tokens", Api.agent(tenant), Api.card(TestCards.randomVisa()).encode(), 201)
                    .getString("token"));
        }
        return tokens;
    }

    private static HttpResponse<String> reveal(int replica, String bearer, String token) throws Exception {
        return apis.get(replica).post("/v1/tokens/" + token + "/detokenize", bearer, new JsonObject().put("purpose", PURPOSE).encode());
    }

    /** The tenant limit counts per clock minute: waits for a minute with 20 s left, enough for 90 reveals. */
    private static void intoOneWindow() throws InterruptedException {
        long intoMinute = System.currentTimeMillis() % 60_000;
        if (intoMinute > 40_000) {
            TimeUnit.MILLISECONDS.sleep(60_000 - intoMinute + 200);
        }
    }

    /** Waits until replica {@code i} has logged {@code text}; returns the milliseconds since {@code sinceNanos}. */
    private static long awaitLog(int i, String text, long sinceNanos, long withinMs) throws InterruptedException {
        while (!read(logs.get(i)).contains(text)) {
            long ms = (System.nanoTime() - sinceNanos) / 1_000_000;
            assertTrue(ms < withinMs, "replica " + i + " did not log \"" + text + "\" within " + withinMs + " ms");
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return (System.nanoTime() - sinceNanos) / 1_000_000;
    }

    private static int replicasLogging(String text) {
        int n = 0;
        for (Path log : logs) {
            n += read(log).contains(text) ? 1 : 0;
        }
        return n;
    }

    private static List<Map<String, Object>> events(String type) {
        List<Map<String, Object>> out = new ArrayList<>();
        JsonArray events = apis.get(0).json("GET", "/v1/audit/events?limit=1000&type=" + type, Api.bearer("quinn", "platform", "auditor"),
                null, 200).getJsonArray("events");
        for (int i = 0; i < events.size(); i++) {
            out.add(events.getJsonObject(i).getMap());
        }
        return out;
    }

    private static void lock(Connection c, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_lock(?)")) {
            s.setLong(1, key);
            s.execute();
        }
    }

    private static void unlock(Connection c, long key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_advisory_unlock(?)")) {
            s.setLong(1, key);
            s.execute();
        }
    }

    private static long count(Connection c, String sql, Object arg) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, arg);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
