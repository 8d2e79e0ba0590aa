-- tepat schema 7 (PostgreSQL): officers' passkeys (WebAuthn credentials), a second way to sign in.
-- The SQLite twin is ../sqlite/0007_passkeys.sql; docs/accounts.md explains the choices.
-- A small table read at sign-in: replicated (reference table), not sharded.

CREATE TABLE account_passkey (
    credential_id  BYTEA NOT NULL PRIMARY KEY,
    account_id     UUID NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    static_state   BYTEA NOT NULL,
    dynamic_state  BYTEA NOT NULL,
    name           TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    last_used_at   TIMESTAMPTZ
);

CREATE INDEX account_passkey_account ON account_passkey (account_id);
