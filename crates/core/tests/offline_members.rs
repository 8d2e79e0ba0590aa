//! Per-member survey answers offline on both backends: a synced survey carries each member's answers,
//! refuses a member who is not an active member of the household with nothing written, and closes the
//! household's open re-verification task as the online form does (once: a second survey naming it is
//! refused).

use tepat_core::access::{Actor, Propose};
use tepat_core::offline::{self, Entry, Outcome, Record, Rejection};
use tepat_core::registry::{self, Origin};
use tepat_domain::registry::Change;
use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, HouseholdSurvey, IncomeBand, MemberSurvey, Roof,
    Sanitation, SchoolLevel, Sector, Wall, Water,
};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_regions::RegionTable;
use tepat_store::testing::{sample, TestDb};
use tepat_store::{AuditAction, AuditEntry, NewTask, ObjectKind, Store, TaskKind, TaskState};
use uuid::Uuid;

tepat_store::on_every_backend!(a_survey_with_members_closes_the_reverify_task_once,);

const VILLAGE_A: &str = "19.02.01.1001";

fn code() -> RegionCode {
    RegionCode::parse(VILLAGE_A).unwrap()
}

fn household_survey() -> HouseholdSurvey {
    HouseholdSurvey {
        floor: Floor::ALL[0],
        wall: Wall::ALL[0],
        roof: Roof::ALL[0],
        floor_area_m2: 24,
        water: Water::ALL[0],
        sanitation: Sanitation::ALL[0],
        electricity: Electricity::ALL[0],
        cooking_fuel: CookingFuel::ALL[0],
        income_band: IncomeBand::ALL[0],
        owns_house: true,
        has_motorcycle: false,
        has_car: false,
        has_refrigerator: false,
        has_boat: true,
        livestock_units: 0,
        land_m2: 0,
        consumption_per_capita: None,
    }
}

fn member_survey(sector: Sector) -> MemberSurvey {
    MemberSurvey {
        sector,
        disability: Disability::Berat,
        chronic_illness: true,
        pregnant: false,
        school_level: SchoolLevel::TidakSekolah,
    }
}

fn survey(id: Uuid, household: Uuid, members: Vec<(Uuid, MemberSurvey)>, task: Uuid) -> Entry {
    Entry {
        client_id: id,
        record: Record::SurveyUpdate {
            household,
            survey: household_survey(),
            members,
            task: Some(task),
            reason: "survei ulang di lapangan".into(),
        },
    }
}

async fn submit(store: &dyn Store, actor: &Actor, e: Entry) -> Outcome {
    offline::submit(store, actor, RegionTable::embedded(), e, &Origin::now(None))
        .await
        .expect("no database failure")
}

async fn a_survey_with_members_closes_the_reverify_task_once(db: TestDb) {
    let store = db.store.as_ref();
    let op = Actor::for_tests(Role::VillageOperator, Scope::Within(code()));
    let h = sample::registry_household(&sample::households(VILLAGE_A, 1, 3, 30));
    let members: Vec<Uuid> = h.members.iter().map(|m| m.id).collect();
    let hid = h.id;
    registry::propose_household(
        store,
        &op.may::<Propose>(&code()).unwrap(),
        h,
        "usulan",
        &Origin::now(None),
    )
    .await
    .unwrap();
    let audit = AuditEntry {
        actor: op.user(),
        role: op.role(),
        action: AuditAction::Task,
        object: ObjectKind::Task,
        object_id: None,
        region: None,
        purpose: "test.tasks".into(),
        client: None,
    };
    let task = NewTask {
        village: code(),
        household: hid,
        member: None,
        kind: TaskKind::Reverify,
        source: "reverification".into(),
    };
    store.registry_add_tasks(&[task], &audit).await.unwrap();
    let task = store
        .registry_tasks(TaskState::Open, &Scope::Within(code()), 10)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.household == hid)
        .expect("the open task")
        .id;

    // A stranger among the members: refused, nothing written, the task still open.
    let stranger = Uuid::now_v7();
    let refused = survey(
        stranger,
        hid,
        vec![
            (members[0], member_survey(Sector::Nelayan)),
            (Uuid::now_v7(), member_survey(Sector::Buruh)),
        ],
        task,
    );
    assert!(matches!(
        submit(store, &op, refused).await,
        Outcome::Rejected(Rejection::Registry(_))
    ));
    assert!(store.registry_request(stranger).await.unwrap().is_none());

    let id = Uuid::now_v7();
    let answers = vec![
        (members[0], member_survey(Sector::Nelayan)),
        (members[1], member_survey(Sector::Kukm)),
    ];
    let good = survey(id, hid, answers.clone(), task);
    assert!(matches!(
        submit(store, &op, good.clone()).await,
        Outcome::Accepted { request } if request == id
    ));
    assert!(matches!(
        submit(store, &op, good).await,
        Outcome::Duplicate { request } if request == id
    ));
    let stored = store.registry_request(id).await.unwrap().unwrap();
    let Change::SurveyUpdate { survey: got } = stored.submission.change else {
        panic!("a survey update");
    };
    assert_eq!(got.members, answers);
    assert_eq!(got.household, Some(household_survey()));
    let closed = store.registry_task(&code(), task).await.unwrap().unwrap();
    assert_eq!(closed.state, TaskState::Done);

    // The task is done: another survey naming it is refused.
    let late = survey(Uuid::now_v7(), hid, vec![], task);
    match submit(store, &op, late).await {
        Outcome::Rejected(r) => assert_eq!(r.codes(), vec!["task_closed"]),
        other => panic!("{other:?}"),
    }
}
