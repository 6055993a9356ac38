package dev.cardvault.privacy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.cardvault.crypto.Sha256;
import dev.cardvault.keys.MasterKey;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The record of processing activities a processor keeps for each controller (GDPR Art. 30(2)):
 * built on request from the registry, the audit trail (who received cards: the subjects that
 * revealed them) and the vault's running configuration (security measures, Art. 32), never typed
 * in by hand.
 */
@ApplicationScoped
public class ProcessingRecords {

    static final String STYLE = "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#111}"
            + "table{border-collapse:collapse;width:100%;margin:1em 0}th,td{border:1px solid #999;padding:.3em .5em;"
            + "text-align:left;vertical-align:top}th{background:#eee}@media print{body{margin:0}}";
    /** The page is static: no script, no outside resource, only its own style sheet (by hash). */
    static final String CSP = "default-src 'none'; style-src 'sha256-"
            + java.util.Base64.getEncoder().encodeToString(Sha256.of(STYLE.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
            + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    @Inject
    ControllerRegistry registry;

    @Inject
    Pool pool;

    @Inject
    MasterKey masterKey;

    @ConfigProperty(name = "cardvault.privacy.processor.name")
    String processorName;

    @ConfigProperty(name = "cardvault.privacy.processor.contact")
    String processorContact;

    @ConfigProperty(name = "cardvault.master-key.source", defaultValue = "file")
    String keySource;

    @ConfigProperty(name = "cardvault.audit.retention", defaultValue = "P13M")
    String auditRetention;

    @ConfigProperty(name = "cardvault.keys.data-key-max-encryptions")
    long dataKeyMaxEncryptions;

    @ConfigProperty(name = "cardvault.keys.rotation.approvals-required", defaultValue = "1")
    int approvalsRequired;

    @ConfigProperty(name = "mp.jwt.verify.publickey.algorithm", defaultValue = "RS256")
    String jwtAlgorithm;

    @ConfigProperty(name = "cardvault.detokenize.rate-limit-per-minute", defaultValue = "600")
    int revealRateLimit;

    @ConfigProperty(name = "cardvault.erasure.shred-within", defaultValue = "24h")
    String shredWithin;

    public Uni<Map<String, Object>> build(String tenant) {
        return registry.find(tenant).flatMap(c -> registry.purposes(tenant).flatMap(purposes -> recipients(tenant)
                .flatMap(recipients -> measures().map(measures -> {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("generatedAt", Instant.now().toString());
                    r.put("processor", Map.of("name", processorName, "contact", processorContact));
                    Map<String, Object> controller = new LinkedHashMap<>();
                    controller.put("tenant", c.tenant);
                    controller.put("name", c.name);
                    controller.put("dpaReference", c.dpaReference);
                    controller.put("dpaDate", c.dpaDate.toString());
                    controller.put("contact", new RegistryRequests.ContactView(c.contactName, c.contactEmail));
                    controller.put("state", c.state);
                    r.put("controller", controller);
                    r.put("categoriesOfDataSubjects", List.of("Payment card holders who pay the controller through its contact centre"));
                    r.put("categoriesOfPersonalData", List.of(
                            "Payment card number (PAN): stored encrypted, shown at most as BIN and last four",
                            "Card expiry date", "Cardholder name (when given)",
                            "Card security code: only when a phone capture collects it, encrypted, destroyed at the "
                                    + "authorisation or within minutes, never stored after it (PCI DSS 3.3.1)",
                            "Purpose, legal basis and consent reference of each collection"));
                    List<Map<String, Object>> ps = new ArrayList<>();
                    for (ControllerPurpose p : purposes) {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("code", p.code);
                        m.put("description", p.description);
                        m.put("legalBasis", p.legalBasis);
                        m.put("retention", p.retention);
                        m.put("revealPurposes", p.revealPurposeList());
                        m.put("active", p.active);
                        ps.add(m);
                    }
                    r.put("purposes", ps);
                    r.put("recipients", recipients);
                    r.put("transfersToThirdCountries", "None by the vault: card data leaves it only to the recipients listed, "
                            + "over the API, within the processor's systems");
                    r.put("securityMeasures", measures);
                    return r;
                }))));
    }

    /** Who revealed this controller's cards, how often and when last: from the audit trail. */
    private Uni<List<Map<String, Object>>> recipients(String tenant) {
        return pool.preparedQuery("SELECT subject, count(*) AS reveals, min(at) AS first_at, max(at) AS last_at FROM audit_event "
                + "WHERE type = 'DETOKENIZED' AND outcome = 'SUCCESS' AND tenant = $1 GROUP BY subject ORDER BY subject")
                .execute(Tuple.of(tenant)).map(rows -> {
                    List<Map<String, Object>> out = new ArrayList<>();
                    rows.forEach(row -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("subject", row.getString("subject"));
                        m.put("reveals", row.getLong("reveals"));
                        m.put("firstAt", row.getOffsetDateTime("first_at").toInstant().toString());
                        m.put("lastAt", row.getOffsetDateTime("last_at").toInstant().toString());
                        out.add(m);
                    });
                    return out;
                });
    }

    /** Art. 32 measures as the vault runs now: key source, algorithms, current key and rotation dates. */
    private Uni<Map<String, Object>> measures() {
        return pool.query("SELECT (SELECT version FROM kek WHERE state = 'ACTIVE') AS kek_version, "
                + "(SELECT created_at FROM kek WHERE state = 'ACTIVE') AS kek_created, "
                + "(SELECT max(completed_at) FROM key_rotation WHERE kind = 'KEK' AND state = 'COMPLETED') AS kek_rotated, "
                + "(SELECT max(completed_at) FROM key_rotation WHERE kind = 'MASTER' AND state = 'COMPLETED') AS master_rotated, "
                + "(SELECT max(completed_at) FROM key_rotation WHERE kind = 'DATA' AND state = 'COMPLETED') AS rekeyed")
                .execute().map(rows -> {
                    var row = rows.iterator().next();
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("masterKey", Map.of("source", keySource, "description", masterKey.describe()));
                    m.put("encryption", "AES-256-GCM, random 96-bit nonce, the token and tenant as associated data; data keys "
                            + "encrypt at most " + dataKeyMaxEncryptions + " records each, wrapped by versioned key-encrypting keys");
                    m.put("fingerprints", "HMAC-SHA-256 under a per-tenant key separate from the encryption keys");
                    m.put("activeKekVersion", row.getInteger("kek_version"));
                    m.put("activeKekCreatedAt", instant(row.getOffsetDateTime("kek_created")));
                    m.put("lastKekRotation", instant(row.getOffsetDateTime("kek_rotated")));
                    m.put("lastMasterKeyRotation", instant(row.getOffsetDateTime("master_rotated")));
                    m.put("lastDataRekey", instant(row.getOffsetDateTime("rekeyed")));
                    m.put("keyRotationApprovals", approvalsRequired + " key custodian(s) other than the requester");
                    m.put("erasure", "deleted records' data keys are destroyed within " + shredWithin + " (crypto-shredding)");
                    m.put("accessControl", "JWT (" + jwtAlgorithm + ") roles per operation, tenant isolation; reveals need a "
                            + "purpose the controller allows, at most " + revealRateLimit + " per minute per subject");
                    m.put("auditTrail", "every access to card data recorded before it is answered; HMAC-SHA-256 hash chain, "
                            + "Ed25519-signed checkpoints, append-only in the database, kept " + auditRetention);
                    return m;
                });
    }

    private static String instant(java.time.OffsetDateTime t) {
        return t == null ? null : t.toInstant().toString();
    }

    /** The record as a printable page: every value escaped, no script. */
    @SuppressWarnings("unchecked")
    static String html(Map<String, Object> r) {
        Map<String, Object> c = (Map<String, Object>) r.get("controller");
        Map<String, Object> p = (Map<String, Object>) r.get("processor");
        StringBuilder h = new StringBuilder(4096);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Record of processing: ")
                .append(esc(c.get("name"))).append("</title><style>").append(STYLE).append("</style></head><body>");
        h.append("<h1>Record of processing activities</h1><p>GDPR Art. 30(2), kept by the processor for the controller below. "
                + "Generated ").append(esc(r.get("generatedAt"))).append(" from the vault's registry, audit trail and configuration.</p>");
        h.append("<h2>Processor</h2>").append(table(List.of(List.of("Name", p.get("name")), List.of("Contact", p.get("contact")))));
        RegistryRequests.ContactView contact = (RegistryRequests.ContactView) c.get("contact");
        h.append("<h2>Controller</h2>").append(table(List.of(List.of("Name", c.get("name")), List.of("Tenant", c.get("tenant")),
                List.of("Data processing agreement", c.get("dpaReference") + " of " + c.get("dpaDate")),
                List.of("Contact", (contact.name() == null ? "" : contact.name() + ", ") + contact.email()), List.of("State", c.get("state")))));
        h.append("<h2>Categories of data subjects</h2>").append(list((List<Object>) r.get("categoriesOfDataSubjects")));
        h.append("<h2>Categories of personal data</h2>").append(list((List<Object>) r.get("categoriesOfPersonalData")));
        h.append("<h2>Purposes of the processing</h2><table><tr><th>Code</th><th>Description</th><th>Legal basis</th><th>Retention</th>"
                + "<th>May be revealed for</th><th>Active</th></tr>");
        for (Map<String, Object> ps : (List<Map<String, Object>>) r.get("purposes")) {
            h.append("<tr><td>").append(esc(ps.get("code"))).append("</td><td>").append(esc(ps.get("description"))).append("</td><td>")
                    .append(esc(ps.get("legalBasis"))).append("</td><td>").append(esc(ps.get("retention"))).append("</td><td>")
                    .append(esc(String.join(", ", (List<String>) ps.get("revealPurposes")))).append("</td><td>")
                    .append(Boolean.TRUE.equals(ps.get("active")) ? "yes" : "no").append("</td></tr>");
        }
        h.append("</table><h2>Recipients</h2><p>Subjects that revealed cards of this controller, from the audit trail.</p>"
                + "<table><tr><th>Subject</th><th>Reveals</th><th>First</th><th>Last</th></tr>");
        for (Map<String, Object> rc : (List<Map<String, Object>>) r.get("recipients")) {
            h.append("<tr><td>").append(esc(rc.get("subject"))).append("</td><td>").append(esc(rc.get("reveals"))).append("</td><td>")
                    .append(esc(rc.get("firstAt"))).append("</td><td>").append(esc(rc.get("lastAt"))).append("</td></tr>");
        }
        h.append("</table><h2>Transfers to third countries</h2><p>").append(esc(r.get("transfersToThirdCountries"))).append("</p>");
        List<List<Object>> measures = new ArrayList<>();
        ((Map<String, Object>) r.get("securityMeasures")).forEach((k, v) -> measures.add(List.of(k, v == null ? "none yet" : v)));
        h.append("<h2>Security measures (Art. 32)</h2>").append(table(measures)).append("</body></html>");
        return h.toString();
    }

    private static String table(List<List<Object>> rows) {
        StringBuilder t = new StringBuilder("<table>");
        for (List<Object> row : rows) {
            t.append("<tr><th>").append(esc(row.get(0))).append("</th><td>").append(esc(row.get(1))).append("</td></tr>");
        }
        return t.append("</table>").toString();
    }

    private static String list(List<Object> items) {
        StringBuilder t = new StringBuilder("<ul>");
        items.forEach(i -> t.append("<li>").append(esc(i)).append("</li>"));
        return t.append("</ul>").toString();
    }

    static String esc(Object value) {
        String s = String.valueOf(value);
        StringBuilder out = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(ch);
            }
        }
        return out.toString();
    }
}
