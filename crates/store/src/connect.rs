//! Choosing the backend from the database URL.

use std::path::PathBuf;
use std::sync::Arc;

use tepat_crypto::Keyring;

use crate::error::StoreError;
use crate::postgres::PostgresStore;
use crate::sqlite::SqliteStore;
use crate::store::Store;

/// Where a database URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://PATH` or `sqlite:PATH`: a file (relative paths are relative to the working directory;
    /// `sqlite:///abs/path` is absolute).
    Sqlite(PathBuf),
    /// `postgres://…` or `postgresql://…`, passed to the driver as it is.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, StoreError> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            return sqlite_path(rest.strip_prefix("//").unwrap_or(rest)).map(DatabaseUrl::Sqlite);
        }
        let scheme = url.split_once(':').map_or(url, |(s, _)| s);
        Err(StoreError::UnknownScheme {
            scheme: scheme.chars().take(20).collect(),
        })
    }
}

fn sqlite_path(path: &str) -> Result<PathBuf, StoreError> {
    let invalid = |reason: &str| StoreError::InvalidUrl {
        reason: reason.to_owned(),
    };
    if path.is_empty() {
        return Err(invalid(
            "an SQLite URL needs a file name, e.g. sqlite://tepat.db",
        ));
    }
    if path.starts_with(":memory:") || path.contains("mode=memory") {
        return Err(invalid(
            "in-memory SQLite databases are not supported; give a file, e.g. sqlite://tepat.db",
        ));
    }
    if path.contains('?') {
        return Err(invalid(
            "SQLite URL options (`?…`) are not supported; tepat sets WAL, foreign keys and timeouts itself",
        ));
    }
    Ok(PathBuf::from(path))
}

/// Connects to the database the URL names: `sqlite://FILE` (embedded; created if missing) or
/// `postgres://…`. Call [`Store::migrate`] before use.
pub async fn connect(url: &str, keyring: Arc<Keyring>) -> Result<Arc<dyn Store>, StoreError> {
    match DatabaseUrl::parse(url)? {
        DatabaseUrl::Sqlite(path) => Ok(Arc::new(SqliteStore::open(&path, keyring).await?)),
        DatabaseUrl::Postgres(url) => Ok(Arc::new(PostgresStore::connect(&url, keyring).await?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://tepat.db").unwrap(),
            DatabaseUrl::Sqlite("tepat.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:data/tepat.db").unwrap(),
            DatabaseUrl::Sqlite("data/tepat.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/tepat.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/tepat.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u:p@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        let err = DatabaseUrl::parse("mysql://root:secret@h/db").unwrap_err();
        assert!(matches!(&err, StoreError::UnknownScheme { scheme } if scheme == "mysql"));
        assert!(!err.to_string().contains("secret"));
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("tepat.db").is_err());
    }
}
