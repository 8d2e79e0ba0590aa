-- tepat schema 7 (SQLite): officers' passkeys (WebAuthn credentials), a second way to sign in.
-- The PostgreSQL twin is ../postgres/0007_passkeys.sql; docs/accounts.md explains the choices.

-- One row per passkey. Only public data: the credential id the authenticator chose, the public key and
-- the state the relying-party library keeps (encoded by `webauthn_rp`'s `bin` format), never a secret.
CREATE TABLE account_passkey (
    credential_id  BLOB NOT NULL PRIMARY KEY,                 -- chosen by the authenticator, ≤ 1023 bytes
    account_id     BLOB NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    static_state   BLOB NOT NULL,                             -- public key + static extension outputs
    dynamic_state  BLOB NOT NULL,                             -- sign counter, backup and UV flags
    name           TEXT NOT NULL,                             -- chosen by the officer ("HP kantor")
    created_at     TEXT NOT NULL,
    last_used_at   TEXT
) WITHOUT ROWID;

CREATE INDEX account_passkey_account ON account_passkey (account_id);
