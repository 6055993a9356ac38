package dev.cardvault.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cardvault.testsupport.SystemPackages;
import dev.cardvault.testsupport.TestJwt;

/**
 * {@code k8s/overlays/dev/create-secrets.sh} against a stand-in for the cluster: a kubectl wrapper
 * that answers "not found" (or "exists") to {@code get}, records what is applied, and hands
 * {@code create --dry-run=client} and {@code kustomize} to the real kubectl. The Secrets it makes
 * must be exactly the ones, with exactly the keys, that the dev overlay reads.
 */
@Tag("unit")
class DevSecretsScriptTest {

    @TempDir
    Path work;

    /** Cluster states the stand-in plays. */
    enum Cluster { EMPTY, SECRETS_EXIST, UNREACHABLE }

    private record Run(int exit, String output, Map<String, Map<String, byte[]>> secrets) {
    }

    private Run run(Cluster cluster) throws Exception {
        Path bin = Files.createDirectories(work.resolve("bin"));
        Path applied = work.resolve("applied.yaml");
        Files.deleteIfExists(applied);
        String real = SystemPackages.which("kubectl").orElseThrow().toString();
        Path stub = bin.resolve("kubectl");
        // create: AlreadyExists / a connection failure / recorded as the object kubectl would send.
        Files.writeString(stub, """
                #!/usr/bin/env bash
                if [ "$1" = "-n" ]; then shift 2; fi
                case "$1" in
                  create)
                    if [[ " $* " == *" --dry-run=client "* ]]; then exec %1$s "$@"; fi
                    case %2$s in
                      SECRETS_EXIST) echo "Error from server (AlreadyExists): $2 already exists" >&2; exit 1 ;;
                      UNREACHABLE) echo "Unable to connect to the server: i/o timeout" >&2; exit 1 ;;
                    esac
                    [ "$2" = namespace ] && exit 0
                    { %1$s "$@" --dry-run=client -o yaml; echo '---'; } >> %3$s ;;
                  apply) [ %2$s = UNREACHABLE ] && exit 1; { cat; echo '---'; } >> %3$s ;;
                  kustomize) exec %1$s "$@" ;;
                  *) echo "unexpected kubectl $*" >&2; exit 2 ;;
                esac
                """.formatted(real, cluster, applied));
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder pb = new ProcessBuilder("bash", ManifestsTest.K8S.resolve("overlays/dev/create-secrets.sh").toString())
                .redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "create-secrets.sh hangs");

        Map<String, Map<String, byte[]>> secrets = new TreeMap<>();
        for (ObjectNode s : Kubectl.parse(Files.exists(applied) ? Files.readString(applied) : "")) {
            assertEquals("Secret", s.path("kind").asText());
            Map<String, byte[]> data = new TreeMap<>();
            s.path("data").fields().forEachRemaining(e -> data.put(e.getKey(), Base64.getDecoder().decode(e.getValue().asText())));
            secrets.put(Kubectl.name(s), data);
        }
        return new Run(p.exitValue(), out, secrets);
    }

    /** kubectl as a client only (no cluster), and openssl for the certificate. */
    private static void needsKubectlAndOpenssl() {
        Kubectl.require();
        SystemPackages.require("openssl", "openssl");
    }

    @Test
    void createsEverySecretTheDevOverlayReads_withTheKeysItReads() throws Exception {
        needsKubectlAndOpenssl();
        Run run = run(Cluster.EMPTY);
        assertEquals(0, run.exit(), run.output());
        Map<String, Map<String, byte[]>> secrets = run.secrets();

        List<ObjectNode> dev = Kubectl.kustomize(ManifestsTest.K8S.resolve("overlays/dev"));
        Map<String, Set<String>> read = new HashMap<>();
        for (ObjectNode o : dev) {
            o.findValues("secretKeyRef").forEach(ref -> read.computeIfAbsent(ref.path("name").asText(), k -> new TreeSet<>())
                    .add(ref.path("key").asText()));
            for (JsonNode secret : o.findValues("secret")) {
                secret.path("items").forEach(i -> read.computeIfAbsent(secret.path("secretName").asText(), k -> new TreeSet<>())
                        .add(i.path("key").asText()));
            }
            o.path("spec").path("tls").forEach(t -> read.put(t.path("secretName").asText(), new TreeSet<>(Set.of("tls.crt", "tls.key"))));
        }
        assertEquals(read.keySet(), secrets.keySet(), "the Secrets the dev overlay names");
        read.forEach((name, keys) -> assertEquals(keys, secrets.get(name).keySet(), name + ": keys"));

        assertEquals(Files.readString(TestJwt.devKeysDir().resolve("jwt-public.pem")),
                new String(secrets.get("cardvault-jwt").get("public.pem")), "the keys-dev public key, so mint-jwt.sh tokens work");
        byte[] master = Base64.getDecoder().decode(new String(secrets.get("cardvault-master-key").get("master.key")).trim());
        assertEquals(32, master.length, "a 256-bit master key");
        assertTrue(!java.util.Arrays.equals(master, Base64.getDecoder().decode(Files.readString(TestJwt.devKeysDir().resolve("master.key")).trim())),
                "a fresh master key, not keys-dev's");
        // Two database roles: the schema owner (migrations, partition job) and the service's runtime role.
        assertEquals("cardvault", new String(secrets.get("cardvault-db-app").get("username")));
        assertEquals("cardvault_app", new String(secrets.get("cardvault-db-runtime").get("username")));
        String ownerPassword = new String(secrets.get("cardvault-db-app").get("password"));
        String runtimePassword = new String(secrets.get("cardvault-db-runtime").get("password"));
        assertTrue(ownerPassword.length() >= 20 && runtimePassword.length() >= 20, "random database passwords");
        assertTrue(!ownerPassword.equals(runtimePassword), "one password per role");

        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(secrets.get("cardvault-tls").get("tls.crt")));
        String host = dev.stream().filter(o -> o.path("kind").asText().equals("Ingress")).findFirst().orElseThrow()
                .path("spec").path("rules").get(0).path("host").asText();
        assertTrue(cert.getSubjectAlternativeNames().stream().anyMatch(san -> host.equals(san.get(1))), "certificate for " + host);
    }

    @Test
    void rerun_keepsTheMasterKeyAndPasswords_andRefreshesOnlyTheJwtKeyAndCertificate() throws Exception {
        needsKubectlAndOpenssl();
        Run run = run(Cluster.SECRETS_EXIST);
        assertEquals(0, run.exit(), run.output());
        assertEquals(Set.of("cardvault-jwt", "cardvault-tls"), run.secrets().keySet(),
                "an existing master key must never be replaced: every stored card would become unreadable");
        assertTrue(run.output().contains("kept existing secret cardvault-master-key"), run.output());
        assertTrue(run.output().contains("kept existing secret cardvault-db-runtime"), run.output());
    }

    @Test
    void clusterUnreachable_failsWithoutWritingAnything() throws Exception {
        needsKubectlAndOpenssl();
        Run run = run(Cluster.UNREACHABLE);
        assertTrue(run.exit() != 0, "a failure other than AlreadyExists must stop the script:\n" + run.output());
        assertEquals(Set.of(), run.secrets().keySet());
        assertTrue(run.output().contains("Unable to connect"), run.output());
    }
}
