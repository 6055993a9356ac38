package dev.cardvault.privacy;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * The end of a controller's contract (Art. 28(3)(g)): requested by one processor-admin, approved
 * by another, then every card deleted and every key destroyed; the signed receipt is kept.
 */
@Entity
@Table(name = "offboarding")
public class Offboarding extends PanacheEntityBase {

    public static final String PENDING_APPROVAL = "PENDING_APPROVAL";
    public static final String SHREDDING = "SHREDDING";
    public static final String COMPLETED = "COMPLETED";
    public static final String EXPIRED = "EXPIRED";

    @Id
    @Column(columnDefinition = "text")
    public String id;

    @Column(columnDefinition = "text")
    public String tenant;

    @Column(columnDefinition = "text")
    public String state;

    @Column(columnDefinition = "text")
    public String reason;

    @Column(name = "requested_by", columnDefinition = "text")
    public String requestedBy;

    @Column(name = "requested_at")
    public Instant requestedAt;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "approved_by", columnDefinition = "text")
    public String approvedBy;

    @Column(name = "approved_at")
    public Instant approvedAt;

    @Column(name = "tokens_deleted")
    public long tokensDeleted;

    @Column(name = "sessions_deleted")
    public long sessionsDeleted;

    @Column(name = "data_keys")
    public long dataKeys;

    @Column(name = "completed_at")
    public Instant completedAt;

    /** The signed receipt, as answered (JSON), once completed. */
    @Column(columnDefinition = "text")
    public String receipt;
}
