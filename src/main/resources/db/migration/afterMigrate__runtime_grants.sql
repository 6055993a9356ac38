-- Flyway callback, run after every migrate (no version: it is not recorded and may change freely).
-- The schema owner runs the migrations; the service connects as the runtime role ${runtime_role},
-- which owns nothing and holds exactly the privileges below, so it can neither rewrite the audit
-- trail nor switch off its triggers, re-grant itself or drop a table. Run again on every start, it
-- also takes back whatever else the runtime role was granted meanwhile.
-- Identity columns (data_key.id, audit_event.seq) need no sequence privilege for INSERT; a serial
-- column's sequence needs USAGE, granted with INSERT on its table.

-- Nobody but the owner creates objects in public (PostgreSQL 15+ already starts that way).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;

DO $grants$
DECLARE
    runtime  name := '${runtime_role}';
    rel      record;
    grant_   record;
    serial   record;
BEGIN
    IF runtime = current_user THEN
        -- A developer's own database with one role for everything: nothing to separate.
        RAISE NOTICE 'runtime role % is the migration role: no runtime grants', runtime;
        RETURN;
    END IF;

    -- Start from nothing on everything the owner owns in public, then grant the list.
    EXECUTE format('REVOKE ALL ON SCHEMA public FROM %I', runtime);
    FOR rel IN
        SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
          AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
    LOOP
        EXECUTE format('REVOKE ALL ON %s %s FROM %I',
                       CASE rel.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, rel.name, runtime);
    END LOOP;

    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', runtime);
    -- Tables of later migrations are granted once they exist.
    FOR grant_ IN
        SELECT * FROM (VALUES
            ('kek',                   'SELECT, INSERT, UPDATE, DELETE'),
            ('data_key',              'SELECT, INSERT, UPDATE, DELETE'),
            ('token',                 'SELECT, INSERT, UPDATE, DELETE'),
            ('key_rotation',          'SELECT, INSERT, UPDATE, DELETE'),
            ('root_key',              'SELECT, INSERT, UPDATE (wrapped_key, master_key_id, next_wrapped_key)'),
            ('audit_event',           'SELECT, INSERT'),
            ('audit_checkpoint',      'SELECT, INSERT'),
            ('audit_export',          'SELECT, INSERT'),
            ('audit_anchor',          'SELECT'),
            ('audit_held',            'SELECT, INSERT, DELETE'),
            ('seal_config',           'SELECT, INSERT, UPDATE (master_key_id)'),
            ('capture_session',       'SELECT, INSERT, UPDATE, DELETE'),
            ('capture_webhook',       'SELECT, INSERT, UPDATE, DELETE'),
            ('capture_event',         'SELECT, INSERT, DELETE'),
            ('connector_transaction', 'SELECT, INSERT, DELETE'),
            ('capture_entry',         'SELECT, INSERT, UPDATE, DELETE'),
            ('transient_cvc',         'SELECT, INSERT, UPDATE, DELETE'),
            ('controller',            'SELECT, INSERT, UPDATE'),
            ('controller_purpose',    'SELECT, INSERT, UPDATE'),
            ('offboarding',           'SELECT, INSERT, UPDATE'),
            ('import_job',            'SELECT, INSERT, UPDATE, DELETE'),
            ('reveal_allowance',      'SELECT, INSERT, UPDATE, DELETE'),
            ('flyway_schema_history', 'SELECT')
        ) AS g (tbl, privileges)
    LOOP
        IF to_regclass(format('public.%I', grant_.tbl)) IS NOT NULL THEN
            EXECUTE format('GRANT %s ON TABLE public.%I TO %I', grant_.privileges, grant_.tbl, runtime);
            IF grant_.privileges LIKE '%INSERT%' THEN
                -- Serial sequences only (deptype 'a'); identity sequences are 'i' and need nothing.
                FOR serial IN
                    SELECT d.objid::regclass AS name FROM pg_depend d JOIN pg_class s ON s.oid = d.objid
                    WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
                      AND d.refobjid = to_regclass(format('public.%I', grant_.tbl)) AND d.deptype = 'a' AND s.relkind = 'S'
                LOOP
                    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO %I', serial.name, runtime);
                END LOOP;
            END IF;
        END IF;
    END LOOP;
END
$grants$;

-- Partition maintenance is the owner's job (a scheduled job), never the service's.
DO $functions$
DECLARE
    runtime name := '${runtime_role}';
    fn      text;
BEGIN
    FOREACH fn IN ARRAY ARRAY['public.audit_ensure_partitions(integer, timestamptz)', 'public.audit_retire_partitions(interval)'] LOOP
        IF to_regprocedure(fn) IS NOT NULL THEN
            EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', to_regprocedure(fn));
            IF runtime <> current_user THEN
                EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %I', to_regprocedure(fn), runtime);
            END IF;
        END IF;
    END LOOP;
END
$functions$;
