package dev.cardvault.testsupport;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.either;
import static org.hamcrest.Matchers.equalTo;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The service's routes as the tests call them under {@code @QuarkusTest}: RestAssured requests
 * that return the {@link Response} for the test's own assertions. One place knows each route and
 * its body; {@link AuditTrail} reads the trail, {@link HttpApi} sends in bulk or to another process.
 */
public final class Api {

    private Api() {
    }

    /** A bearer token for {@code subject} of {@code tenant} with {@code roles}. */
    public static String bearer(String subject, String tenant, String... roles) {
        return TestJwt.as(subject).roles(roles).tenant(tenant).bearer();
    }

    /** The usual agent: subject "agent", tokenizer role. */
    public static String agent(String tenant) {
        return bearer("agent", tenant, "tokenizer");
    }

    /** A card as the tokenize route takes it: {@code pan}, expiry December of next year; add or override fields with put. */
    public static JsonObject card(String pan) {
        return new JsonObject().put("pan", pan).put("expMonth", 12).put("expYear", YearMonth.now(ZoneOffset.UTC).getYear() + 1);
    }

    /** POST /v1/tokens. */
    public static Response tokenize(String bearer, JsonObject body) {
        return tokenize(bearer, body, null);
    }

    /** POST /v1/tokens with an X-Request-Id (none when {@code null}). */
    public static Response tokenize(String bearer, JsonObject body, String requestId) {
        return json(as(bearer, requestId), body).post("/v1/tokens");
    }

    /**
     * POST /v1/tokens as {@link #agent} of {@code tenant}: the card's token, failing unless 201 (or
     * 200, the existing token, when the body asks for a deterministic one).
     */
    public static String tokenized(String tenant, JsonObject body) {
        boolean deterministic = Boolean.TRUE.equals(body.getValue("deterministic"));
        return tokenize(agent(tenant), body).then()
                .statusCode(deterministic ? either(equalTo(201)).or(equalTo(200)) : equalTo(201)).extract().path("token");
    }

    /** GET /v1/tokens/{token}: the token's metadata. */
    public static Response metadata(String bearer, String token) {
        return as(bearer, null).get("/v1/tokens/" + token);
    }

    /** POST /v1/tokens/{token}/detokenize with {@code purpose} (left out when {@code null}). */
    public static Response reveal(String bearer, String token, String purpose) {
        JsonObject body = new JsonObject();
        if (purpose != null) {
            body.put("purpose", purpose);
        }
        return json(as(bearer, null), body).post("/v1/tokens/" + token + "/detokenize");
    }

    /** POST /v1/detokenizations: a batch reveal. */
    public static Response revealBatch(String bearer, List<String> tokens, String purpose) {
        return revealBatch(bearer, tokens, purpose, null);
    }

    /** POST /v1/detokenizations with an X-Request-Id (none when {@code null}). */
    public static Response revealBatch(String bearer, List<String> tokens, String purpose, String requestId) {
        return json(as(bearer, requestId), new JsonObject().put("tokens", new JsonArray(tokens)).put("purpose", purpose))
                .post("/v1/detokenizations");
    }

    /** DELETE /v1/tokens/{token}. */
    public static Response delete(String bearer, String token) {
        return as(bearer, null).delete("/v1/tokens/" + token);
    }

    /** POST /v1/erasures: every token of the card in the caller's tenant. */
    public static Response erase(String bearer, String pan) {
        return json(as(bearer, null), new JsonObject().put("pan", pan)).post("/v1/erasures");
    }

    /** A request with the bearer token and request id, either left out when {@code null}. */
    public static RequestSpecification as(String bearer, String requestId) {
        RequestSpecification spec = given();
        if (bearer != null) {
            spec = spec.header("Authorization", bearer);
        }
        if (requestId != null) {
            spec = spec.header("X-Request-Id", requestId);
        }
        return spec;
    }

    private static RequestSpecification json(RequestSpecification spec, JsonObject body) {
        return spec.contentType("application/json").body(body.encode());
    }
}
