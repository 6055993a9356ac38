package dev.cardvault.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cardvault.metrics.VaultMetrics;
import dev.cardvault.testsupport.SystemPackages;

/**
 * The monitoring under {@code k8s/observability/}: the PrometheusRule the prod overlay renders is a
 * rules file {@code promtool} accepts, its alerts pass their unit tests (alerts-test.yaml: each
 * fires and stays quiet), and the rules and the Grafana dashboard query only metrics the service
 * exports: k8s/observability/metrics.txt, which MetricsEndpointTest checks against /q/metrics.
 */
@Tag("unit")
class AlertsAndDashboardTest {

    static final Path OBSERVABILITY = Path.of("k8s/observability");
    static final Path DASHBOARD = OBSERVABILITY.resolve("grafana-dashboard.json");
    static final String DASHBOARD_CONFIGMAP = "cardvault-grafana-dashboard";
    static final Set<String> ALERTS = Set.of("CardVaultSealed", "CardVaultAuditWriteFailures", "CardVaultAuditTrailInvalid",
            "CardVaultRevealRateSpike", "CardVaultKekPastCryptoperiod", "CardVaultRewrapStalled");
    private static final Pattern METRIC = Pattern.compile("\\bcardvault_[a-z0-9_]+");

    static Set<String> exported() throws IOException {
        Set<String> names = new TreeSet<>();
        for (String line : Files.readAllLines(OBSERVABILITY.resolve("metrics.txt"))) {
            if (!line.isBlank() && !line.startsWith("#")) {
                names.add(line.trim());
            }
        }
        return names;
    }

    /** The prod overlay's PrometheusRule, as rendered. */
    static ObjectNode prodRule() {
        Kubectl.require();
        List<ObjectNode> rules = Kubectl.kustomize(ManifestsTest.K8S.resolve("overlays/prod")).stream()
                .filter(o -> o.path("kind").asText().equals("PrometheusRule")).toList();
        assertEquals(1, rules.size(), "PrometheusRules in prod");
        return rules.get(0);
    }

    @Test
    void prod_rendersThePrometheusRule_withEveryAlert_dev_hasNone() throws IOException {
        ObjectNode rule = prodRule();
        assertEquals("monitoring.coreos.com/v1", rule.path("apiVersion").asText());
        assertEquals("cardvault", rule.path("metadata").path("name").asText());
        assertEquals("cardvault", rule.path("metadata").path("namespace").asText());
        assertEquals(ALERTS, alerts(rule.path("spec")).keySet());
        for (JsonNode r : rule.path("spec").path("groups").findValues("rules").stream().flatMap(ManifestsTest::stream).toList()) {
            String where = r.path("alert").asText();
            assertTrue(Set.of("critical", "warning").contains(r.path("labels").path("severity").asText()), where + ": severity");
            String runbook = r.path("annotations").path("runbook").asText();
            assertTrue(runbook.startsWith("docs/operations.md#"), where + ": runbook inside the repository");
            assertTrue(anchors(Path.of("docs/operations.md")).contains(runbook.substring(runbook.indexOf('#') + 1)),
                    where + ": no heading " + runbook);
        }
        assertTrue(Kubectl.kustomize(ManifestsTest.K8S.resolve("overlays/dev")).stream()
                .noneMatch(o -> o.path("kind").asText().equals("PrometheusRule")), "dev clusters need not run the Prometheus Operator");
    }

    @Test
    void promtool_checksTheRules_andTheirUnitTestsPass(@TempDir Path dir) throws Exception {
        ObjectNode rule = prodRule();
        SystemPackages.require("prometheus", "promtool");
        Files.writeString(dir.resolve("cardvault.rules.yaml"), Kubectl.YAML.writeValueAsString(rule.path("spec")));
        Files.copy(OBSERVABILITY.resolve("alerts-test.yaml"), dir.resolve("alerts-test.yaml"));
        String checked = promtool(dir, "check", "rules", "cardvault.rules.yaml");
        assertTrue(checked.contains("SUCCESS: " + ALERTS.size() + " rules found"), checked);
        String tested = promtool(dir, "test", "rules", "alerts-test.yaml");
        assertTrue(tested.contains("SUCCESS"), tested);
    }

    @Test
    void everyAlert_isUnitTested_firingAndQuiet() throws IOException {
        JsonNode tests = Kubectl.YAML.readTree(OBSERVABILITY.resolve("alerts-test.yaml").toFile());
        Set<String> fires = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode t : tests.path("tests")) {
            for (JsonNode a : t.path("alert_rule_test")) {
                (a.path("exp_alerts").isEmpty() ? quiet : fires).add(a.path("alertname").asText());
            }
        }
        assertEquals(ALERTS, fires, "alerts shown firing");
        assertEquals(ALERTS, quiet, "alerts shown quiet");
    }

    @Test
    void rules_queryOnlyExportedMetrics() throws IOException {
        JsonNode spec = Kubectl.YAML.readTree(OBSERVABILITY.resolve("prometheusrule.yaml").toFile()).path("spec");
        for (var e : alerts(spec).entrySet()) {
            assertOnlyExported(e.getKey(), e.getValue());
        }
    }

    @Test
    void dashboard_parses_andEveryPanelQueriesOnlyExportedMetrics() throws IOException {
        assertEquals(new TreeSet<>(VaultMetrics.NAMES), exported(), "metrics.txt and VaultMetrics.NAMES");
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        assertEquals("cardvault", dashboard.path("uid").asText());
        assertTrue(dashboard.path("panels").size() >= 8, "panels");
        Set<String> shown = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            String title = panel.path("title").asText();
            assertFalse(title.isBlank(), "a panel without a title");
            assertFalse(panel.path("targets").isEmpty(), title + ": no query");
            for (JsonNode target : panel.path("targets")) {
                shown.addAll(assertOnlyExported(title, target.path("expr").asText()));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            if (variable.path("type").asText().equals("query")) {
                assertOnlyExported("variable " + variable.path("name").asText(), variable.path("query").asText());
            }
        }
        Set<String> unshown = new TreeSet<>(exported());
        unshown.removeAll(shown);
        assertEquals(Set.of(), unshown, "exported metrics no panel shows");
    }

    /** The cardvault_ metrics {@code expr} names: at least one, every one exported. */
    private static Set<String> assertOnlyExported(String where, String expr) throws IOException {
        Set<String> named = new TreeSet<>();
        Matcher m = METRIC.matcher(expr);
        while (m.find()) {
            named.add(m.group());
        }
        assertFalse(named.isEmpty(), where + ": queries none of the vault's metrics: " + expr);
        Set<String> unknown = new TreeSet<>(named);
        unknown.removeAll(exported());
        assertEquals(Set.of(), unknown, where + ": metrics the service does not export");
        return named;
    }

    private static java.util.Map<String, String> alerts(JsonNode spec) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (JsonNode group : spec.path("groups")) {
            for (JsonNode r : group.path("rules")) {
                out.put(r.path("alert").asText(), r.path("expr").asText());
            }
        }
        return out;
    }

    /** GitHub-style anchors of a Markdown file's headings. */
    private static Set<String> anchors(Path markdown) throws IOException {
        Set<String> out = new TreeSet<>();
        for (String line : Files.readAllLines(markdown)) {
            if (line.startsWith("#")) {
                out.add(line.replaceFirst("^#+\\s*", "").trim().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 _-]", "")
                        .replace(' ', '-'));
            }
        }
        return out;
    }

    private static String promtool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), "promtool " + String.join(" ", args) + ":\n" + out);
        return out;
    }
}
