//! Connecting: clear errors for every way a database URL can be wrong.

use std::sync::Arc;

use tepat_crypto::Keyring;
use tepat_store::{connect, StoreError};

fn keyring() -> Arc<Keyring> {
    Arc::new(Keyring::generate())
}

#[tokio::test]
async fn unknown_scheme_names_the_scheme_only() {
    let err = connect("mysql://root:hunter2@db/tepat", keyring())
        .await
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(matches!(err, StoreError::UnknownScheme { .. }), "{text}");
    assert!(
        text.contains("`mysql`") && text.contains("sqlite://"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn sqlite_file_in_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/no/such/dir/tepat.db", dir.path().display());
    let err = connect(&url, keyring()).await.err().unwrap();
    let text = err.to_string();
    assert!(matches!(err, StoreError::SqliteOpen { .. }), "{text}");
    assert!(text.contains("does not exist"), "{text}");
}

#[tokio::test]
async fn sqlite_file_that_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "this is not a database, just some text ".repeat(200)).unwrap();
    let url = format!("sqlite://{}", path.display());
    let result = match connect(&url, keyring()).await {
        Ok(store) => store.migrate().await,
        Err(e) => Err(e),
    };
    let text = result.unwrap_err().to_string();
    assert!(text.contains("not a database"), "{text}");
}

#[tokio::test]
async fn postgres_server_not_reachable() {
    // Port 9 (discard) on loopback: nothing listens there.
    let err = connect("postgres://tepat:secret@127.0.0.1:9/tepat", keyring())
        .await
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(
        matches!(err, StoreError::PostgresUnreachable { .. }),
        "{text}"
    );
    assert!(
        text.contains("127.0.0.1:9") && text.contains("not reachable"),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");
}

#[tokio::test]
async fn postgres_refuses_a_wrong_password() {
    let Some(url) = tepat_store::testing::postgres_url() else {
        return;
    };
    let Some((_, rest)) = url.split_once('@') else {
        return;
    };
    let wrong = format!("postgres://tepat_no_such_user:wrong@{rest}");
    let err = connect(&wrong, keyring()).await.err().unwrap();
    let text = err.to_string();
    assert!(matches!(err, StoreError::PostgresRefused { .. }), "{text}");
    assert!(!text.contains("wrong@"), "{text}");
}
