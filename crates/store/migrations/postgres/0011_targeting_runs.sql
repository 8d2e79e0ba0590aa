-- tepat schema 11 (PostgreSQL): programs as versioned data, targeting runs with their candidates and
-- waitlist, the enrolment columns approval and graduation need, and appeals against automated decisions
-- (docs/targeting.md). The SQLite twin, with the reasons, is ../sqlite/0011_targeting_runs.sql.

CREATE TABLE program_version (
    code      TEXT COLLATE "C" NOT NULL,
    version   INTEGER NOT NULL CHECK (version >= 1),
    body      TEXT NOT NULL,
    saved_by  UUID NOT NULL,
    saved_at  TIMESTAMPTZ NOT NULL,
    note      TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE targeting_run (
    id              UUID NOT NULL PRIMARY KEY,
    program         TEXT COLLATE "C" NOT NULL,
    program_version INTEGER NOT NULL,
    reference_date  DATE NOT NULL,
    period          TEXT NOT NULL,
    created_by      UUID NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'discarded', 'superseded')),
    decree_number   TEXT,
    approved_by     UUID,
    approved_at     TIMESTAMPTZ,
    list_hash       BYTEA CHECK (list_hash IS NULL OR length(list_hash) = 32),
    ledger_index    BIGINT,
    summary         TEXT NOT NULL
);

CREATE INDEX targeting_run_program ON targeting_run (program, created_at);

CREATE TABLE targeting_candidate (
    run_id        UUID NOT NULL REFERENCES targeting_run (id),
    village_code  TEXT COLLATE "C" NOT NULL,
    household_id  UUID NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('candidate', 'waitlist', 'excluded')),
    rank          INTEGER NOT NULL,
    village_rank  INTEGER NOT NULL,
    benefit       BIGINT NOT NULL,
    reasons       TEXT NOT NULL,
    PRIMARY KEY (run_id, village_code, household_id)
);

CREATE INDEX targeting_candidate_rank ON targeting_candidate (run_id, village_code, rank);

ALTER TABLE targeting_enrolment ADD COLUMN benefit BIGINT;
ALTER TABLE targeting_enrolment ADD COLUMN ended_at TIMESTAMPTZ;
ALTER TABLE targeting_enrolment ADD COLUMN end_reason TEXT;
ALTER TABLE targeting_enrolment ADD COLUMN notice TEXT;

CREATE INDEX targeting_enrolment_village ON targeting_enrolment (program, village_code, household_id);

CREATE TABLE targeting_appeal (
    village_code    TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id              UUID NOT NULL,
    household_id    UUID NOT NULL,
    program         TEXT NOT NULL,
    run_id          UUID,
    grounds_sealed  BYTEA NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('open', 'upheld', 'rejected')),
    created_at      TIMESTAMPTZ NOT NULL,
    decided_by      UUID,
    decided_at      TIMESTAMPTZ,
    decision_reason TEXT,
    PRIMARY KEY (village_code, id)
);

CREATE INDEX targeting_appeal_queue ON targeting_appeal (state, village_code, created_at);
