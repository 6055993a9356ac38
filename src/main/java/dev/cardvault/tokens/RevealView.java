package dev.cardvault.tokens;

/** A revealed card, for the detokenizer that asked for it. Prints masked. */
public record RevealView(String token, String pan, int expMonth, int expYear, String cardholderName,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL) String cvc) {

    public RevealView(String token, String pan, int expMonth, int expYear, String cardholderName) {
        this(token, pan, expMonth, expYear, cardholderName, null);
    }

    /** With the security code, revealed once for an authorisation. */
    public RevealView withCvc(String code) {
        return new RevealView(token, pan, expMonth, expYear, cardholderName, code);
    }

    @Override
    public String toString() {
        return "RevealView[token=" + token + ", pan=" + dev.cardvault.card.CardShape.redact(pan) + (cvc == null ? "" : ", cvc=***") + "]";
    }
}
