-- tepat schema 10 (SQLite): the targeting facts, plain and non-identifying copies of what program rules
-- read (issue 6). The registry seals a household's details; rules run in SQL over millions of households,
-- so targeting keeps the rule fields in columns named as the rule fields (`Field::column()`), and nothing
-- that identifies a person (no NIK, KK number, name, phone or account). The PostgreSQL twin is
-- ../postgres/0010_targeting.sql.

-- One row per active registry household, rewritten in the transaction that saves the household.
-- WITHOUT ROWID: rows are small and read in key order by a full scan.
CREATE TABLE targeting_household (
    village_code     TEXT NOT NULL REFERENCES region (code),
    id               BLOB NOT NULL,   -- the registry household's id
    size             INTEGER NOT NULL, -- active members
    desil            INTEGER CHECK (desil BETWEEN 1 AND 10), -- NULL until ranked
    welfare          INTEGER,         -- PMT predicted monthly consumption per capita (Rp), NULL until ranked
    consumption      INTEGER,         -- observed consumption per capita (survey module, generated truth)
    sector           TEXT,            -- the head's sector, NULL if unknown
    floor            TEXT,
    wall             TEXT,
    roof             TEXT,
    floor_area       INTEGER,
    water            TEXT,
    sanitation       TEXT,
    electricity      TEXT,
    cooking_fuel     TEXT,
    income_band      TEXT,
    owns_house       INTEGER,         -- 0/1; every survey column is NULL without a survey
    has_motorcycle   INTEGER,
    has_car          INTEGER,
    has_refrigerator INTEGER,
    has_boat         INTEGER,
    livestock        INTEGER,
    land             INTEGER,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (village_code, id)
) WITHOUT ROWID;

CREATE UNIQUE INDEX targeting_household_id ON targeting_household (id);

-- Active members, clustered by household: a rule's any()/count() is one short range of this key.
CREATE TABLE targeting_member (
    village_code    TEXT NOT NULL,
    household_id    BLOB NOT NULL,
    position        INTEGER NOT NULL, -- 0 = head
    birth           INTEGER NOT NULL, -- yyyymmdd
    sex             TEXT NOT NULL,    -- 'L' / 'P'
    relationship    TEXT NOT NULL,
    sector          TEXT,             -- NULL without the member survey
    disability      TEXT,
    chronic_illness INTEGER,
    pregnant        INTEGER,
    school          TEXT,
    PRIMARY KEY (household_id, position)
) WITHOUT ROWID;

-- Current and past enrolments (kepesertaan) in programs; `receives_pkh` etc. read the active ones.
CREATE TABLE targeting_enrolment (
    village_code  TEXT NOT NULL,
    program       TEXT NOT NULL,
    household_id  BLOB NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'graduated')),
    since         TEXT NOT NULL,      -- date the enrolment began (YYYY-MM-DD)
    run_id        BLOB,               -- the targeting run that enrolled it, NULL for imported enrolments
    PRIMARY KEY (program, household_id)
) WITHOUT ROWID;

CREATE INDEX targeting_enrolment_household ON targeting_enrolment (household_id);
