package dev.cardvault.web;

import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

import dev.cardvault.card.PanScrubber;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Metric labels are exported to whoever scrapes /q/metrics: a request path that never matched a
 * route template (a 401 before routing, a typo) would otherwise become a label verbatim. Such a
 * label is replaced when it carries anything card-shaped.
 */
@Singleton
public class MetricsRedaction {

    @Produces
    @Singleton
    MeterFilter redactCardNumbersInTags() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                boolean dirty = false;
                for (Tag tag : id.getTagsAsIterable()) {
                    if (PanScrubber.containsPan(tag.getValue()) || tag.getValue().matches(".*[0-9]{12,}.*")) {
                        dirty = true;
                        break;
                    }
                }
                if (!dirty) {
                    return id;
                }
                return id.replaceTags(id.getTags().stream()
                        .map(t -> PanScrubber.containsPan(t.getValue()) || t.getValue().matches(".*[0-9]{12,}.*")
                                ? Tag.of(t.getKey(), "REDACTED") : t)
                        .toList());
            }
        };
    }
}
