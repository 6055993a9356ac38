package dev.cardvault.containment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;

import dev.cardvault.containment.CardStyles.Style;
import dev.cardvault.containment.Op.BodySlot;
import dev.cardvault.containment.Op.Kind;
import dev.cardvault.containment.Op.Param;
import dev.cardvault.containment.RawHttpClient.Header;
import dev.cardvault.containment.Variant.Expect;

/**
 * The requests of the sweep: for each operation a baseline, then a fresh card in each slot, in
 * every style of the slot's family (headers take one style each, rotating through the family).
 */
final class SweepPlan {

    static final String CVV = "739";
    /** Headers the service may log or act on although no operation declares them. */
    private static final Map<String, UnaryOperator<String>> COMMON_HEADERS = new LinkedHashMap<>();

    static {
        COMMON_HEADERS.put("X-Forwarded-For", c -> c);
        COMMON_HEADERS.put("Forwarded", c -> "for=\"" + c + "\"");
        COMMON_HEADERS.put("User-Agent", c -> "sweep " + c);
        COMMON_HEADERS.put("Idempotency-Key", c -> c);
        COMMON_HEADERS.put("Accept-Language", c -> c);
        COMMON_HEADERS.put("Referer", c -> "http://localhost/" + c);
        COMMON_HEADERS.put("X-Correlation-Id", c -> c);
    }

    final List<Variant> variants = new ArrayList<>();
    /** Refuse-only operations with no slot that is sure to be refused before the state changes. */
    final List<Op> skipped = new ArrayList<>();
    private final LeakDetector detector;
    private final JsonBodies bodies;
    private final String bearer;
    private int rotate;

    SweepPlan(OpenApiSlots api, LeakDetector detector, String bearer) {
        this.detector = detector;
        this.bodies = new JsonBodies(api, detector);
        this.bearer = bearer;
    }

    void plan(Op op) {
        if (op.refuseOnly() && op.in("path").isEmpty() && !op.hasBody()) {
            skipped.add(op);
            return;
        }
        if (!op.refuseOnly()) {
            Variant v = add(op, "baseline", null, Expect.BASELINE);
            v.body = bodies.valid(op, v);
        }
        for (Param p : op.in("path")) {
            for (Style s : CardStyles.PATH) {
                Variant v = add(op, "path {" + p.name() + "}", s, Expect.NOT_FOUND);
                v.target = target(op, p.name(), s.apply(fresh(v)), null);
                v.body = op.refuseOnly() ? JsonBodies.empty(op) : bodies.valid(op, v);
            }
        }
        for (Param p : op.in("query")) {
            for (Style s : CardStyles.QUERY) {
                query(op, CardStyles.pct(p.name()), s, "query " + p.name());
            }
        }
        // A query parameter the operation does not declare still reaches the server (and its access log).
        query(op, "pan", next(CardStyles.QUERY), "undeclared query pan");
        planHeaders(op);
        if (op.bodySchema() != null) {
            planBody(op);
        } else if (op.rawBodyType() != null) {
            for (Style s : CardStyles.TEXT) {
                Variant v = add(op, "body (" + op.rawBodyType() + ")", s, Expect.NO_SERVER_ERROR);
                v.body = s.apply(fresh(v));
                v.contentType = op.rawBodyType();
            }
        }
    }

    private void query(Op op, String name, Style s, String slot) {
        Variant v = add(op, slot, s, Expect.NO_SERVER_ERROR);
        v.target = target(op, null, null, name + "=" + s.apply(fresh(v)));
        v.body = JsonBodies.empty(op);
    }

    /** Header variants send {} as a body, so the request cannot create anything. */
    private void planHeaders(Op op) {
        Map<String, UnaryOperator<String>> headers = new LinkedHashMap<>(COMMON_HEADERS);
        op.in("header").forEach(p -> headers.put(p.name(), c -> c));
        op.in("cookie").forEach(p -> headers.put("Cookie", c -> p.name() + "=" + c));
        headers.forEach((name, write) -> {
            Style s = next(CardStyles.HEADER);
            Variant v = add(op, "header " + name, s, Expect.NO_SERVER_ERROR);
            v.headers.add(new Header(name, write.apply(s.apply(fresh(v)))));
            v.body = JsonBodies.empty(op);
        });
        for (int i = 0; i < 3; i++) {
            Style s = next(CardStyles.REQUEST_ID);
            Variant v = add(op, "header X-Request-Id", s, Expect.NEW_REQUEST_ID);
            v.sentRequestId = s.apply(fresh(v));
            v.headers.add(new Header("X-Request-Id", v.sentRequestId));
            v.body = JsonBodies.empty(op);
        }
        Style s = next(CardStyles.HEADER);
        Variant v = add(op, "header Authorization", s, Expect.UNAUTHORIZED);
        v.headers.set(0, new Header("Authorization", "Bearer " + s.apply(fresh(v))));
        v.body = JsonBodies.empty(op);
    }

    private void planBody(Op op) {
        for (BodySlot slot : op.bodySlots()) {
            String where = "body " + slot.field();
            switch (slot.kind()) {
                case STRING -> {
                    // pan takes card numbers: there a styled card must merely stay contained.
                    // Card slots: the number itself, and the key presses of a phone capture.
                    Expect expect = slot.leaf().equals("pan") || slot.leaf().equals("keys") ? Expect.NO_SERVER_ERROR : Expect.REFUSED;
                    for (Style s : CardStyles.JSON) {
                        plantStyled(op, slot, where, s, expect, null);
                    }
                }
                case NUMBER, BOOLEAN -> {
                    Variant n = add(op, where + " as JSON number", null, Expect.WRONG_TYPE);
                    n.body = bodies.planted(op, n, slot, fresh(n), null);
                    Variant str = add(op, where + " as JSON string", null, Expect.WRONG_TYPE);
                    str.body = bodies.planted(op, str, slot, Json.encode(fresh(str)), null);
                }
                case ARRAY_ITEM -> {
                    Expect expect = slot.leaf().equals("tokens") ? Expect.BATCH_ITEM : Expect.NO_SERVER_ERROR;
                    for (Style s : CardStyles.JSON) {
                        plantStyled(op, slot, where + "[1]", s, expect, null).index = 1;
                    }
                }
                case MAP_VALUE, MAP_KEY -> {
                    String part = slot.kind() == Kind.MAP_KEY ? "key" : "value";
                    for (Style s : CardStyles.JSON) {
                        plantStyled(op, slot, where + " " + part, s, Expect.REFUSED, part);
                    }
                    Variant cvv = add(op, where + " key cvv", null, Expect.SECURITY_CODE);
                    cvv.field = slot.field();
                    cvv.body = bodies.planted(op, cvv, slot, Json.encode(CVV), "cvv");
                }
                default -> throw new IllegalStateException(slot.kind().name());
            }
        }
        for (String name : List.of("cvv", "cvc")) {
            Variant v = add(op, "body " + name, null, Expect.SECURITY_CODE);
            v.field = name;
            v.body = Json.encode(bodies.start(op, v).put(name, CVV));
        }
    }

    private Variant plantStyled(Op op, BodySlot slot, String where, Style s, Expect expect, String mapPart) {
        Variant v = add(op, where, s, expect);
        v.field = slot.field();
        v.body = bodies.planted(op, v, slot, s.apply(fresh(v)), mapPart);
        return v;
    }

    /** A new variant with the sweep's bearer token and the plain target (callers replace either as they plant). */
    private Variant add(Op op, String slot, Style style, Expect expect) {
        Variant v = new Variant(op, slot, style == null ? null : style.name(), expect);
        v.headers.add(new Header("Authorization", bearer));
        v.target = target(op, null, null, null);
        variants.add(v);
        return v;
    }

    /** A fresh card planted in {@code v}; the variant id names slot and style. */
    private String fresh(Variant v) {
        String card = CardStyles.freshCard();
        v.cards.add(detector.plant(card, v.id));
        return card;
    }

    private Style next(List<Style> styles) {
        return styles.get(Math.floorMod(rotate++, styles.size()));
    }

    /** The request target: path parameters filled (one planted, the rest unknown tokens), then the query. */
    private static String target(Op op, String planted, String plantedValue, String query) {
        Matcher m = Op.TEMPLATE_VARIABLE.matcher(op.path());
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(m.group(1).equals(planted) ? plantedValue : JsonBodies.unknownToken()));
        }
        m.appendTail(b);
        if (query != null) {
            b.append('?').append(query);
        }
        String t = b.toString();
        if (!t.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            throw new IllegalStateException("request target not percent-encoded: " + op.id());
        }
        return t;
    }
}
