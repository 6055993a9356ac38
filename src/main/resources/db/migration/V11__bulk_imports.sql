-- Bulk tokenization (POST /v1/imports): one row per import, keyed by the caller's Idempotency-Key
-- within the tenant, and the line each imported token came from, so that sending the same file
-- again answers every line and creates only the tokens not created before.
CREATE TABLE import_job (
    id               text PRIMARY KEY,
    tenant           text NOT NULL,
    idempotency_key  text NOT NULL,
    created_by       text NOT NULL CHECK (btrim(created_by) <> ''),
    state            text NOT NULL CHECK (state IN ('RUNNING', 'INTERRUPTED', 'COMPLETED')),
    lines_read       bigint NOT NULL DEFAULT 0,
    created          bigint NOT NULL DEFAULT 0,
    existing         bigint NOT NULL DEFAULT 0,
    failed           bigint NOT NULL DEFAULT 0,
    started_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    finished_at      timestamptz,
    UNIQUE (tenant, idempotency_key)
);

ALTER TABLE token
    ADD COLUMN import_id   text,
    ADD COLUMN import_line integer;
CREATE UNIQUE INDEX token_import_line ON token (import_id, import_line) WHERE import_id IS NOT NULL;
