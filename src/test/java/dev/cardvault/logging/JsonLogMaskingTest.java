package dev.cardvault.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.logmanager.Level;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.cardvault.card.CardShape;
import io.quarkus.logging.json.runtime.JsonFormatter;
import io.vertx.core.json.JsonObject;

/**
 * The prod console: the PAN mask, then Quarkus' JSON formatter (the class quarkus-logging-json
 * installs, with its defaults). Every field the formatter prints from a record is masked: the
 * message, the exception chain's messages (detailed output: type, message, frames, causedBy) and
 * the MDC. PackagedJarIT checks the running service's lines.
 */
@Tag("unit")
class JsonLogMaskingTest {

    private static final String PAN = "4111111111111111";

    @Test
    void jsonRecord_masksMessageExceptionChainAndMdc_andNamesTheFields() {
        ExtLogRecord r = new ExtLogRecord(Level.ERROR, "reveal of %s failed", ExtLogRecord.FormatStyle.PRINTF, "test");
        r.setParameters(new Object[] { "4111 1111 1111 1111" });
        r.setLoggerName("dev.cardvault.tokens.RevealService");
        r.setThrown(new IllegalStateException("decrypt failed for " + PAN, new IllegalArgumentException("bad card " + PAN)));
        r.putMdc(LogFields.REQUEST_ID, "req-1");
        r.putMdc(LogFields.SUBJECT, "agent");
        r.putMdc(LogFields.TENANT, "acme");
        r.putMdc(LogFields.EVENT, "DETOKENIZED");
        r.putMdc("library.key", "card " + PAN); // what a library might put there

        assertTrue(new PanMaskingLogFilter().isLoggable(r));
        String line = new JsonFormatter().format(r);

        assertFalse(CardShape.contains(line), "card data in the JSON line"); // the line is not printed: it would hold it
        assertTrue(line.endsWith("\n") && line.indexOf('\n') == line.length() - 1, "not one line");
        JsonObject json = new JsonObject(line);
        assertEquals("ERROR", json.getString("level"));
        assertEquals("reveal of 411111******1111 failed", json.getString("message"));
        JsonObject mdc = json.getJsonObject("mdc");
        assertEquals("req-1", mdc.getString("requestId"));
        assertEquals("agent", mdc.getString("subject"));
        assertEquals("acme", mdc.getString("tenant"));
        assertEquals("DETOKENIZED", mdc.getString("event"));
        assertEquals("card 411111******1111", mdc.getString("library.key"));
        JsonObject exception = json.getJsonObject("exception");
        assertEquals("decrypt failed for 411111******1111", exception.getString("message"));
        assertFalse(exception.getJsonArray("frames").isEmpty(), "the stack trace is kept");
        JsonObject cause = exception.getJsonObject("causedBy").getJsonObject("exception");
        assertEquals("bad card 411111******1111", cause.getString("message"));
        // The formatter names the class it is given: a masked exception is the mask's stand-in (docs/operations.md).
        assertEquals(MaskedThrowable.class.getName(), exception.getString("exceptionType"));

        // quarkus.log.console.json.exception-output-type=detailed-and-formatted adds the printed trace: masked too.
        JsonFormatter formatted = new JsonFormatter();
        formatted.setExceptionOutputType(org.jboss.logmanager.formatters.StructuredFormatter.ExceptionOutputType.DETAILED_AND_FORMATTED);
        JsonObject withTrace = new JsonObject(formatted.format(r));
        String trace = withTrace.getString("stackTrace");
        assertFalse(CardShape.contains(trace), "card data in the printed stack trace");
        assertTrue(trace.contains("java.lang.IllegalStateException: decrypt failed for 411111******1111"), "the original type, masked");
        assertTrue(trace.contains("Caused by: java.lang.IllegalArgumentException: bad card 411111******1111"), "the cause, masked");
    }
}
