-- Re-keying the data and rotating the master key (dual control, like a KEK rotation, and sharing
-- its one-open-at-a-time rule), and crypto-shredding: a data key whose records were deleted is emptied (its remaining records
-- re-encrypted under a new key) and then destroyed, so that the deleted records' ciphertext,
-- wherever a copy survives, has no key.

ALTER TABLE key_rotation
    ADD COLUMN kind text NOT NULL DEFAULT 'KEK' CHECK (kind IN ('KEK', 'DATA', 'MASTER')),
    -- For a re-key: every data key up to this id is emptied and destroyed.
    ADD COLUMN rekey_cutoff bigint,
    -- For a master key rotation: the new master key, in force once the rotation completes.
    ADD COLUMN next_master_key_id text;
ALTER TABLE key_rotation DROP CONSTRAINT key_rotation_state_check;
ALTER TABLE key_rotation ADD CONSTRAINT key_rotation_state_check
    CHECK (state IN ('PENDING_APPROVAL', 'REWRAPPING', 'REKEYING', 'AWAITING_SHARES', 'COMPLETED', 'EXPIRED'));
ALTER TABLE key_rotation DROP CONSTRAINT key_rotation_approved_before_activation;
ALTER TABLE key_rotation ADD CONSTRAINT key_rotation_approved_before_activation
    CHECK (state NOT IN ('REWRAPPING', 'REKEYING', 'AWAITING_SHARES', 'COMPLETED')
           OR (cardinality(approved_by) >= 1 AND approved_at IS NOT NULL));
ALTER TABLE key_rotation ADD CONSTRAINT key_rotation_kind_matches_state
    CHECK (state NOT IN ('REWRAPPING', 'REKEYING', 'AWAITING_SHARES')
           OR (kind, state) IN (('KEK', 'REWRAPPING'), ('DATA', 'REKEYING'), ('MASTER', 'AWAITING_SHARES')));
DROP INDEX key_rotation_single_open;
CREATE UNIQUE INDEX key_rotation_single_open ON key_rotation ((true))
    WHERE state IN ('PENDING_APPROVAL', 'REWRAPPING', 'REKEYING', 'AWAITING_SHARES');

-- A master key rotation from custodian shares writes every KEK and root key wrapped by the new
-- master key here first; they replace the current ones only once custodians have shown, with
-- their new shares, that the new key can be rebuilt. Until then the old master key stays in force.
ALTER TABLE kek ADD COLUMN next_wrapped_key bytea;
ALTER TABLE root_key ADD COLUMN next_wrapped_key bytea;

ALTER TABLE data_key
    -- When the key stopped encrypting new records; it is destroyed only a grace period later, so
    -- that no replica still holding it in memory writes a record under a destroyed key.
    ADD COLUMN retired_at timestamptz,
    -- The first deletion of a record under this key since the key was last emptied.
    ADD COLUMN shred_requested_at timestamptz;
UPDATE data_key SET retired_at = now() WHERE NOT active;

CREATE FUNCTION data_key_retired() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.retired_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER data_key_retired BEFORE UPDATE OF active ON data_key
    FOR EACH ROW WHEN (OLD.active AND NOT NEW.active) EXECUTE FUNCTION data_key_retired();

-- Every way a record is deleted (delete, erasure, retention, off-boarding) schedules its key's
-- shredding: one statement-level trigger, so no code path can forget it.
CREATE FUNCTION token_deleted_shred() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_key SET shred_requested_at = now()
    WHERE shred_requested_at IS NULL AND id IN (SELECT DISTINCT data_key_id FROM gone);
    RETURN NULL;
END
$$;
CREATE TRIGGER token_deleted_shred AFTER DELETE ON token
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION token_deleted_shred();

CREATE INDEX data_key_shred_due ON data_key (shred_requested_at) WHERE shred_requested_at IS NOT NULL;
