package dev.cardvault.openapi;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import dev.cardvault.testsupport.ProbeResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The OpenAPI document is a contract: {@code src/main/openapi/cardvault.yaml} is committed, clients
 * are generated from it (OpenApiWalkThroughTest does), and {@code .ci/run} lints it. This test fails
 * when what the service serves at {@code /q/openapi} (its production routes: the routes of test
 * resources such as {@link ProbeResource} are left out) is no longer that document, and says how to
 * regenerate it. It also checks the properties that make the document usable by a client.
 */
@QuarkusTest
class OpenApiContractTest {

    private static final Set<String> OPERATIONS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    private static ObjectNode production;

    /** The served document without the operations of src/test's resources. */
    private static synchronized ObjectNode production() throws Exception {
        if (production == null) {
            ObjectNode served = (ObjectNode) new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi")
                    .then().statusCode(200).extract().asString());
            List<ProductionDocument.Route> removed = ProductionDocument.stripTestRoutes(served, Path.of("target", "test-classes"),
                    OpenApiContractTest.class.getClassLoader());
            // The fixture must be found, or the filter is silently broken and the comparison below means nothing.
            assertTrue(removed.contains(new ProductionDocument.Route("/v1/test-probe", "get")), "test routes found: " + removed);
            production = served;
        }
        return production;
    }

    @Test
    void servedDocument_isTheCommittedContract() throws Exception {
        assertTrue(Files.exists(ProductionDocument.COMMITTED), ProductionDocument.COMMITTED + " is missing; create it with: "
                + ProductionDocument.REGENERATE);
        JsonNode committed = new YAMLMapper().readTree(ProductionDocument.COMMITTED.toFile());
        List<String> differences = ProductionDocument.differences(committed, production(), 25);
        if (!differences.isEmpty()) {
            fail("The OpenAPI document the service serves differs from the committed contract " + ProductionDocument.COMMITTED
                    + " (first " + differences.size() + " differences):\n  " + String.join("\n  ", differences)
                    + "\nClients are generated from the committed file. If the change is intended, regenerate it and commit it"
                    + " with the change that caused it:\n  " + ProductionDocument.REGENERATE);
        }
    }

    @Test
    void everyOperation_hasAUniqueOperationId_andRequiresTheJwtScheme() throws Exception {
        JsonNode doc = production();
        JsonNode jwt = doc.path("components").path("securitySchemes").path("jwt");
        assertEquals("http", jwt.path("type").asText(), "security scheme jwt: " + jwt);
        assertEquals("bearer", jwt.path("scheme").asText(), "security scheme jwt: " + jwt);
        assertEquals("JWT", jwt.path("bearerFormat").asText(), "security scheme jwt: " + jwt);
        Set<String> ids = new HashSet<>();
        List<String> problems = new ArrayList<>();
        int operations = 0;
        for (var path : doc.path("paths").properties()) {
            for (var op : path.getValue().properties()) {
                if (!OPERATIONS.contains(op.getKey())) {
                    continue;
                }
                operations++;
                String where = op.getKey().toUpperCase() + " " + path.getKey();
                String id = op.getValue().path("operationId").asText("");
                if (id.isBlank() || !ids.add(id)) {
                    problems.add(where + ": operationId '" + id + "' missing or not unique");
                }
                // The one public /v1 route: the seal status, which the contract names as unauthenticated.
                boolean isPublic = path.getKey().equals("/v1/sys/seal-status");
                if (isPublic && !op.getValue().path("security").isEmpty()) {
                    problems.add(where + ": the seal status is public, but the document asks for " + op.getValue().path("security"));
                }
                if (!isPublic && path.getKey().startsWith("/v1/") && op.getValue().path("security").findValue("jwt") == null) {
                    problems.add(where + ": does not require the jwt scheme: " + op.getValue().path("security"));
                }
                if (op.getValue().path("tags").isEmpty()) {
                    problems.add(where + ": no tag");
                }
            }
        }
        assertTrue(operations >= 12, "only " + operations + " operations in the document");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void document_hasServersLicenceAndDescribedTags() throws Exception {
        JsonNode doc = production();
        assertFalse(doc.path("servers").isEmpty(), "no servers");
        doc.path("servers").forEach(s -> assertFalse(s.path("url").asText().contains("localhost"),
                "a server points at the build machine: " + s));
        assertFalse(doc.path("info").path("license").path("name").asText().isBlank(), "no licence");
        Set<String> used = new HashSet<>();
        doc.path("paths").forEach(item -> item.forEach(op -> op.path("tags").forEach(t -> used.add(t.asText()))));
        Set<String> described = new HashSet<>();
        doc.path("tags").forEach(t -> {
            if (!t.path("description").asText().isBlank()) {
                described.add(t.path("name").asText());
            }
        });
        assertTrue(described.containsAll(used), "tags without a description: " + used.stream().filter(t -> !described.contains(t)).toList());
    }

    @Test
    void template_isWrittenAsOpenApiWritesIt() {
        assertEquals("/v1/test-probe/boom", ProductionDocument.template("/v1/test-probe//boom/"));
        assertEquals("/v1/keys/rotations/{id}", ProductionDocument.template("v1/keys/rotations/{ id : [a-z_0-9]+ }"));
        assertEquals("/v1/x", ProductionDocument.template("/v1/x/"));
    }
}
