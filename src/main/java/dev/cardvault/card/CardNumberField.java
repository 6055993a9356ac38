package dev.cardvault.card;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the request field where a card number belongs ({@code pan}). It is validated as a
 * {@link Pan} and stored only encrypted. Every other text field of a request refuses card-shaped
 * content.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.FIELD, ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.METHOD })
public @interface CardNumberField {
}
