package dev.cardvault.audit;

/** What happened. Every access to card data and every administrative action has a type. */
public enum AuditType {
    TOKEN_CREATED, DETOKENIZED, TOKEN_DELETED, CARD_ERASED,
    KEY_ROTATION_REQUESTED, KEY_ROTATION_APPROVED, KEY_ROTATION_COMPLETED,
    ACCESS_DENIED, AUDIT_READ
}
