package dev.cardvault.metrics;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.Startup;

/**
 * The vault's own metrics, the ones worth alerting on (docs/operations.md#metrics). Every name is
 * here, so that the list an operator alerts on is one place; the capabilities call in with what
 * happened, and register the gauges whose values only they know.
 *
 * <p>Labels: {@code tenant} (from the verified JWT) and {@code purpose} (a code from the allowed or
 * registered list, else {@link #OTHER}); never a subject, a token, a card or free caller input.
 * Each labelled family gets one series {@code tenant="none",purpose="none"} at start-up that stays
 * at 0: {@code sum(rate(...))} in a dashboard or an alert then answers 0 rather than nothing from
 * the first scrape. A tenant's own series appears with its first event.
 *
 * <p>Counters are cached per tenant and purpose: a hot path costs one map lookup, not a registry
 * lookup with a builder.
 */
@Startup
@ApplicationScoped
public class VaultMetrics {

    /** Prometheus names, as exported (Micrometer adds {@code _total} to counters). */
    public static final String TOKENIZE = "cardvault_tokenize_total";
    public static final String REVEAL = "cardvault_reveal_total";
    public static final String REVEAL_DENIED = "cardvault_reveal_denied_total";
    public static final String AUDIT_WRITE_FAILURES = "cardvault_audit_write_failures_total";
    public static final String AUDIT_VERIFY_VALID = "cardvault_audit_verify_valid";
    public static final String SEALED = "cardvault_seal_sealed";
    public static final String KEK_AGE = "cardvault_kek_age_seconds";
    public static final String KEK_CRYPTOPERIOD = "cardvault_kek_cryptoperiod_seconds";
    public static final String REWRAP_BACKLOG = "cardvault_rewrap_backlog_data_keys";
    public static final String IMPORT_LINES = "cardvault_import_lines_total";
    public static final String IMPORTS_RUNNING = "cardvault_imports_in_progress";

    /** Every name above: what the service exports (k8s/observability/metrics.txt lists the same). */
    public static final List<String> NAMES = List.of(TOKENIZE, REVEAL, REVEAL_DENIED, AUDIT_WRITE_FAILURES, AUDIT_VERIFY_VALID, SEALED,
            KEK_AGE, KEK_CRYPTOPERIOD, REWRAP_BACKLOG, IMPORT_LINES, IMPORTS_RUNNING);

    /** The label value of a purpose outside the allowed list, and of the start-up series. */
    public static final String OTHER = "other";
    public static final String NONE = "none";

    /** How an import line ended. */
    public enum ImportLine { CREATED, EXISTING, FAILED }

    @Inject
    MeterRegistry registry;

    private final Family tokenize = new Family(TOKENIZE, "Cards tokenized (API, capture, import)");
    private final Family reveal = new Family(REVEAL, "Cards revealed: PANs returned by detokenize, single or batch");
    private final Family revealDenied = new Family(REVEAL_DENIED,
            "Cards whose reveal was denied: purpose not allowed, rate limited, processing restricted");
    private volatile Counter auditFailures;
    private final Map<ImportLine, Counter> importLines = new ConcurrentHashMap<>();

    /** Registers every family and counter that does not depend on a capability: at start-up ({@link Startup}). */
    @PostConstruct
    void register() {
        tokenize.prime();
        reveal.prime();
        revealDenied.prime();
        auditFailures = Counter.builder(base(AUDIT_WRITE_FAILURES)).description("Audit events whose batch could not be committed")
                .register(registry);
        for (ImportLine outcome : ImportLine.values()) {
            importLines.put(outcome, Counter.builder(base(IMPORT_LINES)).description("Import lines processed, by outcome")
                    .tag("outcome", outcome.name().toLowerCase(java.util.Locale.ROOT)).register(registry));
        }
    }

    public void tokenized(String tenant, String purpose, int cards) {
        tokenize.add(tenant, purpose, cards);
    }

    public void revealed(String tenant, String purpose, int cards) {
        reveal.add(tenant, purpose, cards);
    }

    public void revealDenied(String tenant, String purpose, int cards) {
        revealDenied.add(tenant, purpose, cards);
    }

    public void auditWriteFailed(int events) {
        Counter c = auditFailures;
        if (c != null && events > 0) {
            c.increment(events);
        }
    }

    public void importLines(ImportLine outcome, long lines) {
        Counter c = importLines.get(outcome);
        if (c != null && lines > 0) {
            c.increment(lines);
        }
    }

    /** A gauge read at scrape time: {@code value} must be cheap and must not block (a field, never a query). */
    public void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).strongReference(true).register(registry);
    }

    /** The purpose as a label: itself when it is one of {@code known}, else {@link #OTHER}; {@link #NONE} when absent. */
    public static String purpose(String purpose, Set<String> known) {
        return purpose == null ? NONE : known.contains(purpose) ? purpose : OTHER;
    }

    /** Micrometer's name of a counter: without the {@code _total} the Prometheus registry appends. */
    private static String base(String prometheusName) {
        return prometheusName.substring(0, prometheusName.length() - "_total".length());
    }

    /** A counter family labelled by tenant and purpose, its counters cached. */
    private final class Family {
        private final String name;
        private final String description;
        private final Map<String, Map<String, Counter>> byTenant = new ConcurrentHashMap<>();

        Family(String prometheusName, String description) {
            this.name = base(prometheusName);
            this.description = description;
        }

        void prime() {
            counter(NONE, NONE);
        }

        void add(String tenant, String purpose, int cards) {
            if (cards > 0) {
                counter(tenant == null ? NONE : tenant, purpose == null ? NONE : purpose).increment(cards);
            }
        }

        private Counter counter(String tenant, String purpose) {
            // Two plain map reads on the hot path; a builder only for a new tenant/purpose pair.
            Map<String, Counter> purposes = byTenant.get(tenant);
            Counter c = purposes == null ? null : purposes.get(purpose);
            if (c != null) {
                return c;
            }
            return byTenant.computeIfAbsent(tenant, t -> new ConcurrentHashMap<>()).computeIfAbsent(purpose,
                    p -> Counter.builder(name).description(description).tags(Tags.of("tenant", tenant, "purpose", p)).register(registry));
        }
    }
}
