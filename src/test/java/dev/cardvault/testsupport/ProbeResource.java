package dev.cardvault.testsupport;

import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.cardvault.auth.Caller;
import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;

/**
 * A secured route that exists only in tests, so the foundation's 401/403 and error rules can be
 * exercised before the real token routes exist. It lives under /v1 like them.
 */
@Path("/v1/test-probe")
public class ProbeResource {

    @Inject
    CurrentCaller caller;

    public record Body(String name, int count) {
    }

    @GET
    @RolesAllowed(Roles.TOKENIZER)
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> whoAmI() {
        Caller c = caller.get();
        return Map.of("subject", c.subject(), "tenant", c.tenant(), "roles", c.roles());
    }

    @POST
    @RolesAllowed(Roles.TOKENIZER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> echoShape(Body body) {
        // Echo the shape, never the values: this is a card vault.
        return Map.of("nameLength", body.name() == null ? 0 : body.name().length(), "count", body.count());
    }

    @GET
    @Path("/boom")
    @RolesAllowed(Roles.TOKENIZER)
    public String boom() {
        throw new IllegalStateException("failure while handling card 4111111111111111");
    }
}
