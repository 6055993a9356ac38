package dev.cardvault.web;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * The security console: one static page and its script and style (META-INF/resources/console/),
 * all from the vault's own origin. The page holds no data: the script calls the /v1 API with the
 * JWT the user pastes, so every role check and audit event is the API's own. The CSP lets the page
 * load only its own script and style, talk only to this origin, and be framed by no one.
 */
@Path("/console")
@PermitAll
public class ConsoleResource {

    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

    private static final String PAGE = read("console/console.html");

    @GET
    @Produces(MediaType.TEXT_HTML)
    @Operation(hidden = true)
    public Response page() {
        return Response.ok(PAGE, "text/html; charset=utf-8").header("Content-Security-Policy", CSP)
                .header("X-Frame-Options", "DENY").header("Referrer-Policy", "no-referrer").build();
    }

    private static String read(String resource) {
        try (InputStream in = ConsoleResource.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
