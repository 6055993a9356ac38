package dev.cardvault.web;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import dev.cardvault.card.CardShape;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Metric labels are exported to whoever scrapes /q/metrics: a request path that never matched a
 * route template (a 401 before routing, a typo) would otherwise become a label verbatim. A label
 * holding anything card-shaped is replaced.
 */
@Singleton
public class MetricsRedaction {

    static final String REDACTED = "REDACTED";

    @Produces
    @Singleton
    MeterFilter redactCardNumbersInTags() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                boolean dirty = false;
                for (Tag tag : id.getTagsAsIterable()) {
                    if (CardShape.contains(tag.getValue())) {
                        dirty = true;
                        break;
                    }
                }
                if (!dirty) {
                    return id;
                }
                return id.replaceTags(id.getTags().stream()
                        .map(t -> CardShape.contains(t.getValue()) ? Tag.of(t.getKey(), REDACTED) : t)
                        .toList());
            }
        };
    }
}
