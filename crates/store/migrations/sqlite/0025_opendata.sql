-- tepat schema 25 (SQLite): the open-data aggregates (issue 9, docs/open-data.md). A refresh job rewrites
-- them from the distribution, feedback and ledger marks, so the public portal reads a few thousand rows
-- instead of grouping a million entitlements per request. Nothing here is personal: counts and sums per
-- village. The PostgreSQL twin is ../postgres/0025_opendata.sql.

-- Per program, cycle and village, only what the transparency ledger holds: entitlements with a ledger
-- entry, payment results and reversals logged, hand-overs logged. So every figure can be recomputed from
-- the ledger (the verifier's totals of the same program, cycle and region). Ratings are not in the ledger.
CREATE TABLE opendata_cell (
    program       TEXT NOT NULL,
    cycle         TEXT NOT NULL,
    village_code  TEXT NOT NULL,
    households    INTEGER NOT NULL,   -- entitlements logged
    entitled      INTEGER NOT NULL,   -- rupiah
    paid          INTEGER NOT NULL,   -- payment results logged as success (settled or later returned)
    reversed      INTEGER NOT NULL,   -- reversals logged (returned transfers)
    handed_over   INTEGER NOT NULL,   -- hand-overs logged (cash and goods)
    ratings       INTEGER NOT NULL,
    stars         INTEGER NOT NULL,   -- sum of the ratings' stars
    PRIMARY KEY (program, cycle, village_code)
) WITHOUT ROWID;

-- Complaints per village (they name no program), all time.
CREATE TABLE opendata_complaint (
    village_code  TEXT NOT NULL PRIMARY KEY,
    complaints    INTEGER NOT NULL,
    closed        INTEGER NOT NULL    -- resolved or rejected
) WITHOUT ROWID;

-- When the aggregates were last rewritten (one row).
CREATE TABLE opendata_refresh (
    id            INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    refreshed_at  TEXT NOT NULL
);
