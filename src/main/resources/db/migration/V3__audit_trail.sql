-- Audit trail (PCI DSS Req. 10): append-only, hash-chained.
-- Each service instance appends to its own chain (chain, chain_seq), hashing every event with the
-- previous hash of that chain; seq is the global order across chains.
CREATE TABLE audit_event (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chain       text NOT NULL,
    chain_seq   bigint NOT NULL CHECK (chain_seq > 0),
    at          timestamptz NOT NULL,
    type        text NOT NULL,
    subject     text,
    tenant      text,
    token       text,
    purpose     text,
    outcome     text NOT NULL CHECK (outcome IN ('SUCCESS', 'DENIED', 'FAILED')),
    source_ip   text,
    request_id  text,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    UNIQUE (chain, chain_seq)
);
CREATE INDEX audit_event_by_token ON audit_event (token, seq) WHERE token IS NOT NULL;
CREATE INDEX audit_event_by_subject ON audit_event (subject, seq);
CREATE INDEX audit_event_by_type ON audit_event (type, seq);

-- The database itself refuses changes, whoever asks, the table owner included.
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

-- And the privileges say the same: nobody, including the owner running this migration, may
-- UPDATE, DELETE or TRUNCATE; the service only INSERTs and SELECTs.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM CURRENT_USER;
