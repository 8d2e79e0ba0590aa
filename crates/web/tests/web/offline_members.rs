//! Per-member survey answers offline: the household list gives the phone the active members and the
//! open re-verification task; a synced survey carries each member's answers, checked per member, and
//! closes the task as the online form does; a record naming a stranger is refused with its reason.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use tepat_core::access::Actor;
use tepat_domain::registry::Change;
use tepat_domain::survey::{SchoolLevel, Sector};
use tepat_domain::{Role, Scope};
use tepat_store::{AuditAction, AuditEntry, NewTask, ObjectKind, TaskKind, TaskState};
use uuid::Uuid;

use crate::officer::Officer;
use crate::registry::{code, household, A};
use crate::support::{belitung, TestApp};

const SYNC: &str = "/api/lapangan/sync";

fn survey(id: Uuid, household: Uuid, members: Value, task: Option<Uuid>) -> Value {
    let mut r = json!({
        "id": id,
        "kind": "survey_update",
        "reason": "survei ulang",
        "household": household,
        "survey": {
            "floor": "tanah", "wall": "bambu", "roof": "ijuk", "floor_area_m2": 24,
            "water": "sumur_tak_terlindung", "sanitation": "tidak_ada", "electricity": "tidak_ada",
            "cooking_fuel": "kayu", "income_band": "lt_1jt", "livestock_units": 0, "land_m2": 0
        },
        "members": members,
    });
    if let Some(t) = task {
        r["task"] = json!(t);
    }
    r
}

fn answers(member: &str, sector: &str) -> Value {
    json!({"id": member, "sector": sector, "disability": "berat", "chronic_illness": true,
           "pregnant": false, "school_level": "tidak_sekolah"})
}

async fn sync(op: &Officer<'_>, records: &[Value]) -> Vec<Value> {
    let token = op.csrf();
    let response = op
        .send(
            Method::POST,
            SYNC,
            Some(json!({ "records": records }).to_string()),
            &[
                ("content-type", "application/json"),
                ("x-csrf-token", &token),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let answer: Value = serde_json::from_str(&response.body).unwrap();
    answer["results"].as_array().unwrap().clone()
}

#[tokio::test]
async fn each_members_answers_sync_with_the_survey_and_close_the_reverify_task() {
    let app = TestApp::builder().population(belitung(2, 0)).build().await;
    let h = household(A, 71, "Kepala Anggota");
    let hid = h.id;
    crate::registry::propose(app.store.as_ref(), h).await;
    let dinas = Actor::for_tests(Role::Verifier, Scope::All);
    let entry = AuditEntry {
        actor: dinas.user(),
        role: dinas.role(),
        action: AuditAction::Task,
        object: ObjectKind::Task,
        object_id: None,
        region: None,
        purpose: "test.tasks".into(),
        client: None,
    };
    let task = NewTask {
        village: code(A),
        household: hid,
        member: None,
        kind: TaskKind::Reverify,
        source: "reverification".into(),
    };
    app.store.registry_add_tasks(&[task], &entry).await.unwrap();

    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let listed = op.get("/api/lapangan/households").await;
    let listed: Value = serde_json::from_str(&listed.body).unwrap();
    let one = &listed["households"][0];
    let members = one["members"].as_array().unwrap();
    assert_eq!(members.len(), 2, "{one}");
    assert_eq!(members[0]["name"], "Kepala Anggota");
    let task_id = Uuid::parse_str(one["task"].as_str().expect("the open task")).unwrap();
    let (head, spouse) = (
        members[0]["id"].as_str().unwrap(),
        members[1]["id"].as_str().unwrap(),
    );

    // A stranger among the members, or an unknown sector: refused with a reason, nothing written.
    let stranger = Uuid::now_v7().to_string();
    let (bad_member, bad_sector, good) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let results = sync(
        &op,
        &[
            survey(
                bad_member,
                hid,
                json!([answers(head, "nelayan"), answers(&stranger, "buruh")]),
                Some(task_id),
            ),
            survey(bad_sector, hid, json!([answers(head, "astronot")]), None),
        ],
    )
    .await;
    assert_eq!(results[0]["status"], "rejected", "{results:?}");
    assert!(!results[0]["reasons"].as_array().unwrap().is_empty());
    assert_eq!(results[1]["status"], "rejected");
    assert!(results[1]["reasons"][0]["message"]
        .as_str()
        .unwrap()
        .contains("sector"));
    for id in [bad_member, bad_sector] {
        assert!(app.store.registry_request(id).await.unwrap().is_none());
    }

    let record = survey(
        good,
        hid,
        json!([answers(head, "nelayan"), answers(spouse, "kukm")]),
        Some(task_id),
    );
    let results = sync(&op, std::slice::from_ref(&record)).await;
    assert_eq!(results[0]["status"], "accepted", "{results:?}");
    let again = sync(&op, &[record]).await;
    assert_eq!(again[0]["status"], "duplicate");

    let stored = app.store.registry_request(good).await.unwrap().unwrap();
    let Change::SurveyUpdate { survey } = stored.submission.change else {
        panic!("a survey update");
    };
    assert!(survey.household.is_some());
    assert_eq!(survey.members.len(), 2);
    let head_id = Uuid::parse_str(head).unwrap();
    let (_, head_answers) = survey.members.iter().find(|(m, _)| *m == head_id).unwrap();
    assert_eq!(head_answers.sector, Sector::Nelayan);
    assert_eq!(head_answers.school_level, SchoolLevel::TidakSekolah);
    assert!(head_answers.chronic_illness && !head_answers.pregnant);
    let closed = app
        .store
        .registry_task(&code(A), task_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(closed.state, TaskState::Done, "the survey did the task");
}
