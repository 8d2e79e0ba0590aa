//! Citizens' proposals and objections on every backend: NIK + KK checked against the extract with one
//! answer for every failure, rate limits, where proposals and objections land, the masked public list and
//! its 14-day window.

use chrono::Duration;
use tepat_core::access::{
    Actor, Decide, Propose, ReviewInDistrict, VerifyAtDinas, VerifyInVillage,
};
use tepat_core::intake::citizen::{
    self, CitizenError, LimitSettings, Limits, Proof, OBJECTION_WINDOW_DAYS,
};
use tepat_core::registry::{self, Origin};
use tepat_domain::registry::{FieldVisit, RegistryHousehold, SurveyAnswers};
use tepat_domain::{Lang, Localized, RegionCode, Role, Scope};
use tepat_regions::RegionTable;
use tepat_store::testing::{sample, TestDb};
use tepat_store::{ImportMeta, ImportSummaryForRun, PopulationRecord, Store, TipKind};

tepat_store::on_every_backend!(
    every_failed_identification_gets_the_same_answer,
    attempts_are_limited_per_nik_and_per_client,
    proposals_land_with_the_right_villages_operator,
    the_public_list_is_masked_and_objections_land_in_the_village_queue,
);

const VILLAGE_A: &str = "19.02.01.1001";
const VILLAGE_B: &str = "19.02.01.1002";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn origin() -> Origin {
    Origin::now(Some("10.1.2.3:5000".into()))
}

fn proof(r: &PopulationRecord) -> (String, String) {
    (r.nik.digits().to_owned(), r.kk_number.digits().to_owned())
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

async fn every_failed_identification_gets_the_same_answer(db: TestDb) {
    let store = db.store.as_ref();
    let mut people = sample::households(VILLAGE_A, 2, 2, 10);
    people[2].death_date = Some(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
    import(store, &people).await;
    let limits = Limits::default();
    let (nik, kk) = proof(&people[0]);
    let ok = citizen::identify(store, &limits, &Proof { nik: &nik, kk: &kk }, &origin())
        .await
        .unwrap();
    assert_eq!(ok.record.nik, people[0].nik);
    let (other_nik, other_kk) = proof(&people[3]);
    let unknown = sample::households(VILLAGE_A, 1, 1, 90)[0]
        .nik
        .digits()
        .to_owned();
    let (dead_nik, dead_kk) = proof(&people[2]);
    let cases = [
        (nik.as_str(), other_kk.as_str()),        // wrong pair
        (unknown.as_str(), kk.as_str()),          // not in the extract
        ("12345", kk.as_str()),                   // malformed
        (dead_nik.as_str(), dead_kk.as_str()),    // deceased
        (other_nik.as_str(), "0000000000000000"), // not a KK number
    ];
    let mut messages = Vec::new();
    for (n, k) in cases {
        let e = citizen::identify(store, &limits, &Proof { nik: n, kk: k }, &origin())
            .await
            .unwrap_err();
        assert_eq!(e, CitizenError::NotRecognised);
        messages.push((e.message(Lang::Id), e.message(Lang::En)));
    }
    messages.dedup();
    assert_eq!(messages.len(), 1, "one answer for every failure");
    assert!(!messages[0].0.contains(&nik) && !messages[0].1.contains(&kk));
}

async fn attempts_are_limited_per_nik_and_per_client(db: TestDb) {
    let store = db.store.as_ref();
    let people = sample::households(VILLAGE_A, 1, 2, 20);
    import(store, &people).await;
    let limits = Limits::new(LimitSettings {
        per_client: 6,
        per_nik: 3,
    });
    let (nik, kk) = proof(&people[0]);
    let wrong = proof(&people[1]).1.replace('1', "2");
    for _ in 0..3 {
        let e = citizen::identify(
            store,
            &limits,
            &Proof {
                nik: &nik,
                kk: &wrong,
            },
            &origin(),
        )
        .await
        .unwrap_err();
        assert_eq!(e, CitizenError::NotRecognised);
    }
    // The fourth try with this NIK is refused even with the right pair.
    let from_elsewhere = Origin::now(Some("10.9.9.9:1".into()));
    assert_eq!(
        citizen::identify(
            store,
            &limits,
            &Proof { nik: &nik, kk: &kk },
            &from_elsewhere
        )
        .await
        .unwrap_err(),
        CitizenError::TooMany
    );
    // The first client has made 3 attempts; 3 more with another NIK pass the NIK limit but not the
    // client's (6).
    let (nik2, kk2) = proof(&people[1]);
    for _ in 0..2 {
        citizen::identify(
            store,
            &limits,
            &Proof {
                nik: &nik2,
                kk: &kk2,
            },
            &origin(),
        )
        .await
        .unwrap();
    }
    let third = sample::households(VILLAGE_A, 1, 1, 30)[0]
        .nik
        .digits()
        .to_owned();
    let _ = citizen::identify(
        store,
        &limits,
        &Proof {
            nik: &third,
            kk: &kk2,
        },
        &origin(),
    )
    .await;
    assert_eq!(
        citizen::identify(
            store,
            &limits,
            &Proof {
                nik: &nik2,
                kk: &kk2
            },
            &origin()
        )
        .await
        .unwrap_err(),
        CitizenError::TooMany
    );
    assert!(CitizenError::TooMany
        .message(Lang::Id)
        .contains("terlalu banyak"));
}

async fn proposals_land_with_the_right_villages_operator(db: TestDb) {
    let store = db.store.as_ref();
    let people = sample::households(VILLAGE_A, 1, 2, 40);
    import(store, &people).await;
    let limits = Limits::default();
    let (nik, kk) = proof(&people[0]);
    let p = Proof { nik: &nik, kk: &kk };
    let own = citizen::propose_own(store, &limits, &p, "suami kena PHK", &origin())
        .await
        .unwrap();
    assert_eq!(own.village, code(VILLAGE_A));
    let neighbour = citizen::propose_neighbour(
        store,
        &limits,
        RegionTable::embedded(),
        &p,
        VILLAGE_B,
        "Mbah Sumiyem",
        "Gg. Mawar, RT 002 RW 001",
        "lansia tinggal sendiri",
        &origin(),
    )
    .await
    .unwrap();
    assert_eq!(neighbour.village, code(VILLAGE_B));
    let bad = citizen::propose_neighbour(
        store,
        &limits,
        RegionTable::embedded(),
        &p,
        "19.02.01.2999",
        "<b>x</b>",
        "x",
        "x",
        &origin(),
    )
    .await
    .unwrap_err();
    assert!(matches!(
        bad,
        CitizenError::Field {
            field: "village",
            ..
        }
    ));

    let op_a = Actor::for_tests(Role::VillageOperator, Scope::Within(code(VILLAGE_A)));
    let op_b = Actor::for_tests(Role::VillageOperator, Scope::Within(code(VILLAGE_B)));
    let seen_a = citizen::tips(store, &op_a.may_anywhere::<Propose>().unwrap(), &origin())
        .await
        .unwrap();
    let seen_b = citizen::tips(store, &op_b.may_anywhere::<Propose>().unwrap(), &origin())
        .await
        .unwrap();
    assert_eq!(seen_a.len(), 1);
    assert_eq!(seen_a[0].kind, TipKind::Own);
    assert_eq!(seen_a[0].details.reason, "suami kena PHK");
    assert_eq!(seen_a[0].details.name, people[0].full_name);
    assert_eq!(seen_b.len(), 1);
    assert_eq!(seen_b[0].kind, TipKind::Neighbour);
    assert_eq!(seen_b[0].details.name, "Mbah Sumiyem");
    assert_eq!(seen_b[0].details.proposer, people[0].full_name);
}

/// Proposes `h` and takes it through every level to approval.
async fn approve(store: &dyn Store, h: &RegistryHousehold) {
    let v = h.village;
    let op = Actor::for_tests(Role::VillageOperator, Scope::Within(v));
    let district = Actor::for_tests(Role::DistrictOperator, Scope::Within(code("19.02.01")));
    let verifier = Actor::for_tests(Role::Verifier, Scope::Within(code("19.02")));
    let approver = Actor::for_tests(Role::Approver, Scope::Within(code("19.02")));
    let o = origin();
    let r = registry::propose_household(
        store,
        &op.may::<Propose>(&v).unwrap(),
        h.clone(),
        "usulan",
        &o,
    )
    .await
    .unwrap();
    let visit = FieldVisit {
        visited_on: o.now.date_naive(),
        survey: SurveyAnswers {
            household: None,
            members: vec![],
        },
        location: None,
    };
    registry::verify(
        store,
        &op.may::<VerifyInVillage>(&v).unwrap(),
        r.id,
        visit,
        "dikunjungi",
        &o,
    )
    .await
    .unwrap();
    registry::review(
        store,
        &district.may::<ReviewInDistrict>(&v).unwrap(),
        r.id,
        "ok",
        &o,
    )
    .await
    .unwrap();
    registry::verify_at_dinas(
        store,
        &verifier.may::<VerifyAtDinas>(&v).unwrap(),
        r.id,
        "ok",
        &o,
    )
    .await
    .unwrap();
    registry::approve(
        store,
        &approver.may::<Decide>(&v).unwrap(),
        r.id,
        "layak",
        &o,
    )
    .await
    .unwrap();
}

async fn the_public_list_is_masked_and_objections_land_in_the_village_queue(db: TestDb) {
    let store = db.store.as_ref();
    let listed = sample::households(VILLAGE_A, 1, 2, 50);
    let neighbour = sample::households(VILLAGE_A, 1, 1, 60);
    let outsider = sample::households(VILLAGE_B, 1, 1, 70);
    let mut all = listed.clone();
    all.extend(neighbour.iter().cloned());
    all.extend(outsider.iter().cloned());
    import(store, &all).await;
    let proposed_only = sample::registry_household(&sample::households(VILLAGE_A, 1, 1, 80));
    let h = sample::registry_household(&listed);
    approve(store, &h).await;
    let op = Actor::for_tests(Role::VillageOperator, Scope::Within(code(VILLAGE_A)));
    registry::propose_household(
        store,
        &op.may::<Propose>(&code(VILLAGE_A)).unwrap(),
        proposed_only.clone(),
        "usulan",
        &origin(),
    )
    .await
    .unwrap();

    let now = origin().now;
    let list = citizen::public_list(store, &code(VILLAGE_A), now)
        .await
        .unwrap();
    assert_eq!(list.len(), 1, "only approved households are listed");
    assert_eq!(list[0].household, h.id);
    assert_eq!(
        list[0].masked_name,
        tepat_core::intake::mask_name(&listed[0].full_name)
    );
    assert_ne!(list[0].masked_name, listed[0].full_name);
    assert_eq!(
        list[0].objection_until,
        (now + Duration::days(OBJECTION_WINDOW_DAYS)).date_naive()
    );
    assert!(citizen::public_list(store, &code(VILLAGE_B), now)
        .await
        .unwrap()
        .is_empty());

    let limits = Limits::default();
    let (nik, kk) = proof(&neighbour[0]);
    let resident = Proof { nik: &nik, kk: &kk };
    let objection = citizen::object(
        store,
        &limits,
        &resident,
        &code(VILLAGE_A),
        h.id,
        "punya mobil dan toko",
        &origin(),
    )
    .await
    .unwrap();
    assert_eq!(objection.village, code(VILLAGE_A));
    // Someone from village B may not object to village A's list.
    let (onik, okk) = proof(&outsider[0]);
    assert_eq!(
        citizen::object(
            store,
            &limits,
            &Proof {
                nik: &onik,
                kk: &okk
            },
            &code(VILLAGE_A),
            h.id,
            "iri",
            &origin()
        )
        .await
        .unwrap_err(),
        CitizenError::NotYourVillage
    );
    // A household only proposed is not on the list.
    assert_eq!(
        citizen::object(
            store,
            &limits,
            &resident,
            &code(VILLAGE_A),
            proposed_only.id,
            "x",
            &origin()
        )
        .await
        .unwrap_err(),
        CitizenError::NotListed
    );
    // After the window, the list is empty and objections are refused.
    let later = Origin {
        now: now + Duration::days(OBJECTION_WINDOW_DAYS) + Duration::hours(1),
        client: Some("10.1.2.4:1".into()),
    };
    assert!(citizen::public_list(store, &code(VILLAGE_A), later.now)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        citizen::object(
            store,
            &limits,
            &resident,
            &code(VILLAGE_A),
            h.id,
            "terlambat",
            &later
        )
        .await
        .unwrap_err(),
        CitizenError::NotListed
    );
    // The objection is in village A's queue, and not in village B's.
    let op_b = Actor::for_tests(Role::VillageOperator, Scope::Within(code(VILLAGE_B)));
    let in_a = citizen::objections(store, &op.may_anywhere::<Propose>().unwrap(), &origin())
        .await
        .unwrap();
    let in_b = citizen::objections(store, &op_b.may_anywhere::<Propose>().unwrap(), &origin())
        .await
        .unwrap();
    assert_eq!(in_a.len(), 1);
    assert_eq!(in_a[0].household, h.id);
    assert_eq!(in_a[0].details.reason, "punya mobil dan toko");
    assert!(in_b.is_empty());
}
