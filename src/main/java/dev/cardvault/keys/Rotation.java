package dev.cardvault.keys;

import java.time.OffsetDateTime;
import java.util.List;

/** A key rotation as stored. */
public record Rotation(String id, String state, String reason, String requestedBy, OffsetDateTime requestedAt,
        OffsetDateTime expiresAt, List<String> approvedBy, OffsetDateTime approvedAt, Integer fromVersion, Integer toVersion,
        Long total, long rewrapped, OffsetDateTime completedAt) {

    public static final String PENDING = "PENDING_APPROVAL";
    public static final String REWRAPPING = "REWRAPPING";
    public static final String COMPLETED = "COMPLETED";
    public static final String EXPIRED = "EXPIRED";
}
