package dev.cardvault.containment;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.cardvault.auth.Roles;
import dev.cardvault.containment.CardStyles.Style;
import dev.cardvault.containment.RawHttpClient.Header;
import dev.cardvault.testsupport.Db;
import dev.cardvault.testsupport.TestCards;
import dev.cardvault.testsupport.TestJwt;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The containment sweep. Fresh, Luhn-valid card numbers, written in every separator style, go into
 * every input slot of every {@code /v1} operation that the running service's OpenAPI document lists.
 * None may come back in any response (body or header), in the log as the console writes it, or in
 * any column of any table (ciphertext and wrapped-key columns excepted); and each request must be
 * answered as the {@link Contract} says.
 *
 * <p>Nothing here prints a card number (CI fails a build whose test output holds one): findings
 * name the operation, slot, style and place, with the card masked to its first six and last four.
 *
 * <p>It leaves no state another test class could trip over: tokens only in tenant {@value #TENANT},
 * and operations that change platform-wide state only ever receive requests that are refused.
 */
@QuarkusTest
class ContainmentSweepTest {

    static final String TENANT = "sweep";
    /** Guards against a derivation that silently finds nothing. */
    private static final int MIN_OPERATIONS = 8;
    private static final int MAX_LISTED = 400;

    /** What one run found; the sweep is expensive, so it runs once and each test judges one aspect. */
    private record Result(List<Op> ops, SweepPlan plan, Set<String> leaks, Set<String> contract) {
    }

    private static Result result;
    private static Exception failure;

    @Test
    void openApi_v1Operations_areDerivedAndEachIsSwept() throws Exception {
        Result s = sweep();
        assertTrue(s.ops().size() >= MIN_OPERATIONS, "the OpenAPI document yielded only " + s.ops().size()
                + " /v1 operations (expected at least " + MIN_OPERATIONS + "): " + s.ops().stream().map(Op::id).toList());
        List<String> unswept = s.ops().stream()
                .filter(op -> !s.plan().skipped.contains(op) && s.plan().variants.stream().noneMatch(v -> v.op == op && !v.cards.isEmpty()))
                .map(Op::id).toList();
        assertTrue(unswept.isEmpty(), "operations that received no card: " + unswept);
    }

    @Test
    void sweep_cardInAnySlot_appearsInNoResponseLogOrTable() throws Exception {
        Set<String> leaks = sweep().leaks();
        if (!leaks.isEmpty()) {
            fail(report(leaks.size() + " place(s) where a planted card number came back (card masked; planted in -> found in):", leaks));
        }
    }

    @Test
    void sweep_cardInAnySlot_isAnsweredAsTheContractSays() throws Exception {
        Set<String> contract = sweep().contract();
        if (!contract.isEmpty()) {
            fail(report(contract.size() + " variant(s) not answered as the contract says:", contract));
        }
    }

    @Test
    void detector_cardWrittenInAnyStyle_isFoundInTheDigitsOnlyProjection() {
        // Without this, a broken normaliser would make the sweep pass vacuously.
        List<String> missed = new ArrayList<>();
        CardStyles.FAMILIES.forEach((family, styles) -> {
            for (Style style : styles) {
                for (int length = 13; length <= 19; length++) {
                    LeakDetector detector = new LeakDetector();
                    String rendered = style.apply(detector.plant(TestCards.luhn("4", length), "self-check").digits());
                    // As the service might write it: in a sentence, again percent-encoded, or as JSON unicode escapes.
                    for (String text : List.of("GET /v1/x/" + rendered + " 404 1.5ms rid=ab12", CardStyles.pct(rendered),
                            "{\"v\":\"" + CardStyles.uEscaped(rendered) + "\"}")) {
                        if (detector.find(text).isEmpty()) {
                            missed.add(family + " [" + style.name() + "] length " + length);
                        }
                    }
                }
            }
        });
        assertTrue(missed.isEmpty(), "the detector misses cards written as: " + missed);
    }

    private static synchronized Result sweep() throws Exception {
        if (result == null && failure == null) {
            try {
                result = run();
            } catch (Exception | AssertionError e) {
                failure = e instanceof Exception ex ? ex : new IllegalStateException(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return result;
    }

    private static Result run() throws Exception {
        long start = System.nanoTime();
        registerSweepController();
        OpenApiSlots api = new OpenApiSlots(Json.MAPPER.readTree(given().queryParam("format", "json").get("/q/openapi").asString()));
        List<Op> ops = api.operations();
        LeakDetector detector = new LeakDetector();
        SweepPlan plan = new SweepPlan(api, detector, bearer());
        ops.forEach(plan::plan);
        LogCapture capture = LogCapture.start();
        try (capture) {
            for (Variant v : plan.variants) {
                v.response = RawHttpClient.send(v.op.method(), v.target, v.headers, v.body, v.contentType);
            }
            awaitQuiet(capture);
        }
        Set<String> contract = new TreeSet<>();
        for (Variant v : plan.variants) {
            String where = "response to " + v.id;
            for (Header h : v.response.headers()) {
                detector.scan(where + " header " + h.name(), h.name() + ": " + h.value());
            }
            detector.scan(where + " body", v.response.body());
            Contract.violations(v).forEach(w -> contract.add(v.id + ": " + w));
        }
        capture.lines().forEach(l -> detector.scan(l.where(), l.text()));
        TableDump.forEachCell(detector::scan);

        Map<Integer, Integer> statuses = new TreeMap<>();
        plan.variants.forEach(v -> statuses.merge(v.response.status(), 1, Integer::sum));
        // Words between the figures: a list of numbers joined by punctuation can be card-shaped,
        // and the CI leak scan reads this output.
        StringBuilder byStatus = new StringBuilder();
        statuses.forEach((status, n) -> byStatus.append(" status ").append(status).append(" times ").append(n));
        System.out.printf("Containment sweep: %d operations (refuse-only, nothing to plant: %s) with %d operation slots in "
                + "%d variants carrying %d cards; %d log records;%s; took %d ms%n", ops.size(), plan.skipped.stream().map(Op::id).toList(),
                plan.variants.stream().map(v -> v.slot).distinct().count(), plan.variants.size(), detector.plantedCount(),
                capture.lines().size(), byStatus, (System.nanoTime() - start) / 1_000_000);
        return new Result(ops, plan, detector.leaks(), contract);
    }

    /** Every role constant, so a route guarded by a role added later is reached too. */
    /**
     * The sweep's tenant as a registered controller whose collection purpose is the baseline's
     * "purpose" value, so that bodies carrying it are accepted and tokens are stored bound to it.
     */
    private static void registerSweepController() {
        String admin = TestJwt.as("sweep-admin").roles("processor-admin").tenant("platform").bearer();
        given().header("Authorization", admin).contentType("application/json")
                .body("{\"name\": \"Sweep\", \"dpaReference\": \"DPA-SWEEP\", \"dpaDate\": \"2026-01-01\", "
                        + "\"contact\": {\"email\": \"dpo@sweep.example\"}}")
                .put("/v1/controllers/" + TENANT).then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        given().header("Authorization", admin).contentType("application/json")
                .body("{\"description\": \"Sweep\", \"legalBasis\": \"CONTRACT\", \"retention\": \"P1Y\", "
                        + "\"revealPurposes\": [\"RECURRING_BILLING\"]}")
                .put("/v1/controllers/" + TENANT + "/purposes/RECURRING_BILLING").then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
    }

    private static String bearer() throws IllegalAccessException {
        List<String> roles = new ArrayList<>();
        for (Field f : Roles.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                roles.add((String) f.get(null));
            }
        }
        return TestJwt.as("sweeper").roles(roles.toArray(String[]::new)).tenant(TENANT).bearer();
    }

    /** Audit events and access-log lines are written after the answer: wait until both stand still. */
    private static void awaitQuiet(LogCapture capture) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
        long stableSince = System.nanoTime();
        String last = "";
        while (System.nanoTime() < deadline) {
            String now = Db.scalar("SELECT count(*) FROM audit_event") + "/" + capture.lines().size();
            if (!now.equals(last)) {
                last = now;
                stableSince = System.nanoTime();
            } else if (System.nanoTime() - stableSince > Duration.ofMillis(500).toNanos()) {
                return;
            }
            Thread.sleep(50);
        }
    }

    private static String report(String title, Set<String> lines) {
        StringBuilder b = new StringBuilder(title);
        lines.stream().limit(MAX_LISTED).forEach(l -> b.append("\n  ").append(l));
        if (lines.size() > MAX_LISTED) {
            b.append("\n  ... and ").append(lines.size() - MAX_LISTED).append(" more");
        }
        return b.toString();
    }
}
