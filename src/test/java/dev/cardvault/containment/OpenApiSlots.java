package dev.cardvault.containment;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;

import jakarta.ws.rs.Path;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cardvault.containment.Op.BodySlot;
import dev.cardvault.containment.Op.Kind;
import dev.cardvault.containment.Op.Param;
import dev.cardvault.testsupport.ProbeResource;

/**
 * The {@code /v1} operations of the running service's OpenAPI document and their input slots:
 * path, query, header and cookie parameters, and every field of a JSON body (nested objects, the
 * first item of object arrays, string array items, map keys and values). A new endpoint is thus
 * swept without editing the sweep.
 */
final class OpenApiSlots {

    private static final int MAX_DEPTH = 4;
    private final JsonNode doc;

    OpenApiSlots(JsonNode doc) {
        this.doc = doc;
    }

    List<Op> operations() {
        List<Op> ops = new ArrayList<>();
        JsonNode paths = doc.path("paths");
        List<String> names = new ArrayList<>();
        paths.fieldNames().forEachRemaining(names::add);
        for (String path : new TreeSet<>(names)) {
            if (path.equals("/v1") || path.startsWith("/v1/")) {
                JsonNode item = ref(paths.get(path));
                for (String method : List.of("get", "put", "post", "patch", "delete")) {
                    JsonNode op = item.get(method);
                    if (op != null && op.isObject()) {
                        ops.add(operation(method.toUpperCase(Locale.ROOT), path, item, op));
                    }
                }
            }
        }
        return ops;
    }

    private Op operation(String method, String path, JsonNode item, JsonNode op) {
        Map<String, Param> params = new LinkedHashMap<>();
        addParams(item.path("parameters"), params);
        addParams(op.path("parameters"), params);
        // A template variable the document forgot is still a slot.
        Matcher m = Op.TEMPLATE_VARIABLE.matcher(path);
        while (m.find()) {
            params.putIfAbsent("path:" + m.group(1), new Param(m.group(1), "path", Json.MAPPER.createObjectNode().put("type", "string")));
        }
        JsonNode bodySchema = null;
        String rawType = null;
        JsonNode requestBody = ref(op.get("requestBody"));
        JsonNode content = requestBody == null ? null : requestBody.get("content");
        if (content != null && content.isObject() && content.size() > 0) {
            if (content.has("application/json")) {
                bodySchema = resolve(content.get("application/json").get("schema"));
                if (bodySchema == null) {
                    bodySchema = Json.MAPPER.createObjectNode().put("type", "object");
                }
            } else {
                rawType = content.fieldNames().next();
            }
        }
        List<BodySlot> slots = new ArrayList<>();
        if (bodySchema != null) {
            walk(bodySchema, List.of(), "", slots, 0);
        }
        String fixturePath = ProbeResource.class.getAnnotation(Path.class).value();
        boolean fixture = path.equals(fixturePath) || path.startsWith(fixturePath + "/");
        return new Op(method, path, List.copyOf(params.values()), bodySchema, rawType, slots, fixture, refuseOnly(method, path));
    }

    /**
     * Operations whose successful call would change state that other test classes rely on, and
     * the import stream, whose NDJSON lines the sweep does not generate (ImportTest plants cards in
     * them; here its headers and path are swept, and every request is refused before a line is read).
     */
    private static boolean refuseOnly(String method, String path) {
        return method.equals("POST") && (path.equals("/v1/imports") || path.endsWith("/rotations") || path.endsWith("/approve") || path.endsWith("/rekeys")
                || path.endsWith("/master-rotations") || path.endsWith("/confirm")
                || path.endsWith("/offboard") || path.startsWith("/v1/sys/"));
    }

    private void addParams(JsonNode list, Map<String, Param> into) {
        for (JsonNode raw : list) {
            JsonNode p = ref(raw);
            JsonNode schema = resolve(p.get("schema"));
            String name = p.path("name").asText();
            String in = p.path("in").asText();
            into.put(in + ":" + name, new Param(name, in, schema == null ? Json.MAPPER.createObjectNode() : schema));
        }
    }

    /** Follows a local {@code $ref} (#/components/...). */
    private JsonNode ref(JsonNode o) {
        int hops = 0;
        while (o != null && o.has("$ref") && hops++ < 20) {
            o = doc.at(o.get("$ref").asText().replaceFirst("^#", ""));
            if (o.isMissingNode()) {
                return null;
            }
        }
        return o;
    }

    /** A schema with $ref, allOf and oneOf/anyOf resolved to one schema; null when there is none. */
    JsonNode resolve(JsonNode schema) {
        schema = ref(schema);
        if (schema == null || !schema.isObject()) {
            return null;
        }
        if (schema.has("allOf")) {
            ObjectNode props = Json.MAPPER.createObjectNode();
            for (JsonNode part : schema.get("allOf")) {
                JsonNode r = resolve(part);
                if (r != null && r.has("properties")) {
                    props.setAll((ObjectNode) r.get("properties"));
                }
            }
            if (schema.has("properties")) {
                props.setAll((ObjectNode) schema.get("properties"));
            }
            ObjectNode merged = ((ObjectNode) schema).deepCopy();
            merged.remove("allOf");
            merged.put("type", "object");
            merged.set("properties", props);
            return merged;
        }
        for (String alt : List.of("oneOf", "anyOf")) {
            for (JsonNode a : schema.path(alt)) {
                JsonNode r = resolve(a);
                if (r != null && !"null".equals(type(r))) {
                    return r;
                }
            }
        }
        return schema;
    }

    /** A resolved object schema's properties, each resolved; null schemas are left out. */
    Map<String, JsonNode> properties(JsonNode schema, int depth) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        JsonNode props = schema.get("properties");
        if (props != null && depth <= MAX_DEPTH) {
            for (Iterator<String> it = props.fieldNames(); it.hasNext();) {
                String name = it.next();
                out.put(name, resolve(props.get(name)));
            }
        }
        return out;
    }

    private void walk(JsonNode schema, List<Object> at, String field, List<BodySlot> out, int depth) {
        properties(schema, depth).forEach((name, p) -> {
            if (p == null) {
                return;
            }
            List<Object> path = new ArrayList<>(at);
            path.add(name);
            String f = field.isEmpty() ? name : field + "." + name;
            switch (type(p)) {
                case "integer", "number" -> out.add(new BodySlot(path, f, name, Kind.NUMBER));
                case "boolean" -> out.add(new BodySlot(path, f, name, Kind.BOOLEAN));
                case "array" -> {
                    JsonNode items = resolve(p.get("items"));
                    if (items == null || type(items).equals("string")) {
                        out.add(new BodySlot(path, f, name, Kind.ARRAY_ITEM));
                    } else if (type(items).equals("object")) {
                        List<Object> first = new ArrayList<>(path);
                        first.add(0);
                        walk(items, first, f + "[0]", out, depth + 1);
                    }
                }
                case "object" -> {
                    if (p.has("properties")) {
                        walk(p, path, f, out, depth + 1);
                    } else {
                        out.add(new BodySlot(path, f, name, Kind.MAP_VALUE));
                        out.add(new BodySlot(path, f, name, Kind.MAP_KEY));
                    }
                }
                default -> out.add(new BodySlot(path, f, name, Kind.STRING));
            }
        });
    }

    /** The schema's type, ignoring "null" in a type list; untyped schemas count as object or string. */
    static String type(JsonNode schema) {
        JsonNode t = schema.get("type");
        if (t != null && t.isArray()) {
            for (JsonNode x : t) {
                if (!"null".equals(x.asText())) {
                    return x.asText();
                }
            }
        }
        if (t != null && t.isTextual()) {
            return t.asText();
        }
        return schema.has("properties") || schema.has("additionalProperties") || schema.has("$ref") ? "object" : "string";
    }
}
