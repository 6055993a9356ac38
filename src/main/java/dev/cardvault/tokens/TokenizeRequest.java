package dev.cardvault.tokens;

import java.util.Map;

import dev.cardvault.card.CardNumberField;
import dev.cardvault.card.CardShape;

/**
 * The body of POST /v1/tokens as received. Fields are plain strings and boxed numbers so that
 * every rule is checked (and reported) by {@link TokenizeCommand}, never by Jackson echoing input.
 * Undeclared fields are dropped on arrival, after the card-data guard of the HTTP edge has checked
 * them (a security-code name anywhere is refused).
 */
public class TokenizeRequest {

    @CardNumberField
    public String pan;
    public Integer expMonth;
    public Integer expYear;
    public String cardholderName;
    public String format;
    public Boolean deterministic;
    public String expiresAt;
    public Map<String, String> metadata;
    /** The controller's purpose this card is collected for (required once the tenant registered one). */
    public String purpose;
    /** The reference of the cardholder's recorded consent, for a purpose whose legal basis is CONSENT. */
    public String consentRef;

    @Override
    public String toString() {
        return "TokenizeRequest[pan=" + CardShape.redact(pan) + ", format=" + format + "]";
    }
}
