-- tepat schema 25 (PostgreSQL): the open-data aggregates (issue 9, docs/open-data.md). A refresh job
-- rewrites them from the distribution, feedback and ledger marks, so the public portal reads a few
-- thousand rows instead of grouping a million entitlements per request. Nothing here is personal: counts
-- and sums per village. The SQLite twin (with the reasons per column) is ../sqlite/0025_opendata.sql.

CREATE TABLE opendata_cell (
    program       TEXT COLLATE "C" NOT NULL,
    cycle         TEXT COLLATE "C" NOT NULL,
    village_code  TEXT COLLATE "C" NOT NULL,
    households    BIGINT NOT NULL,
    entitled      BIGINT NOT NULL,
    paid          BIGINT NOT NULL,
    reversed      BIGINT NOT NULL,
    handed_over   BIGINT NOT NULL,
    ratings       BIGINT NOT NULL,
    stars         BIGINT NOT NULL,
    PRIMARY KEY (program, cycle, village_code)
);

CREATE TABLE opendata_complaint (
    village_code  TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    complaints    BIGINT NOT NULL,
    closed        BIGINT NOT NULL
);

CREATE TABLE opendata_refresh (
    id            INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    refreshed_at  TIMESTAMPTZ NOT NULL
);
