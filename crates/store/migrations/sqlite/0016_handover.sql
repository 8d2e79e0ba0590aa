-- tepat schema 16 (SQLite): distribution points and their schedule, signed vouchers, hand-overs synced
-- from officers' phones, and notices to households (issue 7, docs/distribution.md). The PostgreSQL twin
-- is ../postgres/0016_handover.sql.

-- A place where cash or goods are handed over: a post office, a village hall or an e-Warung. Capacity is
-- per slot: `slots_per_day` slots of `slot_minutes` from `first_slot` (HH:MM, local time).
CREATE TABLE distribution_point (
    id                BLOB NOT NULL PRIMARY KEY,   -- UUIDv7
    code              TEXT NOT NULL UNIQUE,        -- the office's own code, e.g. 'KPOS-TJP'
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('post_office', 'village_hall', 'e_warung')),
    village_code      TEXT NOT NULL,
    capacity_per_slot INTEGER NOT NULL CHECK (capacity_per_slot >= 1),
    slots_per_day     INTEGER NOT NULL CHECK (slots_per_day >= 1),
    first_slot        TEXT NOT NULL,
    slot_minutes      INTEGER NOT NULL CHECK (slot_minutes >= 1),
    active            INTEGER NOT NULL,
    merchant_account  BLOB                         -- the e-Warung merchant's account: may hand over goods here
) WITHOUT ROWID;

-- Where and when one entitlement of an envelope is handed over. A reschedule rewrites the row and
-- bumps `version`, so a notice can say which schedule it announces.
CREATE TABLE assignment (
    envelope_id  BLOB NOT NULL,
    household_id BLOB NOT NULL,
    point_id     BLOB NOT NULL,
    day          TEXT NOT NULL,                    -- YYYY-MM-DD
    slot         INTEGER NOT NULL,                 -- 0-based
    assigned_at  TEXT NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (envelope_id, household_id)
) WITHOUT ROWID;

-- Loads per point, day and slot (capacity is shared by every envelope that uses the point).
CREATE INDEX assignment_load ON assignment (point_id, day, slot);

-- A signed voucher: the signature itself is not stored, the text is rebuilt and re-signed from these
-- fields (Ed25519 signatures are deterministic). One per entitlement.
CREATE TABLE voucher (
    id           BLOB NOT NULL PRIMARY KEY,
    envelope_id  BLOB NOT NULL,
    household_id BLOB NOT NULL,
    amount       INTEGER NOT NULL,
    goods        TEXT,
    recipient    BLOB NOT NULL,                    -- the recipient commitment (32 bytes), not the NIK
    valid_from   TEXT NOT NULL,
    valid_until  TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    issued_at    TEXT NOT NULL,
    UNIQUE (envelope_id, household_id)
) WITHOUT ROWID;

-- A hand-over recorded by an officer's or merchant's device. The id is made on the device, so a
-- second sync of the same record finds it. A second hand-over of the same voucher under another id
-- is kept as 'duplicate' (flagged for review) and points at the accepted one.
CREATE TABLE handover (
    id             BLOB NOT NULL PRIMARY KEY,
    voucher_id     BLOB NOT NULL,
    officer        BLOB NOT NULL,
    device         TEXT NOT NULL,
    handed_at      TEXT NOT NULL,
    point_id       BLOB,
    lat            REAL,
    lon            REAL,
    photo_id       BLOB,
    synced_at      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate')),
    first_handover BLOB,
    ledger_index   INTEGER,
    ledger_leaf    BLOB
) WITHOUT ROWID;

CREATE UNIQUE INDEX handover_accepted ON handover (voucher_id) WHERE status = 'accepted';
CREATE INDEX handover_flagged ON handover (status, synced_at);

-- A notice to a household (delivered by the citizen-portal channels). The body is JSON without NIK or
-- names: point code and name, day, slot time, amount.
CREATE TABLE notice (
    id           BLOB NOT NULL PRIMARY KEY,
    household_id BLOB NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('schedule', 'payment_sent', 'handover', 'fix_account')),
    program      TEXT NOT NULL,
    cycle        TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    delivered_at TEXT
) WITHOUT ROWID;

CREATE INDEX notice_household ON notice (household_id, created_at);
CREATE INDEX notice_undelivered ON notice (delivered_at, created_at);
