package dev.cardvault.containment;

import java.util.ArrayList;
import java.util.List;

import dev.cardvault.containment.LeakDetector.Planted;
import dev.cardvault.containment.RawHttpClient.Header;
import dev.cardvault.containment.RawHttpClient.Response;

/** One request of the sweep: an operation, the slot and style a card went into, and what must come back. */
final class Variant {

    enum Expect {
        /** The baseline request: 2xx, or 404 where a path names an unknown resource. */
        BASELINE,
        /** A card in a path: 404 problem. */
        NOT_FOUND,
        /** A card in a body field: 422 problem naming the field. */
        REFUSED,
        /** A card as a batch item: 200, that item NOT_FOUND at its index, the value not echoed. */
        BATCH_ITEM,
        /** A card-shaped value where the schema wants a number or boolean: 4xx problem. */
        WRONG_TYPE,
        /** A security code field in a body: 422 problem naming it, the value not echoed. */
        SECURITY_CODE,
        /** A card as X-Request-Id: replaced by a generated id. */
        NEW_REQUEST_ID,
        /** A card as the bearer token: 401. */
        UNAUTHORIZED,
        /** Anywhere else: no server error, no leak. */
        NO_SERVER_ERROR
    }

    final Op op;
    /** The operation and slot, e.g. {@code GET /v1/tokens/{token} path {token}}. */
    final String slot;
    /** The slot and the style the card was written in; never a card digit. */
    final String id;
    final Expect expect;
    final List<Planted> cards = new ArrayList<>();
    final List<Header> headers = new ArrayList<>();
    String target;
    String body;
    String contentType = "application/json";
    /** For REFUSED and SECURITY_CODE: the field the errors must name. */
    String field;
    /** For BATCH_ITEM: the item's index. */
    int index = -1;
    String sentRequestId;
    Response response;

    Variant(Op op, String slot, String style, Expect expect) {
        this.op = op;
        this.slot = op.id() + " " + slot;
        this.id = style == null ? this.slot : this.slot + " [" + style + "]";
        this.expect = expect;
    }
}
