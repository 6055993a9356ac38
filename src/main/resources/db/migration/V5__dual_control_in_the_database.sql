-- Dual control is enforced by the database too, so no code path can bypass it: a rotation names
-- its requester, every approver is named, and the requester is never among the approvers. A
-- rotation can only be rewrapping or completed once someone approved it.
-- On a database that already holds a rotation breaking these rules the migration fails: such a
-- rotation bypassed dual control and must be investigated, not silently kept.
CREATE FUNCTION key_rotation_all_named(names text[]) RETURNS boolean
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT coalesce(bool_and(n IS NOT NULL AND btrim(n) <> ''), true) FROM unnest(names) AS n $$;

ALTER TABLE key_rotation
    ADD CONSTRAINT key_rotation_requester_named CHECK (btrim(requested_by) <> ''),
    ADD CONSTRAINT key_rotation_approvers_named CHECK (key_rotation_all_named(approved_by)),
    ADD CONSTRAINT key_rotation_requester_not_approver CHECK (NOT (requested_by = ANY (approved_by))),
    ADD CONSTRAINT key_rotation_approved_before_activation
        CHECK (state NOT IN ('REWRAPPING', 'COMPLETED') OR (cardinality(approved_by) >= 1 AND approved_at IS NOT NULL));
