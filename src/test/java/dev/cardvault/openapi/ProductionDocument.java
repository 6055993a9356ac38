package dev.cardvault.openapi;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import jakarta.ws.rs.HttpMethod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cardvault.card.CardShape;

/**
 * The production part of the OpenAPI document that the test application serves. The test
 * application also has the JAX-RS resources of {@code src/test} (such as the {@code /v1/test-probe}
 * fixture): their operations are taken out, with the schemas and tags that only they use. Nothing
 * else is touched, so what remains is what the production build documents.
 */
final class ProductionDocument {

    /** Where the committed contract lives; clients are generated from it. */
    static final Path COMMITTED = Path.of("src", "main", "openapi", "cardvault.yaml");
    /** What the production build ({@code package}, prod profile) writes; see application.properties. */
    static final String REGENERATE = "./mvnw -B -q -Dmaven.test.skip=true package && cp target/openapi/openapi.yaml " + COMMITTED;

    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    private ProductionDocument() {
    }

    /** A test-only operation: path template as OpenAPI writes it, and lower-case HTTP method. */
    record Route(String path, String method) {
    }

    /** Takes the test-only operations out of {@code served} (changed in place) and returns them. */
    static List<Route> stripTestRoutes(ObjectNode served, Path testClasses, ClassLoader loader) throws IOException {
        List<Route> routes = testRoutes(testClasses, loader);
        ObjectNode paths = (ObjectNode) served.path("paths");
        List<JsonNode> removed = new ArrayList<>();
        for (Route r : routes) {
            JsonNode item = paths.get(r.path());
            if (item instanceof ObjectNode ops && ops.has(r.method())) {
                removed.add(ops.remove(r.method()));
                if (ops.properties().stream().noneMatch(e -> HTTP_METHODS.contains(e.getKey()))) {
                    paths.remove(r.path());
                }
            }
        }
        // Schemas and tags that only the removed operations used go with them.
        ObjectNode schemas = served.path("components").path("schemas") instanceof ObjectNode s ? s : null;
        if (schemas != null) {
            Set<String> usedByRemoved = closure(removed, schemas);
            ObjectNode rest = served.deepCopy();
            ((ObjectNode) rest.path("components")).remove("schemas");
            Set<String> usedByRest = closure(List.of(rest), schemas);
            usedByRemoved.removeAll(usedByRest);
            usedByRemoved.forEach(schemas::remove);
        }
        Set<String> tagsOfRemoved = tags(removed);
        List<JsonNode> remaining = new ArrayList<>();
        paths.forEach(item -> item.properties().stream().filter(e -> HTTP_METHODS.contains(e.getKey())).forEach(e -> remaining.add(e.getValue())));
        tagsOfRemoved.removeAll(tags(remaining));
        if (served.get("tags") instanceof ArrayNode declared) {
            for (Iterator<JsonNode> it = declared.elements(); it.hasNext();) {
                if (tagsOfRemoved.contains(it.next().path("name").asText())) {
                    it.remove();
                }
            }
        }
        return routes;
    }

    /** Every operation of a JAX-RS resource class compiled from src/test. */
    static List<Route> testRoutes(Path testClasses, ClassLoader loader) throws IOException {
        List<Route> routes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(testClasses)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                String name = testClasses.relativize(f).toString().replace(f.getFileSystem().getSeparator(), ".");
                Class<?> c;
                try {
                    c = Class.forName(name.substring(0, name.length() - ".class".length()), false, loader);
                } catch (ClassNotFoundException | LinkageError e) {
                    continue;
                }
                jakarta.ws.rs.Path root = c.getAnnotation(jakarta.ws.rs.Path.class);
                if (root == null) {
                    continue;
                }
                for (Method m : c.getDeclaredMethods()) {
                    for (Annotation a : m.getAnnotations()) {
                        HttpMethod http = a.annotationType().getAnnotation(HttpMethod.class);
                        if (http != null) {
                            jakarta.ws.rs.Path sub = m.getAnnotation(jakarta.ws.rs.Path.class);
                            routes.add(new Route(template(root.value() + "/" + (sub == null ? "" : sub.value())),
                                    http.value().toLowerCase(Locale.ROOT)));
                        }
                    }
                }
            }
        }
        return routes;
    }

    /** A JAX-RS path as OpenAPI writes it: one leading slash, no doubled or trailing ones, no regular expressions. */
    static String template(String jaxrs) {
        String p = ("/" + jaxrs).replaceAll("\\{\\s*([^}:\\s]+)\\s*:[^}]*}", "{$1}").replaceAll("/{2,}", "/");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }

    /**
     * Where two documents differ, as JSON pointers with both values, at most {@code max} of them.
     * Values are masked (an example may hold a card number; test output must never show one).
     */
    static List<String> differences(JsonNode expected, JsonNode actual, int max) {
        List<String> out = new ArrayList<>();
        diff("", expected, actual, out, max);
        return out;
    }

    private static void diff(String at, JsonNode expected, JsonNode actual, List<String> out, int max) {
        if (out.size() >= max || equal(expected, actual)) {
            return;
        }
        if (expected != null && actual != null && expected.isObject() && actual.isObject()) {
            Set<String> names = new TreeSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            actual.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                diff(at + "/" + n.replace("~", "~0").replace("/", "~1"), expected.get(n), actual.get(n), out, max);
            }
        } else if (expected != null && actual != null && expected.isArray() && actual.isArray() && expected.size() == actual.size()) {
            for (int i = 0; i < expected.size(); i++) {
                diff(at + "/" + i, expected.get(i), actual.get(i), out, max);
            }
        } else {
            out.add((at.isEmpty() ? "/" : at) + ": committed " + show(expected) + ", served " + show(actual));
        }
    }

    /** Equality that does not mind how a number was parsed (YAML and JSON readers pick different node types). */
    static boolean equal(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        if (a.isObject() && b.isObject()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (Iterator<String> it = a.fieldNames(); it.hasNext();) {
                String n = it.next();
                if (!equal(a.get(n), b.get(n))) {
                    return false;
                }
            }
            return true;
        }
        if (a.isArray() && b.isArray()) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (!equal(a.get(i), b.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static String show(JsonNode n) {
        if (n == null) {
            return "(absent)";
        }
        String s = CardShape.mask(n.toString());
        return s.length() > 160 ? s.substring(0, 160) + "..." : s;
    }

    /** The component schemas that {@code roots} refer to, directly or through other schemas. */
    private static Set<String> closure(List<JsonNode> roots, ObjectNode schemas) {
        Set<String> seen = new HashSet<>();
        List<JsonNode> todo = new ArrayList<>(roots);
        while (!todo.isEmpty()) {
            JsonNode n = todo.remove(todo.size() - 1);
            for (JsonNode ref : n.findValues("$ref")) {
                String r = ref.asText();
                String prefix = "#/components/schemas/";
                if (r.startsWith(prefix) && seen.add(r.substring(prefix.length())) && schemas.has(r.substring(prefix.length()))) {
                    todo.add(schemas.get(r.substring(prefix.length())));
                }
            }
        }
        return seen;
    }

    private static Set<String> tags(List<JsonNode> operations) {
        Set<String> out = new HashSet<>();
        operations.forEach(op -> op.path("tags").forEach(t -> out.add(t.asText())));
        return out;
    }
}
