-- tepat schema 13 (SQLite): several `tepat serve` processes on one database (docs/agency-api.md,
-- docs/proposals-csv.md). The PostgreSQL twin is ../postgres/0013_agency_outbox.sql.

-- A notification is claimed by one process for a while (a lease) before it is sent, so two processes
-- never send it at the same time; a lease that ran out (the process died) may be taken over.
ALTER TABLE agency_outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE agency_outbox ADD COLUMN claimed_until TEXT;

-- Answers to asynchronous requests (`{sender_uri}/on-search`, …) waiting to be delivered, with their
-- attempts: a restart loses none. The signed-over message holds personal data, so it is sealed
-- (XChaCha20-Poly1305, bound to table, column and id); the URL is the agency's own callback address.
CREATE TABLE agency_callback (
    id               BLOB NOT NULL PRIMARY KEY,            -- UUIDv7
    -- The agency's scope ('' for every region): with id, the order key-rotation walks sealed rows in.
    village_code     TEXT NOT NULL,
    agency_id        BLOB NOT NULL REFERENCES agency (id),
    action           TEXT NOT NULL,                         -- on-search, on-subscribe, …
    url              TEXT NOT NULL,
    body_sealed      BLOB NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    last_error       TEXT,
    claimed_by       TEXT,
    claimed_until    TEXT,
    created_at       TEXT NOT NULL,
    delivered_at     TEXT
) WITHOUT ROWID;

CREATE INDEX agency_callback_due ON agency_callback (state, next_attempt_at);
CREATE INDEX agency_callback_walk ON agency_callback (village_code, id);

-- A household of a proposals CSV being proposed: one row per village and KK (blind index), taken
-- before the proposal is written, so two uploads of one file at the same time propose it once. A
-- claim older than its lease (the upload died half-way) may be taken over.
CREATE TABLE intake_upload_claim (
    village_code   TEXT NOT NULL REFERENCES region (code),
    kk_index       BLOB NOT NULL,
    household_id   BLOB NOT NULL,
    claimed_at     TEXT NOT NULL,
    PRIMARY KEY (village_code, kk_index)
) WITHOUT ROWID;

-- Permissions beyond search and subscribe, one row each: `population` lets the population office
-- send deaths and moves (DCI `notify`), which become registry tasks.
CREATE TABLE agency_permission (
    agency_id   BLOB NOT NULL REFERENCES agency (id),
    permission  TEXT NOT NULL,
    PRIMARY KEY (agency_id, permission)
) WITHOUT ROWID;
