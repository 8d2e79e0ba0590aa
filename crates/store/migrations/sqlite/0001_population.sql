-- tepat schema 1 (SQLite): region reference table, population extract, import runs.
-- The PostgreSQL twin is ../postgres/0001_population.sql; docs/storage.md explains the choices.

-- Every provinsi, kabupaten/kota, kecamatan and desa/kelurahan (Kemendagri codes, digits without dots,
-- so text order is code order). A small reference table: replicated, not sharded.
CREATE TABLE region (
    code        TEXT NOT NULL PRIMARY KEY,
    level       INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    parent_code TEXT REFERENCES region (code),
    name        TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX region_level ON region (level, code);

-- One row per import. Written inside the import's own transaction, so a rolled-back import leaves none.
CREATE TABLE import_run (
    id            BLOB NOT NULL PRIMARY KEY,      -- UUIDv7
    kind          TEXT NOT NULL,                  -- 'population'
    source_name   TEXT NOT NULL,                  -- file name, no directory
    source_sha256 TEXT,
    status        TEXT NOT NULL CHECK (status IN ('running', 'completed')),
    started_at    TEXT NOT NULL,
    finished_at   TEXT,
    rows_read     INTEGER NOT NULL,
    rows_valid    INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    inserted      INTEGER NOT NULL,
    updated       INTEGER NOT NULL,
    unchanged     INTEGER NOT NULL,
    deaths        INTEGER NOT NULL,
    moves         INTEGER NOT NULL
) WITHOUT ROWID;

-- The population extract: one row per person. Keyed by the village the person lives in (the shard key of
-- a distributed deployment) and a UUIDv7. NIK and KK number exist only sealed (XChaCha20-Poly1305, bound
-- to table, column and id) and as keyed blind indexes (HMAC-SHA-256) for lookup and uniqueness.
-- In SQLite the key is a unique index on a rowid table rather than a PRIMARY KEY clause: the same
-- constraint, but one an import into the empty table can drop and build at the end (a sort), which is
-- several times faster than inserting a million keys in village order one by one.
CREATE TABLE population_person (
    village_code   TEXT NOT NULL REFERENCES region (code),
    id             BLOB NOT NULL,
    nik_index      BLOB NOT NULL,
    nik_sealed     BLOB NOT NULL,
    kk_index       BLOB NOT NULL,
    kk_sealed      BLOB NOT NULL,
    full_name      TEXT NOT NULL,
    sex            TEXT NOT NULL CHECK (sex IN ('L', 'P')),
    birth_place    TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    religion       TEXT,
    marital_status TEXT,
    relationship   TEXT NOT NULL,
    address        TEXT NOT NULL,
    rt             TEXT NOT NULL,
    rw             TEXT NOT NULL,
    occupation     TEXT NOT NULL,
    death_date     TEXT,
    content_hash   BLOB NOT NULL,                 -- keyed hash of every field: re-imports skip equal rows
    import_run_id  BLOB NOT NULL,                 -- the run that last inserted or changed the row
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE UNIQUE INDEX population_person_key ON population_person (village_code, id);
CREATE UNIQUE INDEX population_person_nik ON population_person (nik_index);
CREATE INDEX population_person_kk ON population_person (kk_index);
