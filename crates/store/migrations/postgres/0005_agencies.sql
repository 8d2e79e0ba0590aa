-- tepat schema 5 (PostgreSQL): partner agencies of the DCI Social Registry API (docs/agency-api.md).
-- The SQLite twin is ../sqlite/0005_agencies.sql. No personal data in these tables.

-- One row per agency: its DCI sender id, public keys (JWKS), region scope and permissions.
CREATE TABLE agency (
    id             UUID NOT NULL PRIMARY KEY,            -- UUIDv7: the actor in the audit log
    sender_id      TEXT NOT NULL,
    name           TEXT NOT NULL,
    jwks           TEXT NOT NULL,
    scope_region   TEXT COLLATE "C" REFERENCES region (code),        -- NULL: every region
    may_search     BOOLEAN NOT NULL,
    may_subscribe  BOOLEAN NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX agency_sender ON agency (sender_id);

-- Message ids seen, kept at least as long as a signature may live: a repeat is refused.
CREATE TABLE agency_message (
    sender_id   TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    keep_until  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (sender_id, message_id)
);

CREATE INDEX agency_message_keep ON agency_message (keep_until);

CREATE TABLE agency_subscription (
    id           UUID NOT NULL PRIMARY KEY,
    agency_id    UUID NOT NULL REFERENCES agency (id),
    code         TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    region       TEXT COLLATE "C" REFERENCES region (code),          -- NULL: every region
    sender_uri   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    ended_at     TIMESTAMPTZ
);

CREATE UNIQUE INDEX agency_subscription_code ON agency_subscription (code);
CREATE INDEX agency_subscription_agency ON agency_subscription (agency_id);

-- Where the change feed (approved registry requests) has been read up to: one row.
CREATE TABLE agency_feed (
    name        TEXT NOT NULL PRIMARY KEY,
    after_at    TIMESTAMPTZ NOT NULL,
    after_id    UUID NOT NULL
);

-- Notifications to deliver, with their attempts: survives restarts.
CREATE TABLE agency_outbox (
    id               UUID NOT NULL PRIMARY KEY,
    agency_id        UUID NOT NULL REFERENCES agency (id),
    subscription_id  UUID NOT NULL REFERENCES agency_subscription (id),
    message_id       TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    household_id     UUID NOT NULL,
    village_code     TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    delivered_at     TIMESTAMPTZ
);

CREATE INDEX agency_outbox_due ON agency_outbox (state, next_attempt_at);
CREATE INDEX agency_outbox_agency ON agency_outbox (agency_id, created_at);

-- Transactions agencies sent, for txn/status.
CREATE TABLE agency_transaction (
    agency_id       UUID NOT NULL REFERENCES agency (id),
    transaction_id  TEXT NOT NULL,
    action          TEXT NOT NULL,
    correlation_id  TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (agency_id, transaction_id, action)
);

-- The change feed reads approved requests in order.
CREATE INDEX registry_request_feed ON registry_request (stage, updated_at, id);
