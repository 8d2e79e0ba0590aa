-- tepat schema 3 (PostgreSQL): the audit log — every full-record read and every change, append-only, with a
-- running SHA-256 hash chain. The SQLite twin is ../sqlite/0003_audit.sql; docs/registry.md explains.
--
-- No personal data: only ids, role and action codes, region codes, a purpose code and the client address.
-- Each row's hash covers the previous row's hash and every field of the row (crates/store/src/audit.rs), so
-- editing, deleting or reordering rows breaks the chain; audit_head holds the count and last hash, so
-- cutting rows off the end is seen too. The triggers stop accidental changes through SQL; the chain (and
-- its head anchored in the transparency ledger) catches deliberate ones.

CREATE TABLE audit_log (
    seq         BIGINT NOT NULL PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_user  UUID NOT NULL,
    actor_role  TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_kind TEXT NOT NULL,
    object_id   UUID,
    region_code TEXT COLLATE "C",
    purpose     TEXT NOT NULL,
    client      TEXT,
    hash        BYTEA NOT NULL
);

CREATE INDEX audit_log_actor ON audit_log (actor_user, seq);
CREATE INDEX audit_log_object ON audit_log (object_id, seq);
CREATE INDEX audit_log_region ON audit_log (region_code, seq);

CREATE TABLE audit_head (
    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  BYTEA NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
