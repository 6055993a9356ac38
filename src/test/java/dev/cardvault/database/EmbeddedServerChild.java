package dev.cardvault.database;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;

/** Run in a child JVM by EmbeddedPostgresServerTest: starts a server, writes a row, waits to be killed. */
public final class EmbeddedServerChild {

    public static void main(String[] args) throws Exception {
        EmbeddedPostgresServer server = EmbeddedPostgresServer.start(Path.of(args[0]), true, false);
        try (Connection c = server.superuserConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('committed before the crash')");
        }
        System.out.println("READY " + server.port());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
