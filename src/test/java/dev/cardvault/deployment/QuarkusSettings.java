package dev.cardvault.deployment;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The settings a manifest may give the service as environment variables. Quarkus' own come from
 * the configuration model every extension ships ({@code META-INF/quarkus-config-doc}); a
 * misspelt variable, or one for a build-time property, would otherwise be ignored without a word.
 */
final class QuarkusSettings {

    private QuarkusSettings() {
    }

    /** QUARKUS_* variables of properties that can be set when the service starts. */
    static Set<String> runTimeEnvironmentVariables() {
        Set<String> vars = new TreeSet<>();
        ObjectMapper json = new ObjectMapper();
        try {
            for (URL model : Collections.list(QuarkusSettings.class.getClassLoader()
                    .getResources("META-INF/quarkus-config-doc/quarkus-config-model.json"))) {
                try (InputStream in = model.openStream()) {
                    collect(json.readTree(in), vars);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (vars.isEmpty()) {
            throw new IllegalStateException("no Quarkus configuration model on the class path");
        }
        return vars;
    }

    private static void collect(JsonNode node, Set<String> vars) {
        if (node.isObject() && node.path("path").has("environmentVariable") && "RUN_TIME".equals(node.path("phase").asText())) {
            vars.add(node.path("path").path("environmentVariable").asText());
        }
        node.elements().forEachRemaining(child -> collect(child, vars));
    }

    /** CARDVAULT_* variables of the properties the service reads (named in its sources and application.properties). */
    static Set<String> cardvaultEnvironmentVariables() {
        Pattern property = Pattern.compile("\\bcardvault\\.[a-z0-9.-]+[a-z0-9]");
        Set<String> vars = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main"))) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".java") || f.toString().endsWith(".properties")).toList()) {
                Matcher m = property.matcher(Files.readString(f));
                while (m.find()) {
                    vars.add(m.group().replaceAll("[^A-Za-z0-9]", "_").toUpperCase());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return vars;
    }
}
