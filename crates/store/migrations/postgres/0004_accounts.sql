-- tepat schema 4 (PostgreSQL): officers' accounts and their sign-in sessions.
-- The SQLite twin is ../sqlite/0004_accounts.sql; docs/accounts.md explains the choices.
-- Small tables, read on every signed-in request: replicated (reference tables), not sharded.

CREATE TABLE account (
    id               UUID NOT NULL PRIMARY KEY,
    username         TEXT NOT NULL,
    display_name     TEXT NOT NULL,
    role             TEXT NOT NULL,
    scope_region     TEXT COLLATE "C" REFERENCES region (code),
    password_hash    TEXT NOT NULL,
    disabled         BOOLEAN NOT NULL DEFAULT FALSE,
    failed_sign_ins  INTEGER NOT NULL DEFAULT 0,
    locked_until     TIMESTAMPTZ,
    last_sign_in_at  TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);

CREATE UNIQUE INDEX account_username ON account (username);

CREATE TABLE account_session (
    token_hash   BYTEA NOT NULL PRIMARY KEY,
    account_id   UUID NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX account_session_account ON account_session (account_id);
