package dev.cardvault.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.jboss.logmanager.Level;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.formatters.PatternFormatter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("unit")
class PanMaskingLogFilterTest {

    private static final String PAN = "4111111111111111";
    private final PanMaskingLogFilter filter = new PanMaskingLogFilter();

    private static String render(ExtLogRecord record) {
        return new PatternFormatter("%p %s%e%n").format(record);
    }

    @Test
    void parameterisedMessage_isMaskedAfterSubstitution() {
        ExtLogRecord r = new ExtLogRecord(Level.INFO, "charging %s for %d", ExtLogRecord.FormatStyle.PRINTF, "test");
        r.setParameters(new Object[] { PAN, 3 });
        assertTrue(filter.isLoggable(r));
        assertEquals("charging 411111******1111 for 3", r.getFormattedMessage());
    }

    @Test
    void exceptionMessages_inTheWholeCauseChain_areMasked_andTheTraceIsKept() {
        IllegalArgumentException root = new IllegalArgumentException("bad card " + PAN);
        RuntimeException wrapper = new RuntimeException("while handling 5555 5555 5555 4444", root);
        wrapper.addSuppressed(new IllegalStateException("suppressed " + PAN));
        ExtLogRecord r = new ExtLogRecord(Level.ERROR, "request failed", ExtLogRecord.FormatStyle.NO_FORMAT, "test");
        r.setThrown(wrapper);

        assertTrue(filter.isLoggable(r));
        String out = render(r);

        assertFalse(out.contains(PAN), out);
        assertFalse(out.contains("5555 5555 5555 4444"), out);
        assertTrue(out.contains("java.lang.RuntimeException: while handling 555555******4444"), out);
        assertTrue(out.contains("java.lang.IllegalArgumentException: bad card 411111******1111"), out);
        assertTrue(out.contains("suppressed 411111******1111"), out);
        // The stack trace still says where it happened.
        assertTrue(out.contains(getClass().getName()), out);
    }

    @Test
    void recordWithoutCardData_isUntouched() {
        RuntimeException e = new RuntimeException("port 34899 refused");
        ExtLogRecord r = new ExtLogRecord(Level.WARN, "retrying", ExtLogRecord.FormatStyle.NO_FORMAT, "test");
        r.setThrown(e);
        assertTrue(filter.isLoggable(r));
        assertEquals(e, r.getThrown());
        assertEquals("retrying", r.getFormattedMessage());
    }

    @Test
    void maskedThrowable_printsLikeTheOriginal() {
        Throwable masked = MaskedThrowable.maskIfNeeded(new IllegalStateException("pan " + PAN));
        StringWriter w = new StringWriter();
        masked.printStackTrace(new PrintWriter(w));
        assertNotNull(masked.getStackTrace());
        assertTrue(w.toString().startsWith("java.lang.IllegalStateException: pan 411111******1111"), w.toString());
    }
}
