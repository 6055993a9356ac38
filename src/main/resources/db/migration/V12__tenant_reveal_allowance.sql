-- The tenant-wide reveal limit, shared by every replica: the card numbers taken in each minute
-- (UTC, fixed windows) per tenant. Replicas take allowance in small blocks (one row update per
-- block, not per reveal); last_grant is what the latest update gave, read back in the same
-- statement. Counts only: no token, no subject.
CREATE TABLE reveal_allowance (
    tenant        text NOT NULL,
    window_start  timestamptz NOT NULL,
    taken         integer NOT NULL CHECK (taken >= 0),
    last_grant    integer NOT NULL CHECK (last_grant >= 0),
    PRIMARY KEY (tenant, window_start)
);
