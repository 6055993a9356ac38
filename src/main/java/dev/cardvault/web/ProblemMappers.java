package dev.cardvault.web;

import java.util.List;

import jakarta.inject.Inject;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import dev.cardvault.audit.AuditUnavailableException;
import dev.cardvault.auth.CallerIdentityAugmentor;
import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.errors.MissingBody;
import dev.cardvault.capture.CaptureRefused;
import dev.cardvault.database.DatabaseFailures;
import dev.cardvault.keys.RotationRefused;
import dev.cardvault.keys.Seal;
import dev.cardvault.keys.SealRefused;
import dev.cardvault.keys.SealedException;
import dev.cardvault.tokens.RevealDenied;
import dev.cardvault.tokens.TokenNotFoundException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.ext.web.RoutingContext;

/**
 * Turns every exception that reaches JAX-RS into problem+json. The exception's own message is
 * never used: it may quote request input (Jackson does) or name classes.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @Inject
    SecurityIdentity identity;

    @Inject
    RequestAudit requestAudit;

    @Inject
    RequestLimits limits;

    @Inject
    Seal seal;

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class })
    public Response unauthorized(RoutingContext ctx) {
        requestAudit.denied(ctx, null);
        return respond(ctx, Problems.unauthorized());
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, RoutingContext ctx) {
        boolean badTenant = Boolean.TRUE.equals(identity.getAttribute(CallerIdentityAugmentor.TENANT_INVALID));
        requestAudit.denied(ctx, identity);
        return respond(ctx, badTenant ? Problems.forbiddenTenant() : Problems.forbiddenRole());
    }

    /** Named explicitly: Quarkus ships a mapper for this type that would echo the offending value. */
    @ServerExceptionMapper
    public Response mismatchedInput(MismatchedInputException e, RoutingContext ctx) {
        return json(e, ctx);
    }

    /** Card data or a security code in a request body: 422 naming the field, never the value. */
    @ServerExceptionMapper
    public Response inputRefused(InputRefused e, RoutingContext ctx) {
        return respond(ctx, Problems.validation(List.of(new Problem.FieldError(e.field(), e.rule()))));
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e, RoutingContext ctx) {
        if (e instanceof InputRefused refused) {
            return inputRefused(refused, ctx);
        }
        return respond(ctx, Problems.malformedJson(e instanceof JsonMappingException m ? safePath(m) : null));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, RoutingContext ctx) {
        int status = e.getResponse() != null ? e.getResponse().getStatus() : 500;
        if (e.getCause() instanceof JsonProcessingException jpe) {
            return json(jpe, ctx);
        }
        if (status >= 500) {
            LOG.error("Request failed", e);
        }
        Response response = respond(ctx, Problems.forStatus(status, limits));
        if (e instanceof NotAllowedException && e.getResponse().getHeaderString(HttpHeaders.ALLOW) != null) {
            return Response.fromResponse(response).header(HttpHeaders.ALLOW, e.getResponse().getHeaderString(HttpHeaders.ALLOW)).build();
        }
        return response;
    }

    @ServerExceptionMapper
    public Response missingBody(MissingBody e, RoutingContext ctx) {
        return respond(ctx, Problems.badRequest());
    }

    @ServerExceptionMapper
    public Response invalid(InvalidRequest e, RoutingContext ctx) {
        List<Problem.FieldError> errors = e.violations().stream()
                .map(v -> new Problem.FieldError(v.field(), v.message())).toList();
        return respond(ctx, Problems.validation(errors));
    }

    @ServerExceptionMapper
    public Response auditUnavailable(AuditUnavailableException e, RoutingContext ctx) {
        // Fail closed: the operation did not complete because its audit event could not be stored.
        return respond(ctx, Problems.auditUnavailable());
    }

    @ServerExceptionMapper
    public Response revealDenied(RevealDenied e, RoutingContext ctx) {
        if (e.reason() == RevealDenied.Reason.RATE_LIMITED) {
            return respond(ctx, Problems.rateLimited(e.retryAfterSeconds()));
        }
        if (e.reason() == RevealDenied.Reason.TENANT_RATE_LIMITED) {
            return respond(ctx, Problems.tenantRateLimited(e.retryAfterSeconds()));
        }
        if (e.reason() == RevealDenied.Reason.RESTRICTED) {
            return respond(ctx, new Problem("restricted", "Forbidden", 403, "Processing of this card is restricted (GDPR Art. 18) "
                    + "at the cardholder's request; it is kept but not revealed until the controller lifts the restriction."));
        }
        return respond(ctx, Problems.purposeNotAllowed());
    }

    @ServerExceptionMapper
    public Response rotationRefused(RotationRefused e, RoutingContext ctx) {
        Problem problem = switch (e.reason()) {
            case NOT_FOUND -> new Problem("rotation-not-found", "Not Found", 404, e.getMessage());
            case SELF_APPROVAL -> new Problem("self-approval", "Forbidden", 403, e.getMessage());
            case NOT_PENDING -> new Problem("rotation-not-pending", "Conflict", 409, e.getMessage());
            case ALREADY_APPROVED -> new Problem("already-approved", "Conflict", 409, e.getMessage());
            case ANOTHER_OPEN -> new Problem("rotation-open", "Conflict", 409, e.getMessage());
            case NOT_ROTATABLE -> new Problem("not-rotatable", "Conflict", 409, e.getMessage());
        };
        return respond(ctx, problem);
    }

    @ServerExceptionMapper
    public Response captureRefused(CaptureRefused e, RoutingContext ctx) {
        Problem problem = switch (e.reason()) {
            case NOT_FOUND -> new Problem("capture-session-not-found", "Not Found", 404, e.getMessage());
            case WRONG_SECRET -> new Problem("invalid-client-secret", "Forbidden", 403, e.getMessage());
            case CLOSED -> new Problem("capture-session-closed", "Conflict", 409, e.getMessage());
            case OUT_OF_ORDER -> new Problem("keys-out-of-order", "Conflict", 409, e.getMessage());
            case CONFLICT -> new Problem("keys-conflict", "Conflict", 409, e.getMessage());
            case RECORDING_NOT_PAUSED -> new Problem("recording-not-paused", "Service Unavailable", 503, e.getMessage()).retryAfter(2);
        };
        return respond(ctx, problem);
    }

    @ServerExceptionMapper
    public Response privacyRefused(dev.cardvault.privacy.PrivacyRefused e, RoutingContext ctx) {
        Problem problem = switch (e.reason()) {
            case CONTROLLER_NOT_FOUND -> new Problem("controller-not-found", "Not Found", 404, e.getMessage());
            case PURPOSE_NOT_FOUND -> new Problem("purpose-not-found", "Not Found", 404, e.getMessage());
            case CONTROLLER_CLOSED -> new Problem("controller-closed", "Conflict", 409, e.getMessage());
            case OFFBOARDING_NOT_FOUND -> new Problem("offboarding-not-found", "Not Found", 404, e.getMessage());
            case SELF_APPROVAL -> new Problem("self-approval", "Forbidden", 403, e.getMessage());
            case NOT_PENDING -> new Problem("offboarding-not-pending", "Conflict", 409, e.getMessage());
            case OFFBOARDING_OPEN -> new Problem("offboarding-open", "Conflict", 409, e.getMessage());
        };
        return respond(ctx, problem);
    }

    @ServerExceptionMapper
    public Response collectionRefused(dev.cardvault.tokens.CollectionRefused e, RoutingContext ctx) {
        return respond(ctx, new Problem(e.reason() == dev.cardvault.tokens.CollectionRefused.Reason.NOT_REGISTERED
                ? "controller-not-registered" : "controller-closed", "Forbidden", 403, e.getMessage()));
    }

    @ServerExceptionMapper
    public Response importNotFound(dev.cardvault.tokens.ImportNotFound e, RoutingContext ctx) {
        return respond(ctx, new Problem("import-not-found", "Not Found", 404, e.getMessage()));
    }

    @ServerExceptionMapper
    public Response sealedNow(SealedException e, RoutingContext ctx) {
        return respond(ctx, Problems.sealed());
    }

    @ServerExceptionMapper
    public Response sealRefused(SealRefused e, RoutingContext ctx) {
        Problem problem = switch (e.reason()) {
            case NOT_SEALABLE -> new Problem("not-sealable", "Conflict", 409, e.getMessage());
            case ALREADY_INITIALIZED -> new Problem("already-initialized", "Conflict", 409, e.getMessage());
            case NOT_INITIALIZED -> new Problem("not-initialized", "Conflict", 409, e.getMessage());
            case KEYS_EXIST -> new Problem("keys-exist", "Conflict", 409, e.getMessage());
            case SHARE_ALREADY_GIVEN -> new Problem("share-already-given", "Conflict", 409, e.getMessage());
            case DUPLICATE_SHARE -> new Problem("duplicate-share", "Conflict", 409, e.getMessage());
            case UNSEAL_IN_PROGRESS -> new Problem("unseal-in-progress", "Conflict", 409, e.getMessage());
            case MALFORMED_SHARE -> new Problem("malformed-share", "Unprocessable Content", 422, e.getMessage());
            case UNSEAL_FAILED -> new Problem("unseal-failed", "Unprocessable Content", 422, e.getMessage());
            case KEYS_UNAVAILABLE -> new Problem("keys-unavailable", "Service Unavailable", 503, e.getMessage());
        };
        return respond(ctx, problem);
    }

    @ServerExceptionMapper
    public Response tokenNotFound(TokenNotFoundException e, RoutingContext ctx) {
        return respond(ctx, Problems.tokenNotFound());
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, RoutingContext ctx) {
        if (seal.sealed()) {
            // Sealed while this request was in flight: its keys were dropped under it.
            return respond(ctx, Problems.sealed());
        }
        if (ctx.response().ended()) {
            // The edge already answered 503 timed-out for this request (HttpEdge.armDeadline): its
            // late result, a card number included, failed to write and is dropped here.
            LOG.infof("The late answer of a request abandoned at its deadline was discarded (%s)", e.getClass().getSimpleName());
            return respond(ctx, Problems.serviceUnavailable()); // never written: the answer has gone
        }
        if (DatabaseFailures.unavailable(e)) {
            // An outage, not a bug: one line without the stack, and the caller is told to retry.
            LOG.warnf("Database unavailable: %s", DatabaseFailures.summary(e));
            return respond(ctx, Problems.databaseUnavailable());
        }
        LOG.error("Unexpected error", e);
        return respond(ctx, Problems.internalError());
    }

    private static Response respond(RoutingContext ctx, Problem problem) {
        return ProblemResponses.jaxrs(ctx, problem);
    }

    /** The JSON path of a mapping error, only when every segment is a plain field name or index. */
    static String safePath(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!ref.getFieldName().equals(CardDataGuard.quotable(ref.getFieldName()))) {
                    return null;
                }
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.length() == 0 ? null : sb.toString();
    }
}
