package dev.cardvault.keys;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * A key operation under dual control as stored: a KEK rotation (kind KEK: rewrap every data key)
 * or a re-key of the data (kind DATA: re-encrypt every card record under new data keys, destroy
 * the old ones). For a re-key, total and rewrapped count card records.
 */
public record Rotation(String id, String kind, String state, String reason, String requestedBy, OffsetDateTime requestedAt,
        OffsetDateTime expiresAt, List<String> approvedBy, OffsetDateTime approvedAt, Integer fromVersion, Integer toVersion,
        Long total, long rewrapped, OffsetDateTime completedAt, Long rekeyCutoff) {

    public static final String KEK = "KEK";
    public static final String DATA = "DATA";
    public static final String REKEYING = "REKEYING";

    public static final String PENDING = "PENDING_APPROVAL";
    public static final String REWRAPPING = "REWRAPPING";
    public static final String COMPLETED = "COMPLETED";
    public static final String EXPIRED = "EXPIRED";
}
