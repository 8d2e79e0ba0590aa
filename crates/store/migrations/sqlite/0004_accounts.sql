-- tepat schema 4 (SQLite): officers' accounts and their sign-in sessions.
-- The PostgreSQL twin is ../postgres/0004_accounts.sql; docs/accounts.md explains the choices.

-- One row per user account. The password exists only as an Argon2id PHC string. No e-mail address or
-- phone number is kept: accounts are created by an administrator, who hands over the first password.
CREATE TABLE account (
    id               BLOB NOT NULL PRIMARY KEY,            -- UUIDv7
    username         TEXT NOT NULL,                        -- lower case, unique
    display_name     TEXT NOT NULL,
    role             TEXT NOT NULL,                        -- tepat_domain::Role code
    scope_region     TEXT REFERENCES region (code),        -- NULL: every region (Scope::All)
    password_hash    TEXT NOT NULL,                        -- Argon2id, PHC string
    disabled         INTEGER NOT NULL DEFAULT 0,           -- locked by an administrator
    failed_sign_ins  INTEGER NOT NULL DEFAULT 0,           -- consecutive, since the last success or lockout
    locked_until     TEXT,                                 -- locked after too many failures, until then
    last_sign_in_at  TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) WITHOUT ROWID;

CREATE UNIQUE INDEX account_username ON account (username);

-- One row per signed-in browser. The cookie holds a random 256-bit token; only its SHA-256 is stored, so
-- a copy of the database does not let anyone sign in.
CREATE TABLE account_session (
    token_hash   BLOB NOT NULL PRIMARY KEY,
    account_id   BLOB NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX account_session_account ON account_session (account_id);
