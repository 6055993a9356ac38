package dev.cardvault.containment;

import static dev.cardvault.testsupport.ServiceProcesses.freePort;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import dev.cardvault.card.CardShape;
import dev.cardvault.database.EmbeddedPostgresServer;
import dev.cardvault.testsupport.Api;
import dev.cardvault.testsupport.HttpApi;
import dev.cardvault.testsupport.ServiceProcesses;
import dev.cardvault.testsupport.TestCards;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Generated request bodies against the packaged service's JSON API: valid requests with fields
 * replaced by any JSON value, removed, or joined by unknown ones, and bodies that are not JSON at
 * all. Whatever arrives: never a 5xx, never a card number in an answer that is not a reveal's
 * {@code pan}, problem+json for every refusal, and no stored token unless the answer says one was
 * created. {@code ./mvnw verify -Pfuzz} runs many more tries (jqwik.tries.default).
 *
 * <p>Bodies carry card numbers: a {@link Body} prints masked, and is not Serializable, so neither
 * a failure report nor jqwik's database ever holds one.
 */
class ApiFuzzIT {

    private static final String TENANT = "fuzz";
    private static final Set<Integer> REFUSALS = Set.of(400, 403, 404, 405, 409, 413, 415, 422);

    private static Path work;
    private static EmbeddedPostgresServer db;
    private static Process service;
    private static Path log;
    private static Connection counter;
    private static HttpApi api;
    private static String existingToken;
    private static final String AGENT = Api.agent(TENANT);
    private static final String BILLING = Api.bearer("billing", TENANT, "detokenizer");
    private static final String OFFICER = Api.bearer("dpo", TENANT, "privacy-officer");
    private static final String ADMIN = Api.bearer("admin", "platform", "processor-admin");
    /** A card of its own for data-subject requests, so that a restriction does not change the reveals' card. */
    private static String subjectPan;

    /** A generated request body; prints with card numbers masked. */
    record Body(String text) {
        @Override
        public String toString() {
            return CardShape.mask(text);
        }
    }

    @BeforeContainer
    static void start() throws Exception {
        work = Files.createTempDirectory("cardvault-fuzz");
        db = EmbeddedPostgresServer.start(work.resolve("pgdata"), false, true);
        int port = freePort();
        api = HttpApi.at(port).timeout(Duration.ofSeconds(30));
        log = work.resolve("service.log");
        Map<String, String> env = ServiceProcesses.devOn(db, port);
        env.put("CARDVAULT_DETOKENIZE_RATE_LIMIT_PER_MINUTE", "100000000");
        service = ServiceProcesses.startJar(work, env, log);
        ServiceProcesses.awaitReady(service, api, log, Duration.ofSeconds(120));
        counter = db.superuserConnection();
        existingToken = api.json("POST", "/v1/tokens", AGENT, validCard().encode(), 201).getString("token");
        subjectPan = TestCards.randomVisa();
        api.json("POST", "/v1/tokens", AGENT, Api.card(subjectPan).put("expYear", 2040).encode(), 201);
    }

    @AfterContainer
    static void stop() throws Exception {
        if (service != null) {
            service.destroy();
            service.waitFor(60, TimeUnit.SECONDS);
        }
        if (counter != null) {
            counter.close();
        }
        if (db != null) {
            db.close();
        }
        try (var paths = Files.walk(work)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    @Property
    void tokenize(@ForAll("tokenizeBodies") Body body) throws Exception {
        long before = storedTokens();
        HttpResponse<String> r = api.post("/v1/tokens", AGENT, body.text());
        check(r, body, false);
        long stored = storedTokens() - before;
        if (r.statusCode() == 201) {
            expect(stored == 1, "201 but " + stored + " tokens stored", r, body);
        } else {
            expect(stored == 0, r.statusCode() + " but " + stored + " tokens stored", r, body);
        }
    }

    @Property
    void revealOne(@ForAll("revealBodies") Body body, @ForAll("tokenPaths") Body token) throws Exception {
        check(api.post("/v1/tokens/" + token.text() + "/detokenize", BILLING, body.text()), body, true);
    }

    @Property
    void revealBatch(@ForAll("batchBodies") Body body) throws Exception {
        check(api.post("/v1/detokenizations", BILLING, body.text()), body, true);
    }

    @Property
    void openCaptureSession(@ForAll("sessionBodies") Body body) throws Exception {
        long before = count("SELECT count(*) FROM capture_session WHERE tenant = ?");
        HttpResponse<String> r = api.post("/v1/capture-sessions", AGENT, body.text());
        check(r, body, false);
        long opened = count("SELECT count(*) FROM capture_session WHERE tenant = ?") - before;
        expect(opened == (r.statusCode() == 201 ? 1 : 0), r.statusCode() + " but " + opened + " sessions opened", r, body);
    }

    /** Access, rectification and restriction: answers never hold the card number they were asked about. */
    @Property
    void subjectRequest(@ForAll("subjectRequestKinds") String kind, @ForAll("subjectBodies") Body body) throws Exception {
        check(api.post("/v1/subject-requests/" + kind, OFFICER, body.text()), body, false);
    }

    /** The controller registry: free text fields refuse card numbers rather than store and echo them. */
    @Property
    void registerController(@ForAll("controllerBodies") Body body) throws Exception {
        check(api.send("PUT", "/v1/controllers/fuzz-ctl", ADMIN, body.text()), body, false);
    }

    // --- generators ---------------------------------------------------------------------------

    @Provide
    Arbitrary<Body> sessionBodies() {
        return bodies(new JsonObject().put("channel", "WEB").put("allowedOrigins", new JsonArray().add("https://desk.example"))
                .put("metadata", new JsonObject().put("orderRef", "A-17")).put("ttlSeconds", 300).put("purpose", "PAYMENT_AUTHORIZATION"));
    }

    @Provide
    Arbitrary<String> subjectRequestKinds() {
        return Arbitraries.of("access", "rectification", "restriction");
    }

    @Provide
    Arbitrary<Body> subjectBodies() {
        return bodies(new JsonObject().put("pan", subjectPan).put("expMonth", 11).put("expYear", 2041)
                .put("cardholderName", "Ada Lovelace").put("restricted", false));
    }

    @Provide
    Arbitrary<Body> controllerBodies() {
        return bodies(new JsonObject().put("name", "Fuzz Ltd").put("dpaReference", "DPA-1").put("dpaDate", "2026-01-01")
                .put("contact", new JsonObject().put("name", "Data Protection Officer").put("email", "dpo@example.com")));
    }

    @Provide
    Arbitrary<Body> tokenizeBodies() {
        return bodies(validCard());
    }

    @Provide
    Arbitrary<Body> revealBodies() {
        return bodies(new JsonObject().put("purpose", "RECURRING_BILLING"));
    }

    @Provide
    Arbitrary<Body> batchBodies() {
        List<Arbitrary<Body>> sizes = new java.util.ArrayList<>();
        for (int n = 0; n <= 3; n++) {
            JsonArray tokens = new JsonArray();
            for (int i = 0; i < n; i++) {
                tokens.add(existingToken);
            }
            sizes.add(bodies(new JsonObject().put("tokens", tokens).put("purpose", "RECURRING_BILLING")));
        }
        return Arbitraries.oneOf(sizes);
    }

    @Provide
    Arbitrary<Body> tokenPaths() {
        return Arbitraries.oneOf(Arbitraries.just("EXISTING"), Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(40),
                Arbitraries.just("tok_AAAAAAAAAAAAAAAAAAAAAAAA")).map(t -> new Body(t.equals("EXISTING") ? existingToken : t));
    }

    // Built once: arbitraries made inside flatMap are memoized by jqwik and compared deeply on every
    // draw, which grows without bound for recursive JSON values.
    private static final Arbitrary<String> FIELD_NAMES = Arbitraries.oneOf(Arbitraries.of("pan", "cvc", "cvv", "number", "card", "tokens",
            "purpose", "metadata", "format", "deterministic", "expiresAt", "consentRef", "cardholderName", "expMonth", "expYear",
            "channel", "allowedOrigins", "ttlSeconds", "restricted", "name", "contact", "email"),
            Arbitraries.strings().ofMinLength(1).ofMaxLength(12));
    private static final Arbitrary<Object> SCALAR = Arbitraries.<Object>oneOf(
            Arbitraries.just(null),
            Arbitraries.of(true, false),
            Arbitraries.integers(),
            Arbitraries.longs(),
            Arbitraries.doubles(),
            Arbitraries.strings().ofMaxLength(80),
            Arbitraries.of("RANDOM", "LAST4", "BIN6_LAST4", "RECURRING_BILLING", "2030-01-01T00:00:00Z", "tok_", ""),
            Arbitraries.integers().between(0, 2).map(ApiFuzzIT::cardShaped));
    private static final Arbitrary<Object> VALUE_1 = nested(SCALAR);
    private static final Arbitrary<Object> VALUE_2 = nested(VALUE_1);

    private static Arbitrary<Object> nested(Arbitrary<Object> inner) {
        return Arbitraries.<Object>oneOf(SCALAR, SCALAR,
                inner.list().ofMaxSize(4).map(JsonArray::new),
                Arbitraries.maps(FIELD_NAMES, inner).ofMaxSize(3).map(m -> new JsonObject(new java.util.HashMap<String, Object>(m))));
    }

    /** The template with each field kept, replaced by any JSON value or removed; extra fields; or not JSON at all. */
    private static Arbitrary<Body> bodies(JsonObject template) {
        List<String> fields = List.copyOf(template.fieldNames());
        Arbitrary<JsonObject> mutated = Combinators.combine(
                Arbitraries.integers().between(0, 3).list().ofSize(fields.size()),
                VALUE_2.list().ofSize(fields.size()),
                Arbitraries.maps(FIELD_NAMES, VALUE_1).ofMaxSize(3)).as((choices, replacements, extra) -> {
                    JsonObject o = template.copy();
                    for (int i = 0; i < fields.size(); i++) {
                        switch (choices.get(i)) {
                            case 0, 1 -> { } // kept
                            case 2 -> o.put(fields.get(i), replacements.get(i));
                            default -> o.remove(fields.get(i));
                        }
                    }
                    extra.forEach(o::put);
                    return o;
                });
        Arbitrary<Body> json = mutated.map(o -> new Body(o.encode()));
        Arbitrary<Body> broken = Arbitraries.oneOf(
                Combinators.combine(mutated, Arbitraries.doubles().between(0, 1)).as((o, at) -> {
                    String text = o.encode();
                    return new Body(text.substring(0, (int) (text.length() * at)));
                }),
                Arbitraries.strings().ofMaxLength(60).map(Body::new),
                VALUE_2.map(v -> new Body(v instanceof String str ? "\"" + str + "\"" : String.valueOf(v))));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, json), net.jqwik.api.Tuple.of(2, broken));
    }

    private static Object cardShaped(int style) {
        String pan = TestCards.randomVisa();
        return switch (style) {
            case 0 -> pan;
            case 1 -> pan.replaceAll("(\\d{4})(?=\\d)", "$1 ");
            default -> pan.replaceAll("(\\d{4})(?=\\d)", "$1-");
        };
    }

    private static JsonObject validCard() {
        return Api.card(TestCards.randomVisa()).put("expMonth", 12).put("expYear", 2040).put("cardholderName", "Ada Lovelace");
    }

    // --- checks ---------------------------------------------------------------------------------

    private static void check(HttpResponse<String> r, Body body, boolean reveal) {
        int status = r.statusCode();
        net.jqwik.api.statistics.Statistics.collect(status); // the report shows how the tries were answered
        expect(status < 500, "server error", r, body);
        expect(status == 200 || status == 201 || REFUSALS.contains(status), "unexpected status", r, body);
        if (status >= 400) {
            expect(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"), "not problem+json", r, body);
        }
        String answer = r.body();
        if (reveal && status == 200) {
            answer = withoutPans(answer);
        }
        expect(!CardShape.contains(answer), "a card number in the answer", r, body);
    }

    /** A reveal's answer with its {@code pan} values taken out: what is left must hold no card number. */
    private static String withoutPans(String answer) {
        JsonObject o = new JsonObject(answer);
        o.remove("pan");
        JsonArray results = o.getJsonArray("results");
        if (results != null) {
            results.forEach(item -> ((JsonObject) item).remove("pan"));
        }
        return o.encode();
    }

    /** Fails with the status and the masked body and answer: never a card number in test output. */
    private static void expect(boolean ok, String what, HttpResponse<String> r, Body body) {
        if (!ok) {
            throw new AssertionError(what + ": " + r.statusCode() + " for " + body + " -> " + CardShape.mask(r.body()));
        }
    }

    private static long storedTokens() throws Exception {
        return count("SELECT count(*) FROM token WHERE tenant = ?");
    }

    private static long count(String sql) throws Exception {
        try (PreparedStatement s = counter.prepareStatement(sql)) {
            s.setString(1, TENANT);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
