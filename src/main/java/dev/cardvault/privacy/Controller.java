package dev.cardvault.privacy;

import java.time.Instant;
import java.time.LocalDate;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A controller (GDPR Art. 4(7)) the vault processes card data for: one tenant, under a data processing agreement. */
@Entity
@Table(name = "controller")
public class Controller extends PanacheEntityBase {

    public static final String ACTIVE = "ACTIVE";
    public static final String CLOSED = "CLOSED";

    @Id
    @Column(columnDefinition = "text")
    public String tenant;

    @Column(columnDefinition = "text")
    public String name;

    @Column(name = "dpa_reference", columnDefinition = "text")
    public String dpaReference;

    @Column(name = "dpa_date")
    public LocalDate dpaDate;

    @Column(name = "contact_name", columnDefinition = "text")
    public String contactName;

    @Column(name = "contact_email", columnDefinition = "text")
    public String contactEmail;

    @Column(columnDefinition = "text")
    public String state;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Column(name = "closed_at")
    public Instant closedAt;

    public boolean closed() {
        return CLOSED.equals(state);
    }
}
