//! Two uploads of the same proposals CSV at the same time, on every backend: each household is proposed
//! once, and the other upload reports it as already there; a claim left by an upload that died is
//! taken over once it is stale, a fresh one is respected.

use std::sync::Arc;

use chrono::Duration;
use tepat_core::access::{Actor, Propose};
use tepat_core::intake::{upload_proposals, Mode, Outcome, UploadReport};
use tepat_core::registry::Origin;
use tepat_domain::{RegionCode, Role, Scope};
use tepat_regions::RegionTable;
use tepat_store::testing::{sample, TestDb};
use tepat_store::{HouseholdState, ImportMeta, ImportSummaryForRun, PopulationRecord, Store};
use uuid::Uuid;

tepat_store::on_every_backend!(
    two_concurrent_uploads_of_one_file_propose_each_household_once,
    a_stale_claim_is_taken_over_and_a_fresh_one_respected,
);

const VILLAGE: &str = "19.02.01.1001";
const HEADER: &str = "kk_number,village_code,address,rt,rw,nik,full_name,sex,birth_date,relationship,phone,sector,reason";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn csv(records: &[PopulationRecord]) -> String {
    let mut s = format!("{HEADER}\n");
    for r in records {
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},,,\n",
            r.kk_number.digits(),
            r.village.dotted(),
            r.address,
            r.rt,
            r.rw,
            r.nik.digits(),
            r.full_name,
            r.sex.letter(),
            r.birth_date,
            r.relationship.code()
        ));
    }
    s
}

async fn import(store: &dyn Store, rows: &[PopulationRecord]) {
    let mut import = store
        .begin_population_import(ImportMeta {
            source_name: "penduduk.csv".into(),
        })
        .await
        .unwrap();
    let n = rows.len() as u64;
    import.write_batch(rows).await.unwrap();
    import
        .finish(ImportSummaryForRun {
            rows_read: n,
            rows_valid: n,
            rows_rejected: 0,
            source_sha256: None,
        })
        .await
        .unwrap();
}

async fn upload(store: &dyn Store, file: &str) -> UploadReport {
    let actor = Actor::for_tests(Role::VillageOperator, Scope::Within(code(VILLAGE)));
    let grant = actor.may::<Propose>(&code(VILLAGE)).unwrap();
    upload_proposals(
        store,
        &grant,
        file.as_bytes(),
        Mode::Propose,
        RegionTable::embedded(),
        None,
        &Origin::now(None),
    )
    .await
    .unwrap()
}

/// Proposed or active households with this record's KK.
async fn open_with_kk(store: &dyn Store, r: &PopulationRecord) -> usize {
    let mut ids: Vec<Uuid> = store
        .registry_search_kk(&r.kk_number, &Scope::All)
        .await
        .unwrap()
        .iter()
        .filter(|h| {
            matches!(
                h.household_state,
                HouseholdState::Proposed | HouseholdState::Active
            )
        })
        .map(|h| h.household)
        .collect();
    ids.sort();
    ids.dedup();
    ids.len()
}

async fn two_concurrent_uploads_of_one_file_propose_each_household_once(db: TestDb) {
    const HOUSEHOLDS: usize = 6;
    let records = sample::households(VILLAGE, HOUSEHOLDS as u16, 3, 90);
    import(db.store.as_ref(), &records).await;
    let file = Arc::new(csv(&records));
    let start = Arc::new(tokio::sync::Barrier::new(2));
    let run = || {
        let (store, file, start) = (db.store.clone(), file.clone(), start.clone());
        tokio::spawn(async move {
            start.wait().await;
            upload(store.as_ref(), &file).await
        })
    };
    let (a, b) = (run(), run());
    let (a, b) = (a.await.unwrap(), b.await.unwrap());
    assert_eq!(
        a.proposed() + b.proposed(),
        HOUSEHOLDS,
        "a {:?} b {:?}",
        a.problems,
        b.problems
    );
    assert_eq!(a.already() + b.already(), HOUSEHOLDS);
    for report in [&a, &b] {
        assert!(report
            .problems
            .iter()
            .all(|p| p.code == "already_in_registry"));
    }
    for r in records.iter().step_by(3) {
        assert_eq!(open_with_kk(db.store.as_ref(), r).await, 1);
    }
}

async fn a_stale_claim_is_taken_over_and_a_fresh_one_respected(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE, 2, 2, 91);
    import(store, &records).await;
    let now = Origin::now(None).now;
    let (first, second) = (&records[0], &records[2]);
    assert_ne!(first.kk_number, second.kk_number);
    // An upload that died twenty minutes ago left a claim on the first KK; one running now holds the
    // second.
    let old = now - Duration::minutes(20);
    assert!(store
        .intake_claim_upload(&first.village, &first.kk_number, Uuid::now_v7(), old, old)
        .await
        .unwrap());
    assert!(store
        .intake_claim_upload(&second.village, &second.kk_number, Uuid::now_v7(), now, old)
        .await
        .unwrap());
    let report = upload(store, &csv(&records)).await;
    assert_eq!(report.proposed(), 1, "{:?}", report.problems);
    assert_eq!(report.already(), 1);
    let proposed: Vec<Uuid> = report
        .households
        .iter()
        .filter_map(|h| match h.outcome {
            Outcome::Proposed { household, .. } => Some(household),
            _ => None,
        })
        .collect();
    assert_eq!(proposed.len(), 1);
    assert_eq!(open_with_kk(store, first).await, 1);
    assert_eq!(open_with_kk(store, second).await, 0);
}
