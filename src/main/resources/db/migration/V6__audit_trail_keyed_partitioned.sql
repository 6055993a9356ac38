-- Audit trail, second form (PCI DSS 10.2, 10.3, 10.5.1):
--  * event hashes are HMAC-SHA-256 under an audit key of the key hierarchy; key_id names it
--    (NULL: an event of the first form, hashed with plain SHA-256, still verifiable);
--  * monthly range partitions, so that retention drops whole months instead of deleting rows;
--  * signed checkpoints of every chain's head, export records, and the anchors that let
--    verification start after retired months.
ALTER TABLE audit_event RENAME TO audit_event_v1;
ALTER INDEX audit_event_by_token RENAME TO audit_event_v1_by_token;
ALTER INDEX audit_event_by_subject RENAME TO audit_event_v1_by_subject;
ALTER INDEX audit_event_by_type RENAME TO audit_event_v1_by_type;

CREATE TABLE audit_event (
    seq         bigint GENERATED ALWAYS AS IDENTITY,
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
    -- Counts and references of administrative events (never card data), e.g. "count=3".
    detail      text,
    key_id      text,
    prev_hash   text NOT NULL,
    hash        text NOT NULL,
    PRIMARY KEY (seq, at)
) PARTITION BY RANGE (at);
CREATE INDEX audit_event_by_chain ON audit_event (chain, chain_seq);
CREATE INDEX audit_event_by_token ON audit_event (token, seq) WHERE token IS NOT NULL;
CREATE INDEX audit_event_by_subject ON audit_event (subject, seq);
CREATE INDEX audit_event_by_type ON audit_event (type, seq);

CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM CURRENT_USER;

-- One partition per calendar month (UTC), created ahead of time by the schema owner: after every
-- migration, and daily by the maintenance job. Returns how many it created.
CREATE FUNCTION audit_ensure_partitions(months_ahead integer, since timestamptz DEFAULT now())
    RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    m       timestamp := date_trunc('month', since AT TIME ZONE 'UTC');
    last    timestamp := date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => months_ahead);
    name    text;
    created integer := 0;
BEGIN
    WHILE m <= last LOOP
        name := 'audit_event_' || to_char(m, 'YYYY_MM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)',
                name, (m AT TIME ZONE 'UTC'), ((m + interval '1 month') AT TIME ZONE 'UTC'));
            EXECUTE format('CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON %I '
                'FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()', name);
            EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', name);
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I FROM CURRENT_USER', name);
            created := created + 1;
        END IF;
        m := m + interval '1 month';
    END LOOP;
    RETURN created;
END
$$;
REVOKE EXECUTE ON FUNCTION audit_ensure_partitions(integer, timestamptz) FROM PUBLIC;

-- Events of the first form move over unchanged (same seq, same hashes).
SELECT audit_ensure_partitions(3, coalesce((SELECT min(at) FROM audit_event_v1), now()));
INSERT INTO audit_event (seq, chain, chain_seq, at, type, subject, tenant, token, purpose, outcome, source_ip,
                         request_id, prev_hash, hash)
    OVERRIDING SYSTEM VALUE
    SELECT seq, chain, chain_seq, at, type, subject, tenant, token, purpose, outcome, source_ip, request_id,
           prev_hash, hash
    FROM audit_event_v1 ORDER BY seq;
SELECT setval(pg_get_serial_sequence('audit_event', 'seq'), coalesce((SELECT max(seq) FROM audit_event), 0) + 1, false);
DROP TABLE audit_event_v1;

-- Signed checkpoints. payload is exactly the UTF-8 text that was signed (Ed25519): the heads of
-- the chains that moved since the previous checkpoint, whose payload digest it names, so the
-- checkpoints form a chain of their own and one signature vouches for every earlier one.
CREATE TABLE audit_checkpoint (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    upto_seq    bigint NOT NULL,
    key_id      text NOT NULL,
    payload     text NOT NULL,
    signature   bytea NOT NULL
);
CREATE TRIGGER audit_checkpoint_no_update_delete BEFORE UPDATE OR DELETE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoint FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoint FROM CURRENT_USER;

-- Every export of the trail: which period, how many events, and the signed digest of the file.
-- A month is retired only once an export covering it is recorded here.
CREATE TABLE audit_export (
    id          text PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    from_at     timestamptz NOT NULL,
    to_at       timestamptz NOT NULL CHECK (to_at > from_at),
    events      bigint NOT NULL,
    digest      text NOT NULL,
    signature   bytea NOT NULL,
    requested_by text NOT NULL
);
CREATE TRIGGER audit_export_no_update_delete BEFORE UPDATE OR DELETE ON audit_export
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_export FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_export FROM CURRENT_USER;

-- Where each chain continues after a retired month: its last event in that month. Verification
-- starts each chain from its newest anchor. Written only by the retirement below (schema owner).
CREATE TABLE audit_anchor (
    chain       text NOT NULL,
    chain_seq   bigint NOT NULL,
    hash        text NOT NULL,
    retired_partition text NOT NULL,
    retired_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chain, chain_seq)
);
CREATE TRIGGER audit_anchor_no_update_delete BEFORE UPDATE OR DELETE ON audit_anchor
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_anchor FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_anchor FROM CURRENT_USER;

-- Drops the monthly partitions that ended more than `retention` ago, oldest first, each only if
-- a recorded export covers the whole month; anchors every chain's last event of the month first.
-- Stops at the first month without an export (nothing younger is dropped before it). Returns the
-- names of the partitions dropped.
CREATE FUNCTION audit_retire_partitions(retention interval)
    RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
    p     record;
BEGIN
    FOR p IN
        SELECT c.relname AS name,
               (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''([^'']+)''\) TO \(''([^'']+)''\)')) AS bounds
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit_event'::regclass
        ORDER BY c.relname
    LOOP
        EXIT WHEN p.bounds[2]::timestamptz > now() - retention;
        IF NOT EXISTS (SELECT 1 FROM audit_export e
                       WHERE e.from_at <= p.bounds[1]::timestamptz AND e.to_at >= p.bounds[2]::timestamptz) THEN
            RAISE NOTICE 'audit partition % is past retention but no export covers it: kept', p.name;
            EXIT;
        END IF;
        EXECUTE format('INSERT INTO audit_anchor (chain, chain_seq, hash, retired_partition) '
            'SELECT DISTINCT ON (chain) chain, chain_seq, hash, %L FROM %I ORDER BY chain, chain_seq DESC '
            'ON CONFLICT DO NOTHING', p.name, p.name);
        EXECUTE format('DROP TABLE %I', p.name);
        RETURN NEXT p.name;
    END LOOP;
END
$$;
REVOKE EXECUTE ON FUNCTION audit_retire_partitions(interval) FROM PUBLIC;
