-- tepat schema 11 (SQLite): programs as versioned data, targeting runs with their candidates and
-- waitlist, the enrolment columns approval and graduation need, and appeals against automated decisions
-- (docs/targeting.md). The PostgreSQL twin is ../postgres/0011_targeting_runs.sql.

-- Every saved version of a program (its TOML). A version is never changed: an edit is a new version,
-- and the store refuses one that is not latest + 1, so two admins editing at once cannot overwrite
-- each other.
CREATE TABLE program_version (
    code      TEXT NOT NULL,                 -- e.g. 'PKH'
    version   INTEGER NOT NULL CHECK (version >= 1),
    body      TEXT NOT NULL,                 -- the program definition (TOML)
    saved_by  BLOB NOT NULL,                 -- account id
    saved_at  TEXT NOT NULL,
    note      TEXT NOT NULL,
    PRIMARY KEY (code, version)
) WITHOUT ROWID;

-- One evaluation of a program version for a period. Approval (a decree number) turns its candidates
-- into enrolments; the approved list's hash goes into the transparency ledger.
CREATE TABLE targeting_run (
    id              BLOB NOT NULL PRIMARY KEY,   -- UUIDv7
    program         TEXT NOT NULL,
    program_version INTEGER NOT NULL,
    reference_date  TEXT NOT NULL,               -- ages and facts are taken on this date
    period          TEXT NOT NULL,               -- e.g. '2026-Q3'
    created_by      BLOB NOT NULL,
    created_at      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'discarded', 'superseded')),
    decree_number   TEXT,
    approved_by     BLOB,
    approved_at     TEXT,
    list_hash       BLOB CHECK (list_hash IS NULL OR length(list_hash) = 32),
    ledger_index    INTEGER,
    summary         TEXT NOT NULL                -- the simulation (JSON)
) WITHOUT ROWID;

CREATE INDEX targeting_run_program ON targeting_run (program, created_at);

-- Every household a run assessed in a village: selected, waitlisted or excluded, with its reasons.
CREATE TABLE targeting_candidate (
    run_id        BLOB NOT NULL REFERENCES targeting_run (id),
    village_code  TEXT NOT NULL,
    household_id  BLOB NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('candidate', 'waitlist', 'excluded')),
    rank          INTEGER NOT NULL,              -- in the whole run, 1 = poorest
    village_rank  INTEGER NOT NULL,              -- within the village
    benefit       INTEGER NOT NULL,              -- Rp per period; 0 unless selected or waitlisted
    reasons       TEXT NOT NULL,                 -- JSON: why (rule clauses, desil, quota)
    PRIMARY KEY (run_id, village_code, household_id)
) WITHOUT ROWID;

-- Pages by village in rank order and the next waitlisted household of a village.
CREATE INDEX targeting_candidate_rank ON targeting_candidate (run_id, village_code, rank);

-- An enrolment's last term: what it pays, and when and why it ended (graduation with a notice).
ALTER TABLE targeting_enrolment ADD COLUMN benefit INTEGER;
ALTER TABLE targeting_enrolment ADD COLUMN ended_at TEXT;
ALTER TABLE targeting_enrolment ADD COLUMN end_reason TEXT;   -- a code, e.g. 'not_reselected'
ALTER TABLE targeting_enrolment ADD COLUMN notice TEXT;       -- the id of the notice text sent

CREATE INDEX targeting_enrolment_village ON targeting_enrolment (program, village_code, household_id);

-- An appeal against an automated decision (sanggahan atas keputusan otomatis, PDP law): a person
-- reviews it. The grounds are free text and may hold personal data: sealed (JSON, bound to table,
-- column and id).
CREATE TABLE targeting_appeal (
    village_code    TEXT NOT NULL REFERENCES region (code),
    id              BLOB NOT NULL,               -- UUIDv7
    household_id    BLOB NOT NULL,
    program         TEXT NOT NULL,
    run_id          BLOB,
    grounds_sealed  BLOB NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'upheld', 'rejected')),
    created_at      TEXT NOT NULL,
    decided_by      BLOB,
    decided_at      TEXT,
    decision_reason TEXT,                        -- a short reason without personal data
    PRIMARY KEY (village_code, id)
) WITHOUT ROWID;

CREATE INDEX targeting_appeal_queue ON targeting_appeal (state, village_code, created_at);
