package dev.cardvault.privacy;

import java.io.Serializable;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A purpose a controller authorised card collection for (Art. 28(3)(a)), and what such a card may be revealed for. */
@Entity
@Table(name = "controller_purpose")
@IdClass(ControllerPurpose.Key.class)
public class ControllerPurpose extends PanacheEntityBase {

    /** The composite key: tenant and purpose code. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        public String tenant;
        public String code;

        public Key() {
        }

        public Key(String tenant, String code) {
            this.tenant = tenant;
            this.code = code;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(tenant, k.tenant) && Objects.equals(code, k.code);
        }

        @Override
        public int hashCode() {
            return Objects.hash(tenant, code);
        }
    }

    @Id
    @Column(columnDefinition = "text")
    public String tenant;

    @Id
    @Column(columnDefinition = "text")
    public String code;

    @Column(columnDefinition = "text")
    public String description;

    @Column(name = "legal_basis", columnDefinition = "text")
    public String legalBasis;

    /** An ISO-8601 period such as P2Y. */
    @Column(columnDefinition = "text")
    public String retention;

    /** Comma-separated detokenize purposes. */
    @Column(name = "reveal_purposes", columnDefinition = "text")
    public String revealPurposes;

    public boolean active;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    public List<String> revealPurposeList() {
        return revealPurposes == null || revealPurposes.isEmpty() ? List.of() : Arrays.asList(revealPurposes.split(","));
    }
}
