package dev.cardvault.testsupport;

import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.cardvault.auth.Caller;
import dev.cardvault.auth.CurrentCaller;
import dev.cardvault.auth.Roles;
import dev.cardvault.keys.DataKeys;
import dev.cardvault.tokens.PurposePolicies;
import dev.cardvault.tokens.TokenLookups;
import io.smallrye.mutiny.Uni;

/**
 * A secured route that exists only in tests, so the foundation's 401/403 and error rules can be
 * exercised before the real token routes exist. It lives under /v1 like them.
 */
@Path("/v1/test-probe")
public class ProbeResource {

    @Inject
    CurrentCaller caller;

    @Inject
    TokenLookups lookups;

    @Inject
    DataKeys dataKeys;

    @Inject
    PurposePolicies purposes;

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

    /**
     * The request-scoped caller before and after a wait shared with other requests, whose answer
     * may come back on another request's context: both must be this request's. {@code hop}: a
     * grouped token lookup ({@code token} given), a data key refill, or the tenant's purposes.
     */
    @GET
    @Path("/caller-after/{hop}")
    @RolesAllowed(Roles.TOKENIZER)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Map<String, Object>> callerAfter(@PathParam("hop") String hop, @QueryParam("token") String token) {
        Caller before = caller.get();
        Uni<Object> shared = switch (hop) {
            case "lookup" -> lookups.findLive(before.tenant(), new String[] { token }).map(found -> found.size());
            case "data-key" -> dataKeys.forEncryption(before.tenant()).map(key -> 1);
            case "purposes" -> purposes.of(before.tenant()).map(p -> 1);
            default -> throw new NotFoundException();
        };
        return shared.map(found -> {
            Caller after = caller.get();
            return Map.of("before", before.subject(), "after", after.subject(), "tenant", after.tenant(), "found", found);
        });
    }

    @GET
    @Path("/boom")
    @RolesAllowed(Roles.TOKENIZER)
    public String boom() {
        throw new IllegalStateException("failure while handling card 4111111111111111");
    }
}
