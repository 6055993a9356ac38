-- The GDPR processor toolkit: the controllers (tenants) the vault processes card data for, the
-- purposes each one authorised, the purpose a token was collected for, restriction of processing
-- (Art. 18) and the end-of-contract off-boarding (Art. 28(3)(g)), under dual control.

CREATE TABLE controller (
    tenant          text PRIMARY KEY CHECK (tenant ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name            text NOT NULL CHECK (btrim(name) <> ''),
    dpa_reference   text NOT NULL CHECK (btrim(dpa_reference) <> ''),
    dpa_date        date NOT NULL,
    contact_name    text,
    contact_email   text NOT NULL,
    state           text NOT NULL DEFAULT 'ACTIVE' CHECK (state IN ('ACTIVE', 'CLOSED')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz,
    CHECK ((state = 'CLOSED') = (closed_at IS NOT NULL))
);

-- A purpose the controller authorised for collecting cards, and what a card collected for it may
-- be revealed for (a comma-separated list of detokenize purposes).
CREATE TABLE controller_purpose (
    tenant          text NOT NULL REFERENCES controller (tenant),
    code            text NOT NULL CHECK (code ~ '^[A-Z][A-Z0-9_]{0,39}$'),
    description     text NOT NULL CHECK (btrim(description) <> ''),
    legal_basis     text NOT NULL CHECK (legal_basis IN ('CONTRACT', 'CONSENT', 'LEGAL_OBLIGATION', 'LEGITIMATE_INTEREST')),
    retention       text NOT NULL CHECK (retention ~ '^P'),
    reveal_purposes text NOT NULL CHECK (reveal_purposes ~ '^([A-Z][A-Z0-9_]*(,[A-Z][A-Z0-9_]*)*)?$'),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, code)
);

-- Why a token was collected. Null for tokens collected before their tenant registered a purpose.
ALTER TABLE token
    ADD COLUMN purpose     text,
    ADD COLUMN legal_basis text,
    ADD COLUMN consent_ref text,
    ADD COLUMN restricted  boolean NOT NULL DEFAULT false;
CREATE INDEX token_by_tenant ON token (tenant);

ALTER TABLE capture_session
    ADD COLUMN purpose     text,
    ADD COLUMN consent_ref text;

-- End of contract: requested by one processor-admin, approved by another (the database refuses
-- a self-approval as it does for key rotations), then every token deleted and every data key of
-- the tenant destroyed; the signed receipt is kept here.
CREATE TABLE offboarding (
    id                  text PRIMARY KEY,
    tenant              text NOT NULL REFERENCES controller (tenant),
    state               text NOT NULL CHECK (state IN ('PENDING_APPROVAL', 'SHREDDING', 'COMPLETED', 'EXPIRED')),
    reason              text NOT NULL,
    requested_by        text NOT NULL CHECK (btrim(requested_by) <> ''),
    requested_at        timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,
    approved_by         text,
    approved_at         timestamptz,
    tokens_deleted      bigint NOT NULL DEFAULT 0,
    sessions_deleted    bigint NOT NULL DEFAULT 0,
    data_keys           bigint NOT NULL DEFAULT 0,
    completed_at        timestamptz,
    receipt             text,
    CHECK (approved_by IS NULL OR approved_by <> requested_by),
    CHECK ((state IN ('SHREDDING', 'COMPLETED')) = (approved_by IS NOT NULL)),
    CHECK ((state = 'COMPLETED') = (receipt IS NOT NULL))
);
CREATE UNIQUE INDEX offboarding_one_open ON offboarding (tenant) WHERE state IN ('PENDING_APPROVAL', 'SHREDDING');
