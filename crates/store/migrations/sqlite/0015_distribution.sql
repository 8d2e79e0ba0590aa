-- tepat schema 15 (SQLite): distribution (issue 7, docs/distribution.md) — envelopes of a program-cycle
-- with their control totals, each household's entitlement, payment attempts, imported bank status files,
-- the ID-to-account mapper and the salts of the ledger's beneficiary commitments. The PostgreSQL twin is
-- ../postgres/0015_distribution.sql.

-- The envelope (amplop) of one program-cycle. Its count and amount are the control totals: they equal
-- the sum of its entitlements at every stage.
CREATE TABLE envelope (
    id              BLOB NOT NULL PRIMARY KEY,   -- UUIDv7
    program         TEXT NOT NULL,
    cycle           TEXT NOT NULL,               -- e.g. '2027-T1'
    program_version INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('prepared', 'approved', 'paying', 'closed', 'cancelled')),
    count           INTEGER NOT NULL,
    amount          INTEGER NOT NULL,
    scheduled_date  TEXT NOT NULL,               -- YYYY-MM-DD, when payment should start
    prepared_by     BLOB NOT NULL,
    prepared_at     TEXT NOT NULL,
    approved_by     BLOB,
    approved_at     TEXT,
    released_at     TEXT,
    closed_at       TEXT,
    cancelled_by    BLOB,
    cancelled_at    TEXT,
    cancel_reason   TEXT,
    ledger_index    INTEGER,
    ledger_leaf     BLOB,
    -- Maker-checker in the schema too: whoever prepared an envelope never approves it.
    CHECK (approved_by IS NULL OR approved_by <> prepared_by)
) WITHOUT ROWID;

-- One live envelope per program-cycle: a second preparation fails, so a cycle cannot be paid twice.
CREATE UNIQUE INDEX envelope_live ON envelope (program, cycle) WHERE state <> 'cancelled';

CREATE TABLE entitlement (
    envelope_id   BLOB NOT NULL REFERENCES envelope (id),
    household_id  BLOB NOT NULL,
    village_code  TEXT NOT NULL,
    amount        INTEGER NOT NULL CHECK (amount > 0),
    parts         TEXT NOT NULL,                 -- JSON: the benefit's components
    route         TEXT NOT NULL CHECK (route IN ('bank', 'ewallet', 'cash', 'goods', 'premium')),
    provider      TEXT,                          -- bank or e-wallet code for bank and ewallet
    state         TEXT NOT NULL CHECK (state IN ('pending', 'instructed', 'paid', 'handed_over', 'failed', 'cancelled')),
    reason        TEXT,                          -- the last failure's reason code
    ledger_index  INTEGER,
    ledger_leaf   BLOB,
    PRIMARY KEY (envelope_id, household_id)
) WITHOUT ROWID;

-- Pages by village (scopes are village code ranges).
CREATE INDEX entitlement_village ON entitlement (envelope_id, village_code, household_id);

-- One attempt to pay an entitlement. The id's simple hex (32 characters) is the EndToEndId of the bank
-- file and the reference_id of an e-wallet disbursement, so a resubmitted attempt is recognised.
CREATE TABLE payment (
    id                  BLOB NOT NULL PRIMARY KEY,
    envelope_id         BLOB NOT NULL REFERENCES envelope (id),
    household_id        BLOB NOT NULL,
    attempt             INTEGER NOT NULL CHECK (attempt >= 1),
    route               TEXT NOT NULL,
    provider            TEXT NOT NULL,
    amount              INTEGER NOT NULL CHECK (amount > 0),
    state               TEXT NOT NULL CHECK (state IN ('created', 'sent', 'accepted', 'settled', 'rejected', 'returned')),
    reason              TEXT,
    provider_ref        TEXT,
    batch               TEXT,                    -- the file's MsgId / disburse transaction it went out in
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    ledger_index        INTEGER,
    ledger_leaf         BLOB,
    result_ledger_index INTEGER,
    result_ledger_leaf  BLOB,
    UNIQUE (envelope_id, household_id, attempt)
) WITHOUT ROWID;

CREATE INDEX payment_export ON payment (envelope_id, provider, state, id);
CREATE INDEX payment_batch ON payment (batch) WHERE batch IS NOT NULL;

-- Every imported status file by its SHA-256: importing the same file again changes nothing.
CREATE TABLE status_import (
    sha256       BLOB NOT NULL PRIMARY KEY CHECK (length(sha256) = 32),
    kind         TEXT NOT NULL,                  -- pain.002, camt.053, camt.054
    file_name    TEXT NOT NULL,
    imported_by  BLOB NOT NULL,
    imported_at  TEXT NOT NULL,
    summary      TEXT NOT NULL                   -- JSON counts, no personal data
) WITHOUT ROWID;

-- The ID-to-account mapper: where a household is paid, apart from program data. The address
-- (id-type:id@provider) is sealed like registry phones; its blind index shows many households sharing one
-- account. village_code lets a village operator see the requests of their village only.
CREATE TABLE account_link (
    id              BLOB NOT NULL PRIMARY KEY,   -- the household
    village_code    TEXT NOT NULL,
    address_sealed  BLOB NOT NULL,
    address_index   BLOB NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('account', 'mobile')),
    provider        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'verified', 'invalid')),
    source          TEXT NOT NULL CHECK (source IN ('citizen', 'officer', 'import')),
    requested_at    TEXT NOT NULL,
    verified_by     BLOB,
    verified_at     TEXT,
    invalid_reason  TEXT
) WITHOUT ROWID;

CREATE INDEX account_link_address ON account_link (address_index);
-- Re-sealing after a key rotation walks every sealed table by (village_code, id).
CREATE INDEX account_link_village ON account_link (village_code, id);
CREATE INDEX account_link_queue ON account_link (state, village_code, requested_at);

-- The salt of each household's commitment in the transparency ledger (never published).
CREATE TABLE beneficiary_salt (
    household_id  BLOB NOT NULL PRIMARY KEY,
    salt          BLOB NOT NULL CHECK (length(salt) = 32)
) WITHOUT ROWID;
