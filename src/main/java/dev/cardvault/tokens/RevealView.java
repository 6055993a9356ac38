package dev.cardvault.tokens;

/** A revealed card, for the detokenizer that asked for it. Prints masked. */
public record RevealView(String token, String pan, int expMonth, int expYear, String cardholderName) {

    @Override
    public String toString() {
        return "RevealView[token=" + token + ", pan=" + dev.cardvault.card.CardShape.redact(pan) + "]";
    }
}
