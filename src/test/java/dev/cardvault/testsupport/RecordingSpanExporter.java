package dev.cardvault.testsupport;

import java.util.Collection;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * The test profile's span exporter (tracing is on in tests, application.properties): a bean, so
 * Quarkus uses it instead of OTLP. Spans are kept, in an {@link InMemorySpanExporter}, only
 * between {@link #start()} and {@link #stop()}: the rest of the suite's spans are dropped, so
 * memory does not grow with the suite.
 */
@ApplicationScoped
public class RecordingSpanExporter implements SpanExporter {

    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();
    private static volatile boolean recording;

    /** Forgets what was recorded and keeps what is exported from now on. */
    public static void start() {
        SPANS.reset();
        recording = true;
    }

    public static void stop() {
        recording = false;
        SPANS.reset();
    }

    /** The spans exported since {@link #start()}. */
    public static List<SpanData> spans() {
        return SPANS.getFinishedSpanItems();
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        return recording ? SPANS.export(spans) : CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }
}
