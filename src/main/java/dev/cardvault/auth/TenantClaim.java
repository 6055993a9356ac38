package dev.cardvault.auth;

import java.util.regex.Pattern;

import dev.cardvault.card.CardShape;

/** The {@code tenant} claim rule of the contract; a card-shaped tenant ("4111-1111-...") is not one. */
public final class TenantClaim {

    public static final String NAME = "tenant";
    public static final Pattern PATTERN = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private TenantClaim() {
    }

    public static boolean isValid(Object value) {
        return value instanceof String s && PATTERN.matcher(s).matches() && !CardShape.containsInIdentifier(s);
    }
}
