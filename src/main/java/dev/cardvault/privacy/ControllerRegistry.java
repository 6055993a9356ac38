package dev.cardvault.privacy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditEvent;
import dev.cardvault.auth.TenantClaim;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.Violation;
import dev.cardvault.tokens.TokenizeCommand;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * The controller registry (role processor-admin): controllers and their purposes, kept with
 * Hibernate Reactive Panache (registry-style entities, written rarely). Every change and its
 * audit event: the event is made durable inside the entity's transaction, before it commits, so
 * no change is ever unaudited (a commit failing after that leaves an event for a change that did
 * not happen, the safe side). The token path reads the registry through {@link PurposeRegistry}.
 */
@ApplicationScoped
public class ControllerRegistry {

    static final Period MAX_RETENTION = Period.ofYears(10);
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]{1,64}@[^@\\s]{1,190}\\.[^@\\s]{2,}$");
    private static final Set<String> LEGAL_BASES = Set.of("CONTRACT", "CONSENT", "LEGAL_OBLIGATION", "LEGITIMATE_INTEREST");

    @Inject
    Audit audit;

    @Inject
    PurposeRegistry registry;

    /** A registry entity and whether this request created it (201) or changed it (200). */
    public record Saved<T>(T entity, boolean created) {
    }

    public Uni<Controller> find(String tenant) {
        if (!TenantClaim.isValid(tenant)) {
            return Uni.createFrom().failure(PrivacyRefused.noController());
        }
        return Panache.withSession(() -> Controller.<Controller> findById(tenant))
                .map(c -> {
                    if (c == null) {
                        throw PrivacyRefused.noController();
                    }
                    return c;
                });
    }

    public Uni<List<ControllerPurpose>> purposes(String tenant) {
        return Panache.withSession(() -> ControllerPurpose.<ControllerPurpose> list("tenant = ?1 order by code", tenant));
    }

    public Uni<List<ControllerPurpose>> allPurposes() {
        return Panache.withSession(() -> ControllerPurpose.<ControllerPurpose> listAll(io.quarkus.panache.common.Sort.by("tenant", "code")));
    }

    public Uni<List<Controller>> all() {
        return Panache.withSession(() -> Controller.<Controller> listAll(io.quarkus.panache.common.Sort.by("tenant")));
    }

    public Uni<Saved<Controller>> putController(PrivacyAudit who, String tenant, RegistryRequests.ControllerBody body) {
        if (!TenantClaim.isValid(tenant)) {
            throw PrivacyRefused.noController(); // not a tenant id: lower-case letters, digits and hyphens
        }
        List<Violation> v = new ArrayList<>();
        String name = text(v, "name", body.name, 200, true);
        String dpaReference = text(v, "dpaReference", body.dpaReference, 100, true);
        LocalDate dpaDate = null;
        if (body.dpaDate == null) {
            v.add(new Violation("dpaDate", "is required: the date the data processing agreement was signed (YYYY-MM-DD)"));
        } else {
            try {
                dpaDate = LocalDate.parse(body.dpaDate);
            } catch (DateTimeParseException e) {
                v.add(new Violation("dpaDate", "must be a date such as 2026-03-01"));
            }
        }
        String contactName = body.contact == null ? null : text(v, "contact.name", body.contact.name, 200, false);
        String contactEmail = body.contact == null ? null : body.contact.email;
        if (contactEmail == null || contactEmail.length() > 254 || !EMAIL.matcher(contactEmail).matches()) {
            v.add(new Violation("contact.email", "is required: the controller's privacy contact, an e-mail address"));
        }
        if (!v.isEmpty()) {
            throw new InvalidRequest(v);
        }
        LocalDate date = dpaDate;
        return audited(() -> Controller.<Controller> findById(tenant).flatMap(existing -> {
            if (existing != null && existing.closed()) {
                return Uni.createFrom().failure(PrivacyRefused.closed());
            }
            Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
            Controller c = existing == null ? new Controller() : existing;
            c.tenant = tenant;
            c.name = name;
            c.dpaReference = dpaReference;
            c.dpaDate = date;
            c.contactName = contactName;
            c.contactEmail = contactEmail;
            c.updatedAt = now;
            if (existing == null) {
                c.state = Controller.ACTIVE;
                c.createdAt = now;
                return c.<Controller> persist().map(x -> new Saved<>(c, true));
            }
            return Uni.createFrom().item(new Saved<>(c, false));
        }), saved -> who.event(saved.created() ? dev.cardvault.audit.AuditType.CONTROLLER_REGISTERED
                : dev.cardvault.audit.AuditType.CONTROLLER_UPDATED, tenant, null).withDetail("dpa=" + safe(dpaReference)))
                .invoke(() -> registry.forget(tenant));
    }

    public Uni<Saved<ControllerPurpose>> putPurpose(PrivacyAudit who, String tenant, String code, RegistryRequests.PurposeBody body) {
        if (!TenantClaim.isValid(tenant)) {
            throw PrivacyRefused.noController();
        }
        if (code == null || !TokenizeCommand.PURPOSE_CODE.matcher(code).matches()) {
            throw new PrivacyRefused(PrivacyRefused.Reason.PURPOSE_NOT_FOUND,
                    "No purpose can have this code: a code is capital letters, digits and underscores, such as MONTHLY_BILLING.");
        }
        List<Violation> v = new ArrayList<>();
        String description = text(v, "description", body.description, 500, true);
        if (body.legalBasis == null || !LEGAL_BASES.contains(body.legalBasis)) {
            v.add(new Violation("legalBasis", "must be one of CONTRACT, CONSENT, LEGAL_OBLIGATION, LEGITIMATE_INTEREST (GDPR Art. 6(1))"));
        }
        Period retention = null;
        if (body.retention == null) {
            v.add(new Violation("retention", "is required: how long a card collected for this purpose is kept, an ISO-8601 period such as P2Y"));
        } else {
            try {
                retention = Period.parse(body.retention);
                Instant now = Instant.now();
                Instant until = now.atZone(java.time.ZoneOffset.UTC).plus(retention).toInstant();
                if (!until.isAfter(now) || until.isAfter(now.atZone(java.time.ZoneOffset.UTC).plus(MAX_RETENTION).toInstant())) {
                    v.add(new Violation("retention", "must be a positive period of at most " + MAX_RETENTION + ", such as P2Y or P90D"));
                }
            } catch (DateTimeParseException e) {
                v.add(new Violation("retention", "must be an ISO-8601 period such as P2Y, P18M or P90D"));
            }
        }
        Set<String> global = registry.globalRevealPurposes();
        Set<String> reveals = new LinkedHashSet<>(body.revealPurposes == null ? List.of() : body.revealPurposes);
        if (reveals.stream().anyMatch(r -> r == null || !global.contains(r))) {
            v.add(new Violation("revealPurposes", "must be detokenize purposes the vault allows: "
                    + String.join(", ", global.stream().sorted().toList())));
        }
        if (!v.isEmpty()) {
            throw new InvalidRequest(v);
        }
        String retentionText = retention.toString();
        String revealText = String.join(",", reveals.stream().sorted().toList());
        boolean active = body.active == null || body.active;
        return audited(() -> Controller.<Controller> findById(tenant).flatMap(c -> {
            if (c == null) {
                return Uni.createFrom().failure(PrivacyRefused.noController());
            }
            if (c.closed()) {
                return Uni.createFrom().failure(PrivacyRefused.closed());
            }
            return ControllerPurpose.<ControllerPurpose> findById(new ControllerPurpose.Key(tenant, code)).flatMap(existing -> {
                Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
                ControllerPurpose p = existing == null ? new ControllerPurpose() : existing;
                p.tenant = tenant;
                p.code = code;
                p.description = description;
                p.legalBasis = body.legalBasis;
                p.retention = retentionText;
                p.revealPurposes = revealText;
                p.active = active;
                p.updatedAt = now;
                if (existing == null) {
                    p.createdAt = now;
                    return p.<ControllerPurpose> persist().map(x -> new Saved<>(p, true));
                }
                return Uni.createFrom().item(new Saved<>(p, false));
            });
        }), saved -> who.event(saved.created() ? dev.cardvault.audit.AuditType.PURPOSE_REGISTERED
                : dev.cardvault.audit.AuditType.PURPOSE_UPDATED, tenant, code)
                .withDetail("legalBasis=" + body.legalBasis + " retention=" + retentionText + " reveal=" + revealText + " active=" + active))
                .invoke(() -> registry.forget(tenant));
    }

    /**
     * A change in a Hibernate Reactive transaction whose audit event is durable before the commit.
     * The audit batch may complete on another event loop: the transaction goes on on its own.
     */
    <T> Uni<T> audited(Supplier<Uni<T>> change, Function<T, AuditEvent> eventOf) {
        Context context = Vertx.currentContext();
        Executor back = context == null ? Runnable::run : task -> context.runOnContext(x -> task.run());
        return Panache.withTransaction(() -> change.get().call(t -> audit.record(eventOf.apply(t)).emitOn(back)));
    }

    /** A required or optional text field: trimmed length and no control characters. */
    static String text(List<Violation> v, String field, String value, int max, boolean required) {
        if (value == null || value.isBlank()) {
            if (required) {
                v.add(new Violation(field, "is required"));
            }
            return null;
        }
        if (value.length() > max || value.chars().anyMatch(Character::isISOControl)) {
            v.add(new Violation(field, "must be at most " + max + " characters without control characters"));
            return null;
        }
        return value.strip();
    }

    /** A value for an audit detail: no spaces or '=' (the detail is key=value pairs). */
    static String safe(String value) {
        return value == null ? "" : value.replaceAll("[\\s=]", "_");
    }
}
