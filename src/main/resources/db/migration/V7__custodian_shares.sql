-- Master key from custodian shares (cardvault.master-key.source=shares). The key itself and its
-- shares never reach the database: only how it is split and a check value (its id, an HMAC of a
-- key derived from it) that tells whether shares given at unseal rebuilt the right key.
CREATE TABLE seal_config (
    single          boolean PRIMARY KEY DEFAULT true CHECK (single),
    master_key_id   text NOT NULL,
    shares          integer NOT NULL CHECK (shares BETWEEN 2 AND 16),
    threshold       integer NOT NULL CHECK (threshold BETWEEN 2 AND shares),
    initialized_by  text NOT NULL CHECK (btrim(initialized_by) <> ''),
    initialized_at  timestamptz NOT NULL DEFAULT now()
);

-- Audit events that happen while the service is sealed, when the audit trail's keys (wrapped by
-- the master key) are not available to chain them: held here and moved into the chain, with the
-- time they happened, by the first instance that is unsealed.
CREATE TABLE audit_held (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    type        text NOT NULL,
    subject     text NOT NULL,
    tenant      text,
    token       text,
    purpose     text,
    outcome     text NOT NULL,
    source_ip   text,
    request_id  text,
    detail      text
);
