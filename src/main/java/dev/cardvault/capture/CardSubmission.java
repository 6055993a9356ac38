package dev.cardvault.capture;

import dev.cardvault.card.CardNumberField;
import dev.cardvault.card.CardShape;

/** What the frame sends: the card only. Session options (format, metadata) come from the session. */
public class CardSubmission {

    @CardNumberField
    public String pan;
    public Integer expMonth;
    public Integer expYear;
    public String cardholderName;

    @Override
    public String toString() {
        return "CardSubmission[pan=" + CardShape.redact(pan) + "]";
    }
}
