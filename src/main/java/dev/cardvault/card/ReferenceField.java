package dev.cardvault.card;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a request field that refers to something the vault issued (token values in a batch).
 * A card-shaped value there is not refused as a whole request: the endpoint answers that item
 * as not found, without storing, echoing or logging it.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.FIELD, ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.METHOD })
public @interface ReferenceField {
}
