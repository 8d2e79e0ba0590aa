-- tepat schema 3 (SQLite): the audit log — every full-record read and every change, append-only, with a
-- running SHA-256 hash chain. The PostgreSQL twin is ../postgres/0003_audit.sql; docs/registry.md explains.
--
-- No personal data: only ids, role and action codes, region codes, a purpose code and the client address.
-- Each row's hash covers the previous row's hash and every field of the row (crates/store/src/audit.rs), so
-- editing, deleting or reordering rows breaks the chain; audit_head holds the count and last hash, so
-- cutting rows off the end is seen too. The triggers stop accidental changes through SQL; the chain (and
-- its head anchored in the transparency ledger) catches deliberate ones.

CREATE TABLE audit_log (
    seq         INTEGER NOT NULL PRIMARY KEY,     -- 1, 2, 3, … without gaps
    at          TEXT NOT NULL,
    actor_user  BLOB NOT NULL,
    actor_role  TEXT NOT NULL,
    action      TEXT NOT NULL,                    -- e.g. 'registry.read', 'registry.propose'
    object_kind TEXT NOT NULL,                    -- e.g. 'household', 'request', 'search'
    object_id   BLOB,
    region_code TEXT,
    purpose     TEXT NOT NULL,                    -- why, as a code
    client      TEXT,                             -- where from: the client address, if known
    hash        BLOB NOT NULL
);

CREATE INDEX audit_log_actor ON audit_log (actor_user, seq);
CREATE INDEX audit_log_object ON audit_log (object_id, seq);
CREATE INDEX audit_log_region ON audit_log (region_code, seq);

-- One row: the number of entries and the hash of the last one (32 zero bytes before the first).
-- Appending updates it first, which also serialises concurrent appenders.
CREATE TABLE audit_head (
    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  BLOB NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
