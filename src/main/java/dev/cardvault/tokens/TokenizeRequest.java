package dev.cardvault.tokens;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;

import dev.cardvault.card.PanScrubber;

/**
 * The body of POST /v1/tokens as received. Fields are plain strings and boxed numbers so that
 * every rule is checked (and reported) by {@link TokenizeCommand}, never by Jackson echoing input.
 * Unknown fields are remembered by name only; their values are dropped on arrival.
 */
public class TokenizeRequest {

    public String pan;
    public Integer expMonth;
    public Integer expYear;
    public String cardholderName;
    public String format;
    public Boolean deterministic;
    public String expiresAt;
    public Map<String, String> metadata;

    @JsonIgnore
    final Set<String> otherFields = new LinkedHashSet<>();

    @JsonAnySetter
    void other(String name, Object ignoredValue) {
        otherFields.add(name); // the value (possibly a CVC) is never kept
    }

    @Override
    public String toString() {
        return "TokenizeRequest[pan=" + PanScrubber.scrub(pan) + ", format=" + format + "]";
    }
}
