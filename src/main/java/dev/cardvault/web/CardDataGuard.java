package dev.cardvault.web;

import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.deser.ContextualKeyDeserializer;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;

import dev.cardvault.card.CardNumberField;
import dev.cardvault.card.CardShape;
import dev.cardvault.card.ReferenceField;
import dev.cardvault.card.SecurityCodeNames;
import io.quarkus.jackson.ObjectMapperCustomizer;

/**
 * Keeps card data out of every request body, for every endpoint, as the body is read:
 * <ul>
 * <li>every string value refuses card-shaped content (422 naming the field), except in fields
 * marked {@link CardNumberField} (validated as a card) or {@link ReferenceField} (the endpoint
 * answers a card-shaped item as not found);</li>
 * <li>map keys refuse card-shaped content and security-code names;</li>
 * <li>fields the request type does not declare are dropped, but first checked the same way,
 * nested content included: a security-code name anywhere in a body refuses the request.</li>
 * </ul>
 * A new endpoint gets all of this by declaring its body as a type; nothing to remember.
 *
 * <p>The guard applies to the properties of typed objects only. The same object mapper also
 * decodes untyped JSON ({@code JsonObject}, jsonb columns, revealed cards in a client), where
 * a string has no property and is read as is.
 */
@Singleton
public class CardDataGuard implements ObjectMapperCustomizer {

    /** Only such names are quoted back in an error; anything else is called "body". */
    private static final Pattern QUOTABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,40}");

    @Override
    public void customize(ObjectMapper mapper) {
        SimpleModule module = new SimpleModule("cardvault-card-data-guard");
        module.addDeserializer(String.class, GuardedString.UNGUARDED);
        module.addKeyDeserializer(String.class, GuardedKey.UNGUARDED);
        mapper.registerModule(module);
        mapper.addHandler(new UndeclaredFields());
    }

    static boolean hasNul(String value) {
        return value != null && value.indexOf('\u0000') >= 0;
    }

    static String quotable(String name) {
        return name != null && QUOTABLE.matcher(name).matches() && !CardShape.contains(name) ? name : "body";
    }

    static final class GuardedString extends StdDeserializer<String> implements ContextualDeserializer {
        private static final long serialVersionUID = 1L;
        static final GuardedString UNGUARDED = new GuardedString("body", true);
        private final String field;
        private final boolean exempt;

        GuardedString(String field, boolean exempt) {
            super(String.class);
            this.field = field;
            this.exempt = exempt;
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String value = StringDeserializer.instance.deserialize(p, ctxt);
            if (!exempt && CardShape.contains(value)) {
                throw InputRefused.cardNumber(p, field);
            }
            if (!exempt && hasNul(value)) {
                // PostgreSQL text and jsonb cannot hold NUL: stored, it would fail a whole shared commit.
                throw InputRefused.nulCharacter(p, field);
            }
            return value;
        }

        @Override
        public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
            if (property == null) {
                return this;
            }
            boolean exempt = property.getAnnotation(CardNumberField.class) != null
                    || property.getAnnotation(ReferenceField.class) != null;
            return new GuardedString(quotable(property.getName()), exempt);
        }
    }

    static final class GuardedKey extends KeyDeserializer implements ContextualKeyDeserializer {
        static final GuardedKey UNGUARDED = new GuardedKey(null);
        private final String field; // null: not a property of a typed object

        GuardedKey(String field) {
            this.field = field;
        }

        @Override
        public Object deserializeKey(String key, DeserializationContext ctxt) throws IOException {
            if (field == null) {
                return key;
            }
            Optional<String> securityCode = SecurityCodeNames.match(key);
            if (securityCode.isPresent()) {
                throw InputRefused.securityCode(ctxt.getParser(), field + "." + securityCode.get());
            }
            if (CardShape.contains(key)) {
                throw InputRefused.cardNumber(ctxt.getParser(), field);
            }
            if (hasNul(key)) {
                throw InputRefused.nulCharacter(ctxt.getParser(), field);
            }
            return key;
        }

        @Override
        public KeyDeserializer createContextual(DeserializationContext ctxt, BeanProperty property) {
            return property == null ? this : new GuardedKey(quotable(property.getName()));
        }
    }

    /** Fields the request type does not declare: checked, nested content included, then dropped. */
    static final class UndeclaredFields extends DeserializationProblemHandler {

        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
                Object beanOrClass, String propertyName) throws IOException {
            Optional<String> securityCode = SecurityCodeNames.match(propertyName);
            if (securityCode.isPresent()) {
                throw InputRefused.securityCode(p, securityCode.get());
            }
            String field = quotable(propertyName);
            if (CardShape.contains(propertyName)) {
                throw InputRefused.cardNumber(p, field);
            }
            inspect(p, ctxt.readTree(p), field);
            return true;
        }

        private static void inspect(JsonParser p, JsonNode node, String field) throws IOException {
            if (node == null) {
                return;
            }
            if (node.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    Optional<String> securityCode = SecurityCodeNames.match(e.getKey());
                    if (securityCode.isPresent()) {
                        throw InputRefused.securityCode(p, securityCode.get());
                    }
                    if (CardShape.contains(e.getKey())) {
                        throw InputRefused.cardNumber(p, field);
                    }
                    inspect(p, e.getValue(), field);
                }
            } else if (node.isArray()) {
                for (JsonNode item : node) {
                    inspect(p, item, field);
                }
            } else if ((node.isTextual() || node.isNumber()) && CardShape.contains(node.asText())) {
                throw InputRefused.cardNumber(p, field);
            }
        }
    }
}
