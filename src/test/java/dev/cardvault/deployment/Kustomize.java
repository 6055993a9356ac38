package dev.cardvault.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * Renders a kustomization the way {@code kubectl kustomize} does, for the subset of Kustomize
 * that {@code k8s/} uses: {@code resources} (files and directories), {@code patches} given as
 * strategic-merge patch files, {@code namespace} and {@code images}. Anything else in a
 * kustomization.yaml fails loudly, so the tests never check a rendering that differs from what a
 * cluster would get. Where kubectl is installed, {@link #withKubectl} renders for real and a test
 * compares both.
 */
final class Kustomize {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "patches", "namespace", "images");
    private static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "PersistentVolume", "StorageClass", "IngressClass", "PriorityClass");
    /** Strategic-merge keys of the list fields our manifests patch (from the Kubernetes API's patchMergeKey). */
    private static final Map<String, List<String>> MERGE_KEYS = Map.of(
            "containers", List.of("name"), "initContainers", List.of("name"), "env", List.of("name"),
            "volumes", List.of("name"), "volumeMounts", List.of("name"), "ports", List.of("containerPort"),
            "topologySpreadConstraints", List.of("topologyKey", "whenUnsatisfiable"));

    private Kustomize() {
    }

    /** The rendered resources of the kustomization in {@code dir}. */
    static List<ObjectNode> render(Path dir) {
        JsonNode k = readAll(dir.resolve("kustomization.yaml")).get(0);
        k.fieldNames().forEachRemaining(f -> {
            if (!SUPPORTED.contains(f)) {
                throw new IllegalArgumentException(dir + "/kustomization.yaml uses '" + f + "', which this renderer does not implement");
            }
        });
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            out.addAll(Files.isDirectory(p) ? render(p) : readAll(p));
        }
        for (JsonNode patch : k.path("patches")) {
            if (!patch.has("path") || patch.size() != 1) {
                throw new IllegalArgumentException("only 'patches: - path: FILE' (strategic merge) is supported, got " + patch);
            }
            for (ObjectNode p : readAll(dir.resolve(patch.get("path").asText()))) {
                ObjectNode target = out.stream()
                        .filter(o -> o.path("kind").equals(p.path("kind")) && name(o).equals(name(p)))
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("patch " + patch + " matches no resource"));
                merge(target, p);
            }
        }
        if (k.has("namespace")) {
            out.stream().filter(o -> !CLUSTER_SCOPED.contains(o.path("kind").asText()))
                    .forEach(o -> ((ObjectNode) o.get("metadata")).put("namespace", k.get("namespace").asText()));
        }
        for (JsonNode image : k.path("images")) {
            out.forEach(o -> retag(o, image));
        }
        return out;
    }

    /** {@code kubectl kustomize dir}, or empty when kubectl is not installed. */
    static Optional<List<ObjectNode>> withKubectl(Path dir) {
        if (!onPath("kubectl")) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
            byte[] yaml = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + dir + " failed:\n" + new String(yaml));
            }
            return Optional.of(parse(new String(yaml)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static boolean onPath(String command) {
        return which(command).isPresent();
    }

    /** The executable {@code command} on PATH, like the shell would find it. */
    static Optional<Path> which(String command) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, command))) {
                return Optional.of(Path.of(d, command));
            }
        }
        return Optional.empty();
    }

    /** Resources in a stable order (kind, namespace, name) for comparisons. */
    static List<ObjectNode> sorted(List<ObjectNode> resources) {
        List<ObjectNode> copy = new ArrayList<>(resources);
        copy.sort(Comparator.<ObjectNode, String> comparing(o -> o.path("kind").asText())
                .thenComparing(o -> o.path("metadata").path("namespace").asText())
                .thenComparing(Kustomize::name));
        return copy;
    }

    static String name(JsonNode o) {
        return o.path("metadata").path("name").asText();
    }

    static List<ObjectNode> readAll(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<ObjectNode> parse(String yaml) {
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode> readValues(yaml)) {
            List<ObjectNode> docs = new ArrayList<>();
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && d.isObject() && !d.isEmpty()) {
                    docs.add((ObjectNode) d);
                }
            }
            return docs;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Strategic merge: maps merge, keyed lists merge by key (new items first, as kustomize does), other lists replace. */
    private static void merge(ObjectNode target, ObjectNode patch) {
        patch.fields().forEachRemaining(e -> {
            String field = e.getKey();
            JsonNode value = e.getValue();
            if (field.startsWith("$")) {
                throw new IllegalArgumentException("patch directive " + field + " is not supported");
            }
            JsonNode current = target.get(field);
            if (value.isNull()) {
                target.remove(field);
            } else if (value.isObject() && current != null && current.isObject()) {
                merge((ObjectNode) current, (ObjectNode) value);
            } else if (value.isArray() && current != null && current.isArray() && MERGE_KEYS.containsKey(field)) {
                target.set(field, mergeList((ArrayNode) current, (ArrayNode) value, MERGE_KEYS.get(field)));
            } else {
                target.set(field, value.deepCopy());
            }
        });
    }

    /** As kustomize orders them: the patch's items first, in patch order (merged where the base has them), then the rest of the base. */
    private static ArrayNode mergeList(ArrayNode current, ArrayNode patch, List<String> keys) {
        List<JsonNode> rest = new ArrayList<>();
        current.forEach(item -> rest.add(item.deepCopy()));
        ArrayNode merged = YAML.createArrayNode();
        for (JsonNode item : patch) {
            Optional<JsonNode> same = rest.stream().filter(m -> keys.stream().allMatch(k -> m.path(k).equals(item.path(k)))).findFirst();
            if (same.isPresent()) {
                rest.remove(same.get());
                merge((ObjectNode) same.get(), (ObjectNode) item);
                merged.add(same.get());
            } else {
                merged.add(item.deepCopy());
            }
        }
        rest.forEach(merged::add);
        return merged;
    }

    private static java.util.stream.Stream<JsonNode> stream(ArrayNode a) {
        List<JsonNode> l = new ArrayList<>();
        a.forEach(l::add);
        return l.stream();
    }

    private static void retag(JsonNode node, JsonNode image) {
        if (node.isObject()) {
            JsonNode img = node.get("image");
            String name = image.get("name").asText();
            if (img != null && img.isTextual() && node.has("name")
                    && (img.asText().equals(name) || img.asText().startsWith(name + ":") || img.asText().startsWith(name + "@"))) {
                String ref = image.has("newName") ? image.get("newName").asText() : name;
                if (image.has("digest")) {
                    ref += "@" + image.get("digest").asText();
                } else if (image.has("newTag")) {
                    ref += ":" + image.get("newTag").asText();
                }
                ((ObjectNode) node).put("image", ref);
            }
            node.elements().forEachRemaining(child -> retag(child, image));
        } else if (node.isArray()) {
            node.forEach(child -> retag(child, image));
        }
    }
}
