//! Offline field entry (issue 5, part 6): the sync endpoint answers per record — accepted, duplicate
//! on any retry, rejected with reasons — inside the operator's village only, refuses malformed and
//! oversized batches whole, and writes nothing for a refused record; the page, its service worker and
//! the household list the phone keeps.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use tepat_core::access::Actor;
use tepat_domain::registry::RegistryHousehold;
use tepat_domain::{Role, Scope};
use tepat_store::{AuditAction, AuditEntry, NewTask, ObjectKind, TaskKind};
use uuid::Uuid;

use crate::officer::Officer;
use crate::registry::{code, household, A, B};
use crate::support::{belitung, TestApp};

pub const SYNC: &str = "/api/lapangan/sync";

/// The JSON record the page's script makes for a new household.
pub fn new_household(id: Uuid, h: &RegistryHousehold, reason: &str) -> Value {
    json!({
        "id": id,
        "kind": "new_household",
        "reason": reason,
        "household": {
            "id": h.id,
            "kk": h.kk_number.digits(),
            "village": h.village.dotted(),
            "address": h.address,
            "rt": h.rt,
            "rw": h.rw,
            "members": h.members.iter().map(|m| json!({
                "id": m.id,
                "nik": m.nik.digits(),
                "name": m.full_name,
                "sex": m.sex.letter(),
                "birth_date": m.birth_date.to_string(),
                "relationship": m.relationship.code(),
            })).collect::<Vec<_>>(),
        }
    })
}

fn survey_update(id: Uuid, household: Uuid) -> Value {
    json!({
        "id": id,
        "kind": "survey_update",
        "reason": "survei ulang di lapangan",
        "household": household,
        "survey": {
            "floor": "tanah", "wall": "bambu", "roof": "ijuk", "floor_area_m2": 24,
            "water": "sumur_tak_terlindung", "sanitation": "tidak_ada", "electricity": "tidak_ada",
            "cooking_fuel": "kayu", "income_band": "lt_1jt",
            "owns_house": true, "has_motorcycle": false, "has_car": false,
            "has_refrigerator": false, "has_boat": true, "livestock_units": 2, "land_m2": 0
        }
    })
}

async fn sync(op: &Officer<'_>, body: &str) -> (StatusCode, Value) {
    let token = op.csrf();
    let response = op
        .send(
            Method::POST,
            SYNC,
            Some(body.to_owned()),
            &[
                ("content-type", "application/json"),
                ("x-csrf-token", &token),
            ],
        )
        .await;
    let json = serde_json::from_str(&response.body)
        .unwrap_or_else(|e| panic!("{}: {e}: {}", response.status, response.body));
    (response.status, json)
}

async fn sync_records(op: &Officer<'_>, records: &[Value]) -> Vec<Value> {
    let (status, answer) = sync(op, &json!({ "records": records }).to_string()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["results"].as_array().expect("results").clone()
}

/// A household entered online (as the registry pages would), for survey updates.
async fn entered(app: &TestApp, village: &str, serial: u16) -> Uuid {
    let h = household(village, serial, "Kepala Uji");
    let id = h.id;
    crate::registry::propose(app.store.as_ref(), h).await;
    id
}

async fn requests_of(app: &TestApp, household: Uuid) -> usize {
    app.store
        .registry_requests_of_household(household)
        .await
        .unwrap()
        .len()
}

/// A random-looking UUIDv4, as an old phone's `crypto.randomUUID()` would make.
fn not_v7() -> Uuid {
    Uuid::parse_str("0f8b1c2e-6a4d-4c3b-9e21-7d5a3b2c1f00").unwrap()
}

async fn app() -> TestApp {
    TestApp::builder().population(belitung(2, 0)).build().await
}

#[tokio::test]
async fn each_record_is_accepted_once_and_a_retry_answers_duplicate() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let h = household(A, 31, "Sari Lapangan");
    let known = entered(&app, A, 32).await;
    let (r1, r2) = (Uuid::now_v7(), Uuid::now_v7());
    let batch = [
        new_household(r1, &h, "keluarga miskin baru"),
        survey_update(r2, known),
    ];
    let first = sync_records(&op, &batch).await;
    assert_eq!(first.len(), 2);
    for (result, id) in first.iter().zip([r1, r2]) {
        assert_eq!(result["status"], "accepted", "{result}");
        assert_eq!(result["id"], id.to_string());
        assert_eq!(
            result["request"],
            id.to_string(),
            "the record's id is the request's"
        );
    }
    // The phone lost the answer and sends everything again, twice.
    for _ in 0..2 {
        let again = sync_records(&op, &batch).await;
        assert!(
            again.iter().all(|r| r["status"] == "duplicate"),
            "{again:?}"
        );
        assert_eq!(again[0]["request"], r1.to_string());
    }
    assert_eq!(requests_of(&app, h.id).await, 1);
    assert_eq!(
        requests_of(&app, known).await,
        2,
        "its proposal and one survey update"
    );
    let stored = app
        .store
        .registry_request(r2)
        .await
        .unwrap()
        .expect("stored");
    assert_eq!(stored.request.kind.code(), "survey_update");
    assert_eq!(
        app.store
            .registry_household(h.id)
            .await
            .unwrap()
            .unwrap()
            .household
            .members
            .len(),
        2
    );
}

#[tokio::test]
async fn concurrent_syncs_of_the_same_record_enter_it_once() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let h = household(A, 33, "Dua Kali");
    let id = Uuid::now_v7();
    let batch = [new_household(id, &h, "usulan")];
    let (a, b) = tokio::join!(sync_records(&op, &batch), sync_records(&op, &batch));
    let mut statuses = [a[0]["status"].clone(), b[0]["status"].clone()];
    statuses.sort_by_key(|s| s.to_string());
    assert_eq!(statuses, [json!("accepted"), json!("duplicate")]);
    assert_eq!(requests_of(&app, h.id).await, 1);
}

#[tokio::test]
async fn refused_records_are_answered_one_by_one_with_reasons_and_nothing_written() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let good = household(A, 34, "Baik");
    let long = household(A, 35, "Alasan Panjang");
    let v4 = household(A, 37, "Id Lama");
    let mut dead_kk = household(A, 38, "KK Salah");
    // A KK number of a regency that does not exist: a problem the checks report.
    dead_kk.kk_number = tepat_domain::KkNumber::parse_structure("9999010000007038").unwrap();
    let ids = [
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        not_v7(),
        Uuid::now_v7(),
    ];
    let mut malformed = new_household(ids[2], &household(A, 36, "Rusak"), "x");
    malformed["household"].as_object_mut().unwrap().remove("kk");
    let results = sync_records(
        &op,
        &[
            new_household(ids[0], &good, "usulan baik"),
            new_household(ids[1], &long, &"a".repeat(501)),
            malformed,
            new_household(ids[3], &v4, "usulan"),
            new_household(ids[4], &dead_kk, "usulan"),
        ],
    )
    .await;
    let status: Vec<&str> = results
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        status,
        ["accepted", "rejected", "rejected", "rejected", "rejected"]
    );
    let code = |i: usize| {
        results[i]["reasons"][0]["code"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(code(2), "malformed");
    assert!(
        results[2]["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .contains("kolom kk"),
        "Indonesian by default, naming the field: {}",
        results[2]
    );
    assert_eq!(code(3), "bad_id");
    assert!(
        !code(1).is_empty() && code(1) != "malformed",
        "{}",
        results[1]
    );
    assert!(
        results[4]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"].as_str().unwrap().starts_with("kk_")),
        "{}",
        results[4]
    );
    for (i, h) in [(1, &long), (3, &v4), (4, &dead_kk)] {
        assert!(app.store.registry_request(ids[i]).await.unwrap().is_none());
        assert!(app.store.registry_household(h.id).await.unwrap().is_none());
    }
    assert_eq!(requests_of(&app, good.id).await, 1);

    // The same refusal in English for an English-speaking operator.
    let results = sync_records_lang(&op, &[new_household(not_v7(), &v4, "x")], "en").await;
    assert!(
        results[0]["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not valid"),
        "{}",
        results[0]
    );
}

async fn sync_records_lang(op: &Officer<'_>, records: &[Value], lang: &str) -> Vec<Value> {
    let token = op.csrf();
    let response = op
        .send(
            Method::POST,
            &format!("{SYNC}?lang={lang}"),
            Some(json!({ "records": records }).to_string()),
            &[
                ("content-type", "application/json"),
                ("x-csrf-token", &token),
                ("accept-language", lang),
            ],
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let answer: Value = serde_json::from_str(&response.body).unwrap();
    answer["results"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_village_operator_cannot_sync_records_of_another_village() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let theirs = household(B, 41, "Warga Desa B");
    let b_known = entered(&app, B, 42).await;
    let ids = [Uuid::now_v7(), Uuid::now_v7()];
    let results = sync_records(
        &op,
        &[
            new_household(ids[0], &theirs, "usulan"),
            survey_update(ids[1], b_known),
        ],
    )
    .await;
    for r in &results {
        assert_eq!(r["status"], "rejected", "{r}");
        assert_eq!(r["reasons"][0]["code"], "denied_region", "{r}");
        assert!(r["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .contains("di luar wilayah kerja"));
    }
    assert!(app
        .store
        .registry_household(theirs.id)
        .await
        .unwrap()
        .is_none());
    assert_eq!(requests_of(&app, b_known).await, 1, "only its own proposal");

    // B's operator may; a later retry by A of the same id is not a "duplicate" of B's record.
    let op_b = app.sign_in_as(Role::VillageOperator, B).await;
    let results = sync_records(&op_b, &[new_household(ids[0], &theirs, "usulan")]).await;
    assert_eq!(results[0]["status"], "accepted");
    let results = sync_records(&op, &[new_household(ids[0], &theirs, "usulan")]).await;
    assert_eq!(results[0]["status"], "rejected");
    assert_eq!(results[0]["reasons"][0]["code"], "id_taken");
}

#[tokio::test]
async fn malformed_and_oversized_batches_are_refused_whole() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    for body in ["not json", "{\"records\": 3}", "[]", "{}"] {
        let (status, answer) = sync(&op, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer["error"], "malformed_batch");
    }
    let households: Vec<RegistryHousehold> =
        (0..51).map(|i| household(A, 100 + i, "Banyak")).collect();
    let records: Vec<Value> = households
        .iter()
        .map(|h| new_household(Uuid::now_v7(), h, "usulan"))
        .collect();
    let (status, answer) = sync(&op, &json!({ "records": records }).to_string()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer["error"], "batch_too_large");
    assert!(answer["message"].as_str().unwrap().contains("50"));
    for h in &households {
        assert!(app.store.registry_household(h.id).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn sync_needs_a_session_the_csrf_header_and_a_proposing_role() {
    let app = app().await;
    let body = json!({ "records": [] }).to_string();
    let anonymous = app.browser();
    let response = anonymous
        .send(
            Method::POST,
            SYNC,
            Some(body.clone()),
            &[("content-type", "application/json")],
        )
        .await;
    assert!(
        matches!(
            response.status,
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
        ),
        "{}",
        response.status
    );
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let h = household(A, 51, "Tanpa Token");
    let record = json!({ "records": [new_household(Uuid::now_v7(), &h, "x")] }).to_string();
    let response = op
        .send(
            Method::POST,
            SYNC,
            Some(record),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(response.status, StatusCode::FORBIDDEN, "no X-CSRF-Token");
    assert!(app.store.registry_household(h.id).await.unwrap().is_none());
    let auditor = app.sign_in_as(Role::Auditor, "*").await;
    let (status, _) = sync(&auditor, &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_page_its_worker_and_sign_out_clearing() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let page = op.get("/lapangan").await;
    assert_eq!(page.status, StatusCode::OK);
    let offline_js = tepat_web::assets::url("offline.js");
    assert!(page.body.contains(offline_js));
    assert!(
        page.body.contains("Entri lapangan"),
        "Indonesian by default"
    );
    assert!(page.body.contains(&format!("data-village=\"{A}\"")));
    let worker = op.get("/sw.js").await;
    assert_eq!(worker.status, StatusCode::OK);
    assert!(worker.header("content-type").starts_with("text/javascript"));
    assert!(
        worker.body.contains(offline_js),
        "it keeps the page's assets"
    );
    assert!(worker.body.contains("\"/lapangan\""));
    assert!(!worker.body.contains("__PRECACHE__"));
    op.get("/lapangan?lang=en").await;
    let english = op.get("/lapangan").await;
    assert!(english.body.contains("Field entry"));

    let district = app.sign_in_as(Role::DistrictOperator, "19.02.01").await;
    assert_eq!(
        district.get("/lapangan").await.status,
        StatusCode::FORBIDDEN
    );

    let out = op.post_form("/signout", &[]).await;
    assert!(
        out.header("clear-site-data").contains("storage"),
        "sign-out clears the phone's offline data"
    );
}

#[tokio::test]
async fn the_phone_keeps_only_what_the_survey_form_needs_of_its_own_village() {
    let app = app().await;
    let mine = household(A, 61, "Kepala Desa A");
    let mine_id = mine.id;
    crate::registry::propose(app.store.as_ref(), mine).await;
    let other = entered(&app, B, 62).await;
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
    let tasks = [(A, mine_id), (B, other)].map(|(v, h)| NewTask {
        village: code(v),
        household: h,
        member: None,
        kind: TaskKind::Reverify,
        source: "reverification".into(),
    });
    app.store.registry_add_tasks(&tasks, &entry).await.unwrap();

    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let response = op.get("/api/lapangan/households").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    let answer: Value = serde_json::from_str(&response.body).unwrap();
    let list = answer["households"].as_array().unwrap();
    assert_eq!(list.len(), 1, "only village A's: {answer}");
    assert_eq!(list[0]["id"], mine_id.to_string());
    assert_eq!(list[0]["head"], "Kepala Desa A");
    let fields: Vec<&String> = list[0].as_object().unwrap().keys().collect();
    assert_eq!(
        fields,
        ["head", "id", "kk_end", "members", "rt", "rw", "task"],
        "nothing more"
    );
    assert_eq!(list[0]["kk_end"].as_str().unwrap().len(), 4);
    assert!(!response.body.contains("nik"));
}
