package dev.cardvault.containment;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Filter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.Logger;
import org.jboss.logmanager.handlers.ConsoleHandler;

/**
 * Sees every record the service logs, passes it through the console handler's own filter (the PAN
 * mask) and formats it with the console's own formatter, so the line checked is the line written,
 * request-id MDC included; each MDC value is kept on its own too.
 */
public final class LogCapture extends Handler implements AutoCloseable {

    /** One captured text and where it came from (logger, MDC key). */
    public record Line(String where, String text) {
    }

    private final Queue<Line> lines = new ConcurrentLinkedQueue<>();
    private final Logger root = LogContext.getLogContext().getLogger("");
    private final Filter filter;
    private final Formatter formatter;

    private LogCapture(ConsoleHandler console) {
        this.filter = console.getFilter();
        this.formatter = console.getFormatter();
        setLevel(Level.ALL);
    }

    /** Starts capturing; {@link #close()} stops. */
    public static LogCapture start() {
        ConsoleHandler console = console(LogContext.getLogContext().getLogger("").getHandlers());
        if (console == null) {
            throw new IllegalStateException("no console handler: the sweep checks the log as the console writes it");
        }
        LogCapture capture = new LogCapture(console);
        capture.root.addHandler(capture);
        return capture;
    }

    public Queue<Line> lines() {
        return lines;
    }

    private static ConsoleHandler console(Handler[] handlers) {
        for (Handler h : handlers) {
            ConsoleHandler found = h instanceof ConsoleHandler c ? c : h instanceof ExtHandler ext ? console(ext.getHandlers()) : null;
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    @Override
    public void publish(LogRecord record) {
        String where = "log [" + record.getLoggerName() + "]";
        try {
            if (filter != null) {
                filter.isLoggable(record);
            }
            lines.add(new Line(where, formatter.format(record)));
            if (record instanceof ExtLogRecord ext) {
                ext.getMdcCopy().forEach((k, v) -> lines.add(new Line(where + " MDC " + k, String.valueOf(v))));
            }
        } catch (RuntimeException e) {
            lines.add(new Line(where + " (unformattable)", String.valueOf(record.getMessage())));
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        root.removeHandler(this);
    }
}
