-- tepat schema 26 (SQLite): the officials' monitoring dashboard (issue 9, docs/monitoring.md). Its heavy
-- figures are aggregates that a refresh (`tepat monitoring refresh`, or the dashboard when its figures are
-- older than a few minutes) recomputes from the base tables, so every dashboard query reads a few thousand
-- rows at most, whatever the size of the registry. The PostgreSQL twin is ../postgres/0026_monitoring.sql.
-- Nothing here is personal data: region codes, program codes, counts, household and account ids.

-- Entitlements of every live envelope per program, cycle and village, by how far they got.
CREATE TABLE monitor_pipeline (
    program          TEXT NOT NULL,
    cycle            TEXT NOT NULL,
    village_code     TEXT NOT NULL,
    planned          INTEGER NOT NULL,   -- not cancelled
    planned_amount   INTEGER NOT NULL,
    sent             INTEGER NOT NULL,   -- instruction out or voucher issued (no longer pending)
    sent_amount      INTEGER NOT NULL,
    confirmed        INTEGER NOT NULL,   -- the provider accepted it, or it is done
    confirmed_amount INTEGER NOT NULL,
    received         INTEGER NOT NULL,   -- credited (transfers) or handed over (cash, goods)
    received_amount  INTEGER NOT NULL,
    failed           INTEGER NOT NULL,
    failed_amount    INTEGER NOT NULL,
    PRIMARY KEY (program, cycle, village_code)
) WITHOUT ROWID;

-- Ratings of distributions per program, cycle and village.
CREATE TABLE monitor_rating (
    program      TEXT NOT NULL,
    cycle        TEXT NOT NULL,
    village_code TEXT NOT NULL,
    ratings      INTEGER NOT NULL,
    stars        INTEGER NOT NULL,       -- the sum: the average is stars / ratings
    low          INTEGER NOT NULL,       -- ratings of one or two stars
    PRIMARY KEY (program, cycle, village_code)
) WITHOUT ROWID;

-- One row per subject an anomaly rule flags (docs/monitoring.md, "Anomaly flags"). `region_code` is
-- where the subject belongs ('' when nowhere in particular: seen only by officers of every region);
-- `subject` a household or an officer's account; `label` a device or a role; `grp` numbers the group
-- the subject is in (households sharing one account, persons at one address); `value` and `extra` the
-- rule's figures.
CREATE TABLE monitor_flag (
    rule        TEXT NOT NULL,
    region_code TEXT NOT NULL,
    subject     BLOB NOT NULL,
    label       TEXT NOT NULL,
    grp         INTEGER NOT NULL,
    value       INTEGER NOT NULL,
    extra       INTEGER NOT NULL,
    PRIMARY KEY (rule, region_code, subject, label)
) WITHOUT ROWID;

-- When each part was last recomputed, and how long it took.
CREATE TABLE monitor_refresh (
    part         TEXT NOT NULL PRIMARY KEY,
    refreshed_at TEXT NOT NULL,
    millis       INTEGER NOT NULL
) WITHOUT ROWID;

-- The dead-persons rule reads the few deaths of the extract, not every person.
CREATE INDEX monitor_population_dead ON population_person (death_date) WHERE death_date IS NOT NULL;
