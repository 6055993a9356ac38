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
        Long total, long rewrapped, OffsetDateTime completedAt, Long rekeyCutoff, String nextMasterKeyId, List<String> newShares) {

    public static final String KEK = "KEK";
    public static final String DATA = "DATA";
    public static final String REKEYING = "REKEYING";
    public static final String MASTER = "MASTER";
    public static final String AWAITING_SHARES = "AWAITING_SHARES";

    /** The rotation with the new master key's shares, answered once to the approver and never stored. */
    public Rotation withShares(List<String> shares) {
        return new Rotation(id, kind, state, reason, requestedBy, requestedAt, expiresAt, approvedBy, approvedAt, fromVersion,
                toVersion, total, rewrapped, completedAt, rekeyCutoff, nextMasterKeyId, shares);
    }

    @Override
    public String toString() {
        return "Rotation[" + id + ", " + kind + ", " + state + (newShares == null ? "" : ", shares redacted") + "]";
    }

    public static final String PENDING = "PENDING_APPROVAL";
    public static final String REWRAPPING = "REWRAPPING";
    public static final String COMPLETED = "COMPLETED";
    public static final String EXPIRED = "EXPIRED";
}
