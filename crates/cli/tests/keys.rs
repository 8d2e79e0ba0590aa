//! `tepat admin rotate-keys` and keys from the environment, through the binary, on a real SQLite file.

use std::path::Path;
use std::sync::Arc;

use tepat_crypto::Keyring;
use tepat_domain::{KkNumber, Nik};

mod support;
use support::{succeeds, tepat};

/// The NIK and KK number of the first person in a population CSV.
fn first_person(csv: &Path) -> (Nik, KkNumber) {
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name| row[header.iter().position(|h| *h == name).unwrap()];
    (
        Nik::parse_structure(at("nik")).unwrap(),
        KkNumber::parse_structure(at("kk_number")).unwrap(),
    )
}

/// A registry database with a small generated population imported.
fn imported(dir: &Path) {
    succeeds(tepat(dir).args([
        "generate",
        "--out",
        "gen",
        "--seed",
        "3",
        "--persons",
        "300",
    ]));
    succeeds(tepat(dir).args(["import", "population", "gen/population.csv"]));
}

#[test]
fn rotating_then_retiring_keeps_every_record_readable_under_the_new_key_only() {
    let dir = tempfile::tempdir().unwrap();
    imported(dir.path());
    let keys = dir.path().join("tepat.keys");
    assert_eq!(Keyring::load(&keys).unwrap().key_ids(), vec![1]);

    let out = succeeds(tepat(dir.path()).args(["admin", "rotate-keys"]));
    assert!(out.contains("key 2 is now the active key"), "{out}");
    assert!(out.contains("re-sealed under key 2"), "{out}");
    assert!(out.contains("old keys 1 stay in the key file"), "{out}");
    let ring = Keyring::load(&keys).unwrap();
    assert_eq!((ring.key_ids(), ring.active_key()), (vec![1, 2], 2));

    let out = succeeds(tepat(dir.path()).args(["admin", "rotate-keys", "--resume", "--retire"]));
    assert!(
        out.contains(" 0 re-sealed"),
        "nothing left to re-seal: {out}"
    );
    assert!(out.contains("retired keys 1"), "{out}");
    let ring = Keyring::load(&keys).unwrap();
    assert_eq!(ring.key_ids(), vec![2]);

    // The database opens with the new key file alone and decrypts what it holds.
    let (nik, kk) = first_person(&dir.path().join("gen/population.csv"));
    let url = format!("sqlite://{}", dir.path().join("tepat.db").display());
    let person = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = tepat_store::connect(&url, Arc::new(ring)).await.unwrap();
        store.population_person_by_nik(&nik).await.unwrap()
    });
    assert_eq!(person.expect("the person is found").record.kk_number, kk);
}

#[test]
fn keys_can_come_from_the_environment_but_are_not_rotated_there() {
    let dir = tempfile::tempdir().unwrap();
    let ring = Keyring::generate();
    let out = succeeds(
        tepat(dir.path())
            .env("TEPAT_KEYS", ring.to_toml())
            .arg("migrate"),
    );
    assert!(out.contains("database is up to date"), "{out}");
    assert!(
        !dir.path().join("tepat.keys").exists(),
        "no key file is created when the keys come from the environment"
    );

    let o = tepat(dir.path())
        .env("TEPAT_KEYS", ring.to_toml())
        .args(["admin", "rotate-keys"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the keys come from the environment (TEPAT_KEYS)"),
        "{err}"
    );

    let o = tepat(dir.path())
        .env("TEPAT_KEYS", "active = 1")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("TEPAT_KEYS does not hold a valid keyring"),
        "{err}"
    );
    assert!(
        !err.contains("active = 1"),
        "the error does not echo the secret: {err}"
    );
}
