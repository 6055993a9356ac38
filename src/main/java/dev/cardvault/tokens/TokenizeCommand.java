package dev.cardvault.tokens;

import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.cardvault.errors.InvalidRequest;
import dev.cardvault.card.CardholderName;
import dev.cardvault.card.Expiry;
import dev.cardvault.card.Pan;
import dev.cardvault.card.CardShape;
import dev.cardvault.card.SecurityCodeNames;
import dev.cardvault.errors.Violation;

/** A tokenize request that passed every rule of the contract. */
public record TokenizeCommand(Pan pan, Expiry expiry, String cardholderName, TokenFormat format, boolean deterministic,
        Instant expiresAt, Map<String, String> metadata, String purpose, String consentRef, String legalBasis) {

    /** A purpose code: what the registry accepts, and all that is ever echoed or audited of one. */
    public static final java.util.regex.Pattern PURPOSE_CODE = java.util.regex.Pattern.compile("[A-Z][A-Z0-9_]{0,39}");
    static final int MAX_CONSENT_REF_LENGTH = 128;

    static final int MAX_METADATA_ENTRIES = 20;
    static final int MAX_METADATA_LENGTH = 256;

    /**
     * Checks every field and reports all broken rules at once.
     *
     * @throws InvalidRequest listing fields and rules, never values
     */
    public static TokenizeCommand validate(TokenizeRequest r, Clock clock) {
        List<Violation> v = new ArrayList<>();
        Pan pan = collect(v, () -> Pan.parse(r.pan));
        Expiry expiry = collect(v, () -> Expiry.of(r.expMonth, r.expYear, YearMonth.now(clock.withZone(ZoneOffset.UTC))));
        String name = collect(v, () -> CardholderName.validate(r.cardholderName));
        TokenFormat format = TokenFormat.RANDOM;
        if (r.format != null) {
            try {
                format = TokenFormat.valueOf(r.format);
            } catch (IllegalArgumentException e) {
                v.add(new Violation("format", "must be one of RANDOM, LAST4, BIN6_LAST4"));
            }
        }
        if (pan != null) {
            TokenFormat f = format;
            collect(v, () -> {
                TokenGenerator.checkFormatFits(f, pan);
                return null;
            });
        }
        Instant expiresAt = null;
        if (r.expiresAt != null) {
            try {
                expiresAt = Instant.parse(r.expiresAt);
                if (!expiresAt.isAfter(clock.instant())) {
                    v.add(new Violation("expiresAt", "must be in the future"));
                }
            } catch (DateTimeParseException e) {
                v.add(new Violation("expiresAt", "must be an ISO-8601 UTC instant such as 2027-06-30T00:00:00Z"));
            }
        }
        Map<String, String> metadata = r.metadata == null ? Map.of() : r.metadata;
        checkMetadata(metadata, v);
        v.addAll(purposeViolations(r.purpose, r.consentRef));
        if (!v.isEmpty()) {
            throw new InvalidRequest(v);
        }
        return new TokenizeCommand(pan, expiry, name, format, Boolean.TRUE.equals(r.deterministic), expiresAt, Map.copyOf(metadata),
                r.purpose, r.consentRef, null);
    }

    /** The form of a purpose code and a consent reference (whether the tenant has them is {@link PurposeBinding}'s). */
    public static List<Violation> purposeViolations(String purpose, String consentRef) {
        List<Violation> v = new ArrayList<>();
        if (purpose != null && !PURPOSE_CODE.matcher(purpose).matches()) {
            v.add(new Violation("purpose", "must be a purpose code: capital letters, digits and underscores, such as RECURRING_BILLING"));
        }
        if (consentRef != null && (consentRef.isBlank() || consentRef.length() > MAX_CONSENT_REF_LENGTH
                || consentRef.chars().anyMatch(Character::isISOControl))) {
            v.add(new Violation("consentRef", "must be 1 to " + MAX_CONSENT_REF_LENGTH + " characters without control characters"));
        } else if (consentRef != null && CardShape.contains(consentRef)) {
            v.add(new Violation("consentRef", "must not hold card data (it looks like a card number)"));
        }
        return v;
    }

    /** This command bound to its purpose's legal basis, with the expiry it will be stored with. */
    TokenizeCommand bound(String basis, Instant expires) {
        return new TokenizeCommand(pan, expiry, cardholderName, format, deterministic, expires, metadata, purpose, consentRef, basis);
    }

    /**
     * The rules for what a tokenization stores besides the card (format, metadata), for a request
     * that fixes them before the card arrives (a capture session).
     */
    public static List<Violation> optionViolations(String format, Map<String, String> metadata) {
        List<Violation> v = new ArrayList<>();
        if (format != null) {
            try {
                TokenFormat.valueOf(format);
            } catch (IllegalArgumentException e) {
                v.add(new Violation("format", "must be one of RANDOM, LAST4, BIN6_LAST4"));
            }
        }
        checkMetadata(metadata == null ? Map.of() : metadata, v);
        return v;
    }

    private static void checkMetadata(Map<String, String> metadata, List<Violation> v) {
        if (metadata.size() > MAX_METADATA_ENTRIES) {
            v.add(new Violation("metadata", "must have at most " + MAX_METADATA_ENTRIES + " entries"));
            return;
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().length() > MAX_METADATA_LENGTH) {
                v.add(new Violation("metadata", "keys must be 1 to " + MAX_METADATA_LENGTH + " characters"));
                return;
            }
            if (e.getValue() == null || e.getValue().length() > MAX_METADATA_LENGTH) {
                v.add(new Violation("metadata", "values must be strings of at most " + MAX_METADATA_LENGTH + " characters"));
                return;
            }
            if (e.getKey().chars().anyMatch(Character::isISOControl) || e.getValue().chars().anyMatch(Character::isISOControl)) {
                v.add(new Violation("metadata", "must not contain control characters"));
                return;
            }
            if (SecurityCodeNames.match(e.getKey()).isPresent()) {
                v.add(new Violation("metadata", "must not hold card security codes, PINs or track data"));
                return;
            }
            if (CardShape.contains(e.getKey()) || CardShape.contains(e.getValue())) {
                v.add(new Violation("metadata", "must not hold card data (a value looks like a card number)"));
                return;
            }
        }
    }

    private interface Check<T> {
        T get();
    }

    private static <T> T collect(List<Violation> v, Check<T> check) {
        try {
            return check.get();
        } catch (InvalidRequest e) {
            v.addAll(e.violations());
            return null;
        }
    }

    @Override
    public String toString() {
        return "TokenizeCommand[pan=" + pan + ", format=" + format + ", deterministic=" + deterministic + ", purpose=" + purpose + "]";
    }
}
