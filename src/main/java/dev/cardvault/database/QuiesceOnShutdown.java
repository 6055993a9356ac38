package dev.cardvault.database;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.scheduler.Scheduler;

/**
 * Stops starting background jobs (rewrap, key polling, retention) as soon as shutdown is requested.
 * A run that begins once the connection pool is closing fails halfway and logs an error at every
 * rolling update; a job skipped here runs on another replica, under its advisory lock.
 */
@ApplicationScoped
public class QuiesceOnShutdown {

    @Inject
    Scheduler scheduler;

    void onShutdownRequested(@Observes ShutdownDelayInitiatedEvent event) {
        scheduler.pause();
    }
}
