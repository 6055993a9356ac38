package dev.cardvault.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cardvault.crypto.Randomness;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Streams a period of the trail as signed NDJSON ({@link ExportFormat}), a page of events at a
 * time (never the whole period in memory). While streaming, every event's hash is checked under
 * the chain key and recorded in the trailer ({@code contentVerified}); the export is recorded
 * (audit_export, AUDIT_EXPORTED) before the signed trailer is written, so a file without a trailer
 * is an export that did not complete.
 */
@ApplicationScoped
public class AuditExport {

    static final int PAGE = 2000;

    @Inject
    AuditRepository repository;

    @Inject
    AuditKeys keys;

    @Inject
    Audit audit;

    private final class Run {
        final String id = newId();
        final Instant from;
        final Instant to;
        final ExportFormat.Digest digest = new ExportFormat.Digest();
        final ChainCheck check = new ChainCheck(keys, true, Map.of());
        long after;
        long events;

        Run(Instant from, Instant to) {
            this.from = from;
            this.to = to;
        }

        String line(com.fasterxml.jackson.databind.JsonNode n) {
            String line = ExportFormat.line(n);
            digest.add(line);
            return line;
        }
    }

    public Multi<String> export(AuditContext who, Instant from, Instant to) {
        Run run = new Run(from, to);
        Multi<String> header = Multi.createFrom().item(() -> run.line(ExportFormat.header(run.id, from, to)));
        Multi<String> checkpoints = Multi.createFrom().uni(repository.checkpointsCovering(from, to))
                .onItem().transformToIterable(list -> list.stream().map(c -> run.line(ExportFormat.checkpoint(c))).toList());
        Multi<String> events = Multi.createBy().repeating()
                .uni(() -> run, r -> repository.between(r.from, r.to, r.after, PAGE))
                .until(List::isEmpty)
                .onItem().transformToIterable(page -> {
                    run.after = page.get(page.size() - 1).seq();
                    return page.stream().map(e -> {
                        run.check.accept(e);
                        run.events++;
                        return run.line(ExportFormat.event(e));
                    }).toList();
                });
        Multi<String> trailer = Multi.createFrom().uni(Uni.createFrom().deferred(() -> finish(run, who)));
        return Multi.createBy().concatenating().streams(header, checkpoints, events, trailer);
    }

    private Uni<String> finish(Run run, AuditContext who) {
        String digest = run.digest.hex();
        byte[] signature = keys.sign(ExportFormat.signedText(run.id, run.from, run.to, run.events, digest)
                .getBytes(StandardCharsets.UTF_8));
        ChainCheck.Failure problem = run.check.failure();
        return audit.recordAtomically(
                tx -> repository.insertExport(tx, run.id, run.from, run.to, run.events, digest, signature, who.subject()),
                v -> who.event(AuditType.AUDIT_EXPORTED, problem == null ? Outcome.SUCCESS : Outcome.FAILED, null, null)
                        .withDetail("export=" + run.id + " from=" + run.from + " to=" + run.to + " events=" + run.events))
                .map(v -> {
                    ObjectNode n = ExportFormat.JSON.createObjectNode();
                    n.put("record", "trailer").put("exportId", run.id).put("events", run.events).put("digest", digest)
                            .put("keyId", keys.signingKeyId()).put("signature", Base64.getEncoder().encodeToString(signature))
                            .put("contentVerified", problem == null);
                    if (problem != null) {
                        n.put("problem", problem.problem().name()).put("firstInvalidSeq", problem.seq()).put("reason", problem.reason());
                    }
                    return ExportFormat.line(n);
                });
    }

    private static String newId() {
        byte[] b = new byte[10];
        Randomness.secure().nextBytes(b);
        String id = "exp_" + HexFormat.of().formatHex(b);
        // 20 hex characters may hold a Luhn-valid digit run, which nothing may print.
        return dev.cardvault.card.CardShape.containsInIdentifier(id) ? newId() : id;
    }
}
