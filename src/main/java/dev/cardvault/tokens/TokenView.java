package dev.cardvault.tokens;

import java.util.Map;

/**
 * What the API shows of a token: never the PAN, at most BIN and last four (PCI DSS 3.4.1); why it
 * was collected (purpose, legal basis, consent reference: null for a tenant without registered
 * purposes) and whether its processing is restricted (GDPR Art. 18).
 */
public record TokenView(String token, String format, String brand, String bin, String last4, int expMonth, int expYear,
        String fingerprint, String createdAt, String expiresAt, Map<String, String> metadata, String purpose, String legalBasis,
        String consentRef, boolean restricted) {
}
