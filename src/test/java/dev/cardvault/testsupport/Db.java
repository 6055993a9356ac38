package dev.cardvault.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import org.eclipse.microprofile.config.ConfigProvider;

/** A plain JDBC connection to the service's own database (embedded or configured), for assertions. */
public final class Db {

    private Db() {
    }

    /** As the service's runtime role (quarkus.datasource.username): owns nothing, holds only the migrations' grants. */
    public static Connection connect() throws SQLException {
        var config = ConfigProvider.getConfig();
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        String user = config.getOptionalValue("quarkus.datasource.username", String.class).orElse("cardvault");
        String password = config.getOptionalValue("quarkus.datasource.password", String.class).orElse("");
        return DriverManager.getConnection(url, user, password);
    }

    /** As the schema owner, the role the migrations run as (cardvault.migration.username, else the service's). */
    public static Connection owner() throws SQLException {
        var config = ConfigProvider.getConfig();
        var user = config.getOptionalValue("cardvault.migration.username", String.class);
        if (user.isEmpty()) {
            return connect();
        }
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        return DriverManager.getConnection(url, user.get(),
                config.getOptionalValue("cardvault.migration.password", String.class).orElse(""));
    }

    /** The single number a query answers (e.g. a count), as the superuser. */
    public static long scalar(String sql, Object... params) throws SQLException {
        try (Connection c = superuser(); java.sql.PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (java.sql.ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The single text a query answers, as the superuser. */
    public static String scalarText(String sql, Object... params) throws SQLException {
        try (Connection c = superuser(); java.sql.PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            try (java.sql.ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /**
     * A superuser connection to the same database, for tests that play an attacker with full
     * database access (embedded server and the CI server both trust local connections).
     */
    public static Connection superuser() throws SQLException {
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class);
        return DriverManager.getConnection(url, "postgres", "");
    }
}
