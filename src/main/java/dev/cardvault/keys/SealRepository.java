package dev.cardvault.keys;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** How the master key is split (never the key or a share), and what the database already holds. */
@ApplicationScoped
public class SealRepository {

    public record Config(String masterKeyId, int shares, int threshold) {
    }

    @Inject
    Pool pool;

    public Uni<Optional<Config>> config() {
        return pool.preparedQuery("SELECT master_key_id, shares, threshold FROM seal_config").execute()
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(rows.iterator().next()).map(r -> new Config(r.getString("master_key_id"),
                                r.getInteger("shares"), r.getInteger("threshold"))));
    }

    /** @return false when the service was initialized already (by this or another instance) */
    public Uni<Boolean> insertConfig(SqlClient tx, Config c, String initializedBy) {
        return tx.preparedQuery("INSERT INTO seal_config (master_key_id, shares, threshold, initialized_by) "
                + "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(c.masterKeyId(), c.shares(), c.threshold(), initializedBy)).map(rows -> rows.rowCount() == 1);
    }

    /** The master key that wrapped the stored keys, if any key is stored. */
    public Uni<Optional<String>> wrappingMasterKey() {
        return pool.query("SELECT master_key_id FROM kek WHERE wrapped_key IS NOT NULL "
                + "UNION ALL SELECT master_key_id FROM root_key LIMIT 1").execute()
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
    }
}
