package dev.cardvault.database;

import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.quarkus.runtime.Application;

/** Stops the embedded server only after Quarkus has drained requests and closed its pools. */
final class EmbeddedDatabaseShutdown {

    private static final Logger LOG = Logger.getLogger(EmbeddedDatabaseShutdown.class);

    private EmbeddedDatabaseShutdown() {
    }

    static void stopAfterApplication(EmbeddedPostgresServer server) {
        Application app = Application.currentApplication();
        if (app != null) {
            Thread waiter = new Thread(app::awaitShutdown, "cardvault-await-app-stop");
            waiter.setDaemon(true);
            waiter.start();
            try {
                waiter.join(TimeUnit.SECONDS.toMillis(60));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            server.close();
            LOG.infof("Embedded PostgreSQL on %s stopped", server.dataDir());
        } catch (Exception e) {
            LOG.errorf(e, "Embedded PostgreSQL on %s did not stop cleanly", server.dataDir());
        }
    }
}
