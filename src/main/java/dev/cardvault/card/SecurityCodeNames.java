package dev.cardvault.card;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Field names under which integrators send sensitive authentication data (PCI DSS 3.3.1: card
 * security codes, PINs, track data). A body that uses one of them anywhere, nested metadata
 * included, is refused whatever the value: such data is never accepted, so it is never stored.
 */
public final class SecurityCodeNames {

    private static final Set<String> NAMES = Set.of("cvc", "cvc2", "cvv", "cvv2", "cid", "csc", "cav", "cav2", "cvd", "cvn",
            "cvn2", "cvp2", "icvv", "securitycode", "cardsecuritycode", "cardverificationvalue", "cardverificationcode",
            "cardvalidationcode", "cardverificationnumber", "cardcode", "verificationcode", "pin", "pinblock", "track1",
            "track2", "trackdata");

    private SecurityCodeNames() {
    }

    /**
     * The canonical name (lower case, without separators) when {@code fieldName} names sensitive
     * authentication data: {@code CVV2}, {@code security_code} and {@code card-verification-value}
     * all match. The canonical form comes from our list, so it is safe to quote in an error.
     */
    public static Optional<String> match(String fieldName) {
        if (fieldName == null || fieldName.length() > 64) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder(fieldName.length());
        for (int i = 0; i < fieldName.length(); i++) {
            char c = fieldName.charAt(i);
            if (Character.isLetterOrDigit(c)) {
                sb.append(c);
            }
        }
        String normalized = sb.toString().toLowerCase(Locale.ROOT);
        return NAMES.contains(normalized) ? Optional.of(normalized) : Optional.empty();
    }
}
