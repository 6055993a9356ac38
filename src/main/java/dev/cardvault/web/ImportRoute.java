package dev.cardvault.web;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

import dev.cardvault.audit.AuditContext;
import dev.cardvault.auth.Caller;
import dev.cardvault.auth.Roles;
import dev.cardvault.auth.TenantClaim;
import dev.cardvault.tokens.CollectionRefused;
import dev.cardvault.tokens.ImportRefused;
import dev.cardvault.tokens.Imports;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * POST /v1/imports: an NDJSON stream of tokenize requests in, an NDJSON stream of answers out, as
 * it goes. Read line by line with back-pressure (the request is paused while a batch is stored),
 * never buffered whole; a Vert.x route because Quarkus REST reads a body before it calls a method.
 * The rules, encryption and audit are {@link Imports}'.
 */
@ApplicationScoped
public class ImportRoute {

    private static final Logger LOG = Logger.getLogger(ImportRoute.class);
    static final String PATH = "/v1/imports";
    public static final String MEDIA_TYPE = "application/x-ndjson";
    public static final String KEY_HEADER = "Idempotency-Key";

    @Inject
    Imports imports;

    @Inject
    RequestAudit requestAudit;

    @Inject
    RequestLimits limits;

    static boolean isImport(RoutingContext ctx) {
        return ctx.request().method() == HttpMethod.POST && PATH.equals(ctx.normalizedPath());
    }

    void install(@Observes Router router) {
        router.post(PATH).order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        request.pause(); // nothing is read until the caller is known
        QuarkusHttpUser.getSecurityIdentity(ctx, null).subscribe().with(identity -> start(ctx, identity), failure -> {
            requestAudit.denied(ctx, null);
            ProblemResponses.write(ctx, Problems.unauthorized());
        });
    }

    private void start(RoutingContext ctx, SecurityIdentity identity) {
        String subject = Caller.subjectOf(identity);
        if (subject == null) {
            requestAudit.denied(ctx, identity);
            ProblemResponses.write(ctx, Problems.unauthorized());
            return;
        }
        Object tenant = identity.getPrincipal() instanceof JsonWebToken jwt ? jwt.getClaim(TenantClaim.NAME) : null;
        if (!TenantClaim.isValid(tenant)) {
            requestAudit.denied(ctx, identity);
            ProblemResponses.write(ctx, Problems.forbiddenTenant());
            return;
        }
        if (!identity.hasRole(Roles.TOKENIZER)) {
            requestAudit.denied(ctx, identity);
            ProblemResponses.write(ctx, Problems.forbiddenRole());
            return;
        }
        String type = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (type == null || !type.split(";")[0].trim().equalsIgnoreCase(MEDIA_TYPE)) {
            ProblemResponses.write(ctx, new Problem("unsupported-media-type", "Unsupported Media Type", 415,
                    "Send the cards as " + MEDIA_TYPE + ": one tokenize request (a JSON object) a line."));
            return;
        }
        String key = ctx.request().getHeader(KEY_HEADER);
        if (!Imports.acceptableKey(key)) {
            ProblemResponses.write(ctx, Problems.validation(List.of(new Problem.FieldError(KEY_HEADER,
                    "is required: 1 to 128 of A-Z, a-z, 0-9 . _ : - naming this file; send the file again with the same key to resume"))));
            return;
        }
        Caller caller = new Caller(subject, (String) tenant, identity.getRoles());
        AuditContext audited = RequestAudit.of(subject, caller.tenant(), ctx);
        io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
        imports.begin(caller, audited, key).emitOn(task -> context.runOnContext(x -> task.run())).subscribe()
                .with(job -> new Run(ctx, caller, audited, job).go(), failure -> {
            if (failure instanceof ImportRefused) {
                ProblemResponses.write(ctx, new Problem("import-running", "Conflict", 409, failure.getMessage()));
            } else if (failure instanceof CollectionRefused refused) {
                ProblemResponses.write(ctx, new Problem(refused.reason() == CollectionRefused.Reason.NOT_REGISTERED
                        ? "controller-not-registered" : "controller-closed", "Forbidden", 403, refused.getMessage()));
            } else {
                LOG.error("Import could not start", failure);
                ProblemResponses.write(ctx, Problems.serviceUnavailable());
            }
        });
    }

    /** One import on one connection: lines in, the next batch prepared while one is stored, answers out in order. */
    private final class Run {
        final RoutingContext ctx;
        final Caller caller;
        final AuditContext audited;
        final Imports.Job job;
        final HttpServerResponse response;
        /** Every callback comes back to the connection's event loop: the response is written from there only. */
        final java.util.concurrent.Executor here;
        final List<Imports.Line> pending = new ArrayList<>();
        final java.util.ArrayDeque<io.smallrye.mutiny.Uni<Imports.Prepared>> queue = new java.util.ArrayDeque<>();
        boolean committing;
        long lines;
        long bytes;
        boolean ended;
        boolean failed;
        RecordParser parser;

        Run(RoutingContext ctx, Caller caller, AuditContext audited, Imports.Job job) {
            this.ctx = ctx;
            this.caller = caller;
            this.audited = audited;
            this.job = job;
            this.response = ctx.response();
            io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
            this.here = task -> context.runOnContext(x -> task.run());
        }

        void go() {
            response.setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, MEDIA_TYPE)
                    .putHeader("Cache-Control", "no-store").putHeader("Location", PATH + "/" + job.id())
                    .putHeader("CardVault-Import-Id", job.id());
            response.closeHandler(v -> interrupted());
            parser = RecordParser.newDelimited("\n", ctx.request()).maxRecordSize(Imports.MAX_LINE_BYTES);
            parser.handler(this::line).endHandler(v -> {
                ended = true;
                if (!pending.isEmpty()) {
                    enqueue();
                } else {
                    next();
                }
            }).exceptionHandler(this::broken);
            ctx.request().resume();
        }

        void line(Buffer raw) {
            bytes += raw.length() + 1;
            lines++;
            if (lines > Imports.MAX_LINES || bytes > limits.maxImportBytes()) {
                broken(new IllegalStateException("too large"));
                return;
            }
            Buffer b = raw.length() > 0 && raw.getByte(raw.length() - 1) == '\r' ? raw.getBuffer(0, raw.length() - 1) : raw;
            if (b.length() == 0) {
                return; // a blank line gets no answer, but keeps its number: answers name the file's own lines
            }
            pending.add(new Imports.Line(lines, b.copy()));
            if (pending.size() >= Imports.BATCH_LINES) {
                enqueue();
            }
        }

        /**
         * Starts preparing the lines read so far (parse, validate, encrypt) while the batch before
         * them is being stored; reading pauses while two batches are in hand.
         */
        void enqueue() {
            if (failed) {
                return;
            }
            List<Imports.Line> batch = new ArrayList<>(pending);
            pending.clear();
            io.smallrye.mutiny.Uni<Imports.Prepared> prepared = imports.prepare(job, batch).memoize().indefinitely();
            prepared.subscribe().with(x -> { }, x -> { }); // start now; the commit below takes the result
            queue.add(prepared);
            if (queue.size() + (committing ? 1 : 0) >= 2) {
                parser.pause();
            }
            next();
        }

        /** Stores the oldest prepared batch, one at a time, and writes its answers. */
        void next() {
            if (committing || failed) {
                return;
            }
            io.smallrye.mutiny.Uni<Imports.Prepared> prepared = queue.poll();
            if (prepared == null) {
                if (ended) {
                    finish();
                }
                return;
            }
            committing = true;
            prepared.flatMap(p -> imports.commit(job, audited, p)).emitOn(here).subscribe().with(answers -> {
                committing = false;
                if (response.closed()) {
                    return;
                }
                StringBuilder out = new StringBuilder(answers.size() * 80);
                answers.forEach(a -> out.append(a).append('\n'));
                response.write(out.toString());
                if (!ended && queue.size() < 2) {
                    parser.resume();
                }
                next();
            }, failure -> {
                committing = false;
                LOG.errorf(failure, "Import %s stopped: a batch could not be stored", job.id());
                abort("{\"error\":\"service-unavailable\",\"message\":\"A batch could not be stored; nothing of it was kept. "
                        + "Send the file again with the same Idempotency-Key to resume.\"}");
            });
        }

        void finish() {
            if (failed) {
                return;
            }
            failed = true; // finished: nothing more is read or written
            imports.finish(job, audited, true).emitOn(here).subscribe().with(p -> {
                response.end("{\"summary\":{\"import\":\"" + p.id() + "\",\"lines\":" + p.linesRead() + ",\"created\":" + p.created()
                        + ",\"existing\":" + p.existing() + ",\"failed\":" + p.failed() + "}}\n");
            }, failure -> response.end("{\"error\":\"service-unavailable\",\"message\":\"The import's end could not be recorded; "
                    + "send the file again with the same Idempotency-Key.\"}\n"));
        }

        void broken(Throwable e) {
            String message = e instanceof IllegalStateException && "too large".equals(e.getMessage())
                    ? "The import is over its limits (" + Imports.MAX_LINES + " lines, " + limits.maxImportBytes() + " bytes); split the file."
                    : "A line is longer than " + Imports.MAX_LINE_BYTES + " bytes, or the stream broke; nothing after the last answered line was kept.";
            abort("{\"error\":\"import-aborted\",\"message\":\"" + message + "\"}");
        }

        void abort(String lastLine) {
            if (failed) {
                return;
            }
            failed = true;
            parser.pause();
            imports.finish(job, audited, false).emitOn(here).subscribe().with(p -> endWith(lastLine), x -> endWith(lastLine));
        }

        void endWith(String lastLine) {
            if (!response.ended() && !response.closed()) {
                response.end(lastLine + "\n");
                ctx.request().connection().close();
            }
        }

        void interrupted() {
            if (!failed && !response.ended()) {
                failed = true;
                imports.finish(job, audited, false).subscribe().with(p -> { }, x -> { });
            }
        }
    }
}
