package dev.cardvault.testsupport;

import java.util.Map;
import java.util.function.Function;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
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
     * may come back on another request's context: both must be this request's. One route per kind
     * of wait, with nothing in the path, so that the containment sweep's cards in {@code token}
     * reach the lookup itself.
     */
    @GET
    @Path("/caller-after-lookup")
    @RolesAllowed(Roles.TOKENIZER)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Map<String, Object>> callerAfterLookup(@QueryParam("token") String token) {
        return callerAround(c -> lookups.findLive(c.tenant(), new String[] { token }).map(Map::size));
    }

    @GET
    @Path("/caller-after-data-key")
    @RolesAllowed(Roles.TOKENIZER)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Map<String, Object>> callerAfterDataKey() {
        return callerAround(c -> dataKeys.forEncryption(c.tenant()).replaceWith(1));
    }

    @GET
    @Path("/caller-after-purposes")
    @RolesAllowed(Roles.TOKENIZER)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Map<String, Object>> callerAfterPurposes() {
        return callerAround(c -> purposes.of(c.tenant()).replaceWith(1));
    }

    private Uni<Map<String, Object>> callerAround(Function<Caller, Uni<Integer>> wait) {
        Caller before = caller.get();
        return wait.apply(before).map(found -> {
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
