//! Key rotation on every backend: after a new key becomes active, `reseal` re-encrypts every sealed value
//! under it, so the old key can be retired and everything still opens.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tepat_crypto::Keyring;
use tepat_domain::registry::{Change, ChangeKind, Request, Submission, Who};
use tepat_domain::Role;
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    connect, AuditAction, AuditEntry, HouseholdState, ImportMeta, ImportSummaryForRun,
    PopulationRecord, SaveHousehold, Store, StoreError,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    resealing_moves_every_value_to_the_new_key,
    an_interrupted_or_repeated_reseal_is_harmless,
);

const VILLAGE: &str = "19.02.01.1001";

fn now() -> DateTime<Utc> {
    Utc::now()
}

async fn import(store: &dyn Store, rows: &[PopulationRecord]) {
    let mut import = store
        .begin_population_import(ImportMeta {
            source_name: "penduduk.csv".into(),
        })
        .await
        .unwrap();
    import.write_batch(rows).await.unwrap();
    import
        .finish(ImportSummaryForRun {
            rows_read: rows.len() as u64,
            rows_valid: rows.len() as u64,
            rows_rejected: 0,
            source_sha256: None,
        })
        .await
        .unwrap();
}

/// Proposes the first family of `rows` into the registry; returns its id.
async fn propose(store: &dyn Store, rows: &[PopulationRecord]) -> Uuid {
    let family: Vec<PopulationRecord> = rows
        .iter()
        .filter(|r| r.kk_number == rows[0].kk_number)
        .cloned()
        .collect();
    let household = sample::registry_household(&family);
    let who = Who {
        user: Uuid::now_v7(),
        role: Role::VillageOperator,
    };
    let request = Request::propose(
        Uuid::now_v7(),
        ChangeKind::NewHousehold,
        household.id,
        household.village,
        who,
        now(),
        "usulan",
    )
    .unwrap();
    let submission = Submission {
        change: Change::NewHousehold {
            household: household.clone(),
        },
        field_visit: None,
    };
    let audit = AuditEntry {
        actor: who.user,
        role: Role::VillageOperator,
        action: AuditAction::Propose,
        object: tepat_store::ObjectKind::Request,
        object_id: Some(request.id),
        region: Some(household.village),
        purpose: "test".into(),
        client: None,
    };
    let save = SaveHousehold {
        household: household.clone(),
        state: HouseholdState::Proposed,
        expected_version: None,
        verified: false,
    };
    store
        .registry_propose(&request, &submission, Some(save), &audit)
        .await
        .unwrap();
    household.id
}

/// A store and its rows: 2 families of 3 in the extract, the first also in the registry. Sealed values:
/// 6 persons × 2 + 1 household × 2 + 3 members × 2 + 1 request = 21.
async fn filled(db: &TestDb) -> (Vec<PopulationRecord>, Uuid) {
    let rows = sample::households(VILLAGE, 2, 3, 1);
    import(db.store.as_ref(), &rows).await;
    let household = propose(db.store.as_ref(), &rows).await;
    (rows, household)
}

const SEALED_VALUES: u64 = 21;

async fn reopen(db: &TestDb, keyring: Keyring) -> Arc<dyn Store> {
    connect(&db.url, Arc::new(keyring)).await.unwrap()
}

async fn resealing_moves_every_value_to_the_new_key(db: TestDb) {
    let (rows, household) = filled(&db).await;
    let usage = db.store.key_usage().await.unwrap();
    assert_eq!(
        usage.into_iter().collect::<Vec<_>>(),
        vec![(1, SEALED_VALUES)]
    );

    let mut rotated = (*db.keyring).clone();
    assert_eq!(rotated.rotate(), 2);
    let store = reopen(&db, rotated.clone()).await;
    let seen = std::sync::Mutex::new(Vec::new());
    let report = store
        .reseal(&|n| seen.lock().unwrap().push(n))
        .await
        .unwrap();
    assert_eq!(report.values, SEALED_VALUES);
    assert_eq!(report.resealed, SEALED_VALUES);
    assert_eq!(seen.lock().unwrap().last(), Some(&SEALED_VALUES));
    let usage = store.key_usage().await.unwrap();
    assert_eq!(
        usage.into_iter().collect::<Vec<_>>(),
        vec![(2, SEALED_VALUES)]
    );

    // Key 1 retired: everything still opens.
    rotated.retire(1).unwrap();
    let store = reopen(&db, rotated).await;
    let person = store
        .population_person_by_nik(&rows[4].nik)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.record.kk_number, rows[4].kk_number);
    let stored = store.registry_household(household).await.unwrap().unwrap();
    assert_eq!(stored.household.kk_number, rows[0].kk_number);
    assert_eq!(stored.household.members.len(), 3);

    // A keyring with only the old key opens nothing any more: the values really were re-encrypted.
    let old_only = reopen(&db, (*db.keyring).clone()).await;
    assert!(matches!(
        old_only.population_person_by_nik(&rows[4].nik).await,
        Err(StoreError::Undecryptable { .. })
    ));
}

async fn an_interrupted_or_repeated_reseal_is_harmless(db: TestDb) {
    let (rows, _) = filled(&db).await;
    let mut rotated = (*db.keyring).clone();
    rotated.rotate();
    let store = reopen(&db, rotated).await;
    // New values written under key 2 while old ones remain (as after an interruption) ...
    let more = sample::households(VILLAGE, 1, 2, 50);
    import(store.as_ref(), &more).await;
    let usage = store.key_usage().await.unwrap();
    assert_eq!(usage.get(&1), Some(&SEALED_VALUES));
    assert_eq!(usage.get(&2), Some(&4));
    // ... a reseal touches only the old ones, and a second one nothing.
    let first = store.reseal(&|_| {}).await.unwrap();
    assert_eq!(
        (first.values, first.resealed),
        (SEALED_VALUES + 4, SEALED_VALUES)
    );
    let second = store.reseal(&|_| {}).await.unwrap();
    assert_eq!(second.resealed, 0);
    assert!(store
        .population_person_by_nik(&rows[0].nik)
        .await
        .unwrap()
        .is_some());
}
