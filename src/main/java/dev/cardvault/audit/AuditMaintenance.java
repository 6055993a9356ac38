package dev.cardvault.audit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Period;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.scheduler.Scheduled;

/**
 * The trail's monthly partitions, kept by the schema owner (the runtime role may not create or
 * drop tables): creates the coming months' partitions and retires months older than
 * {@code cardvault.audit.retention} (default 13 months: PCI DSS 10.5.1 asks for 12) once an
 * export covers them (SQL functions {@code audit_ensure_partitions}, {@code audit_retire_partitions}).
 *
 * <p>Runs in this process only where the owner's credentials are configured
 * ({@code cardvault.migration.username}; in dev and test the datasource user when unset). In
 * production they are not given to the service: the maintenance CronJob of the Kubernetes
 * overlays calls the same functions as the owner.
 */
@ApplicationScoped
public class AuditMaintenance {

    private static final Logger LOG = Logger.getLogger(AuditMaintenance.class);
    /** Advisory lock id: "CVAUDMNT" in ASCII. */
    static final long LOCK_KEY = 0x4356_4155_444D_4E54L;

    @ConfigProperty(name = "cardvault.migration.username")
    Optional<String> ownerUser;

    @ConfigProperty(name = "cardvault.migration.password")
    Optional<String> ownerPassword;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> datasourceUser;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> datasourcePassword;

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    Optional<String> jdbcUrl;

    @ConfigProperty(name = "cardvault.audit.retention", defaultValue = "P13M")
    Period retention;

    @ConfigProperty(name = "cardvault.audit.partitions-ahead", defaultValue = "3")
    int monthsAhead;

    @Inject
    Audit audit;

    public record Result(boolean ran, int partitionsCreated, List<String> retired) {
    }

    /** Whether this process may act as the schema owner. */
    public boolean enabled() {
        return jdbcUrl.isPresent() && (ownerUser.isPresent() || LaunchMode.current() != LaunchMode.NORMAL);
    }

    @Scheduled(identity = "audit-maintenance", every = "${cardvault.audit.maintenance.every:24h}",
            delayed = "${cardvault.audit.maintenance.initial-delay:1m}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (enabled()) {
            try {
                run(retention);
            } catch (SQLException | RuntimeException e) {
                LOG.errorf("Audit maintenance failed: %s", e.toString());
            }
        }
    }

    /** Creates the coming partitions and retires what {@code keep} allows, as the schema owner. */
    public Result run(Period keep) throws SQLException {
        if (!enabled()) {
            return new Result(false, 0, List.of());
        }
        String user = ownerUser.or(() -> datasourceUser).orElse(null);
        String password = ownerUser.isPresent() ? ownerPassword.orElse("") : datasourcePassword.orElse("");
        try (Connection c = DriverManager.getConnection(jdbcUrl.get(), user, password)) {
            if (!tryLock(c)) {
                return new Result(false, 0, List.of());
            }
            int created;
            try (PreparedStatement s = c.prepareStatement("SELECT audit_ensure_partitions(?)")) {
                s.setInt(1, monthsAhead);
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    created = rs.getInt(1);
                }
            }
            List<String> retired = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT * FROM audit_retire_partitions(?::interval)")) {
                s.setString(1, keep.toString());
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        retired.add(rs.getString(1));
                    }
                }
            }
            for (String partition : retired) {
                LOG.infof("Audit partition %s retired: past %s and exported", partition, keep);
                audit.record(AuditEvent.service(AuditType.AUDIT_RETIRED, Outcome.SUCCESS, null, null,
                        "partition=" + partition + " retention=" + keep)).await().atMost(Duration.ofSeconds(30));
            }
            return new Result(true, created, retired);
        }
    }

    private static boolean tryLock(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
            s.setLong(1, LOCK_KEY);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
