package dev.cardvault.capture;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A capture session as stored: never card data, and the client secret only as its hash. */
public record CaptureSession(String id, String tenant, String createdBy, String channel, String state, List<String> allowedOrigins,
        String format, boolean deterministic, Map<String, String> metadata, String locale, byte[] secretHash, Instant expiresAt,
        Instant createdAt, Instant completedAt, String token, String brand, String last4, Integer expMonth, Integer expYear,
        String callbackUrl, List<String> fields, byte[] entry, Long entryDataKey, long keySeq, String recordingControlUrl,
        Instant recordingPausedAt, String purpose, String consentRef) {

    public static final String OPEN = "OPEN";
    public static final String SUBMITTING = "SUBMITTING";
    public static final String COMPLETED = "COMPLETED";
    public static final String CANCELLED = "CANCELLED";
    public static final String EXPIRED = "EXPIRED";
    public static final String FAILED = "FAILED";

    /** The state as a caller sees it: an open session past its expiry reads EXPIRED. */
    public String stateAt(Instant now) {
        if (SUBMITTING.equals(state)) {
            return OPEN; // a card is being stored: it completes or fails, whatever the clock says
        }
        return OPEN.equals(state) && !now.isBefore(expiresAt) ? EXPIRED : state;
    }

    @Override
    public String toString() {
        return "CaptureSession[" + id + ", " + tenant + ", " + state + "]";
    }
}
