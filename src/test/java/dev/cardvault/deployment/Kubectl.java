package dev.cardvault.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.cardvault.testsupport.SystemPackages;

/** {@code kubectl kustomize}: the manifests exactly as a cluster would receive them, as JSON trees. */
final class Kubectl {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Map<Path, List<ObjectNode>> RENDERED = new ConcurrentHashMap<>();

    private Kubectl() {
    }

    /** Skips the calling test where kubectl is not installed. */
    static void require() {
        SystemPackages.require("kubectl (with kustomize v5)", "kubectl");
    }

    /** The resources {@code kubectl kustomize dir} renders (a fresh copy each call: tests may change them). */
    static List<ObjectNode> kustomize(Path dir) {
        List<ObjectNode> rendered = RENDERED.computeIfAbsent(dir.toAbsolutePath().normalize(), Kubectl::run);
        return rendered.stream().map(ObjectNode::deepCopy).toList();
    }

    private static List<ObjectNode> run(Path dir) {
        try {
            Process p = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
            String yaml = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("kubectl kustomize " + dir + " failed:\n" + yaml);
            }
            return parse(yaml);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The non-empty YAML documents of a stream. */
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

    /** metadata.name */
    static String name(JsonNode resource) {
        return resource.path("metadata").path("name").asText();
    }
}
