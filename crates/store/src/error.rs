//! What can go wrong in the store, said so that an operator knows what to do.
//!
//! Messages never contain personal data and never the full database URL (it may hold a password): only the
//! scheme, the file path of an SQLite database or the host and port of a PostgreSQL server.

/// An error from the store. Every message says what was wrong and, where there is something to do, what.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "database URL scheme `{scheme}` is not supported: use sqlite://FILE (the embedded database, e.g. \
         sqlite://tepat.db) or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
    )]
    UnknownScheme { scheme: String },

    #[error("database URL is not valid: {reason}")]
    InvalidUrl { reason: String },

    #[error(
        "cannot open the SQLite database file {path}: {reason}; check that its directory exists and is \
         writable by this user"
    )]
    SqliteOpen { path: String, reason: String },

    #[error(
        "database is a PostgreSQL URL but the server at {target} is not reachable ({reason}); start \
         PostgreSQL or correct the host and port in --database / TEPAT_DATABASE_URL"
    )]
    PostgresUnreachable { target: String, reason: String },

    #[error(
        "the PostgreSQL server at {target} refused the connection: {reason}; check the user, password and \
         database name in --database / TEPAT_DATABASE_URL"
    )]
    PostgresRefused { target: String, reason: String },

    #[error(
        "database migration failed: {reason}; if the database was created by a newer tepat, use that \
         version"
    )]
    Migrate { reason: String },

    #[error(
        "the database is busy (another tepat process, probably an import, is writing to it); try again \
         when it has finished"
    )]
    Busy,

    #[error(
        "the same NIK was written twice in one import; the import was rolled back and nothing was stored"
    )]
    DuplicateNik,

    #[error(
        "a stored {what} cannot be decrypted: the key file does not belong to this database, or the row \
         was altered outside tepat"
    )]
    Undecryptable { what: &'static str },

    #[error("the database holds a value tepat cannot read ({what}); was it edited outside tepat?")]
    Corrupt { what: String },

    #[error("an account named `{username}` exists already; choose another username")]
    UsernameTaken { username: String },

    #[error("this passkey is registered already (to this or another account)")]
    PasskeyTaken,

    #[error(
        "an agency with sender id {sender_id} is registered already; choose another or change its keys \
         with `tepat admin set-agency-keys`"
    )]
    SenderTaken { sender_id: String },

    #[error(
        "region {region} is not in the region table; use a Kemendagri code such as 19.02.01.2001 \
         (see `tepat migrate`, which loads the table)"
    )]
    UnknownRegion { region: String },

    #[error(
        "the {what} was changed by someone else in the meantime (or exists already); reload it and \
         try again"
    )]
    Conflict { what: &'static str },

    #[error("the {what} does not exist")]
    NotFound { what: &'static str },

    #[error("audit entry field `{field}` must be a short code without spaces or personal data")]
    InvalidAudit { field: &'static str },

    #[error("type at least {min} letters of the name to search")]
    SearchTooShort { min: usize },

    #[error("database error while {action}: {reason}")]
    SqliteWrite {
        action: &'static str,
        reason: String,
    },

    #[error("database error while {action}: {reason}")]
    Database {
        action: &'static str,
        reason: String,
        #[source]
        source: sqlx::Error,
    },
}

/// sqlite3 result codes that mean "another connection holds the lock".
const SQLITE_BUSY_CODES: [&str; 4] = ["5", "6", "517", "262"];

impl StoreError {
    /// Wraps a database error met while doing `action` (e.g. "writing population rows").
    ///
    /// Only the driver's main message is kept: PostgreSQL's *detail* (which can quote key values) is not.
    pub(crate) fn db(action: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
        move |source| {
            if let Some(db) = source.as_database_error() {
                let code = db.code().unwrap_or_default();
                if SQLITE_BUSY_CODES.contains(&code.as_ref()) {
                    return StoreError::Busy;
                }
                if db.is_unique_violation() && db.message().contains("nik") {
                    return StoreError::DuplicateNik;
                }
            }
            let reason = match &source {
                sqlx::Error::Database(db) => db.message().to_owned(),
                other => other.to_string(),
            };
            StoreError::Database {
                action,
                reason,
                source,
            }
        }
    }
}
