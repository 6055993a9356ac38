package dev.cardvault.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Quantity;

/**
 * The invariants of {@code k8s/}, checked on both overlays as a cluster would receive them:
 * rendered by {@code kubectl kustomize} (skipped where kubectl is not installed; CI installs it and
 * fails on that skip). No cluster is needed; {@code ContainerIT} runs the packaged service the way
 * the Deployment does.
 */
@Tag("unit")
class ManifestsTest {

    static final Path K8S = Path.of("k8s").toAbsolutePath();
    static final List<String> OVERLAYS = List.of("dev", "prod");
    private static final Map<String, Class<?>> MODEL = Map.of(
            "ServiceAccount", io.fabric8.kubernetes.api.model.ServiceAccount.class,
            "Service", io.fabric8.kubernetes.api.model.Service.class,
            "Deployment", io.fabric8.kubernetes.api.model.apps.Deployment.class,
            "StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class,
            "NetworkPolicy", io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class,
            "Ingress", io.fabric8.kubernetes.api.model.networking.v1.Ingress.class,
            "PodDisruptionBudget", io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class,
            "HorizontalPodAutoscaler", io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler.class,
            "CronJob", io.fabric8.kubernetes.api.model.batch.v1.CronJob.class,
            "ConfigMap", io.fabric8.kubernetes.api.model.ConfigMap.class);

    /** An overlay as {@code kubectl kustomize} renders it (rendered when a test first asks, once kubectl is known to be there). */
    record Rendering(String overlay) {
        @Override
        public String toString() {
            return overlay;
        }

        List<ObjectNode> resources() {
            return Kubectl.kustomize(K8S.resolve("overlays").resolve(overlay));
        }

        boolean prod() {
            return overlay.equals("prod");
        }

        List<ObjectNode> all(String kind) {
            return resources().stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
        }

        ObjectNode one(String kind, String name) {
            return all(kind).stream().filter(o -> Kubectl.name(o).equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError(this + ": no " + kind + " " + name));
        }

        ObjectNode api() {
            return one("Deployment", "cardvault");
        }
    }

    /** Per test, not per class: a class-level skip never reaches the test reports, where CI looks for it. */
    @BeforeEach
    void kubectlInstalled() {
        Kubectl.require();
    }

    static Stream<Rendering> renderings() {
        return OVERLAYS.stream().map(Rendering::new);
    }

    // --- helpers over the JSON tree ---------------------------------------------------------

    static JsonNode pod(JsonNode workload) {
        JsonNode spec = workload.path("spec");
        return (spec.has("jobTemplate") ? spec.path("jobTemplate").path("spec") : spec).path("template").path("spec");
    }

    /** A pod's init containers, then its containers. */
    static List<JsonNode> allContainers(JsonNode workload) {
        List<JsonNode> all = new ArrayList<>();
        pod(workload).path("initContainers").forEach(all::add);
        pod(workload).path("containers").forEach(all::add);
        return all;
    }

    static JsonNode initContainer(JsonNode workload, String name) {
        for (JsonNode c : pod(workload).path("initContainers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no init container " + name);
    }

    /** The Secret and key an environment variable is read from, as "secret/key"; empty for a plain value. */
    static Optional<String> secretOf(JsonNode container, String name) {
        return env(container, name).map(e -> e.path("valueFrom").path("secretKeyRef"))
                .filter(ref -> !ref.isMissingNode())
                .map(ref -> ref.path("name").asText() + "/" + ref.path("key").asText());
    }

    /** Every Secret a container can read: through its environment and through the volumes it mounts. */
    static Set<String> secretsSeenBy(JsonNode workload, JsonNode container) {
        Set<String> names = new TreeSet<>();
        container.path("env").findValues("secretKeyRef").forEach(ref -> names.add(ref.path("name").asText()));
        Set<String> mounted = new HashSet<>(container.path("volumeMounts").findValuesAsText("name"));
        for (JsonNode v : pod(workload).path("volumes")) {
            if (mounted.contains(v.path("name").asText()) && v.has("secret")) {
                names.add(v.path("secret").path("secretName").asText());
            }
        }
        container.path("envFrom").findValues("secretRef").forEach(ref -> names.add(ref.path("name").asText()));
        return names;
    }

    static JsonNode container(JsonNode workload, String name) {
        for (JsonNode c : pod(workload).path("containers")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("no container " + name);
    }

    static Optional<JsonNode> env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    static String envValue(JsonNode container, String name) {
        return env(container, name).orElseThrow(() -> new AssertionError("no env " + name)).path("value").asText();
    }

    static boolean selects(JsonNode matchLabels, JsonNode labels) {
        assertTrue(matchLabels.isObject() && !matchLabels.isEmpty(), "empty selector " + matchLabels);
        for (var it = matchLabels.fields(); it.hasNext();) {
            var e = it.next();
            if (!labels.path(e.getKey()).equals(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    static long mebibytes(JsonNode quantity) {
        return Quantity.getAmountInBytes(new Quantity(quantity.asText())).longValue() >> 20;
    }

    static List<JsonNode> workloads(Rendering r) {
        List<JsonNode> w = new ArrayList<>(r.all("Deployment"));
        w.addAll(r.all("StatefulSet"));
        w.addAll(r.all("CronJob"));
        assertFalse(w.isEmpty());
        return w;
    }

    // --- schema -------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("renderings")
    void everyResource_isAKnownKind_withNoMisspeltField(Rendering r) throws Exception {
        for (ObjectNode o : r.resources()) {
            String kind = o.path("kind").asText();
            if (kind.equals("Cluster")) {
                assertEquals("postgresql.cnpg.io/v1", o.path("apiVersion").asText());
                continue; // a CRD: checked field by field in prod_database...
            }
            if (kind.equals("ServiceMonitor")) {
                assertEquals("monitoring.coreos.com/v1", o.path("apiVersion").asText());
                continue; // a CRD: checked in prod_metrics_areScrapedFromEveryApiPod
            }
            if (kind.equals("PrometheusRule")) {
                assertEquals("monitoring.coreos.com/v1", o.path("apiVersion").asText());
                continue; // a CRD: its spec is checked by promtool (AlertsAndDashboardTest)
            }
            Class<?> type = MODEL.get(kind);
            assertNotNull(type, r + ": unexpected kind " + kind);
            Object typed = Kubectl.YAML.treeToValue(o, type);
            List<String> unknown = new ArrayList<>();
            UnknownFields.collect(typed, kind + "/" + Kubectl.name(o), unknown);
            assertEquals(List.of(), unknown, r + ": fields the Kubernetes API does not have");
        }
    }

    // --- pod security -------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("renderings")
    void everyPod_runsNonRoot_readOnly_withoutCapabilitiesOrToken(Rendering r) {
        for (JsonNode w : workloads(r)) {
            JsonNode pod = pod(w);
            String where = r + " " + Kubectl.name(w);
            assertEquals(false, pod.path("automountServiceAccountToken").asBoolean(true), where + ": service account token mounted");
            assertFalse(pod.path("hostNetwork").asBoolean() || pod.path("hostPID").asBoolean() || pod.path("hostIPC").asBoolean(), where);
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), where + ": pod runAsNonRoot");
            assertTrue(pod.path("securityContext").path("runAsUser").asInt(0) > 0, where + ": pod runAsUser");
            assertEquals("RuntimeDefault", pod.path("securityContext").path("seccompProfile").path("type").asText(), where);
            for (JsonNode v : pod.path("volumes")) {
                assertFalse(v.has("hostPath"), where + ": hostPath volume " + v);
            }
            for (JsonNode c : allContainers(w)) {
                JsonNode sc = c.path("securityContext");
                String cw = where + "/" + c.path("name").asText();
                assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true), cw + ": allowPrivilegeEscalation");
                assertTrue(sc.path("readOnlyRootFilesystem").asBoolean(), cw + ": readOnlyRootFilesystem");
                assertFalse(sc.path("privileged").asBoolean(), cw + ": privileged");
                assertEquals(List.of("ALL"), texts(sc.path("capabilities").path("drop")), cw + ": capabilities.drop");
                assertTrue(sc.path("capabilities").path("add").isMissingNode(), cw + ": capabilities.add");
                assertTrue(sc.path("runAsNonRoot").asBoolean(true), cw + ": runAsNonRoot overridden");
                assertTrue(sc.path("runAsUser").asInt(1) > 0, cw + ": runs as root");
                assertEquals("RuntimeDefault", sc.path("seccompProfile").path("type").asText("RuntimeDefault"), cw);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void api_writesOnlyToTmp_andMountsSecretsReadOnly_whereItsConfigurationLooks(Rendering r) {
        JsonNode d = r.api();
        JsonNode c = container(d, "cardvault");
        Map<String, JsonNode> volumes = new java.util.HashMap<>();
        pod(d).path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
        List<String> emptyDirs = volumes.values().stream().filter(v -> v.has("emptyDir")).map(v -> v.path("name").asText()).toList();
        assertEquals(List.of("tmp"), emptyDirs, "the only writable volume is the JVM's /tmp");
        assertTrue(volumes.get("tmp").path("emptyDir").has("sizeLimit"), "/tmp is bounded");
        Map<String, JsonNode> mounts = new java.util.HashMap<>();
        c.path("volumeMounts").forEach(m -> mounts.put(m.path("name").asText(), m));
        assertEquals("/tmp", mounts.get("tmp").path("mountPath").asText());
        for (JsonNode v : volumes.values()) {
            if (v.has("secret")) {
                JsonNode m = mounts.get(v.path("name").asText());
                assertNotNull(m, "secret volume not mounted: " + v);
                assertTrue(m.path("readOnly").asBoolean(), "secret mounted writable: " + m);
            }
        }
        // The key files the service is told to read are where the secret volumes put them.
        List<String> files = new ArrayList<>(List.of("MP_JWT_VERIFY_PUBLICKEY_LOCATION", "CARDVAULT_MASTER_KEY_FILE"));
        if (r.prod()) {
            files.add("QUARKUS_DATASOURCE_REACTIVE_TRUST_CERTIFICATE_PEM_CERTS");
        }
        for (String setting : files) {
            Path file = Path.of(envValue(c, setting));
            boolean provided = false;
            for (JsonNode m : c.path("volumeMounts")) {
                JsonNode v = volumes.get(m.path("name").asText());
                if (v.has("secret") && file.getParent().equals(Path.of(m.path("mountPath").asText()))) {
                    for (JsonNode item : v.path("secret").path("items")) {
                        provided |= item.path("path").asText().equals(file.getFileName().toString());
                    }
                }
            }
            assertTrue(provided, r + ": " + setting + "=" + file + " is not a file of a mounted Secret");
        }
    }

    // --- database roles: migrations as the owner, the service as the runtime role -------------

    static final String OWNER_SECRET = "cardvault-db-app";
    static final String RUNTIME_SECRET = "cardvault-db-runtime";

    @ParameterizedTest
    @MethodSource("renderings")
    void api_mainContainer_hasOnlyTheRuntimeRolesCredentials_andDoesNotMigrate(Rendering r) {
        JsonNode d = r.api();
        JsonNode c = container(d, "cardvault");
        assertFalse(secretsSeenBy(d, c).contains(OWNER_SECRET), r + ": the service container can read the owner's Secret");
        assertEquals(Optional.of(RUNTIME_SECRET + "/username"), secretOf(c, "QUARKUS_DATASOURCE_USERNAME"));
        assertEquals(Optional.of(RUNTIME_SECRET + "/password"), secretOf(c, "QUARKUS_DATASOURCE_PASSWORD"));
        for (JsonNode e : c.path("env")) {
            assertFalse(e.path("name").asText().startsWith("CARDVAULT_MIGRATION_") || e.path("name").asText().startsWith("QUARKUS_FLYWAY_USERNAME")
                    || e.path("name").asText().startsWith("QUARKUS_FLYWAY_PASSWORD"), r + ": migration credentials in the service container: " + e);
        }
        assertEquals("false", envValue(c, "QUARKUS_FLYWAY_MIGRATE_AT_START"), r + ": the runtime role cannot migrate");
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void api_initContainer_migratesAsTheOwner_andExits(Rendering r) {
        JsonNode d = r.api();
        assertEquals(List.of("migrate"), stream(pod(d).path("initContainers")).map(i -> i.path("name").asText()).toList(),
                r + ": init containers");
        JsonNode init = initContainer(d, "migrate");
        JsonNode main = container(d, "cardvault");
        assertEquals(main.path("image"), init.path("image"), "the migrations are the service's own, from the same image");
        assertEquals("true", envValue(init, "QUARKUS_INIT_AND_EXIT"), "runs Flyway and exits");
        assertFalse(env(init, "QUARKUS_FLYWAY_MIGRATE_AT_START").map(e -> e.path("value").asText()).orElse("true").equals("false"));
        assertEquals(Optional.of(OWNER_SECRET + "/username"), secretOf(init, "CARDVAULT_MIGRATION_USERNAME"));
        assertEquals(Optional.of(OWNER_SECRET + "/password"), secretOf(init, "CARDVAULT_MIGRATION_PASSWORD"));
        // The runtime role's name is the grants' placeholder; its password has no business here.
        assertEquals(Optional.of(RUNTIME_SECRET + "/username"), secretOf(init, "QUARKUS_DATASOURCE_USERNAME"));
        assertTrue(env(init, "QUARKUS_DATASOURCE_PASSWORD").isEmpty(), r + ": the runtime role's password in the init container");
        assertEquals("false", envValue(init, "CARDVAULT_EMBEDDED_DB_ENABLED"));
        // The same database over the same link: the URL resolves the same, TLS included.
        for (String v : List.of("DB_HOST", "DB_PORT", "DB_NAME", "DB_JDBC_PARAMETERS", "QUARKUS_DATASOURCE_JDBC_URL")) {
            assertEquals(envValue(main, v), envValue(init, v), r + ": " + v + " differs between the init and the service container");
        }
        // Only the owner's Secret (and the runtime role's name) besides what TLS needs.
        Set<String> seen = secretsSeenBy(d, init);
        assertEquals(r.prod() ? Set.of(OWNER_SECRET, RUNTIME_SECRET, "cardvault-db-ca") : Set.of(OWNER_SECRET, RUNTIME_SECRET), seen);
        Set<String> mounts = new TreeSet<>(init.path("volumeMounts").findValuesAsText("mountPath"));
        assertEquals(r.prod() ? Set.of("/tmp", "/run/secrets/cardvault/db-ca") : Set.of("/tmp"), mounts, r + ": init container mounts");
        // The owner's Secret is read by the init container and the partition job only.
        for (JsonNode w : workloads(r)) {
            for (JsonNode c : allContainers(w)) {
                boolean allowed = c.equals(init) || Kubectl.name(w).equals("cardvault-audit-partitions")
                        || (Kubectl.name(w).equals("cardvault-db") && !r.prod()); // the dev PostgreSQL creates the owner
                assertTrue(allowed || !secretsSeenBy(w, c).contains(OWNER_SECRET), r + ": " + Kubectl.name(w) + "/" + c.path("name").asText()
                        + " can read the owner's Secret");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void auditPartitions_cronJob_runsDailyAsTheOwner_withPsql(Rendering r) {
        ObjectNode job = r.one("CronJob", "cardvault-audit-partitions");
        JsonNode spec = job.path("spec");
        String[] schedule = spec.path("schedule").asText().split("\\s+");
        assertEquals(5, schedule.length, "a cron schedule");
        assertTrue(schedule[0].matches("\\d+") && schedule[1].matches("\\d+"), "once a day at a fixed time: " + spec.path("schedule"));
        assertEquals(List.of("*", "*", "*"), List.of(schedule).subList(2, 5), "every day: " + spec.path("schedule"));
        assertEquals("Forbid", spec.path("concurrencyPolicy").asText(), "never two maintenance runs at once");
        assertEquals("Never", pod(job).path("restartPolicy").asText());
        List<JsonNode> containers = allContainers(job);
        assertEquals(1, containers.size());
        JsonNode c = containers.get(0);
        assertTrue(c.path("image").asText().matches("docker\\.io/library/postgres:\\d+\\.\\d+.*"), "a plain, pinned postgres image: " + c.path("image"));
        String command = String.join(" ", texts(c.path("command"))) + " " + String.join(" ", texts(c.path("args")));
        assertTrue(command.startsWith("psql ") && command.contains("ON_ERROR_STOP=1"), command);
        assertTrue(command.contains("SELECT audit_ensure_partitions(3)"), command);
        assertTrue(command.contains("SELECT audit_retire_partitions(interval '13 months')"), command);
        assertEquals(Optional.of(OWNER_SECRET + "/username"), secretOf(c, "PGUSER"));
        assertEquals(Optional.of(OWNER_SECRET + "/password"), secretOf(c, "PGPASSWORD"));
        JsonNode api = container(r.api(), "cardvault");
        assertEquals(envValue(api, "DB_HOST"), envValue(c, "PGHOST"));
        assertEquals(envValue(api, "DB_PORT"), envValue(c, "PGPORT"));
        assertEquals(envValue(api, "DB_NAME"), envValue(c, "PGDATABASE"));
        assertFalse(secretsSeenBy(job, c).contains(RUNTIME_SECRET));
        if (r.prod()) {
            assertEquals("verify-full", envValue(c, "PGSSLMODE"));
            Path ca = Path.of(envValue(c, "PGSSLROOTCERT"));
            assertTrue(stream(c.path("volumeMounts")).anyMatch(m -> m.path("mountPath").asText().equals(ca.getParent().toString())),
                    "PGSSLROOTCERT is not in a mounted volume");
        }
        // Its pods reach the database and DNS only, and the database lets them in.
        JsonNode labels = spec.path("jobTemplate").path("spec").path("template").path("metadata").path("labels");
        List<ObjectNode> policies = r.all("NetworkPolicy").stream().filter(p -> !p.path("spec").path("podSelector").isEmpty()
                && selects(p.path("spec").path("podSelector").path("matchLabels"), labels)).toList();
        assertEquals(1, policies.size(), r + ": one policy for the maintenance pods");
        JsonNode policy = policies.get(0).path("spec");
        assertTrue(policy.path("ingress").isMissingNode() || policy.path("ingress").isEmpty(), "nothing connects to the maintenance pods");
        Set<String> ports = new TreeSet<>();
        for (JsonNode rule : policy.path("egress")) {
            assertFalse(rule.path("to").isEmpty(), "an egress rule without 'to'");
            rule.path("ports").findValuesAsText("port").forEach(ports::add);
            for (JsonNode to : rule.path("to")) {
                assertFalse(to.has("ipBlock"), "egress to an IP block");
            }
        }
        assertEquals(Set.of("53", "5432"), ports);
        for (JsonNode db : databasePodLabels(r)) {
            boolean allowed = r.all("NetworkPolicy").stream()
                    .filter(p -> !p.path("spec").path("podSelector").isEmpty() && selects(p.path("spec").path("podSelector").path("matchLabels"), db))
                    .flatMap(p -> stream(p.path("spec").path("ingress")))
                    .filter(rule -> rule.path("ports").findValuesAsText("port").contains("5432"))
                    .flatMap(rule -> stream(rule.path("from")))
                    .anyMatch(from -> !from.has("namespaceSelector") && selects(from.path("podSelector").path("matchLabels"), labels));
            assertTrue(allowed, r + ": default-deny would cut the partition job off the database");
        }
    }

    @Test
    void prod_database_managesTheRuntimeRole_aPlainLoginFromItsSecret() {
        for (Rendering r : renderings().filter(Rendering::prod).toList()) {
            JsonNode roles = r.one("Cluster", "cardvault-db").path("spec").path("managed").path("roles");
            assertEquals(1, roles.size(), "one managed role: the runtime role");
            JsonNode role = roles.get(0);
            assertEquals("cardvault_app", role.path("name").asText());
            assertNotEquals(r.one("Cluster", "cardvault-db").path("spec").path("bootstrap").path("initdb").path("owner").asText(),
                    role.path("name").asText(), "the runtime role is not the owner");
            assertEquals("present", role.path("ensure").asText("present"));
            assertTrue(role.path("login").asBoolean());
            for (String attribute : List.of("superuser", "createdb", "createrole", "replication", "bypassrls")) {
                assertFalse(role.path(attribute).asBoolean(false), attribute);
            }
            assertTrue(role.path("inRoles").isMissingNode() || role.path("inRoles").isEmpty(), "a member of no role (the owner's privileges would be its own)");
            assertEquals(RUNTIME_SECRET, role.path("passwordSecret").path("name").asText());
        }
    }

    // --- probes, resources, shutdown ----------------------------------------------------------

    @ParameterizedTest
    @MethodSource("renderings")
    void api_probesTheHealthEndpoints_onItsHttpPort(Rendering r) {
        JsonNode c = container(r.api(), "cardvault");
        Set<String> ports = new HashSet<>();
        c.path("ports").forEach(p -> {
            ports.add(p.path("name").asText());
            ports.add(p.path("containerPort").asText());
        });
        Map<String, String> expected = Map.of("startupProbe", "/q/health/started", "readinessProbe", "/q/health/ready",
                "livenessProbe", "/q/health/live");
        expected.forEach((probe, path) -> {
            JsonNode get = c.path(probe).path("httpGet");
            assertEquals(path, get.path("path").asText(), r + " " + probe);
            assertTrue(ports.contains(get.path("port").asText()), r + " " + probe + " port " + get.path("port"));
        });
        // Startup gets longer than liveness would allow: a cold start connects and unwraps keys.
        JsonNode startup = c.path("startupProbe");
        assertTrue(startup.path("periodSeconds").asInt() * startup.path("failureThreshold").asInt() >= 60, "startup window under 60 s");
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void everyContainer_hasRequestsAndLimits_andTheApiIsNeverOvercommittedOnMemory(Rendering r) {
        for (JsonNode w : workloads(r)) {
            for (JsonNode c : allContainers(w)) {
                JsonNode res = c.path("resources");
                for (String kind : List.of("requests", "limits")) {
                    for (String resource : List.of("cpu", "memory")) {
                        assertFalse(res.path(kind).path(resource).asText().isEmpty(),
                                r + " " + c.path("name").asText() + ": " + kind + "." + resource);
                    }
                }
                assertTrue(mebibytes(res.path("limits").path("memory")) >= mebibytes(res.path("requests").path("memory")));
            }
        }
        JsonNode res = container(r.api(), "cardvault").path("resources");
        assertEquals(res.path("requests").path("memory"), res.path("limits").path("memory"), "memory request = limit");
        // bench/container-size.sh measured a peak RSS of 384 MiB under load with the image's flags
        // at a 768 MiB limit (heap 60 % = 462 MiB); below 640 MiB the heap plus metaspace,
        // threads and direct buffers would no longer fit.
        assertTrue(mebibytes(res.path("limits").path("memory")) >= 640, "memory limit below the measured need");
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void api_drainsBeforeItIsKilled(Rendering r) {
        JsonNode d = r.api();
        JsonNode c = container(d, "cardvault");
        Duration delay = quarkusDuration(envValue(c, "QUARKUS_SHUTDOWN_DELAY"));
        Duration timeout = quarkusDuration(envValue(c, "QUARKUS_SHUTDOWN_TIMEOUT"));
        assertTrue(delay.toSeconds() >= 5, "endpoints and ingress controllers need seconds to drop a terminating pod");
        long grace = pod(d).path("terminationGracePeriodSeconds").asLong(30);
        assertTrue(grace >= delay.plus(timeout).toSeconds() + 5, "SIGKILL would cut the drain short: grace " + grace + " s");
        JsonNode rolling = d.path("spec").path("strategy").path("rollingUpdate");
        assertEquals(0, rolling.path("maxUnavailable").asInt(-1), "a rollout never removes a replica before its successor is ready");
    }

    static Duration quarkusDuration(String v) {
        return v.matches("\\d+s") ? Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1))) : Duration.parse(v);
    }

    // --- configuration ------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("renderings")
    void env_referencesOnlyVariablesDefinedBefore_andOnlySettingsTheServiceReadsAtRunTime(Rendering r) throws IOException {
        Set<String> runtime = QuarkusSettings.runTimeEnvironmentVariables();
        Set<String> ours = QuarkusSettings.cardvaultEnvironmentVariables();
        List<JsonNode> service = List.of(container(r.api(), "cardvault"), initContainer(r.api(), "migrate"));
        for (JsonNode w : workloads(r)) {
            for (JsonNode c : allContainers(w)) {
                Set<String> defined = new HashSet<>();
                for (JsonNode e : c.path("env")) {
                    String name = e.path("name").asText();
                    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(e.path("value").asText());
                    while (m.find()) {
                        assertTrue(defined.contains(m.group(1)), r + ": " + name + " uses $(" + m.group(1)
                                + ") before it is defined; the kubelet would pass it on literally");
                    }
                    defined.add(name);
                    if (!service.contains(c)) {
                        continue; // PostgreSQL's and psql's own variables
                    }
                    if (name.startsWith("QUARKUS_") && !name.equals("QUARKUS_PROFILE")) {
                        assertTrue(runtime.contains(name), r + ": " + name + " is not a run-time Quarkus setting (misspelt, or fixed at build time)");
                    } else if (name.startsWith("CARDVAULT_")) {
                        assertTrue(ours.contains(name), r + ": " + name + " is not a CardVault setting");
                    } else if (name.startsWith("MP_JWT_")) {
                        assertTrue(Set.of("MP_JWT_VERIFY_PUBLICKEY_LOCATION", "MP_JWT_VERIFY_ISSUER", "MP_JWT_VERIFY_AUDIENCES").contains(name), r + ": " + name);
                    }
                }
            }
        }
    }

    @Test
    void prod_talksToPostgresqlOverVerifiedTls() {
        for (Rendering r : renderings().filter(Rendering::prod).toList()) {
            JsonNode c = container(r.api(), "cardvault");
            assertTrue(envValue(c, "QUARKUS_DATASOURCE_JDBC_URL").endsWith("$(DB_JDBC_PARAMETERS)"));
            assertTrue(envValue(c, "DB_JDBC_PARAMETERS").contains("sslmode=verify-full"), "Flyway's connection");
            assertEquals("verify-full", envValue(c, "QUARKUS_DATASOURCE_REACTIVE_POSTGRESQL_SSL_MODE"), "the service's pool");
            assertEquals("HTTPS", envValue(c, "QUARKUS_DATASOURCE_REACTIVE_HOSTNAME_VERIFICATION_ALGORITHM"));
            assertTrue(envValue(c, "DB_JDBC_PARAMETERS").contains("sslrootcert=" + envValue(c, "QUARKUS_DATASOURCE_REACTIVE_TRUST_CERTIFICATE_PEM_CERTS")));
        }
    }

    // --- secrets ----------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("renderings")
    void secrets_areReferenced_neverContained(Rendering r) throws IOException {
        assertEquals(List.of(), r.all("Secret"), r + ": a Secret object in the manifests");
        for (ObjectNode cm : r.all("ConfigMap")) {
            // The one ConfigMap: prod's Grafana dashboard, exactly the committed JSON.
            if (!(r.prod() && Kubectl.name(cm).equals(AlertsAndDashboardTest.DASHBOARD_CONFIGMAP))) {
                fail(r + ": unexpected ConfigMap " + Kubectl.name(cm));
            }
            assertEquals(List.of(AlertsAndDashboardTest.DASHBOARD.getFileName().toString()), listOf(cm.path("data").fieldNames()));
            assertEquals(Files.readString(AlertsAndDashboardTest.DASHBOARD), cm.path("data").path("grafana-dashboard.json").asText());
        }
        String text = Kubectl.YAML.writeValueAsString(r.resources());
        assertFalse(text.contains("-----BEGIN"), r + ": PEM material inline");
        for (String devFile : List.of("master.key", "jwt-public.pem", "jwt-private.pem")) {
            String material = Files.readString(Path.of("keys-dev", devFile)).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            String probe = material.substring(0, Math.min(32, material.length()));
            assertFalse(text.replaceAll("\\s", "").contains(probe), r + ": content of keys-dev/" + devFile + " inline");
        }
        for (JsonNode w : workloads(r)) {
            for (JsonNode c : allContainers(w)) {
                for (JsonNode e : c.path("env")) {
                    String name = e.path("name").asText();
                    boolean secretish = name.matches(".*(PASSWORD|SECRET|TOKEN|PRIVATE|MASTER_KEY_VALUE|PUBLICKEY)$")
                            || name.equals("POSTGRES_USER") || name.equals("PGUSER") || name.endsWith("_USER") || name.endsWith("_USERNAME");
                    if (secretish) {
                        assertTrue(e.path("valueFrom").has("secretKeyRef"), r + ": " + name + " must come from a Secret, not inline");
                    }
                }
            }
        }
        assertEquals(expectedSecrets(r), referencedSecrets(r), r + ": the Secrets the README tells operators to provide");
    }

    static Set<String> expectedSecrets(Rendering r) {
        Set<String> names = new TreeSet<>(Set.of("cardvault-db-app", "cardvault-db-runtime", "cardvault-jwt", "cardvault-master-key",
                "cardvault-tls"));
        if (r.prod()) {
            names.add("cardvault-db-ca");
        }
        return names;
    }

    static Set<String> referencedSecrets(Rendering r) {
        Set<String> names = new TreeSet<>();
        for (ObjectNode o : r.resources()) {
            o.findValues("secretKeyRef").forEach(ref -> names.add(ref.path("name").asText()));
            o.findValues("secretName").forEach(n -> names.add(n.asText()));
        }
        return names;
    }

    @Test
    void prod_referencesNothingFromKeysDev_andRunsTheProdProfile() throws IOException {
        try (Stream<Path> files = Files.walk(K8S.resolve("overlays/prod"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(Files.readString(f).contains("keys-dev"), f + " mentions keys-dev");
            }
        }
        for (Rendering r : renderings().filter(Rendering::prod).toList()) {
            assertFalse(Kubectl.YAML.writeValueAsString(r.resources()).contains("keys-dev"), r + " mentions keys-dev");
            JsonNode c = container(r.api(), "cardvault");
            assertTrue(env(c, "QUARKUS_PROFILE").isEmpty(), "prod runs the jar's default profile, prod");
            assertFalse(envValue(c, "MP_JWT_VERIFY_ISSUER").isBlank());
        }
    }

    // --- network --------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("renderings")
    void network_deniesByDefault_andOpensOnlyWhatTheApiNeeds(Rendering r) {
        List<ObjectNode> policies = r.all("NetworkPolicy");
        assertTrue(policies.stream().anyMatch(p -> p.path("spec").path("podSelector").isEmpty()
                && texts(p.path("spec").path("policyTypes")).containsAll(List.of("Ingress", "Egress"))
                && !p.path("spec").has("ingress") && !p.path("spec").has("egress")), r + ": no default-deny policy");

        JsonNode apiLabels = r.api().path("spec").path("template").path("metadata").path("labels");
        List<ObjectNode> forApi = policies.stream()
                .filter(p -> !p.path("spec").path("podSelector").isEmpty()
                        && selects(p.path("spec").path("podSelector").path("matchLabels"), apiLabels))
                .toList();
        assertEquals(1, forApi.size(), r + ": exactly one policy opens the API pods");
        JsonNode spec = forApi.get(0).path("spec");

        // Ingress: only from client namespaces labelled agent-desktop or billing, and the ingress controller, on 8080.
        Set<String> sources = new TreeSet<>();
        for (JsonNode rule : spec.path("ingress")) {
            assertFalse(rule.path("from").isEmpty(), r + ": an ingress rule without 'from' admits everyone: " + rule);
            assertEquals(List.of("8080"), rule.path("ports").findValuesAsText("port"), r + ": ingress port");
            for (JsonNode from : rule.path("from")) {
                assertFalse(from.has("ipBlock"), r + ": ingress from an IP block");
                JsonNode ns = from.path("namespaceSelector");
                assertFalse(ns.isMissingNode() || ns.isEmpty(), r + ": ingress from the own namespace or all namespaces: " + from);
                if (ns.has("matchExpressions")) {
                    for (JsonNode ex : ns.path("matchExpressions")) {
                        assertEquals("In", ex.path("operator").asText());
                        texts(ex.path("values")).forEach(v -> sources.add(ex.path("key").asText() + "=" + v));
                    }
                }
                ns.path("matchLabels").fields().forEachRemaining(e -> sources.add(e.getKey() + "=" + e.getValue().asText()));
            }
        }
        Set<String> expected = new TreeSet<>(List.of("cardvault.io/client=agent-desktop", "cardvault.io/client=billing",
                "kubernetes.io/metadata.name=ingress-nginx"));
        if (r.prod()) {
            expected.add("kubernetes.io/metadata.name=monitoring"); // Prometheus, for /q/metrics
        }
        assertEquals(expected, sources, r + ": who may call the vault");

        // Egress: PostgreSQL (the pods of this overlay's database) and DNS, nothing else.
        Set<String> destinations = new TreeSet<>();
        for (JsonNode rule : spec.path("egress")) {
            assertFalse(rule.path("to").isEmpty(), r + ": an egress rule without 'to' reaches everywhere: " + rule);
            assertFalse(rule.path("ports").isEmpty(), r + ": an egress rule without ports: " + rule);
            List<String> ports = rule.path("ports").findValuesAsText("port");
            for (JsonNode to : rule.path("to")) {
                assertFalse(to.has("ipBlock"), r + ": egress to an IP block");
                if (to.path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText().equals("kube-system")) {
                    assertEquals("kube-dns", to.path("podSelector").path("matchLabels").path("k8s-app").asText());
                    assertEquals(Set.of("53"), new HashSet<>(ports));
                    destinations.add("dns");
                } else {
                    assertFalse(to.has("namespaceSelector"), r + ": egress to another namespace " + to);
                    assertEquals(List.of("5432"), ports);
                    assertTrue(databasePodLabels(r).stream().anyMatch(l -> selects(to.path("podSelector").path("matchLabels"), l)),
                            r + ": the PostgreSQL egress rule selects no database pod of this overlay");
                    destinations.add("postgresql");
                }
            }
        }
        assertEquals(Set.of("dns", "postgresql"), destinations, r + ": where the vault may connect");
    }

    @Test
    void prod_metrics_areScrapedFromEveryApiPod() {
        Rendering r = renderings().filter(Rendering::prod).findFirst().orElseThrow();
        ObjectNode monitor = r.one("ServiceMonitor", "cardvault");
        ObjectNode svc = r.one("Service", "cardvault");
        assertTrue(selects(monitor.path("spec").path("selector").path("matchLabels"), svc.path("metadata").path("labels")),
                "the ServiceMonitor selects no Service of the vault");
        JsonNode endpoint = monitor.path("spec").path("endpoints").get(0);
        assertEquals("/q/metrics", endpoint.path("path").asText());
        assertTrue(svc.path("spec").path("ports").findValuesAsText("name").contains(endpoint.path("port").asText()),
                "the ServiceMonitor scrapes a port the Service does not have");
        // The Prometheus pods may reach the API pods' port (the policy's ingress rule, checked above, holds 8080 only).
        JsonNode apiLabels = r.api().path("spec").path("template").path("metadata").path("labels");
        boolean allowed = r.all("NetworkPolicy").stream()
                .filter(p -> selects(p.path("spec").path("podSelector").path("matchLabels"), apiLabels))
                .flatMap(p -> stream(p.path("spec").path("ingress"))).flatMap(rule -> stream(rule.path("from")))
                .anyMatch(from -> "monitoring".equals(from.path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText())
                        && "prometheus".equals(from.path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText()));
        assertTrue(allowed, "default-deny would keep Prometheus from scraping the vault");
        // Something must verify the trail for the CardVaultAuditTrailInvalid alert to have a verdict to watch.
        assertEquals("6h", envValue(container(r.api(), "cardvault"), "CARDVAULT_AUDIT_VERIFY_EVERY"));
        assertTrue(renderings().filter(x -> !x.prod()).allMatch(x -> x.all("ServiceMonitor").isEmpty()), "a ServiceMonitor outside prod");
    }

    /** The labels the database pods of this overlay will carry. */
    static List<JsonNode> databasePodLabels(Rendering r) {
        List<JsonNode> labels = new ArrayList<>();
        r.all("StatefulSet").forEach(s -> labels.add(s.path("spec").path("template").path("metadata").path("labels")));
        r.all("Cluster").forEach(c -> {
            ObjectNode l = ((ObjectNode) c.path("spec").path("inheritedMetadata").path("labels")).deepCopy();
            l.put("cnpg.io/cluster", Kubectl.name(c)); // set by the operator on every instance pod
            labels.add(l);
        });
        return labels;
    }

    @ParameterizedTest
    @MethodSource("renderings")
    void database_acceptsConnectionsFromTheApi(Rendering r) {
        JsonNode apiLabels = r.api().path("spec").path("template").path("metadata").path("labels");
        for (JsonNode db : databasePodLabels(r)) {
            boolean allowed = r.all("NetworkPolicy").stream()
                    .filter(p -> !p.path("spec").path("podSelector").isEmpty() && selects(p.path("spec").path("podSelector").path("matchLabels"), db))
                    .flatMap(p -> stream(p.path("spec").path("ingress")))
                    .filter(rule -> rule.path("ports").findValuesAsText("port").contains("5432"))
                    .flatMap(rule -> stream(rule.path("from")))
                    .anyMatch(from -> !from.has("namespaceSelector") && selects(from.path("podSelector").path("matchLabels"), apiLabels));
            assertTrue(allowed, r + ": default-deny would cut the API off its database " + db);
        }
    }

    // --- availability ---------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("renderings")
    void availability_pdbHpaServiceIngress_pointAtTheApi(Rendering r) {
        JsonNode apiLabels = r.api().path("spec").path("template").path("metadata").path("labels");
        assertTrue(selects(r.api().path("spec").path("selector").path("matchLabels"), apiLabels));

        ObjectNode pdb = r.one("PodDisruptionBudget", "cardvault");
        assertTrue(selects(pdb.path("spec").path("selector").path("matchLabels"), apiLabels));
        assertEquals(1, pdb.path("spec").path("maxUnavailable").asInt(), "drains take one replica at a time");

        ObjectNode hpa = r.one("HorizontalPodAutoscaler", "cardvault");
        assertEquals("Deployment", hpa.path("spec").path("scaleTargetRef").path("kind").asText());
        assertEquals("cardvault", hpa.path("spec").path("scaleTargetRef").path("name").asText());
        JsonNode metric = hpa.path("spec").path("metrics").get(0);
        assertEquals("cpu", metric.path("resource").path("name").asText());
        assertEquals("Utilization", metric.path("resource").path("target").path("type").asText());
        int min = hpa.path("spec").path("minReplicas").asInt();
        int max = hpa.path("spec").path("maxReplicas").asInt();
        JsonNode replicas = r.api().path("spec").path("replicas");
        if (r.prod()) {
            assertTrue(min >= 3 && max > min, r + ": prod runs at least three replicas and can grow");
            assertTrue(replicas.isMissingNode(), "with an HPA, spec.replicas in the manifest would undo autoscaling on each apply");
        } else {
            assertEquals(1, min);
            assertEquals(1, max);
            assertEquals(1, replicas.asInt());
            assertEquals(1, r.one("StatefulSet", "cardvault-db").path("spec").path("replicas").asInt(), "dev: one PostgreSQL pod");
        }
        // Replicas spread over nodes (and zones in prod).
        Set<String> spread = new HashSet<>(pod(r.api()).path("topologySpreadConstraints").findValuesAsText("topologyKey"));
        assertTrue(spread.contains("kubernetes.io/hostname"));
        if (r.prod()) {
            assertTrue(stream(pod(r.api()).path("topologySpreadConstraints")).anyMatch(t -> t.path("topologyKey").asText()
                    .equals("topology.kubernetes.io/zone") && t.path("whenUnsatisfiable").asText().equals("DoNotSchedule")));
        }

        ObjectNode svc = r.one("Service", "cardvault");
        assertTrue(selects(svc.path("spec").path("selector"), apiLabels));
        Set<String> containerPorts = new HashSet<>(container(r.api(), "cardvault").path("ports").findValuesAsText("name"));
        svc.path("spec").path("ports").forEach(p -> assertTrue(containerPorts.contains(p.path("targetPort").asText())));

        ObjectNode ingress = r.one("Ingress", "cardvault");
        JsonNode tls = ingress.path("spec").path("tls");
        assertFalse(tls.isEmpty(), "Ingress without TLS");
        Set<String> tlsHosts = new HashSet<>(tls.findValuesAsText("hosts").isEmpty() ? List.of() : texts(tls.get(0).path("hosts")));
        for (JsonNode rule : ingress.path("spec").path("rules")) {
            assertTrue(tlsHosts.contains(rule.path("host").asText()), "host served without TLS: " + rule.path("host"));
            for (JsonNode path : rule.path("http").path("paths")) {
                // The API, the widget agents' browsers load, and the console; never /q (health, metrics, OpenAPI).
                assertTrue(Set.of("/v1", "/widget", "/console").contains(path.path("path").asText()), "exposed: " + path.path("path"));
                assertEquals("cardvault", path.path("backend").path("service").path("name").asText());
                Set<String> svcPorts = new HashSet<>(svc.path("spec").path("ports").findValuesAsText("name"));
                assertTrue(svcPorts.contains(path.path("backend").path("service").path("port").path("name").asText()));
            }
        }
    }

    @Test
    void prod_database_isACloudNativePgClusterOfThree_withSynchronousReplication() {
        for (Rendering r : renderings().filter(Rendering::prod).toList()) {
            ObjectNode cluster = r.one("Cluster", "cardvault-db");
            JsonNode spec = cluster.path("spec");
            Set<String> known = Set.of("instances", "imageName", "primaryUpdateStrategy", "bootstrap", "enableSuperuserAccess",
                    "managed", "postgresql", "inheritedMetadata", "affinity", "storage", "walStorage", "resources");
            spec.fieldNames().forEachRemaining(f -> assertTrue(known.contains(f), "unchecked Cluster field " + f));
            assertEquals(3, spec.path("instances").asInt());
            JsonNode sync = spec.path("postgresql").path("synchronous");
            assertEquals("any", sync.path("method").asText());
            assertTrue(sync.path("number").asInt() >= 1);
            assertEquals("required", sync.path("dataDurability").asText(), "a commit must be on a standby before it is acknowledged");
            assertFalse(spec.path("enableSuperuserAccess").asBoolean(true));
            assertEquals("cardvault", spec.path("bootstrap").path("initdb").path("owner").asText());
            assertEquals("required", spec.path("affinity").path("podAntiAffinityType").asText());
            assertTrue(cluster.path("spec").path("imageName").asText().matches(".+:\\d+\\.\\d+.*"), "PostgreSQL image pinned");
            // The API reads the operator-generated "<cluster>-app" Secret.
            assertTrue(referencedSecrets(r).contains(Kubectl.name(cluster) + "-app"));
            int maxReplicas = r.one("HorizontalPodAutoscaler", "cardvault").path("spec").path("maxReplicas").asInt();
            int maxConnections = spec.path("postgresql").path("parameters").path("max_connections").asInt();
            assertTrue(maxConnections >= maxReplicas * 32 + 10, "PostgreSQL cannot take every replica's pool of 32");
        }
    }

    // --- image ----------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource("renderings")
    void images_haveAnExplicitVersion_neverLatest(Rendering r) {
        for (JsonNode w : workloads(r)) {
            for (JsonNode c : allContainers(w)) {
                String image = c.path("image").asText();
                assertTrue(image.contains("/"), r + ": image without a registry path " + image);
                String tag = image.contains("@") ? image.substring(image.indexOf('@') + 1)
                        : image.lastIndexOf(':') > image.lastIndexOf('/') ? image.substring(image.lastIndexOf(':') + 1) : "";
                assertFalse(tag.isEmpty() || tag.equals("latest"), r + ": image not pinned " + image);
                assertEquals("IfNotPresent", c.path("imagePullPolicy").asText(), r + ": " + image);
            }
        }
    }

    @Test
    void dockerfile_runsTheFastJar_asTheNonRootUserTheManifestsDeclare() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("src/main/docker/Dockerfile.jvm"));
        String from = lines.stream().filter(l -> l.startsWith("FROM ")).findFirst().orElseThrow();
        assertTrue(from.matches("FROM \\S+/\\S+:\\d[^\\s]*-jre\\S*"), "a pinned JRE base image: " + from);
        String user = lines.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow().substring(5).trim();
        List<String> copied = lines.stream().filter(l -> l.startsWith("COPY ")).map(l -> l.split("\\s+")[1]).toList();
        assertEquals(List.of("target/quarkus-app/lib/", "target/quarkus-app/*.jar", "target/quarkus-app/app/",
                "target/quarkus-app/quarkus/"), copied, "the fast-jar layout, dependencies first");
        String entrypoint = lines.stream().filter(l -> l.startsWith("ENTRYPOINT ")).findFirst().orElseThrow();
        List<String> command = texts(readJson(entrypoint.substring("ENTRYPOINT ".length())));
        assertEquals("/deployments/quarkus-run.jar", command.get(command.size() - 1));
        for (Rendering r : renderings().toList()) {
            JsonNode sc = pod(r.api()).path("securityContext");
            assertEquals(sc.path("runAsUser").asText() + ":" + sc.path("runAsGroup").asText(), user,
                    r + ": the image user and the pod's runAsUser/runAsGroup differ");
        }
    }

    // --- small helpers ----------------------------------------------------------------------

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    static List<String> listOf(java.util.Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }

    static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out.stream();
    }

    static JsonNode readJson(String json) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
    }
}
