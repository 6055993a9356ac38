package dev.cardvault.logging;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Filter;
import java.util.logging.Handler;
import org.jboss.logmanager.Level;

import org.jboss.logmanager.ExtHandler;
import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.LogContext;
import org.jboss.logmanager.handlers.ConsoleHandler;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The running service's console handler really passes records through the PAN mask. */
@QuarkusTest
class LogWiringTest {

    @Test
    void consoleHandler_masksPansInMessagesAndExceptions() {
        List<ConsoleHandler> consoles = new ArrayList<>();
        collect(LogContext.getLogContext().getLogger("").getHandlers(), consoles);
        assertFalse(consoles.isEmpty(), "no console handler found");
        for (ConsoleHandler console : consoles) {
            ExtLogRecord r = new ExtLogRecord(Level.ERROR, "reveal of %s failed", ExtLogRecord.FormatStyle.PRINTF, "test");
            r.setParameters(new Object[] { "4111 1111 1111 1111" });
            r.setThrown(new IllegalStateException("decrypt failed for 4111111111111111"));
            Filter filter = console.getFilter();
            assertNotNull(filter, "console handler has no filter");
            assertTrue(filter.isLoggable(r), "the mask filter must mask the record, not drop it");
            String line = console.getFormatter().format(r);
            assertFalse(line.contains("4111111111111111"), line);
            assertFalse(line.contains("4111 1111 1111 1111"), line);
            assertTrue(line.contains("411111******1111"), line);
        }
    }

    private static void collect(Handler[] handlers, List<ConsoleHandler> out) {
        for (Handler h : handlers) {
            if (h instanceof ConsoleHandler c) {
                out.add(c);
            }
            if (h instanceof ExtHandler ext) {
                collect(ext.getHandlers(), out);
            }
        }
    }
}
