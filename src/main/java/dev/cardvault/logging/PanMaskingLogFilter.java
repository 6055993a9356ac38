package dev.cardvault.logging;

import dev.cardvault.card.CardShape;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;

import io.quarkus.logging.LoggingFilter;

/**
 * Every log record passes through here before any handler formats it (see
 * {@code quarkus.log.*.filter} in application.properties). The message, after parameter
 * substitution, every throwable message in the cause chain and every MDC value the pattern may
 * print are masked wherever {@link CardShape} finds a card number.
 * The record is never dropped: masking must not hide that something happened.
 */
@LoggingFilter(name = "pan-mask")
public final class PanMaskingLogFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        String formatted = formatted(record);
        String scrubbed = CardShape.mask(formatted);
        if (scrubbed != formatted) {
            if (record instanceof ExtLogRecord ext) {
                ext.setMessage(scrubbed, ExtLogRecord.FormatStyle.NO_FORMAT);
            } else {
                record.setMessage(scrubbed);
            }
            record.setParameters(null);
        }
        if (record instanceof ExtLogRecord ext) {
            // The values in the MDC are checked where they are set (request ids); this is the net
            // under that, for whatever a library puts there.
            for (var e : ext.getMdcCopy().entrySet()) {
                if (CardShape.contains(e.getValue())) {
                    ext.putMdc(e.getKey(), CardShape.mask(e.getValue()));
                }
            }
        }
        Throwable thrown = record.getThrown();
        if (thrown != null) {
            Throwable masked = MaskedThrowable.maskIfNeeded(thrown);
            if (masked != thrown) {
                record.setThrown(masked);
            }
        }
        return true;
    }

    private static String formatted(LogRecord record) {
        if (record instanceof ExtLogRecord ext) {
            return ext.getFormattedMessage();
        }
        String msg = record.getMessage();
        Object[] params = record.getParameters();
        if (msg == null || params == null || params.length == 0) {
            return msg;
        }
        try {
            return java.text.MessageFormat.format(msg, params);
        } catch (IllegalArgumentException e) {
            return msg;
        }
    }
}
