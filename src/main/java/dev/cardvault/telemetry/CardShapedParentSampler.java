package dev.cardvault.telemetry;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.cardvault.card.CardShape;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;

/**
 * The sampler (Quarkus uses a {@code Sampler} bean in place of {@code quarkus.otel.traces.sampler},
 * and still leaves out {@code /q/*}): {@code parentbased_always_on}, except that a trace continued
 * from a caller's {@code traceparent} whose trace or span id is card-shaped (sixteen digits fit a
 * span id) is not recorded. The ids are not attributes, so {@link CardDataSpanGuard} cannot mask
 * them: the span would carry the caller's number to the collector as its parent.
 */
@ApplicationScoped
public class CardShapedParentSampler implements Sampler {

    private final Sampler delegate = Sampler.parentBased(Sampler.alwaysOn());

    @Override
    public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind, Attributes attributes,
            List<LinkData> parentLinks) {
        SpanContext parent = Span.fromContext(parentContext).getSpanContext();
        if (parent.isRemote() && (CardShape.contains(parent.getSpanId()) || CardShape.contains(parent.getTraceId()))) {
            return SamplingResult.drop();
        }
        return delegate.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
    }

    @Override
    public String getDescription() {
        return "CardShapedParentSampler{" + delegate.getDescription() + "}";
    }
}
