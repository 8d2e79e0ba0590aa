//! The targeting facts on every backend: bulk loads read back whole, rules run as SQL over them, ranks
//! are stored and kept, and registry saves keep the facts in step in their own transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Connection;
use tepat_domain::registry::{Change, ChangeKind, RegistryHousehold, Request, Submission, Who};
use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, IncomeBand, Roof, Sanitation, SchoolLevel, Sector,
    Wall, Water,
};
use tepat_domain::{
    Desil, HouseholdFacts, HouseholdSurvey, MemberFacts, MemberSurvey, RegionCode, Relationship,
    Role, Rupiah, Sex,
};
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    AuditAction, AuditEntry, HouseholdState, SaveHousehold, Store, StoreError, WelfareRank,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    loaded_facts_read_back_whole,
    rule_conditions_select_in_sql,
    ranks_are_stored_and_regions_page_in_key_order,
    registry_saves_keep_the_facts_in_step,
    rebuild_writes_facts_of_existing_households,
    migrating_a_registry_without_facts_writes_them_once,
);

const VILLAGE: &str = "19.02.01.1001";
const NEIGHBOUR: &str = "19.02.01.1002";
const OTHER_REGENCY: &str = "19.01.01.1001";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn pick<T: Copy>(all: &[T], i: usize) -> T {
    all[i % all.len()]
}

fn survey(i: usize) -> HouseholdSurvey {
    HouseholdSurvey {
        floor: pick(Floor::ALL, i / 5),
        wall: pick(Wall::ALL, i),
        roof: pick(Roof::ALL, i),
        floor_area_m2: 20 + i as u32,
        water: pick(Water::ALL, i),
        sanitation: pick(Sanitation::ALL, i),
        electricity: pick(Electricity::ALL, i),
        cooking_fuel: pick(CookingFuel::ALL, i),
        income_band: pick(IncomeBand::ALL, i),
        owns_house: i.is_multiple_of(2),
        has_motorcycle: i.is_multiple_of(3),
        has_car: i % 4 == 1,
        has_refrigerator: i.is_multiple_of(5),
        has_boat: i.is_multiple_of(6),
        livestock_units: i as u32 % 3,
        land_m2: 100 * i as u32,
        consumption_per_capita: (i % 2 == 1).then(|| Rupiah::new(400_000 + 1_000 * i as i64)),
    }
}

fn member(birth: NaiveDate, relationship: Relationship, i: Option<usize>) -> MemberFacts {
    MemberFacts {
        birth_date: birth,
        sex: if relationship == Relationship::KepalaKeluarga {
            Sex::LakiLaki
        } else {
            Sex::Perempuan
        },
        relationship,
        survey: i.map(|i| MemberSurvey {
            sector: pick(Sector::ALL, i),
            disability: pick(Disability::ALL, i),
            chronic_illness: i.is_multiple_of(2),
            pregnant: false,
            school_level: pick(SchoolLevel::ALL, i),
        }),
    }
}

/// Household `i`: a head born 1950 + 5i, a spouse, and a child born in 2023 when i is even; surveyed
/// unless i is a multiple of 5; desil i % 10 + 1 when ranked.
fn facts(village: &str, i: usize) -> HouseholdFacts {
    let mut members = vec![
        member(
            date(1950 + 5 * i as i32 % 60, 3, 1),
            Relationship::KepalaKeluarga,
            (!i.is_multiple_of(5)).then_some(i),
        ),
        member(date(1985, 7, 9), Relationship::SuamiIstri, None),
    ];
    if i.is_multiple_of(2) {
        members.push(member(date(2023, 1, 15), Relationship::Anak, Some(i + 1)));
    }
    HouseholdFacts {
        id: Uuid::now_v7(),
        village: code(village),
        survey: (!i.is_multiple_of(5)).then(|| survey(i)),
        members,
        desil: Desil::new((i % 10) as u8 + 1),
        welfare: Some(Rupiah::new(300_000 + 10_000 * i as i64)),
        enrolled: match i % 3 {
            0 => vec!["PKH".into(), "SEMBAKO".into()],
            1 => vec!["PBI-JK".into()],
            _ => vec![],
        },
    }
}

fn ids(rows: &[HouseholdFacts]) -> Vec<Uuid> {
    rows.iter().map(|f| f.id).collect()
}

async fn loaded_facts_read_back_whole(db: TestDb) {
    let store = db.store.as_ref();
    let all: Vec<HouseholdFacts> = (0..12).map(|i| facts(VILLAGE, i)).collect();
    assert_eq!(store.load_targeting_facts(&all).await.unwrap(), 12);
    let mut asked = vec![all[7].id, Uuid::now_v7(), all[0].id, all[3].id];
    let read = store.targeting_facts(&asked).await.unwrap();
    asked.remove(1);
    assert_eq!(
        ids(&read),
        asked,
        "in the order asked, unknown ids left out"
    );
    assert_eq!(read[0], all[7]);
    assert_eq!(read[1], all[0], "survey, members, rank and enrolments");
    assert_eq!(read[2], all[3]);
    assert!(read[1].survey.is_none() && read[2].survey.is_some());
    // Loading a household twice fails and writes nothing.
    let again = [facts(VILLAGE, 20), all[1].clone()];
    assert!(store.load_targeting_facts(&again).await.is_err());
    assert!(store
        .targeting_facts(&[again[0].id])
        .await
        .unwrap()
        .is_empty());
}

/// The three rules of the benchmark, as the compiler writes them (alias `h`, members `m`).
const YOUNG_CHILD_POOR: &str = "h.desil <= 4 AND EXISTS (SELECT 1 FROM targeting_member m \
     WHERE m.household_id = h.id AND ((20261123 - m.birth) / 10000) < 6)";
const NO_CAR_EARTH_FLOOR: &str = "NOT h.has_car AND h.floor = 'tanah'";
const PKH: &str = "EXISTS (SELECT 1 FROM targeting_enrolment e WHERE e.household_id = h.id \
     AND e.program = 'PKH' AND e.state = 'active')";

async fn rule_conditions_select_in_sql(db: TestDb) {
    let store = db.store.as_ref();
    let all: Vec<HouseholdFacts> = (0..30).map(|i| facts(VILLAGE, i)).collect();
    store.load_targeting_facts(&all).await.unwrap();
    let on = date(2026, 11, 23);
    let schema = tepat_domain::targeting::schema();
    for (condition, rule) in [
        (YOUNG_CHILD_POOR, "desil <= 4 and any(member, age < 6)"),
        (NO_CAR_EARTH_FLOOR, r#"not has_car and floor == "tanah""#),
        (PKH, "receives_pkh"),
        (
            "h.size >= 3 AND h.sector = 'nelayan'",
            r#"size >= 3 and sector == "nelayan""#,
        ),
    ] {
        let rule = tepat_domain::rules::Rule::compile(rule, &schema).unwrap();
        let expected: Vec<&HouseholdFacts> =
            all.iter().filter(|f| rule.selects(&f.on(on))).collect();
        assert!(!expected.is_empty(), "{condition} selects someone");
        let rows = store.select_households(condition).await.unwrap();
        let mut got: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut want: Vec<Uuid> = expected.iter().map(|f| f.id).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "SQL and Rust agree on {condition}");
        assert_eq!(
            store.count_households(condition).await.unwrap(),
            want.len() as u64
        );
        let first = expected.iter().find(|f| f.id == rows[0].id).unwrap();
        assert_eq!(rows[0].village, first.village);
        assert_eq!(rows[0].desil, first.desil);
        assert_eq!(rows[0].welfare, first.welfare);
        assert_eq!(rows[0].size as usize, first.members.len());
    }
    // A generated condition the database rejects is an error, not an empty list.
    assert!(store
        .select_households("h.no_such_column = 1")
        .await
        .is_err());
}

async fn ranks_are_stored_and_regions_page_in_key_order(db: TestDb) {
    let store = db.store.as_ref();
    let mut all: Vec<HouseholdFacts> = (0..5)
        .map(|i| facts(VILLAGE, i))
        .chain((5..9).map(|i| facts(NEIGHBOUR, i)))
        .chain((9..11).map(|i| facts(OTHER_REGENCY, i)))
        .collect();
    for f in &mut all {
        f.desil = None;
        f.welfare = None;
    }
    store.load_targeting_facts(&all).await.unwrap();
    let ranks: Vec<WelfareRank> = all
        .iter()
        .enumerate()
        .take(7)
        .map(|(i, f)| WelfareRank {
            household: f.id,
            welfare: Rupiah::new(500_000 + i as i64),
            desil: Desil::new(i as u8 + 1).unwrap(),
        })
        .chain(std::iter::once(WelfareRank {
            household: Uuid::now_v7(),
            welfare: Rupiah::new(1),
            desil: Desil::new(1).unwrap(),
        }))
        .collect();
    assert_eq!(
        store.set_welfare(&ranks).await.unwrap(),
        7,
        "unknown ids skipped"
    );

    let mut batches = Vec::new();
    let seen = store
        .for_each_targeting_facts(&code("19.02"), 3, &mut |b| batches.push(b))
        .await
        .unwrap();
    assert_eq!(seen, 9);
    assert_eq!(
        batches.iter().map(Vec::len).collect::<Vec<_>>(),
        [3, 3, 3],
        "batches of 3"
    );
    let read: Vec<HouseholdFacts> = batches.into_iter().flatten().collect();
    let mut keys: Vec<(RegionCode, Uuid)> = all[..9].iter().map(|f| (f.village, f.id)).collect();
    keys.sort_by_key(|(v, id)| (v.plain().to_owned(), *id));
    assert_eq!(
        read.iter().map(|f| (f.village, f.id)).collect::<Vec<_>>(),
        keys
    );
    for f in &read {
        let i = all.iter().position(|a| a.id == f.id).unwrap();
        if i < 7 {
            assert_eq!(f.desil, Desil::new(i as u8 + 1));
            assert_eq!(f.welfare, Some(Rupiah::new(500_000 + i as i64)));
        } else {
            assert_eq!((f.desil, f.welfare), (None, None));
        }
    }
    let mut none = 0;
    let n = store
        .for_each_targeting_facts(&code("19.03"), 100, &mut |b| none += b.len())
        .await
        .unwrap();
    assert_eq!((n, none), (0, 0));
}

fn t(day: u32) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-{day:02}T08:00:00Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn audit(h: &RegistryHousehold) -> AuditEntry {
    AuditEntry {
        actor: Uuid::now_v7(),
        role: Role::VillageOperator,
        action: AuditAction::Propose,
        object: tepat_store::ObjectKind::Request,
        object_id: Some(Uuid::now_v7()),
        region: Some(h.village),
        purpose: "test".into(),
        client: None,
    }
}

/// Saves `h` through the registry's write path (a proposal carrying the household).
async fn save(
    store: &dyn Store,
    h: &RegistryHousehold,
    state: HouseholdState,
    expected_version: Option<i64>,
) -> Result<(), StoreError> {
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
        t(1),
        "usulan",
    )
    .unwrap();
    let submission = Submission {
        change: Change::NewHousehold {
            household: h.clone(),
        },
        field_visit: None,
    };
    let save = SaveHousehold {
        household: h.clone(),
        state,
        expected_version,
        verified: false,
    };
    store
        .registry_propose(&request, &submission, Some(save), &audit(h))
        .await
}

async fn registry_saves_keep_the_facts_in_step(db: TestDb) {
    let store = db.store.as_ref();
    let mut h = sample::registry_household(&sample::households(VILLAGE, 1, 3, 40));
    save(store, &h, HouseholdState::Proposed, None)
        .await
        .unwrap();
    assert!(
        store.targeting_facts(&[h.id]).await.unwrap().is_empty(),
        "a proposed household has no facts"
    );
    save(store, &h, HouseholdState::Active, Some(1))
        .await
        .unwrap();
    let stored = store.targeting_facts(&[h.id]).await.unwrap();
    assert_eq!(stored, vec![HouseholdFacts::from_registry(&h)]);

    let rank = WelfareRank {
        household: h.id,
        welfare: Rupiah::new(450_000),
        desil: Desil::new(2).unwrap(),
    };
    store.set_welfare(&[rank]).await.unwrap();
    // A member change and a survey: the facts follow, the rank stays.
    h.members.pop();
    h.survey = Some(survey(3));
    save(store, &h, HouseholdState::Active, Some(2))
        .await
        .unwrap();
    let f = store.targeting_facts(&[h.id]).await.unwrap().remove(0);
    assert_eq!(f.members.len(), 2);
    assert_eq!(f.survey, Some(survey(3)));
    assert_eq!((f.desil, f.welfare), (Some(rank.desil), Some(rank.welfare)));

    // A failed save (stale version) leaves the facts as they were.
    let mut stale = h.clone();
    stale.survey = None;
    assert!(matches!(
        save(store, &stale, HouseholdState::Active, Some(1)).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.targeting_facts(&[h.id]).await.unwrap(),
        vec![f.clone()]
    );

    // A move changes the key; a merge removes the facts.
    h.village = code(NEIGHBOUR);
    save(store, &h, HouseholdState::Active, Some(3))
        .await
        .unwrap();
    let moved = store.targeting_facts(&[h.id]).await.unwrap().remove(0);
    assert_eq!(moved.village, code(NEIGHBOUR));
    assert_eq!(moved.desil, Some(rank.desil));
    assert_eq!(store.count_households("TRUE").await.unwrap(), 1);
    save(store, &h, HouseholdState::Merged, Some(4))
        .await
        .unwrap();
    assert!(store.targeting_facts(&[h.id]).await.unwrap().is_empty());
    assert_eq!(store.count_households("TRUE").await.unwrap(), 0);
    assert!(store.select_households("TRUE").await.unwrap().is_empty());
}

/// Runs `sql` on the raw database, around the store.
async fn raw(db: &TestDb, sql: &str) {
    if let Some(path) = &db.sqlite_path {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query(sql).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }
}

async fn rebuild_writes_facts_of_existing_households(db: TestDb) {
    let store = db.store.as_ref();
    let mut households = Vec::new();
    for i in 0..5u16 {
        let mut h =
            sample::registry_household(&sample::households(VILLAGE, 1, 2 + i % 2, 100 + 10 * i));
        h.survey = Some(survey(i as usize));
        let state = if i == 4 {
            HouseholdState::Proposed
        } else {
            HouseholdState::Active
        };
        save(store, &h, state, None).await.unwrap();
        households.push(h);
    }
    let ids: Vec<Uuid> = households.iter().map(|h| h.id).collect();
    let before = store.targeting_facts(&ids).await.unwrap();
    assert_eq!(before.len(), 4);
    store
        .set_welfare(&[WelfareRank {
            household: ids[0],
            welfare: Rupiah::new(350_000),
            desil: Desil::new(1).unwrap(),
        }])
        .await
        .unwrap();
    // As if the households were saved before the facts tables existed: members gone, one row stale.
    raw(&db, "DELETE FROM targeting_member").await;
    raw(&db, "DELETE FROM targeting_household WHERE desil IS NULL").await;
    assert_eq!(store.rebuild_targeting_facts(2).await.unwrap(), 4);
    let after = store.targeting_facts(&ids).await.unwrap();
    assert_eq!(after.len(), 4, "active households only");
    for (a, h) in after.iter().zip(&households) {
        let mut want = HouseholdFacts::from_registry(h);
        if a.id == ids[0] {
            want.desil = Desil::new(1);
            want.welfare = Some(Rupiah::new(350_000));
        }
        assert_eq!(a, &want);
    }
}

/// A database upgraded to the facts tables (or whose facts were lost) gets them at the next start:
/// `migrate` writes the active households' facts when there are none.
async fn migrating_a_registry_without_facts_writes_them_once(db: TestDb) {
    let store = db.store.as_ref();
    let mut ids = Vec::new();
    for i in 0..3u16 {
        let mut h = sample::registry_household(&sample::households(VILLAGE, 1, 2, 200 + 10 * i));
        h.survey = Some(survey(i as usize));
        save(store, &h, HouseholdState::Active, None).await.unwrap();
        ids.push(h.id);
    }
    raw(&db, "DELETE FROM targeting_member").await;
    raw(&db, "DELETE FROM targeting_household").await;
    assert_eq!(store.count_households("TRUE").await.unwrap(), 0);
    store.migrate().await.unwrap();
    assert_eq!(store.count_households("TRUE").await.unwrap(), 3);
    assert_eq!(store.targeting_facts(&ids).await.unwrap().len(), 3);
    // With facts present, a later start leaves them alone (a rank set in between survives).
    store
        .set_welfare(&[WelfareRank {
            household: ids[1],
            welfare: Rupiah::new(400_000),
            desil: Desil::new(2).unwrap(),
        }])
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let again = store.targeting_facts(&[ids[1]]).await.unwrap().remove(0);
    assert_eq!(again.desil, Desil::new(2));
}
