package dev.cardvault.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import io.restassured.RestAssured;
import io.vertx.core.json.JsonObject;

/**
 * The service over plain HTTP/1.1 (the JDK client), for what RestAssured does not fit: thousands
 * of requests in a loop, and the packaged service in another process on its own port. HTTP/1.1 is
 * what the ingress controller and kube-proxied clients speak to a pod.
 */
public final class HttpApi {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final int port;
    private final Duration timeout;

    private HttpApi(int port, Duration timeout) {
        this.port = port;
        this.timeout = timeout;
    }

    /** The service under {@code @QuarkusTest}. */
    public static HttpApi local() {
        return at(RestAssured.port);
    }

    /** A service listening on {@code port} of this machine (loopback, IPv4). */
    public static HttpApi at(int port) {
        return new HttpApi(port, Duration.ofSeconds(30));
    }

    /** The same service, with requests that give up (an {@link java.net.http.HttpTimeoutException}) after {@code timeout}. */
    public HttpApi timeout(Duration timeout) {
        return new HttpApi(port, timeout);
    }

    /**
     * Sends {@code method path} with the bearer token (none when {@code null}) and a JSON body
     * (none when {@code null}). Connection failures are thrown as they come, for tests that count them.
     */
    public HttpResponse<String> send(String method, String path, String bearer, String json) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(timeout);
        if (bearer != null) {
            b.header("Authorization", bearer);
        }
        if (json != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** POSTs JSON. */
    public HttpResponse<String> post(String path, String bearer, String json) throws IOException, InterruptedException {
        return send("POST", path, bearer, json);
    }

    /** The status of a GET. */
    public int status(String path, String bearer) throws IOException, InterruptedException {
        return send("GET", path, bearer, null).statusCode();
    }

    /**
     * The parsed JSON answer; fails unless the status is {@code expected}. The failure names the
     * status only: a body may hold a card number, and test output is scanned for them.
     */
    public JsonObject json(String method, String path, String bearer, String json, int expected) {
        try {
            HttpResponse<String> r = send(method, path, bearer, json);
            if (r.statusCode() != expected) {
                throw new AssertionError(method + " " + path + " answered " + r.statusCode() + ", expected " + expected);
            }
            return new JsonObject(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
