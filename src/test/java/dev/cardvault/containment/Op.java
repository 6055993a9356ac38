package dev.cardvault.containment;

import java.util.List;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One {@code /v1} operation of the OpenAPI document and its input slots.
 *
 * @param bodySchema the resolved JSON body schema; null when the operation takes no JSON body
 * @param rawBodyType a non-JSON body's media type (NDJSON imports...), swept as one text slot; else null
 * @param fixture a test fixture route (ProbeResource): swept for leaks, exempt from the product contract
 * @param refuseOnly its valid call changes platform-wide state: only ever sent requests that must be refused
 */
record Op(String method, String path, List<Param> params, JsonNode bodySchema, String rawBodyType, List<BodySlot> bodySlots,
        boolean fixture, boolean refuseOnly) {

    static final Pattern TEMPLATE_VARIABLE = Pattern.compile("\\{([^}]+)}");

    record Param(String name, String in, JsonNode schema) {
    }

    enum Kind {
        STRING, NUMBER, BOOLEAN, ARRAY_ITEM, MAP_VALUE, MAP_KEY
    }

    /** A body slot: where in the JSON (keys and array indexes), its dotted name, its last field name. */
    record BodySlot(List<Object> path, String field, String leaf, Kind kind) {
    }

    String id() {
        return method + " " + path;
    }

    List<Param> in(String where) {
        return params.stream().filter(p -> p.in().equals(where)).toList();
    }

    boolean hasBody() {
        return bodySchema != null || rawBodyType != null;
    }
}
