package dev.cardvault.testsupport;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.restassured.RestAssured;
import io.vertx.core.json.JsonObject;

/** A plain JDK HTTP/1.1 client for tests that send thousands of requests (RestAssured is slow for bulk). */
public final class BulkClient {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private BulkClient() {
    }

    /** POSTs JSON and returns the parsed body; fails unless the status is {@code expected}. */
    public static JsonObject post(String path, String bearer, String json, int expected) {
        try {
            HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                    .header("Authorization", bearer).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != expected) {
                throw new AssertionError("POST " + path + " answered " + r.statusCode() + ": " + r.body());
            }
            return new JsonObject(r.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
