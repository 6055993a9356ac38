-- Key rotation under dual control: a request, approvals by other custodians, then a background
-- rewrap of every data key under the new KEK version.
CREATE TABLE key_rotation (
    id            text PRIMARY KEY,
    state         text NOT NULL CHECK (state IN ('PENDING_APPROVAL', 'REWRAPPING', 'COMPLETED', 'EXPIRED')),
    reason        text NOT NULL,
    requested_by  text NOT NULL,
    requested_at  timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    approved_by   text[] NOT NULL DEFAULT '{}',
    approved_at   timestamptz,
    from_version  integer,
    to_version    integer,
    total         bigint,
    rewrapped     bigint NOT NULL DEFAULT 0,
    completed_at  timestamptz
);
-- One rotation at a time: a second request while one is open is refused (409).
CREATE UNIQUE INDEX key_rotation_single_open ON key_rotation ((true)) WHERE state IN ('PENDING_APPROVAL', 'REWRAPPING');
