-- tepat schema 10 (PostgreSQL): the targeting facts, plain and non-identifying copies of what program
-- rules read (issue 6). The SQLite twin is ../sqlite/0010_targeting.sql, which explains the choices.
-- Keyed like the registry (village_code first), so a distributed engine can shard them by region.

CREATE TABLE targeting_household (
    village_code     TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id               UUID NOT NULL,
    size             BIGINT NOT NULL,
    desil            BIGINT CHECK (desil BETWEEN 1 AND 10),
    welfare          BIGINT,
    consumption      BIGINT,
    sector           TEXT,
    floor            TEXT,
    wall             TEXT,
    roof             TEXT,
    floor_area       BIGINT,
    water            TEXT,
    sanitation       TEXT,
    electricity      TEXT,
    cooking_fuel     TEXT,
    income_band      TEXT,
    owns_house       BOOLEAN,
    has_motorcycle   BOOLEAN,
    has_car          BOOLEAN,
    has_refrigerator BOOLEAN,
    has_boat         BOOLEAN,
    livestock        BIGINT,
    land             BIGINT,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (village_code, id)
);

CREATE UNIQUE INDEX targeting_household_id ON targeting_household (id);

-- Members are looked up by household for any()/count(); bulk loads write them in household order, so
-- one household's rows sit on the same page.
CREATE TABLE targeting_member (
    village_code    TEXT COLLATE "C" NOT NULL,
    household_id    UUID NOT NULL,
    position        BIGINT NOT NULL,
    birth           BIGINT NOT NULL,
    sex             TEXT NOT NULL,
    relationship    TEXT NOT NULL,
    sector          TEXT,
    disability      TEXT,
    chronic_illness BOOLEAN,
    pregnant        BOOLEAN,
    school          TEXT,
    PRIMARY KEY (household_id, position)
);

CREATE TABLE targeting_enrolment (
    village_code  TEXT COLLATE "C" NOT NULL,
    program       TEXT NOT NULL,
    household_id  UUID NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('active', 'suspended', 'graduated')),
    since         DATE NOT NULL,
    run_id        UUID,
    PRIMARY KEY (program, household_id)
);

CREATE INDEX targeting_enrolment_household ON targeting_enrolment (household_id);
