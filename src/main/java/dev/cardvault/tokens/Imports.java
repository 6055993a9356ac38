package dev.cardvault.tokens;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.auth.Caller;
import dev.cardvault.card.CardShape;
import dev.cardvault.card.SecurityCodeNames;
import dev.cardvault.crypto.RandomIds;
import dev.cardvault.crypto.Sha256;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.Violation;
import dev.cardvault.keys.DataKey;
import dev.cardvault.keys.DataKeys;
import dev.cardvault.keys.FingerprintKeys;
import dev.cardvault.time.VaultClock;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Bulk tokenization for billing migrations: NDJSON lines, each a tokenize request, handled in
 * batches with the same rules, encryption, tenant and purpose binding as POST /v1/tokens. Each
 * batch's new tokens and its TOKENS_IMPORTED event commit together; the event carries the count and
 * a SHA-256 over the batch's token values, and every token records the import and line it came
 * from, so the trail names exactly which tokens each event created (docs/tokens.md#bulk-imports).
 * An import is keyed by the caller's Idempotency-Key: the same file sent again answers every line
 * and creates only the tokens not created before.
 */
@io.quarkus.runtime.Startup // its gauge is registered at start-up
@ApplicationScoped
public class Imports {

    public static final int BATCH_LINES = 1000;
    public static final long MAX_LINES = 1_000_000;
    public static final int MAX_LINE_BYTES = 16 * 1024;
    static final String PREFIX = "imp_";
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** A RUNNING import not touched for this long was cut off (its instance died): it may be resumed. */
    private static final long STALE_SECONDS = 60;
    private static final int MAX_COLLISION_ROUNDS = TokenService.MAX_COLLISION_RETRIES;

    @Inject
    Pool pool;

    @Inject
    DataKeys dataKeys;

    @Inject
    FingerprintKeys fingerprints;

    @Inject
    PurposePolicies purposes;

    @Inject
    TokenService tokens;

    @Inject
    TokenRepository repository;

    @Inject
    Audit audit;

    @Inject
    ObjectMapper mapper;

    @Inject
    VaultClock clock;

    @Inject
    dev.cardvault.metrics.VaultMetrics metrics;

    /** Imports running on this instance (begun, not finished): the in-progress gauge reads its size. */
    private final java.util.Set<String> running = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @jakarta.annotation.PostConstruct
    void registerGauge() {
        metrics.gauge(dev.cardvault.metrics.VaultMetrics.IMPORTS_RUNNING, "Imports running on this instance", running::size);
    }

    private ObjectReader requestReader;

    /** An import being run: its id, and whether this request resumed an earlier one. */
    public record Job(String id, String tenant, boolean resumed, TenantPurposes policy) {
    }

    /** What an import has done so far. */
    public record Progress(String id, String state, long linesRead, long created, long existing, long failed, String startedAt,
            String updatedAt, String finishedAt) {
    }

    /** One line read: its number (from 1) and its bytes. */
    public record Line(long number, Buffer bytes) {
    }

    /** An Idempotency-Key the vault accepts (it is echoed in no answer, but it is stored and audited). */
    public static boolean acceptableKey(String key) {
        return key != null && KEY.matcher(key).matches() && !CardShape.containsInIdentifier(key);
    }

    /**
     * Starts the import of this key, or resumes it. Refused (before a line is read) when the tenant
     * may not collect cards, or when the same import is running elsewhere.
     */
    public Uni<Job> begin(Caller who, AuditContext audited, String key) {
        return purposes.of(who.tenant()).flatMap(policy -> {
            PurposeBinding.check(policy, null, null, tokens.requiresRegistry()); // throws for a closed or unregistered controller
            String id = RandomIds.letters(PREFIX);
            return pool.preparedQuery("INSERT INTO import_job (id, tenant, idempotency_key, created_by, state) VALUES ($1, $2, $3, $4, 'RUNNING') "
                    + "ON CONFLICT (tenant, idempotency_key) DO UPDATE SET state = 'RUNNING', updated_at = now() "
                    + "WHERE import_job.state <> 'RUNNING' OR import_job.updated_at < now() - make_interval(secs => $5) "
                    + "RETURNING id, started_at < now() AS resumed")
                    .execute(Tuple.of(id, who.tenant(), key, who.subject(), (double) STALE_SECONDS)).flatMap(rows -> {
                        if (rows.size() == 0) {
                            return Uni.createFrom().failure(new ImportRefused("This import is running: wait for it to end, or use another Idempotency-Key."));
                        }
                        var r = rows.iterator().next();
                        Job job = new Job(r.getString("id"), who.tenant(), r.getBoolean("resumed"), policy);
                        return audit.record(audited.event(AuditType.IMPORT_STARTED, Outcome.SUCCESS, null, null)
                                .withDetail("import=" + job.id() + (job.resumed() ? " resumed=true" : ""))).replaceWith(job)
                                .invoke(j -> running.add(j.id()));
                    });
        });
    }

    /** A batch parsed, validated and encrypted, ready to be stored. */
    public static final class Prepared {
        private final List<Parsed> parsed;

        private Prepared(List<Parsed> parsed) {
            this.parsed = parsed;
        }
    }

    /**
     * The CPU half of a batch, on a worker thread: lines parsed and validated, lines an earlier
     * attempt stored looked up, the rest encrypted. It may run while the previous batch is stored.
     */
    public Uni<Prepared> prepare(Job job, List<Line> lines) {
        return Uni.createFrom().item(() -> parse(job, lines)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .flatMap(parsed -> existing(job, parsed).emitOn(Infrastructure.getDefaultWorkerPool())
                        .flatMap(found -> encrypt(job, pending(parsed, found))).replaceWith(new Prepared(parsed)));
    }

    /** The database half: new tokens and their event committed together; the answer line of each input line, in order. */
    public Uni<List<String>> commit(Job job, AuditContext audited, Prepared prepared) {
        List<Parsed> parsed = prepared.parsed;
        return insert(job, audited, parsed.stream().filter(p -> p.row != null && p.token == null && p.errors == null).toList(), 0)
                .flatMap(v -> count(job, parsed)).invoke(v -> measure(job, parsed)).map(v -> answers(parsed));
    }

    /** Marks the import finished (or cut off), with its final counts, and records it. */
    public Uni<Progress> finish(Job job, AuditContext audited, boolean complete) {
        running.remove(job.id());
        return pool.preparedQuery("UPDATE import_job SET state = $2, updated_at = now(), finished_at = CASE WHEN $2 = 'COMPLETED' "
                + "THEN now() ELSE finished_at END WHERE id = $1 RETURNING " + PROGRESS)
                .execute(Tuple.of(job.id(), complete ? "COMPLETED" : "INTERRUPTED")).map(rows -> progress(rows.iterator().next()))
                .call(p -> audit.record(audited.event(complete ? AuditType.IMPORT_COMPLETED : AuditType.IMPORT_INTERRUPTED, Outcome.SUCCESS,
                        null, null).withDetail("import=" + job.id() + " lines=" + p.linesRead() + " created=" + p.created() + " existing="
                                + p.existing() + " failed=" + p.failed())));
    }

    public Uni<Progress> progress(Caller who, String id) {
        if (id == null || !RandomIds.wellFormed(id, PREFIX)) {
            return Uni.createFrom().failure(new ImportNotFound());
        }
        return pool.preparedQuery("SELECT " + PROGRESS + " FROM import_job WHERE id = $1 AND tenant = $2").execute(Tuple.of(id, who.tenant()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new ImportNotFound();
                    }
                    return progress(rows.iterator().next());
                });
    }

    private static final String PROGRESS = "id, state, lines_read, created, existing, failed, started_at, updated_at, finished_at";

    private static Progress progress(io.vertx.mutiny.sqlclient.Row r) {
        return new Progress(r.getString("id"), r.getString("state"), r.getLong("lines_read"), r.getLong("created"), r.getLong("existing"),
                r.getLong("failed"), r.getOffsetDateTime("started_at").toInstant().toString(),
                r.getOffsetDateTime("updated_at").toInstant().toString(),
                r.getOffsetDateTime("finished_at") == null ? null : r.getOffsetDateTime("finished_at").toInstant().toString());
    }

    /** One line's fate: a command to store, or its errors; then its token. */
    private static final class Parsed {
        final long line;
        TokenizeCommand cmd;
        List<Violation> errors;
        String token;
        String brand;
        String last4;
        boolean existed;
        TokenRow row;

        Parsed(long line) {
            this.line = line;
        }
    }

    private List<Parsed> parse(Job job, List<Line> lines) {
        if (requestReader == null) {
            requestReader = mapper.readerFor(TokenizeRequest.class);
        }
        Instant now = clock.instant();
        List<Parsed> out = new ArrayList<>(lines.size());
        for (Line l : lines) {
            Parsed p = new Parsed(l.number());
            out.add(p);
            try {
                TokenizeRequest r = read(l.bytes());
                if (Boolean.TRUE.equals(r.deterministic)) {
                    throw new InvalidRequest("deterministic", "is not imported in bulk: use POST /v1/tokens for deterministic tokens");
                }
                p.cmd = PurposeBinding.bind(job.policy(), TokenizeCommand.validate(r, clock), now, tokens.requiresRegistry());
            } catch (InvalidRequest e) {
                p.errors = e.violations();
            }
        }
        return out;
    }

    /** A line as a tokenize request: a JSON object, no security-code field anywhere, never echoed. */
    private TokenizeRequest read(Buffer bytes) {
        JsonNode node;
        try {
            node = mapper.readTree(bytes.getBytes());
        } catch (java.io.IOException e) {
            throw new InvalidRequest("line", "is not a JSON object");
        }
        if (!(node instanceof ObjectNode object)) {
            throw new InvalidRequest("line", "is not a JSON object");
        }
        refuseSecurityCodes(object, "");
        try {
            return requestReader.readValue(object);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new InvalidRequest("line", "has a field of the wrong type (see the tokenize request's fields)");
        }
    }

    /** The tokenize request's own fields: none is a security-code name, so they need no check. */
    private static final java.util.Set<String> OWN_FIELDS = java.util.Set.of("pan", "expMonth", "expYear", "cardholderName", "format",
            "deterministic", "expiresAt", "metadata", "purpose", "consentRef");

    private static void refuseSecurityCodes(JsonNode node, String path) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            boolean own = path.isEmpty() && OWN_FIELDS.contains(f.getKey());
            if (!own && SecurityCodeNames.match(f.getKey()).isPresent()) {
                throw new InvalidRequest(path.isEmpty() ? "line" : path, "must not hold card security codes, PINs or track data");
            }
            if (path.isEmpty() && !own && CardShape.contains(f.getValue().toString())) {
                // As the HTTP edge refuses a card number outside its field: dropping it silently would hide the mistake.
                throw new InvalidRequest("line", "holds a card number outside \"pan\"");
            }
            if (f.getValue().isObject()) {
                refuseSecurityCodes(f.getValue(), path.isEmpty() ? "metadata" : path);
            }
        }
    }

    /** Tokens this import already created for these lines (a resumed import answers them again). */
    private Uni<Map<Integer, String[]>> existing(Job job, List<Parsed> parsed) {
        if (!job.resumed()) {
            return Uni.createFrom().item(Map.of());
        }
        Integer[] lines = parsed.stream().map(p -> (int) p.line).toArray(Integer[]::new);
        return pool.preparedQuery("SELECT import_line, token, brand, last4 FROM token WHERE import_id = $1 AND import_line = ANY($2)")
                .execute(Tuple.of(job.id(), lines)).map(rows -> {
                    Map<Integer, String[]> out = new HashMap<>();
                    rows.forEach(r -> out.put(r.getInteger("import_line"), new String[] { r.getString("token"), r.getString("brand"),
                            r.getString("last4") }));
                    return out;
                });
    }

    /** Marks the lines an earlier attempt stored; the lines still to store. */
    private static List<Parsed> pending(List<Parsed> parsed, Map<Integer, String[]> found) {
        List<Parsed> todo = new ArrayList<>();
        for (Parsed p : parsed) {
            String[] known = found.get((int) p.line);
            if (known != null && p.token == null) {
                p.token = known[0];
                p.brand = known[1];
                p.last4 = known[2];
                p.existed = true;
                p.errors = null;
                p.row = null;
            } else if (p.errors == null && p.token == null) {
                todo.add(p);
            }
        }
        return todo;
    }

    /**
     * Writes the encrypted rows with the batch's TOKENS_IMPORTED event. A row not written (its token
     * value taken, or its line stored meanwhile by another attempt) is looked up, else drawn and
     * encrypted again, up to a few rounds.
     */
    private Uni<Void> insert(Job job, AuditContext audited, List<Parsed> todo, int round) {
        if (todo.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (round >= MAX_COLLISION_ROUNDS) {
            todo.forEach(p -> p.errors = List.of(new Violation("line", "no free token value was found; send the file again")));
            return Uni.createFrom().voidItem();
        }
        List<TokenRow> rows = todo.stream().map(p -> p.row).toList();
        List<Integer> lineNumbers = todo.stream().map(p -> (int) p.line).toList();
        return audit.recordAtomically(tx -> repository.insertImported(tx, rows, lineNumbers, job.id()), inserted -> {
            List<String> created = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                if (inserted[i]) {
                    created.add(rows.get(i).token());
                }
            }
            return created.isEmpty() ? null : audited.event(AuditType.TOKENS_IMPORTED, Outcome.SUCCESS, null, null)
                    .withDetail("import=" + job.id() + " lines=" + todo.get(0).line + "-" + todo.get(todo.size() - 1).line + " created="
                            + created.size() + " sha256=" + digest(created));
        }).flatMap(inserted -> {
            List<Parsed> again = new ArrayList<>();
            for (int i = 0; i < todo.size(); i++) {
                Parsed p = todo.get(i);
                if (inserted[i]) {
                    p.token = p.row.token();
                    p.brand = p.row.brand();
                    p.last4 = p.row.last4();
                } else {
                    again.add(p);
                }
            }
            if (again.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            Job resumed = new Job(job.id(), job.tenant(), true, job.policy());
            return existing(resumed, again).flatMap(found -> {
                List<Parsed> retry = pending(again, found);
                return encrypt(job, retry).flatMap(x -> insert(job, audited, retry, round + 1));
            });
        });
    }

    /** One data key use per row, one after the other: a key's budget is taken as the rows are encrypted. */
    private Uni<List<TokenRow>> encrypt(Job job, List<Parsed> todo) {
        if (todo.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        String tenant = job.tenant();
        Instant created = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return io.smallrye.mutiny.Multi.createFrom().iterable(todo)
                .onItem().transformToUniAndConcatenate(p -> dataKeys.forEncryption(tenant).map(key -> p.row = row(tenant, p.cmd, key, created)))
                .collect().asList();
    }

    private TokenRow row(String tenant, TokenizeCommand cmd, DataKey key, Instant created) {
        return TokenService.row(TokenGenerator.generate(cmd.format(), cmd.pan()), tenant, cmd,
                fingerprints.fingerprint(tenant, cmd.pan().digits()), key, created);
    }

    /** The batch's lines by outcome, and its new tokens as tokenizations of their (registered) purposes. */
    private void measure(Job job, List<Parsed> parsed) {
        long existed = 0;
        long failed = 0;
        long created = 0;
        for (Parsed p : parsed) {
            if (p.errors != null) {
                failed++;
            } else if (p.existed) {
                existed++;
            } else if (p.token != null) {
                created++;
                metrics.tokenized(job.tenant(), dev.cardvault.metrics.VaultMetrics.purpose(p.cmd.purpose(), job.policy().purposes().keySet()), 1);
            }
        }
        metrics.importLines(dev.cardvault.metrics.VaultMetrics.ImportLine.CREATED, created);
        metrics.importLines(dev.cardvault.metrics.VaultMetrics.ImportLine.EXISTING, existed);
        metrics.importLines(dev.cardvault.metrics.VaultMetrics.ImportLine.FAILED, failed);
    }

    private Uni<Void> count(Job job, List<Parsed> parsed) {
        long created = parsed.stream().filter(p -> p.token != null && !p.existed).count();
        long existed = parsed.stream().filter(p -> p.existed).count();
        long failed = parsed.stream().filter(p -> p.errors != null).count();
        long last = parsed.isEmpty() ? 0 : parsed.get(parsed.size() - 1).line;
        return pool.preparedQuery("UPDATE import_job SET lines_read = GREATEST(lines_read, $2), created = created + $3, "
                + "existing = existing + $4, failed = failed + $5, updated_at = now() WHERE id = $1")
                .execute(Tuple.of(job.id(), last, created, existed, failed)).replaceWithVoid();
    }

    private List<String> answers(List<Parsed> parsed) {
        List<String> out = new ArrayList<>(parsed.size());
        for (Parsed p : parsed) {
            if (p.errors != null) {
                ObjectNode a = mapper.createObjectNode().put("line", p.line);
                var errors = a.putArray("errors");
                p.errors.forEach(v -> errors.addObject().put("field", v.field()).put("message", v.message()));
                out.add(a.toString());
            } else {
                // Token, brand and last four are the vault's own plain values: no escaping needed.
                out.add("{\"line\":" + p.line + ",\"token\":\"" + p.token + "\",\"brand\":\"" + p.brand + "\",\"last4\":\"" + p.last4
                        + (p.existed ? "\",\"existing\":true}" : "\"}"));
            }
        }
        return out;
    }

    private static String digest(List<String> tokens) {
        return java.util.HexFormat.of().formatHex(Sha256.of(String.join("\n", tokens)));
    }
}
