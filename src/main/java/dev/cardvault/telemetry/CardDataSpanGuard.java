package dev.cardvault.telemetry;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.cardvault.card.CardShape;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributeType;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.internal.ExtendedSpanProcessor;

/**
 * The PAN mask of the traces, as {@code logging.PanMaskingLogFilter} is that of the logs: every
 * span's name and string attributes are masked wherever {@link CardShape} finds a card number,
 * when the span starts (the HTTP server span's {@code url.path}, {@code url.query} and
 * {@code user_agent.original}, the database span's {@code db.query.text}) and again when it ends
 * (whatever was set since). Quarkus adds every {@code SpanProcessor} bean to the tracer provider,
 * ahead of the exporter's.
 *
 * <p>Span events (an exception recorded on a span: its message and stack trace) cannot be changed
 * once added; the service's exception messages carry no card data by design, as for the logs.
 * {@link ExtendedSpanProcessor} (its {@code onEnding}) is the SDK's internal API of 1.57; an
 * upgrade that drops it fails the build here, not silently.
 */
@ApplicationScoped
public class CardDataSpanGuard implements ExtendedSpanProcessor {

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
        mask(span);
    }

    @Override
    public boolean isStartRequired() {
        return true;
    }

    @Override
    public void onEnding(ReadWriteSpan span) {
        mask(span);
    }

    @Override
    public boolean isOnEndingRequired() {
        return true;
    }

    @Override
    public void onEnd(ReadableSpan span) {
    }

    @Override
    public boolean isEndRequired() {
        return false;
    }

    @SuppressWarnings("unchecked")
    static void mask(ReadWriteSpan span) {
        String name = span.getName();
        String maskedName = CardShape.mask(name);
        if (maskedName != name) {
            span.updateName(maskedName);
        }
        span.getAttributes().forEach((key, value) -> {
            if (key.getType() == AttributeType.STRING) {
                String s = (String) value;
                String masked = CardShape.mask(s);
                if (masked != s) {
                    span.setAttribute((AttributeKey<String>) key, masked);
                }
            } else if (key.getType() == AttributeType.STRING_ARRAY) {
                List<String> list = (List<String>) value;
                if (list.stream().anyMatch(CardShape::contains)) {
                    List<String> masked = new ArrayList<>(list.size());
                    list.forEach(s -> masked.add(CardShape.mask(s)));
                    span.setAttribute((AttributeKey<List<String>>) key, masked);
                }
            }
        });
    }
}
