//! The citizen status check on both backends: a registered household's card (registry stage, the
//! program of its entitlement with the history item, the pass naming the household), an unregistered
//! person's card (not listed, advice to propose), the one answer for a wrong KK and an unknown NIK,
//! malformed numbers named, limits per client and per NIK, the index reloaded after a population
//! import, and the SMS reply built from the same card.

use std::time::Duration;

use chrono::Utc;
use tepat_core::intake::citizen::{CitizenError, Proof};
use tepat_core::portal::status::{
    sms, Advice, LimitSettings, RegistryStage, Stage, StatusService, StatusSettings,
};
use tepat_core::portal::PassKey;
use tepat_core::registry::Origin;
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::registry::{Change, ChangeKind, Request, Submission, Who};
use tepat_domain::{RegionCode, Role, Rupiah};
use tepat_regions::RegionTable;
use tepat_store::testing::{run_postgres, run_sqlite, sample, TestDb};
use tepat_store::{
    AuditAction, AuditEntry, Entitlement, HouseholdState, ImportMeta, ImportSummaryForRun,
    NewEnvelope, PopulationRecord, SaveHousehold, Store,
};
use uuid::Uuid;

const VILLAGE: &str = "19.02.01.1001";

async fn import(store: &dyn Store, records: &[PopulationRecord]) {
    let mut import = store
        .begin_population_import(ImportMeta {
            source_name: "test.csv".into(),
        })
        .await
        .unwrap();
    import.write_batch(records).await.unwrap();
    let n = records.len() as u64;
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

/// Registers the family of `records` as an active household; returns its id.
async fn register(store: &dyn Store, records: &[PopulationRecord]) -> Uuid {
    let h = sample::registry_household(records);
    let who = Who {
        user: Uuid::now_v7(),
        role: Role::VillageOperator,
    };
    let request = Request::propose(
        Uuid::now_v7(),
        ChangeKind::NewHousehold,
        h.id,
        h.village,
        who,
        Utc::now(),
        "usulan",
    )
    .unwrap();
    let audit = AuditEntry {
        actor: who.user,
        role: Role::VillageOperator,
        action: AuditAction::Propose,
        object: tepat_store::ObjectKind::Request,
        object_id: Some(request.id),
        region: Some(h.village),
        purpose: "test".into(),
        client: None,
    };
    let submission = Submission {
        change: Change::NewHousehold {
            household: h.clone(),
        },
        field_visit: None,
    };
    let save = SaveHousehold {
        household: h.clone(),
        state: HouseholdState::Active,
        expected_version: None,
        verified: false,
    };
    store
        .registry_propose(&request, &submission, Some(save), &audit)
        .await
        .unwrap();
    h.id
}

async fn pay(store: &dyn Store, household: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    let now = Utc::now();
    store
        .create_envelope(
            &NewEnvelope {
                id,
                program: "PKH".into(),
                cycle: "2027-T1".into(),
                program_version: 1,
                scheduled_date: now.date_naive(),
                prepared_by: Uuid::now_v7(),
                prepared_at: now,
            },
            &[Entitlement {
                household,
                village: RegionCode::parse(VILLAGE).unwrap(),
                amount: Rupiah::new(750_000),
                parts: "[]".into(),
                route: Route::Bank,
                provider: Some("BRI".into()),
                state: EntitlementState::Pending,
                reason: None,
            }],
        )
        .await
        .unwrap();
    id
}

fn service(limits: LimitSettings) -> StatusService {
    StatusService::new(
        StatusSettings {
            limits,
            refresh_every: Duration::ZERO,
            office_contact: "Dinas Sosial, (0719) 21000".into(),
            ..StatusSettings::default()
        },
        RegionTable::embedded(),
    )
}

fn origin(client: &str) -> Origin {
    Origin::now(Some(client.to_owned()))
}

async fn cards_and_refusals(db: TestDb) {
    let store = db.store.as_ref();
    let people = sample::households(VILLAGE, 2, 3, 40);
    import(store, &people).await;
    let household = register(store, &people[..3]).await;
    let envelope = pay(store, household).await;
    let status = service(LimitSettings {
        per_client: 1000,
        per_nik: 1000,
    });
    let key = PassKey::random();
    let (head, other) = (&people[0], &people[3]);

    let proof = Proof {
        nik: head.nik.digits(),
        kk: head.kk_number.digits(),
    };
    let card = status
        .check(store, &key, &proof, &origin("10.0.0.1:5"))
        .await
        .unwrap();
    assert!(card.registered);
    assert_eq!(card.registry, RegistryStage::Verified);
    assert_eq!(card.village.to_string(), head.village.to_string());
    assert_eq!(card.contact.office, "Dinas Sosial, (0719) 21000");
    let pkh = card.programs.iter().find(|p| p.program == "PKH").unwrap();
    assert_eq!(
        pkh.stage,
        Stage::Verified,
        "an entitlement is not an enrolment"
    );
    assert_eq!(pkh.history.len(), 1);
    assert_eq!(pkh.history[0].envelope_id, envelope);
    assert_eq!(pkh.history[0].amount, Rupiah::new(750_000));
    assert!(!pkh.history[0].rateable, "pending, not completed");
    assert_eq!(card.advice, Advice::AskOperator);
    let pass = key.verify(&card.pass, Utc::now()).unwrap();
    assert_eq!(pass.household, Some(household));
    let json = String::from_utf8(
        status
            .check_json(store, &key, &proof, &origin("10.0.0.1:5"))
            .await
            .unwrap(),
    )
    .unwrap();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["pass"].as_str().unwrap().starts_with("TPP1."));
    assert_eq!(value["registry"], "verified");
    assert!(!json.contains(head.nik.digits()), "no NIK in the card");

    // A person of the extract whose family is not in the registry.
    let outside = status
        .check(
            store,
            &key,
            &Proof {
                nik: other.nik.digits(),
                kk: other.kk_number.digits(),
            },
            &origin("10.0.0.1:5"),
        )
        .await
        .unwrap();
    assert_eq!(outside.registry, RegistryStage::NotListed);
    assert!(!outside.registered);
    assert_eq!(outside.advice, Advice::Propose);
    assert!(key
        .verify(&outside.pass, Utc::now())
        .unwrap()
        .household
        .is_none());

    // Wrong KK and unknown NIK: the one answer.
    let wrong_kk = Proof {
        nik: head.nik.digits(),
        kk: other.kk_number.digits(),
    };
    let unknown = sample::person(VILLAGE, 9, 9000, tepat_domain::Relationship::KepalaKeluarga);
    let unknown_nik = Proof {
        nik: unknown.nik.digits(),
        kk: head.kk_number.digits(),
    };
    for proof in [&wrong_kk, &unknown_nik] {
        let e = status
            .check(store, &key, proof, &origin("10.0.0.1:5"))
            .await
            .unwrap_err();
        assert_eq!(e, CitizenError::NotRecognised);
    }
    let malformed = status
        .check(
            store,
            &key,
            &Proof {
                nik: "12345",
                kk: head.kk_number.digits(),
            },
            &origin("10.0.0.1:5"),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        malformed,
        CitizenError::Field { field: "nik", .. }
    ));

    // The SMS reply is built from the same card.
    let reply = sms::answer(
        &status,
        store,
        "+6281200000000",
        &format!("cek  {} {}", head.nik.digits(), head.kk_number.digits()),
        Utc::now(),
    )
    .await;
    assert!(reply.starts_with("BANSOS "), "{reply}");
    assert!(reply.contains("terdaftar di data sosial"), "{reply}");
    assert!(reply.contains("PKH"), "{reply}");
    assert!(reply.len() <= sms::MAX_REPLY_CHARS);
    assert!(!reply.contains(head.nik.digits()));
}

async fn limits_and_reload(db: TestDb) {
    let store = db.store.as_ref();
    let people = sample::households(VILLAGE, 2, 3, 40);
    import(store, &people[..3]).await;
    let status = service(LimitSettings {
        per_client: 3,
        per_nik: 5,
    });
    let key = PassKey::random();
    let later = &people[3];
    let proof = Proof {
        nik: later.nik.digits(),
        kk: later.kk_number.digits(),
    };
    assert_eq!(
        status
            .check(store, &key, &proof, &origin("10.0.0.2:1"))
            .await
            .unwrap_err(),
        CitizenError::NotRecognised,
        "not imported yet"
    );
    import(store, &people[3..]).await;
    status
        .check(store, &key, &proof, &origin("10.0.0.2:2"))
        .await
        .expect("the index is reloaded after the import");
    status
        .check(store, &key, &proof, &origin("10.0.0.2:3"))
        .await
        .unwrap();
    assert_eq!(
        status
            .check(store, &key, &proof, &origin("10.0.0.2:4"))
            .await
            .unwrap_err(),
        CitizenError::TooMany,
        "the fourth attempt from one client"
    );
    status
        .check(store, &key, &proof, &origin("10.0.0.3:1"))
        .await
        .expect("another client is not affected");
    assert_eq!(
        status
            .check(store, &key, &proof, &origin("10.0.0.4:1"))
            .await
            .unwrap_err(),
        CitizenError::TooMany,
        "the sixth attempt for one NIK (refused ones count too), from anyone"
    );
}

#[tokio::test]
async fn cards_and_refusals_sqlite() {
    run_sqlite(cards_and_refusals).await;
}

#[tokio::test]
async fn cards_and_refusals_postgres() {
    run_postgres(cards_and_refusals).await;
}

#[tokio::test]
async fn limits_and_reload_sqlite() {
    run_sqlite(limits_and_reload).await;
}

#[tokio::test]
async fn limits_and_reload_postgres() {
    run_postgres(limits_and_reload).await;
}
