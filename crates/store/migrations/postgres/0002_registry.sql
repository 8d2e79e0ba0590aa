-- tepat schema 2 (PostgreSQL): the social registry — households, members, requests (usulan) with their
-- workflow history, officers' tasks, and remembered duplicate decisions.
-- The SQLite twin is ../sqlite/0002_registry.sql; docs/registry.md explains the choices.
--
-- Every big table is keyed by the village code and a UUIDv7 (the shard key of a distributed deployment).
-- NIK, KK, phone and account numbers exist only sealed (XChaCha20-Poly1305 bound to table, column and row
-- id) and as keyed blind indexes. The NIK and KK indexes use the same purposes as population_person, so a
-- registry member joins the population extract on nik_index without anyone decrypting anything.

CREATE TABLE registry_household (
    village_code   TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id             UUID NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('proposed', 'active', 'rejected', 'merged')),
    kk_index       BYTEA NOT NULL,
    kk_sealed      BYTEA NOT NULL,
    account_index  BYTEA,                            -- two households paid into one account show up
    details_sealed BYTEA NOT NULL,                   -- address, location, survey, account (JSON, sealed)
    version        BIGINT NOT NULL,                -- optimistic lock: every save checks and bumps it
    verified_at    TIMESTAMPTZ,                            -- last approval after a field visit (re-verification)
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (village_code, id)
);

CREATE INDEX registry_household_id ON registry_household (id);
CREATE INDEX registry_household_kk ON registry_household (kk_index);
CREATE INDEX registry_household_account ON registry_household (account_index);
CREATE INDEX registry_household_verified ON registry_household (state, verified_at);

CREATE TABLE registry_member (
    village_code   TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id             UUID NOT NULL,
    household_id   UUID NOT NULL,
    position       BIGINT NOT NULL,                -- order within the household
    state          TEXT NOT NULL CHECK (state IN ('active', 'deceased', 'moved_out', 'removed')),
    nik_index      BYTEA NOT NULL,
    nik_sealed     BYTEA NOT NULL,
    phone_index    BYTEA,
    full_name      TEXT NOT NULL,
    name_key       TEXT COLLATE "C" NOT NULL,                   -- folded name for prefix search (docs/registry.md)
    sex            TEXT NOT NULL CHECK (sex IN ('L', 'P')),
    birth_date     DATE NOT NULL,
    relationship   TEXT NOT NULL,
    details_sealed BYTEA NOT NULL,                   -- phone, survey, status date (JSON, sealed)
    PRIMARY KEY (village_code, id)
);

CREATE INDEX registry_member_household ON registry_member (household_id);
CREATE INDEX registry_member_nik ON registry_member (nik_index);
CREATE INDEX registry_member_phone ON registry_member (phone_index);
-- Name search: the name-first index serves wide scopes, the village-first one narrow scopes.
CREATE INDEX registry_member_name ON registry_member (name_key, village_code);
CREATE INDEX registry_member_village_name ON registry_member (village_code, name_key);

CREATE TABLE registry_request (
    village_code      TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id                UUID NOT NULL,
    household_id      UUID NOT NULL,
    kind              TEXT NOT NULL,
    stage             TEXT NOT NULL,
    submission_sealed BYTEA NOT NULL,                -- the change and field visit (JSON, sealed)
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (village_code, id)
);

CREATE INDEX registry_request_id ON registry_request (id);
CREATE INDEX registry_request_household ON registry_request (household_id);
CREATE INDEX registry_request_queue ON registry_request (stage, village_code, created_at);

-- The workflow history: who moved a request from where to where, when and why. Written in the same
-- transaction as the request's new stage.
CREATE TABLE registry_transition (
    village_code TEXT COLLATE "C" NOT NULL,
    request_id   UUID NOT NULL,
    seq          BIGINT NOT NULL,
    from_stage   TEXT,
    to_stage     TEXT NOT NULL,
    event        TEXT NOT NULL,
    actor_user   UUID NOT NULL,
    actor_role   TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    reason       TEXT NOT NULL,
    visited_on   DATE,
    PRIMARY KEY (village_code, request_id, seq)
);

-- Work for an officer: a death or move reported by the population extract, a household due for
-- re-verification. `member_id` is the nil UUID for household-level tasks (so the open-task index is
-- unique). 'suspended' is for tasks that wait on something else (e.g. an enrolment decision).
CREATE TABLE registry_task (
    village_code TEXT COLLATE "C" NOT NULL REFERENCES region (code),
    id           UUID NOT NULL,
    household_id UUID NOT NULL,
    member_id    UUID NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('death', 'moved', 'reverify')),
    state        TEXT NOT NULL CHECK (state IN ('open', 'suspended', 'done')),
    source       TEXT NOT NULL,                     -- e.g. the import run or 'reverification'
    created_at   TIMESTAMPTZ NOT NULL,
    closed_at    TIMESTAMPTZ,
    closed_by    UUID,
    PRIMARY KEY (village_code, id)
);

CREATE UNIQUE INDEX registry_task_once ON registry_task (village_code, household_id, member_id, kind)
    WHERE state <> 'done';
CREATE INDEX registry_task_queue ON registry_task (state, village_code, created_at);

-- Possible duplicates an officer has decided on: the same person (merge) or two people (distinct).
-- A pair is stored once, lower id first. Small, and pairs can span regions: not sharded.
CREATE TABLE registry_duplicate_decision (
    member_low  UUID NOT NULL,
    member_high UUID NOT NULL,
    verdict     TEXT NOT NULL CHECK (verdict IN ('same', 'distinct')),
    actor_user  UUID NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    reason      TEXT NOT NULL,
    PRIMARY KEY (member_low, member_high)
);
