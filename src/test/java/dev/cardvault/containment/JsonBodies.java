package dev.cardvault.containment;

import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cardvault.containment.Op.BodySlot;
import dev.cardvault.testsupport.TestCards;

/** Request bodies: a valid one built from the schema, and the same with one slot set to a raw JSON fragment. */
final class JsonBodies {

    /** Stands in for the planted value while the body is built; then replaced by the raw JSON fragment. */
    private static final String SLOT = "__sweep_slot__";
    private static final String SLOT_JSON = "\"" + SLOT + "\"";
    private static final String TOKEN_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final JsonNodeFactory NODES = Json.MAPPER.getNodeFactory();

    private final OpenApiSlots api;
    private final LeakDetector detector;
    private final int expYear = YearMonth.now(ZoneOffset.UTC).getYear() + 3;

    JsonBodies(OpenApiSlots api, LeakDetector detector) {
        this.api = api;
        this.detector = detector;
    }

    /** A well-formed token that names nothing. */
    static String unknownToken() {
        StringBuilder b = new StringBuilder("tok_");
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 24; i++) {
            b.append(TOKEN_ALPHABET.charAt(r.nextInt(TOKEN_ALPHABET.length())));
        }
        return b.toString();
    }

    /** The body for a request that plants nothing in it: {} (so it cannot create anything), "" or none. */
    static String empty(Op op) {
        return op.bodySchema() != null ? "{}" : op.rawBodyType() != null ? "" : null;
    }

    /** The valid body of a baseline request, or of one that plants outside the body. */
    String valid(Op op, Variant v) {
        return op.bodySchema() != null ? Json.encode(baseline(op.bodySchema(), v, 0)) : empty(op);
    }

    /**
     * The object a planted body starts from: refuse-only operations get the planted field alone, so
     * nothing else in the body could make the request valid.
     */
    ObjectNode start(Op op, Variant v) {
        return op.refuseOnly() ? Json.MAPPER.createObjectNode() : baseline(op.bodySchema(), v, 0);
    }

    /** The body with {@code slot} set to {@code fragment}; mapPart picks a map's "key", "value" or a "cvv" key. */
    String planted(Op op, Variant v, BodySlot slot, String fragment, String mapPart) {
        ObjectNode body = start(op, v);
        JsonNode container = body;
        List<Object> path = slot.path();
        for (int i = 0; i < path.size() - 1; i++) {
            container = child(container, path.get(i), path.get(i + 1) instanceof Integer);
        }
        JsonNode value = switch (slot.kind()) {
            case ARRAY_ITEM -> {
                boolean tokens = slot.leaf().equals("tokens");
                yield Json.MAPPER.createArrayNode().add(tokens ? unknownToken() : "x").add(SLOT).add(tokens ? unknownToken() : "x");
            }
            case MAP_VALUE, MAP_KEY -> switch (mapPart) {
                case "key" -> Json.MAPPER.createObjectNode().put(SLOT, "A-1");
                case "cvv" -> Json.MAPPER.createObjectNode().put("orderRef", "A-1").put("cvv", SLOT);
                default -> Json.MAPPER.createObjectNode().put(slot.leaf().equals("metadata") ? "orderRef" : "k", SLOT);
            };
            default -> NODES.textNode(SLOT);
        };
        set(container, path.get(path.size() - 1), value);
        String json = Json.encode(body);
        if (json.indexOf(SLOT_JSON) != json.lastIndexOf(SLOT_JSON) || !json.contains(SLOT_JSON)) {
            throw new IllegalStateException("cannot plant into " + v.id);
        }
        return json.replace(SLOT_JSON, fragment);
    }

    private static JsonNode child(JsonNode container, Object key, boolean wantArray) {
        JsonNode existing = key instanceof String name ? container.get(name) : container.get((Integer) key);
        if (existing != null && existing.isContainerNode()) {
            return existing;
        }
        JsonNode created = wantArray ? Json.MAPPER.createArrayNode() : Json.MAPPER.createObjectNode();
        set(container, key, created);
        return created;
    }

    private static void set(JsonNode container, Object key, JsonNode value) {
        if (container instanceof ObjectNode o) {
            o.set((String) key, value);
        } else {
            ArrayNode a = (ArrayNode) container;
            int i = (Integer) key;
            while (a.size() <= i) {
                a.addNull();
            }
            a.set(i, value);
        }
    }

    /** A valid body built from the schema, with a few well-known field names filled sensibly. */
    private ObjectNode baseline(JsonNode schema, Variant v, int depth) {
        ObjectNode out = Json.MAPPER.createObjectNode();
        for (Map.Entry<String, JsonNode> e : api.properties(schema, depth).entrySet()) {
            String name = e.getKey();
            JsonNode p = e.getValue();
            JsonNode known = wellKnown(name, v);
            if (known != null) {
                out.set(name, known);
                continue;
            }
            switch (p == null ? "string" : OpenApiSlots.type(p)) {
                case "integer", "number" -> out.put(name, 1);
                case "boolean" -> out.put(name, false);
                case "array" -> {
                    JsonNode items = api.resolve(p.get("items"));
                    out.set(name, Json.MAPPER.createArrayNode().add(items != null && OpenApiSlots.type(items).equals("object")
                            ? baseline(items, v, depth + 1) : NODES.textNode("x")));
                }
                case "object" -> out.set(name, p.has("properties") ? baseline(p, v, depth + 1) : Json.MAPPER.createObjectNode().put("k", "x"));
                default -> out.put(name, "x");
            }
        }
        return out;
    }

    private JsonNode wellKnown(String name, Variant v) {
        return switch (name) {
            case "pan" -> {
                // Sent in clear, so it too must never come back: only its ciphertext may be stored.
                String pan = TestCards.randomVisa();
                v.cards.add(detector.plant(pan, v.id + " (baseline pan)"));
                yield NODES.textNode(pan);
            }
            case "expMonth" -> NODES.numberNode(12);
            case "expYear" -> NODES.numberNode(expYear);
            case "format" -> NODES.textNode("RANDOM");
            case "deterministic" -> NODES.booleanNode(false);
            case "purpose" -> NODES.textNode("RECURRING_BILLING");
            case "tokens" -> Json.MAPPER.createArrayNode().add(unknownToken());
            case "reason" -> NODES.textNode("sweep");
            case "expiresAt" -> NODES.textNode(Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS).toString());
            case "metadata" -> Json.MAPPER.createObjectNode().put("orderRef", "A-1");
            case "channel" -> NODES.textNode("WEB");
            case "allowedOrigins" -> Json.MAPPER.createArrayNode().add("https://desk.example");
            case "locale" -> NODES.textNode("en");
            case "ttlSeconds" -> NODES.numberNode(600);
            case "callbackUrl" -> NODES.nullNode(); // optional; a URL off the tenant's allow-list is refused
            case "fields", "recordingControlUrl" -> NODES.nullNode(); // optional: the defaults
            case "collectCvc" -> NODES.booleanNode(false);
            case "keys" -> NODES.textNode("1");
            case "seq" -> NODES.numberNode(1);
            default -> null;
        };
    }
}
