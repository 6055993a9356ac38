package dev.cardvault.containment;

import static dev.cardvault.containment.LeakDetector.safe;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.cardvault.containment.RawHttpClient.Response;

/** How the service must answer each variant; findings quote server text only with its digits blanked. */
final class Contract {

    private Contract() {
    }

    /** What is wrong with the answer to {@code v}; empty when it is as the contract says. */
    static List<String> violations(Variant v) {
        List<String> wrong = new ArrayList<>();
        if (v.op.fixture()) {
            return wrong; // a test fixture (its /boom fails on purpose): checked for leaks only
        }
        Response r = v.response;
        int status = r.status();
        String type = r.header("Content-Type");
        if (status == 0) {
            wrong.add("no answer");
        } else if (status >= 500) {
            wrong.add("server error " + status + problemType(r));
        } else if (status >= 400 && (type == null || !type.startsWith("application/problem+json"))) {
            wrong.add(status + " without application/problem+json (Content-Type " + safe(type) + ")");
        }
        if (v.op.refuseOnly() && status >= 200 && status < 300) {
            wrong.add("ACCEPTED with " + status + ": this operation changes platform state and must have refused");
        }
        JsonNode json = Json.parse(r.body());
        switch (v.expect) {
            case BASELINE -> {
                boolean unknownPathOk = !v.op.in("path").isEmpty() && status == 404;
                if (!(status >= 200 && status < 300) && !unknownPathOk) {
                    wrong.add("baseline not accepted: " + status + problemType(r) + fieldsOf(json)
                            + " (every variant of this operation is then in doubt)");
                }
            }
            case NOT_FOUND -> {
                if (status != 404) {
                    wrong.add("expected 404, got " + status + problemType(r));
                }
            }
            case REFUSED -> expect422(wrong, r, json, v.field, List.of(v.field));
            case BATCH_ITEM -> batchItem(wrong, r, json, v.index);
            case WRONG_TYPE -> {
                if (status < 400 || status >= 500) {
                    wrong.add("expected 4xx for a card-shaped value of the wrong type, got " + status);
                }
            }
            case SECURITY_CODE -> {
                expect422(wrong, r, json, v.field, List.of(v.field, "cvc", "cvv"));
                JsonNode withoutId = json == null ? null : json.deepCopy();
                if (withoutId instanceof ObjectNode o) {
                    o.remove("requestId");
                }
                if ((withoutId != null ? Json.encode(withoutId) : r.body()).contains(SweepPlan.CVV)) {
                    wrong.add("the security code value is echoed");
                }
            }
            case NEW_REQUEST_ID -> {
                String id = r.header("X-Request-Id");
                if (id == null || id.isEmpty()) {
                    wrong.add("no X-Request-Id in the answer");
                } else if (id.equals(v.sentRequestId)) {
                    wrong.add("card-shaped X-Request-Id honoured (not replaced)");
                }
            }
            case UNAUTHORIZED -> {
                if (status != 401) {
                    wrong.add("expected 401, got " + status);
                }
            }
            case NO_SERVER_ERROR -> {
            }
            default -> throw new IllegalStateException(v.expect.name());
        }
        return wrong;
    }

    /** A 422 whose errors name {@code field}, or one of {@code accepted}. */
    private static void expect422(List<String> wrong, Response r, JsonNode json, String field, List<String> accepted) {
        if (r.status() != 422) {
            wrong.add("expected 422 naming " + field + ", got " + r.status() + problemType(r) + fieldsOf(json));
        } else if (accepted.stream().noneMatch(f -> namesField(json, f))) {
            wrong.add("422 does not name " + field + ":" + fieldsOf(json));
        }
    }

    /** 200 with results[index]: error NOT_FOUND, the index, and no token echoing the item. */
    private static void batchItem(List<String> wrong, Response r, JsonNode json, int index) {
        JsonNode item = json == null ? null : json.path("results").get(index);
        String at = "results[" + index + "]";
        if (r.status() != 200 || item == null) {
            wrong.add("expected 200 with " + at + ", got " + r.status() + problemType(r));
            return;
        }
        if (!"NOT_FOUND".equals(item.path("error").asText(null))) {
            wrong.add(at + ".error is " + safe(String.valueOf(item.get("error"))));
        }
        if (!item.path("index").isInt() || item.get("index").asInt() != index) {
            wrong.add(at + ".index is " + safe(String.valueOf(item.get("index"))));
        }
        if (item.hasNonNull("token")) {
            wrong.add(at + " echoes the item as token");
        }
    }

    private static String problemType(Response r) {
        JsonNode json = Json.parse(r.body());
        return json != null && json.path("type").isTextual() ? " (" + safe(json.get("type").asText().replaceFirst(".*/", "")) + ")" : "";
    }

    private static String fieldsOf(JsonNode json) {
        List<String> fields = new ArrayList<>();
        if (json != null) {
            json.path("errors").forEach(e -> fields.add(safe(e.path("field").asText("null"))));
        }
        return fields.isEmpty() ? "" : " errors" + fields;
    }

    /** An errors[] entry names the field itself, or a path inside it (metadata.orderRef...). */
    private static boolean namesField(JsonNode json, String field) {
        if (json == null) {
            return false;
        }
        String leaf = field.replaceFirst(".*\\.", "");
        for (JsonNode e : json.path("errors")) {
            String f = e.path("field").isTextual() ? e.get("field").asText() : null;
            if (f != null && (f.equals(field) || f.equals(leaf) || f.startsWith(field + ".") || f.startsWith(field + "["))) {
                return true;
            }
        }
        return false;
    }
}
