-- tepat schema 1 (PostgreSQL): region reference table, population extract, import runs.
-- The SQLite twin is ../sqlite/0001_population.sql; docs/storage.md explains the choices.
-- Region codes use the "C" collation so that text order is code order and prefix ranges work on indexes.

CREATE TABLE region (
    code        TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    parent_code TEXT COLLATE "C" REFERENCES region (code),
    name        TEXT NOT NULL
);

CREATE INDEX region_level ON region (level, code);

CREATE TABLE import_run (
    id            UUID NOT NULL PRIMARY KEY,
    kind          TEXT NOT NULL,
    source_name   TEXT NOT NULL,
    source_sha256 TEXT,
    status        TEXT NOT NULL CHECK (status IN ('running', 'completed')),
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    rows_read     BIGINT NOT NULL,
    rows_valid    BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    inserted      BIGINT NOT NULL,
    updated       BIGINT NOT NULL,
    unchanged     BIGINT NOT NULL,
    deaths        BIGINT NOT NULL,
    moves         BIGINT NOT NULL
);

CREATE TABLE population_person (
    village_code   TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id             UUID NOT NULL,
    nik_index      BYTEA NOT NULL,
    nik_sealed     BYTEA NOT NULL,
    kk_index       BYTEA NOT NULL,
    kk_sealed      BYTEA NOT NULL,
    full_name      TEXT NOT NULL,
    sex            TEXT NOT NULL CHECK (sex IN ('L', 'P')),
    birth_place    TEXT NOT NULL,
    birth_date     DATE NOT NULL,
    religion       TEXT,
    marital_status TEXT,
    relationship   TEXT NOT NULL,
    address        TEXT NOT NULL,
    rt             TEXT NOT NULL,
    rw             TEXT NOT NULL,
    occupation     TEXT NOT NULL,
    death_date     DATE,
    content_hash   BYTEA NOT NULL,
    import_run_id  UUID NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (village_code, id)
);

-- On Citus a unique index must contain the distribution column; there this one becomes non-unique and
-- the import's per-NIK lookup keeps NIKs unique (docs/storage.md).
CREATE UNIQUE INDEX population_person_nik ON population_person (nik_index);
CREATE INDEX population_person_kk ON population_person (kk_index);
