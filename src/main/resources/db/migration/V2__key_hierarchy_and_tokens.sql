-- Key hierarchy: master key (outside the database) -> KEK versions -> per-tenant data keys.
-- Every wrapped key records the key that wrapped it: master_key_id for KEKs and root keys,
-- kek_version for data keys. Unwrapped keys never touch the database.

CREATE TABLE kek (
    version       integer PRIMARY KEY,
    state         text NOT NULL CHECK (state IN ('ACTIVE', 'DECRYPT_ONLY', 'RETIRED')),
    wrapped_key   bytea,
    master_key_id text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (state = 'RETIRED' OR wrapped_key IS NOT NULL)
);
-- At most one version encrypts new data keys.
CREATE UNIQUE INDEX kek_single_active ON kek ((true)) WHERE state = 'ACTIVE';

-- Root secrets wrapped directly by the master key (the fingerprint root).
CREATE TABLE root_key (
    name          text PRIMARY KEY,
    wrapped_key   bytea NOT NULL,
    master_key_id text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE data_key (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant        text NOT NULL,
    kek_version   integer NOT NULL REFERENCES kek (version),
    wrapped_key   bytea NOT NULL,
    active        boolean NOT NULL,
    -- Encryptions handed out so far, reserved in blocks by each instance; the key is rolled over
    -- when the next block would pass the configured limit (far below 2^32 for random GCM nonces).
    reserved      bigint NOT NULL CHECK (reserved >= 0),
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- One data key per tenant encrypts new cards; concurrent creators meet here.
CREATE UNIQUE INDEX data_key_single_active ON data_key (tenant) WHERE active;
CREATE INDEX data_key_by_kek ON data_key (kek_version);

CREATE TABLE token (
    token          text PRIMARY KEY,
    tenant         text NOT NULL,
    format         text NOT NULL CHECK (format IN ('RANDOM', 'LAST4', 'BIN6_LAST4')),
    deterministic  boolean NOT NULL,
    fingerprint    bytea NOT NULL,
    brand          text NOT NULL,
    bin            text NOT NULL CHECK (bin ~ '^[0-9]{6}$'),
    last4          text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
    exp_month      smallint NOT NULL CHECK (exp_month BETWEEN 1 AND 12),
    exp_year       smallint NOT NULL,
    data_key_id    bigint NOT NULL REFERENCES data_key (id),
    -- version(1) || data key id(8) || nonce(12) || AES-256-GCM(PAN, expiry, name) || tag(16)
    ciphertext     bytea NOT NULL,
    metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz
);
-- Deterministic tokens: one per tenant, format and card; the database settles concurrent requests.
CREATE UNIQUE INDEX token_deterministic ON token (tenant, format, fingerprint) WHERE deterministic;
-- Erasure finds every token of a card through its fingerprint.
CREATE INDEX token_by_fingerprint ON token (tenant, fingerprint);
CREATE INDEX token_by_data_key ON token (data_key_id);
CREATE INDEX token_expiring ON token (expires_at) WHERE expires_at IS NOT NULL;
