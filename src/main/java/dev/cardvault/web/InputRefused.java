package dev.cardvault.web;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonMappingException;

/**
 * A request body refused while it was read: card data outside the card number field, or a
 * security-code field. Carries the field and the rule, never the value; its message is fixed so
 * that nothing Jackson would add (paths with map keys) can reach a log.
 */
public final class InputRefused extends JsonMappingException {

    private static final long serialVersionUID = 1L;
    private final String field;
    private final String rule;

    private InputRefused(JsonParser parser, String field, String rule) {
        super(parser, "request body refused");
        this.field = field;
        this.rule = rule;
    }

    static InputRefused cardNumber(JsonParser parser, String field) {
        return new InputRefused(parser, field, "must not contain a card number: card numbers are accepted only in 'pan'");
    }

    static InputRefused nulCharacter(JsonParser parser, String field) {
        return new InputRefused(parser, field, "must not contain NUL characters");
    }

    static InputRefused securityCode(JsonParser parser, String field) {
        return new InputRefused(parser, field,
                "must not be sent: card security codes, PINs and track data are never accepted or stored (PCI DSS 3.3.1)");
    }

    public String field() {
        return field;
    }

    public String rule() {
        return rule;
    }

    @Override
    public String getMessage() {
        return "request body refused: " + field;
    }

    @Override
    public String getLocalizedMessage() {
        return getMessage();
    }

    @Override
    public String toString() {
        return getClass().getName() + ": " + getMessage();
    }
}
