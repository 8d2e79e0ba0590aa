-- tepat schema 16 (PostgreSQL): distribution points and their schedule, signed vouchers, hand-overs
-- synced from officers' phones, and notices to households (issue 7, docs/distribution.md). The SQLite
-- twin, with the reasons, is ../sqlite/0016_handover.sql.

CREATE TABLE distribution_point (
    id                UUID NOT NULL PRIMARY KEY,
    code              TEXT COLLATE "C" NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('post_office', 'village_hall', 'e_warung')),
    village_code      TEXT COLLATE "C" NOT NULL,
    capacity_per_slot INTEGER NOT NULL CHECK (capacity_per_slot >= 1),
    slots_per_day     INTEGER NOT NULL CHECK (slots_per_day >= 1),
    first_slot        TEXT NOT NULL,
    slot_minutes      INTEGER NOT NULL CHECK (slot_minutes >= 1),
    active            BOOLEAN NOT NULL,
    merchant_account  UUID
);

CREATE TABLE assignment (
    envelope_id  UUID NOT NULL,
    household_id UUID NOT NULL,
    point_id     UUID NOT NULL,
    day          TEXT COLLATE "C" NOT NULL,
    slot         INTEGER NOT NULL,
    assigned_at  TIMESTAMPTZ NOT NULL,
    version      INTEGER NOT NULL,
    PRIMARY KEY (envelope_id, household_id)
);

CREATE INDEX assignment_load ON assignment (point_id, day, slot);

CREATE TABLE voucher (
    id           UUID NOT NULL PRIMARY KEY,
    envelope_id  UUID NOT NULL,
    household_id UUID NOT NULL,
    amount       BIGINT NOT NULL,
    goods        TEXT,
    recipient    BYTEA NOT NULL,
    valid_from   TEXT NOT NULL,
    valid_until  TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    issued_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (envelope_id, household_id)
);

CREATE TABLE handover (
    id             UUID NOT NULL PRIMARY KEY,
    voucher_id     UUID NOT NULL,
    officer        UUID NOT NULL,
    device         TEXT NOT NULL,
    handed_at      TIMESTAMPTZ NOT NULL,
    point_id       UUID,
    lat            DOUBLE PRECISION,
    lon            DOUBLE PRECISION,
    photo_id       UUID,
    synced_at      TIMESTAMPTZ NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('accepted', 'duplicate')),
    first_handover UUID,
    ledger_index   BIGINT,
    ledger_leaf    BYTEA
);

CREATE UNIQUE INDEX handover_accepted ON handover (voucher_id) WHERE status = 'accepted';
CREATE INDEX handover_flagged ON handover (status, synced_at);

CREATE TABLE notice (
    id           UUID NOT NULL PRIMARY KEY,
    household_id UUID NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('schedule', 'payment_sent', 'handover', 'fix_account')),
    program      TEXT NOT NULL,
    cycle        TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ
);

CREATE INDEX notice_household ON notice (household_id, created_at);
CREATE INDEX notice_undelivered ON notice (delivered_at, created_at);
