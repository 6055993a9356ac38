package dev.cardvault.capture;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.cardvault.audit.Audit;
import dev.cardvault.audit.AuditContext;
import dev.cardvault.audit.AuditContexts;
import dev.cardvault.audit.AuditType;
import dev.cardvault.audit.Outcome;
import dev.cardvault.auth.Caller;
import dev.cardvault.auth.Roles;
import dev.cardvault.auth.TenantClaim;
import dev.cardvault.card.CardShape;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.time.VaultClock;
import dev.cardvault.tokens.CollectionRefused;
import dev.cardvault.tokens.TokenService;
import dev.cardvault.tokens.TokenizeCommand;
import dev.cardvault.tokens.TokenizeRequest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A Twilio {@code <Pay>} Generic Pay Connector endpoint, so that a Twilio contact centre points its
 * connector at the vault with no glue code. It follows Twilio's published contract for a tokenize
 * transaction: an HTTPS POST with HTTP Basic credentials (configured per tenant connector) and a
 * JSON body {@code {"method":"tokenize","transaction_id","cardnumber","cvv","expiry_month":"08",
 * "expiry_year":"27","description","postal_code","parameters":{...}}}, answered
 * {@code {"token_id","error_code","error_message"}}; Twilio retries with the same transaction id,
 * which gets the same token. The card is tokenized exactly as POST /v1/tokens; the security code
 * is dropped unread (never stored, logged or echoed); {@code parameters} become the token's metadata.
 */
@Path("/connectors/twilio-pay/{tenant}")
@Tag(name = "Connectors")
@PermitAll
@SecurityRequirements
public class TwilioPayConnector {

    private static final ObjectMapper PLAIN = new ObjectMapper();
    private static final Pattern TRANSACTION_ID = Pattern.compile("^[A-Za-z0-9._:-]{1,128}$");
    static final String CONFIG = "cardvault.connectors.twilio-pay.";

    @Inject
    TokenService tokens;

    @Inject
    Pool pool;

    @Inject
    Audit audit;

    @Inject
    AuditContexts auditContexts;

    @Inject
    VaultClock clock;

    /** Twilio's answer shape: a token, or an error code and message (never card data). */
    public record Answer(String token_id, String error_code, String error_message) {
        static Answer error(String code, String message) {
            return new Answer(null, code, message);
        }
    }

    @POST
    @Consumes(MediaType.WILDCARD) // Twilio's requests may come without a usable Content-Type
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Twilio <Pay> Generic Pay Connector: tokenize", description = "Point a Twilio Generic Pay Connector "
            + "at /connectors/twilio-pay/{tenant} with the tenant's connector username and password (HTTP Basic). "
            + "Tokenize requests get the vault's token in token_id; charge requests are refused in error_code (the vault "
            + "does not charge). The same transaction_id always gets the same token.")
    @APIResponse(responseCode = "200", description = "token_id, or error_code and error_message")
    @APIResponse(responseCode = "401", description = "No or wrong connector credentials for this tenant")
    public Uni<Response> transaction(@PathParam("tenant") String tenant, @HeaderParam("Authorization") String authorization,
            byte[] body) {
        Optional<String> user = authenticate(tenant, authorization);
        if (user.isEmpty()) {
            return Uni.createFrom().item(Response.status(401).header("WWW-Authenticate", "Basic realm=\"cardvault-twilio-pay\"")
                    .type(MediaType.APPLICATION_JSON).entity(Answer.error("unauthorized",
                            "Configure the connector with the username and password of this tenant's Twilio Pay connector"))
                    .build());
        }
        Caller caller = new Caller("twilio-pay:" + user.get(), tenant, Set.of(Roles.TOKENIZER));
        AuditContext audited = auditContexts.current(caller);
        JsonNode json;
        try {
            json = PLAIN.readTree(body == null ? new byte[0] : body);
        } catch (java.io.IOException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            return ok(Answer.error("invalid-request", "The body is not a JSON object"));
        }
        String method = text(json, "method");
        if (!"tokenize".equals(method)) {
            return ok(Answer.error("unsupported-method", "CardVault tokenizes; it does not charge. Use a tokenize transaction."));
        }
        String transactionId = text(json, "transaction_id");
        if (transactionId == null || !TRANSACTION_ID.matcher(transactionId).matches() || CardShape.containsInIdentifier(transactionId)) {
            return ok(Answer.error("invalid-transaction-id", "transaction_id is required: 1 to 128 of A-Z, a-z, 0-9 . _ : -"));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode parameters = json.get("parameters");
        if (parameters != null && parameters.isObject()) {
            parameters.fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText()
                    : e.getValue().toString()));
        }
        String description = text(json, "description");
        if (description != null && !description.isBlank()) {
            metadata.put("twilioDescription", description.length() > 200 ? description.substring(0, 200) : description);
        }
        metadata.put("twilioTransactionId", transactionId);
        TokenizeRequest card = new TokenizeRequest();
        card.pan = text(json, "cardnumber");
        card.expMonth = number(text(json, "expiry_month"));
        Integer year = number(text(json, "expiry_year"));
        card.expYear = year != null && year < 100 ? 2000 + year : year;
        // <Pay><Parameter name="purpose"/> and "consentRef" say why the card is collected (the controller's purpose).
        card.purpose = metadata.remove("purpose");
        card.consentRef = metadata.remove("consentRef");
        card.metadata = metadata;
        // The security code (cvv) and the postal code are not read into anything: never stored, logged or echoed.
        TokenizeCommand cmd;
        try {
            cmd = TokenizeCommand.validate(card, clock);
        } catch (InvalidRequest e) {
            audit.recordInBackground(audited.event(AuditType.TOKEN_CREATED, Outcome.FAILED, null, null)
                    .withDetail("connector=twilio-pay transaction=" + transactionId));
            String fields = String.join(", ", e.violations().stream().map(v -> v.field() + " " + v.message()).toList());
            return ok(Answer.error("invalid-card", "The card was refused: " + fields));
        } finally {
            card.pan = null;
        }
        return previous(tenant, transactionId).flatMap(found -> {
            if (found.isPresent()) {
                return ok(new Answer(found.get(), null, null)); // Twilio's retry of the same transaction
            }
            return tokens.tokenize(caller, cmd, audited).flatMap(t -> pool.preparedQuery("INSERT INTO connector_transaction "
                    + "(tenant, transaction_id, token) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING token")
                    .execute(Tuple.of(tenant, transactionId, t.view().token()))
                    .flatMap(rows -> rows.size() == 1 ? ok(new Answer(t.view().token(), null, null))
                            // A concurrent retry stored its token first: answer that one (ours stays, audited).
                            : previous(tenant, transactionId).flatMap(p -> ok(new Answer(p.orElse(t.view().token()), null, null)))))
                    // The controller's purpose rules, in Twilio's answer format.
                    .onFailure(InvalidRequest.class).recoverWithUni(e -> ok(Answer.error("invalid-purpose", "The collection purpose "
                            + "was refused: " + String.join(", ", ((InvalidRequest) e).violations().stream()
                                    .map(v -> v.field() + " " + v.message()).toList()))))
                    .onFailure(CollectionRefused.class).recoverWithUni(e -> ok(Answer.error("not-accepting-cards", e.getMessage())));
        });
    }

    private Uni<Optional<String>> previous(String tenant, String transactionId) {
        return pool.preparedQuery("SELECT token FROM connector_transaction WHERE tenant = $1 AND transaction_id = $2")
                .execute(Tuple.of(tenant, transactionId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString("token")));
    }

    /** The connector user of this tenant whose Basic credentials these are (compared in constant time). */
    static Optional<String> authenticate(String tenant, String authorization) {
        if (!TenantClaim.isValid(tenant) || authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        var config = ConfigProvider.getConfig();
        Optional<String> user = config.getOptionalValue(CONFIG + tenant + ".username", String.class);
        Optional<String> password = config.getOptionalValue(CONFIG + tenant + ".password", String.class);
        if (user.isEmpty() || password.isEmpty() || password.get().length() < 16) {
            return Optional.empty(); // no connector for this tenant (or a password too short to trust)
        }
        String given;
        try {
            given = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = given.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        boolean userOk = MessageDigest.isEqual(dev.cardvault.crypto.Sha256.of(given.substring(0, colon)), dev.cardvault.crypto.Sha256.of(user.get()));
        boolean passwordOk = MessageDigest.isEqual(dev.cardvault.crypto.Sha256.of(given.substring(colon + 1)), dev.cardvault.crypto.Sha256.of(password.get()));
        return userOk && passwordOk ? user : Optional.empty();
    }

    private static String text(JsonNode json, String field) {
        JsonNode v = json.get(field);
        return v == null || v.isNull() ? null : v.isTextual() ? v.asText() : v.toString();
    }

    private static Integer number(String s) {
        if (s == null || !s.matches("^[0-9]{1,4}$")) {
            return null;
        }
        return Integer.parseInt(s);
    }

    private static Uni<Response> ok(Answer answer) {
        return Uni.createFrom().item(Response.ok(answer, MediaType.APPLICATION_JSON).header("Cache-Control", "no-store").build());
    }
}
