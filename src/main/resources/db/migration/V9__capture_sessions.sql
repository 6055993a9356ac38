-- Capture sessions: an agent desktop's backend opens one; the card is then typed into the vault's
-- own frame (or keyed on the phone) and tokenized into the session's tenant. The client secret is
-- stored only as a SHA-256 hash (it is 256 random bits: no dictionary to guard against).
CREATE TABLE capture_session (
    id              text PRIMARY KEY,
    tenant          text NOT NULL,
    created_by      text NOT NULL CHECK (btrim(created_by) <> ''),
    channel         text NOT NULL CHECK (channel IN ('WEB', 'PHONE')),
    state           text NOT NULL CHECK (state IN ('OPEN', 'SUBMITTING', 'COMPLETED', 'CANCELLED', 'EXPIRED', 'FAILED')),
    allowed_origins text[] NOT NULL,
    format          text NOT NULL,
    deterministic   boolean NOT NULL,
    metadata        jsonb NOT NULL DEFAULT '{}'::jsonb,
    locale          text NOT NULL CHECK (locale IN ('en', 'it')),
    secret_hash     bytea NOT NULL,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    token           text,
    brand           text,
    last4           text CHECK (last4 IS NULL OR last4 ~ '^[0-9]{4}$'),
    exp_month       smallint,
    exp_year        smallint,
    -- Where the token view is POSTed on completion (on the tenant's allow-list), if anywhere.
    callback_url    text,
    -- Phone capture: the fields keyed in order and where the entry stands (the digits themselves
    -- are in capture_entry, below).
    fields          text[] NOT NULL DEFAULT '{pan,expiry}',
    key_seq         bigint NOT NULL DEFAULT 0,
    field_index     integer NOT NULL DEFAULT 0,
    digits_entered  integer NOT NULL DEFAULT 0,
    attempt         integer NOT NULL DEFAULT 1,
    -- The call recorder's control endpoint: paused (confirmed) before the first key press is taken.
    recording_control_url text,
    recording_paused_at   timestamptz,
    CHECK (state <> 'COMPLETED' OR token IS NOT NULL)
);
CREATE INDEX capture_session_open ON capture_session (expires_at) WHERE state IN ('OPEN', 'SUBMITTING');

-- Webhook deliveries of completed sessions: the signed body (a token view, never card data) and
-- its retry schedule. Written in the completion's transaction, delivered by a background job.
CREATE TABLE capture_webhook (
    session_id      text NOT NULL REFERENCES capture_session (id),
    -- 'completed' (the token view, to callback_url) or 'resume' (the recorder, after the session ended).
    kind            text NOT NULL DEFAULT 'completed' CHECK (kind IN ('completed', 'resume')),
    tenant          text NOT NULL,
    url             text NOT NULL,
    body            text NOT NULL,
    state           text NOT NULL CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    delivered_at    timestamptz,
    PRIMARY KEY (session_id, kind)
);
CREATE INDEX capture_webhook_due ON capture_webhook (next_attempt_at) WHERE state = 'PENDING';

-- What the agent sees of a capture, in order: masked progress and the end (never a digit beyond
-- the last four). Server-Sent Events replay from here, so any replica serves any agent.
CREATE TABLE capture_event (
    session_id  text NOT NULL REFERENCES capture_session (id),
    seq         bigint NOT NULL,
    type        text NOT NULL CHECK (type IN ('progress', 'completed', 'failed', 'cancelled', 'expired')),
    data        jsonb NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, seq)
);

-- Tokenizations through a telephony platform's payment connector (Twilio <Pay> Generic Pay
-- Connector), by the platform's transaction id: a retried request gets the token it got before.
CREATE TABLE connector_transaction (
    tenant          text NOT NULL,
    transaction_id  text NOT NULL,
    token           text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, transaction_id)
);

-- The digits keyed so far in a phone capture (a security code included), as AES-256-GCM ciphertext
-- under the tenant's data key. UNLOGGED: never written to the WAL, never replicated, emptied by a
-- crash (the customer keys again); deleted when the session ends.
CREATE UNLOGGED TABLE capture_entry (
    session_id  text PRIMARY KEY,
    entry       bytea NOT NULL
);

-- Security codes collected for one authorisation (PCI DSS 3.3.2: sensitive authentication data,
-- never stored after authorisation): encrypted, UNLOGGED (not in the WAL, backups or standbys),
-- revealed once with the card for PAYMENT_AUTHORIZATION or destroyed at expires_at.
CREATE UNLOGGED TABLE transient_cvc (
    token       text PRIMARY KEY,
    tenant      text NOT NULL,
    ciphertext  bytea NOT NULL,
    expires_at  timestamptz NOT NULL
);
