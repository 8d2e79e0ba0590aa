-- tepat schema 15 (PostgreSQL): distribution (issue 7). The SQLite twin, with the reasons, is
-- ../sqlite/0015_distribution.sql.

CREATE TABLE envelope (
    id              UUID NOT NULL PRIMARY KEY,
    program         TEXT COLLATE "C" NOT NULL,
    cycle           TEXT COLLATE "C" NOT NULL,
    program_version INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('prepared', 'approved', 'paying', 'closed', 'cancelled')),
    count           BIGINT NOT NULL,
    amount          BIGINT NOT NULL,
    scheduled_date  DATE NOT NULL,
    prepared_by     UUID NOT NULL,
    prepared_at     TIMESTAMPTZ NOT NULL,
    approved_by     UUID,
    approved_at     TIMESTAMPTZ,
    released_at     TIMESTAMPTZ,
    closed_at       TIMESTAMPTZ,
    cancelled_by    UUID,
    cancelled_at    TIMESTAMPTZ,
    cancel_reason   TEXT,
    ledger_index    BIGINT,
    ledger_leaf     BYTEA,
    CHECK (approved_by IS NULL OR approved_by <> prepared_by)
);

CREATE UNIQUE INDEX envelope_live ON envelope (program, cycle) WHERE state <> 'cancelled';

CREATE TABLE entitlement (
    envelope_id   UUID NOT NULL REFERENCES envelope (id),
    household_id  UUID NOT NULL,
    village_code  TEXT COLLATE "C" NOT NULL,
    amount        BIGINT NOT NULL CHECK (amount > 0),
    parts         TEXT NOT NULL,
    route         TEXT NOT NULL CHECK (route IN ('bank', 'ewallet', 'cash', 'goods', 'premium')),
    provider      TEXT,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'instructed', 'paid', 'handed_over', 'failed', 'cancelled')),
    reason        TEXT,
    ledger_index  BIGINT,
    ledger_leaf   BYTEA,
    PRIMARY KEY (envelope_id, household_id)
);

CREATE INDEX entitlement_village ON entitlement (envelope_id, village_code, household_id);

CREATE TABLE payment (
    id                  UUID NOT NULL PRIMARY KEY,
    envelope_id         UUID NOT NULL REFERENCES envelope (id),
    household_id        UUID NOT NULL,
    attempt             INTEGER NOT NULL CHECK (attempt >= 1),
    route               TEXT NOT NULL,
    provider            TEXT COLLATE "C" NOT NULL,
    amount              BIGINT NOT NULL CHECK (amount > 0),
    state               TEXT NOT NULL CHECK (state IN ('created', 'sent', 'accepted', 'settled', 'rejected', 'returned')),
    reason              TEXT,
    provider_ref        TEXT,
    batch               TEXT COLLATE "C",
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    ledger_index        BIGINT,
    ledger_leaf         BYTEA,
    result_ledger_index BIGINT,
    result_ledger_leaf  BYTEA,
    UNIQUE (envelope_id, household_id, attempt)
);

CREATE INDEX payment_export ON payment (envelope_id, provider, state, id);
CREATE INDEX payment_batch ON payment (batch) WHERE batch IS NOT NULL;

CREATE TABLE status_import (
    sha256       BYTEA NOT NULL PRIMARY KEY CHECK (length(sha256) = 32),
    kind         TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    imported_by  UUID NOT NULL,
    imported_at  TIMESTAMPTZ NOT NULL,
    summary      TEXT NOT NULL
);

CREATE TABLE account_link (
    id              UUID NOT NULL PRIMARY KEY,
    village_code    TEXT COLLATE "C" NOT NULL,
    address_sealed  BYTEA NOT NULL,
    address_index   BYTEA NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('account', 'mobile')),
    provider        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'verified', 'invalid')),
    source          TEXT NOT NULL CHECK (source IN ('citizen', 'officer', 'import')),
    requested_at    TIMESTAMPTZ NOT NULL,
    verified_by     UUID,
    verified_at     TIMESTAMPTZ,
    invalid_reason  TEXT
);

CREATE INDEX account_link_address ON account_link (address_index);
CREATE INDEX account_link_village ON account_link (village_code, id);
CREATE INDEX account_link_queue ON account_link (state, village_code, requested_at);

CREATE TABLE beneficiary_salt (
    household_id  UUID NOT NULL PRIMARY KEY,
    salt          BYTEA NOT NULL CHECK (length(salt) = 32)
);
