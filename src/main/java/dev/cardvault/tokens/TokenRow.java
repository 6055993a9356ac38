package dev.cardvault.tokens;

import java.time.Instant;
import java.util.Base64;
import java.util.Map;

/**
 * One row of the token table: what is written for a new token and what is read back. The card
 * itself is only in {@code ciphertext}; {@code fingerprint} is the raw HMAC.
 */
public record TokenRow(String token, String tenant, TokenFormat format, boolean deterministic, byte[] fingerprint,
        String brand, String bin, String last4, int expMonth, int expYear, long dataKeyId, byte[] ciphertext,
        Map<String, String> metadata, Instant expiresAt, Instant createdAt, String purpose, String legalBasis, String consentRef,
        boolean restricted) {

    /** What the API shows of this row: never the card, at most BIN and last four. */
    public TokenView view() {
        return new TokenView(token, format.name(), brand, bin, last4, expMonth, expYear,
                Base64.getUrlEncoder().withoutPadding().encodeToString(fingerprint), createdAt.toString(),
                expiresAt == null ? null : expiresAt.toString(), metadata, purpose, legalBasis, consentRef, restricted);
    }

    @Override
    public String toString() {
        return "TokenRow[token=" + token + ", tenant=" + tenant + ", format=" + format + "]";
    }
}
