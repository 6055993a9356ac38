package dev.cardvault.tokens;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.cardvault.card.CardShape;
import dev.cardvault.card.ReferenceField;

/** Request bodies of the reveal and privacy routes. */
public final class RevealRequests {

    private RevealRequests() {
    }

    public static class Purpose {
        public String purpose;
    }

    public static class Batch {
        @ReferenceField
        public List<String> tokens;
        public String purpose;
    }

    /** A revealed card in a batch, at its position in the request. Prints masked. */
    public record Revealed(int index, String token, String pan, int expMonth, int expYear, String cardholderName) {
        static Revealed of(int index, RevealView card) {
            return new Revealed(index, card.token(), card.pan(), card.expMonth(), card.expYear(), card.cardholderName());
        }

        @Override
        public String toString() {
            return "Revealed[index=" + index + ", token=" + token + ", pan=" + CardShape.redact(pan) + "]";
        }
    }

    /**
     * A batch item not revealed: NOT_FOUND (unknown, other tenant, deleted, expired, or not a
     * token at all), RESTRICTED (GDPR Art. 18) or PURPOSE_NOT_ALLOWED (by the purpose the card was
     * collected for). The value is echoed only when it is a well-formed token: a card number sent
     * by mistake never comes back.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NotFound(int index, String token, String error) {
        public static NotFound of(int index, String wellFormedTokenOrNull, String error) {
            return new NotFound(index, wellFormedTokenOrNull, error);
        }
    }

    public record BatchResult(List<Object> results) {
    }
}
