package dev.cardvault.web;

/** The problems every route can produce, with details a caller can act on. */
public final class Problems {

    private Problems() {
    }

    public static Problem unauthorized() {
        return new Problem("unauthorized", "Unauthorized", 401,
                "A valid bearer token is required: send 'Authorization: Bearer <JWT>' signed with RS256 by the "
                        + "trusted issuer, not expired.");
    }

    public static Problem forbiddenRole() {
        return new Problem("forbidden", "Forbidden", 403,
                "Your token does not carry a role that this operation requires.");
    }

    public static Problem forbiddenTenant() {
        return new Problem("invalid-tenant", "Forbidden", 403,
                "Your token has no valid 'tenant' claim; it must match ^[a-z0-9][a-z0-9-]{0,62}$.");
    }

    public static Problem notFound() {
        return new Problem("not-found", "Not Found", 404, "There is no resource at this path.");
    }

    public static Problem methodNotAllowed() {
        return new Problem("method-not-allowed", "Method Not Allowed", 405,
                "This resource does not support the HTTP method used; the API reference (/q/openapi) lists the methods of each route.");
    }

    public static Problem notAcceptable() {
        return new Problem("not-acceptable", "Not Acceptable", 406,
                "This resource answers with application/json; accept that media type.");
    }

    public static Problem payloadTooLarge(long limitBytes) {
        return new Problem("payload-too-large", "Payload Too Large", 413,
                "The request body is larger than the limit of " + limitBytes + " bytes.");
    }

    public static Problem unsupportedMediaType() {
        return new Problem("unsupported-media-type", "Unsupported Media Type", 415,
                "Send the request body as application/json.");
    }

    public static Problem malformedJson(String where) {
        return new Problem("malformed-json", "Bad Request", 400,
                where == null ? "The request body is not valid JSON or does not have the expected shape."
                        : "The request body is not valid JSON or has a value of the wrong type at '" + where + "'.");
    }

    public static Problem validation(java.util.List<Problem.FieldError> errors) {
        return new Problem("validation-failed", "Unprocessable Content", 422,
                "The request breaks " + (errors.size() == 1 ? "a rule" : errors.size() + " rules") + "; see errors.", null, errors, null);
    }

    public static Problem tokenNotFound() {
        return new Problem("token-not-found", "Not Found", 404,
                "No such token for your tenant: it is unknown, deleted or expired.");
    }

    public static Problem badRequest() {
        return new Problem("bad-request", "Bad Request", 400, "The request is malformed or has no body.");
    }

    public static Problem serviceUnavailable() {
        return new Problem("service-unavailable", "Service Unavailable", 503,
                "The service cannot complete this request right now; retry later.").retryAfter(2);
    }

    public static Problem sealed() {
        return new Problem("sealed", "Service Unavailable", 503,
                "The vault is sealed: key custodians must unseal it (POST /v1/sys/unseal) before it serves requests. "
                        + "GET /v1/sys/seal-status shows the progress.");
    }

    public static Problem shuttingDown() {
        return new Problem("service-unavailable", "Service Unavailable", 503,
                "This instance is shutting down and takes no new requests; retry, another instance will answer.").retryAfter(1);
    }

    public static Problem purposeNotAllowed() {
        return new Problem("purpose-not-allowed", "Forbidden", 403,
                "This purpose is not allowed for revealing this card: your controller's registered purposes say what a card "
                        + "collected for each purpose may be revealed for (GET /v1/controllers/{tenant}), and the vault's "
                        + "configured list bounds them all.");
    }

    public static Problem rateLimited(long retryAfterSeconds) {
        return new Problem("rate-limited", "Too Many Requests", 429,
                "You have reached your limit of revealed cards per minute; retry after " + retryAfterSeconds + " s.")
                .retryAfter(retryAfterSeconds);
    }

    public static Problem tenantRateLimited(long retryAfterSeconds) {
        return new Problem("rate-limited", "Too Many Requests", 429,
                "Your organisation has reached its limit of revealed cards per minute, shared by all callers; retry after "
                        + retryAfterSeconds + " s.").retryAfter(retryAfterSeconds);
    }

    public static Problem databaseUnavailable() {
        return new Problem("database-unavailable", "Service Unavailable", 503,
                "The vault's database cannot be reached right now, so nothing was done; retry shortly.").retryAfter(2);
    }

    public static Problem timedOut(long timeoutMillis) {
        return new Problem("timed-out", "Service Unavailable", 503,
                "The request did not complete within " + (timeoutMillis % 1000 == 0 ? timeoutMillis / 1000 + " s" : timeoutMillis + " ms")
                        + " (the database is slow or unreachable) and was abandoned: nothing was answered for it; retry shortly. "
                        + "A tokenization may still have been stored without being answered: it is never revealed unless its "
                        + "token is presented.").retryAfter(2);
    }

    public static Problem auditUnavailable() {
        return new Problem("audit-unavailable", "Service Unavailable", 503,
                "The audit trail cannot record this operation right now, so it was not carried out; retry later.").retryAfter(2);
    }

    public static Problem internalError() {
        return new Problem("internal-error", "Internal Server Error", 500,
                "An unexpected error occurred. Quote the requestId when reporting it.");
    }

    /** For any other status a framework raises: a generic, input-free problem. */
    public static Problem forStatus(int status, RequestLimits limits) {
        return switch (status) {
            case 400 -> badRequest();
            case 401 -> unauthorized();
            case 403 -> forbiddenRole();
            case 404 -> notFound();
            case 405 -> methodNotAllowed();
            case 406 -> notAcceptable();
            case 413 -> payloadTooLarge(limits.maxBodyBytes());
            case 415 -> unsupportedMediaType();
            case 503 -> serviceUnavailable();
            default -> status >= 500 ? internalError()
                    : new Problem("http-" + status, "HTTP " + status, status, "The request could not be processed.");
        };
    }
}
