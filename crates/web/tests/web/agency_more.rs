//! The agency API's durable callbacks through the real router and a real HTTP receiver on 127.0.0.1:
//! an answer refused twice is delivered on the third try, by a restarted sender, and two senders on
//! one database never send it at the same time. Deaths and moves sent by the population office as
//! signed `notify` messages become registry tasks, inside its scope, once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{Method, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};
use tepat_core::access::{
    Actor, Administer, Decide, Propose, ReviewInDistrict, VerifyAtDinas, VerifyInVillage,
};
use tepat_core::agency::{self, AgencySpec};
use tepat_core::registry::{self, Origin};
use tepat_dci::registry::{SearchCriteria, SearchRequest, SearchRequestItem};
use tepat_dci::{Envelope, Header, Jwks, Signer};
use tepat_domain::registry::{
    FieldVisit, MemberStatus, RegistryHousehold, RegistryMember, SurveyAnswers,
};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_store::testing::sample;
use tepat_store::{OutboxState, Store};
use tepat_web::api::outbox::deliver_callbacks;
use tepat_web::AppState;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::support::TestApp;

const SENDER: &str = "dukcapil.more.test";
const VILLAGE: &str = "19.02.01.1001";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn origin() -> Origin {
    Origin::now(Some("10.0.0.1:1000".into()))
}

/// A household of `village` taken from proposal to approval through every level.
async fn registered_in(store: &dyn Store, village: &str, serial: u16) -> RegistryHousehold {
    let records = sample::households(village, 1, 2, serial);
    let h = RegistryHousehold {
        id: Uuid::now_v7(),
        kk_number: records[0].kk_number,
        village: records[0].village,
        address: records[0].address.clone(),
        rt: records[0].rt.clone(),
        rw: records[0].rw.clone(),
        location: None,
        survey: None,
        account: None,
        members: records
            .iter()
            .map(|r| RegistryMember {
                id: Uuid::now_v7(),
                nik: r.nik,
                full_name: r.full_name.clone(),
                sex: r.sex,
                birth_date: r.birth_date,
                relationship: r.relationship,
                phone: None,
                survey: None,
                status: MemberStatus::Active,
            })
            .collect(),
    };
    let village = Actor::for_tests(Role::VillageOperator, Scope::Within(h.village));
    let g = village.may::<Propose>(&h.village).unwrap();
    let r = registry::propose_household(store, &g, h.clone(), "usulan", &origin())
        .await
        .unwrap();
    let g = village.may::<VerifyInVillage>(&h.village).unwrap();
    let visit = FieldVisit {
        visited_on: origin().now.date_naive(),
        survey: SurveyAnswers {
            household: None,
            members: Vec::new(),
        },
        location: None,
    };
    registry::verify(store, &g, r.id, visit, "dikunjungi", &origin())
        .await
        .unwrap();
    let district = Actor::for_tests(Role::DistrictOperator, Scope::All);
    let g = district.may_anywhere::<ReviewInDistrict>().unwrap();
    registry::review(store, &g, r.id, "lengkap", &origin())
        .await
        .unwrap();
    let verifier = Actor::for_tests(Role::Verifier, Scope::All);
    let g = verifier.may_anywhere::<VerifyAtDinas>().unwrap();
    registry::verify_at_dinas(store, &g, r.id, "sesuai", &origin())
        .await
        .unwrap();
    let approver = Actor::for_tests(Role::Approver, Scope::All);
    let g = approver.may_anywhere::<Decide>().unwrap();
    registry::approve(store, &g, r.id, "layak", &origin())
        .await
        .unwrap();
    h
}

async fn registered_household(store: &dyn Store) -> RegistryHousehold {
    registered_in(store, VILLAGE, 700).await
}

async fn add_agency(store: &dyn Store) -> (Signer, Uuid) {
    let signer = Signer::generate(SENDER, "2026-01");
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    let spec = AgencySpec {
        sender_id: SENDER.into(),
        name: "Dinas Dukcapil".into(),
        jwks: Jwks {
            keys: vec![signer.public_jwk()],
        },
        scope: Scope::Within(code("19.02.01")),
        may_search: true,
        may_subscribe: false,
    };
    let agency = agency::register(store, &grant, spec, Utc::now())
        .await
        .unwrap();
    (signer, agency.id)
}

fn search_for_kk(signer: &Signer, sender_uri: &str, kk: &str) -> String {
    let mut header = Header::new("search", SENDER, 1);
    header.sender_uri = Some(sender_uri.to_owned());
    let mut envelope = Envelope::new(
        header,
        SearchRequest {
            transaction_id: Uuid::now_v7().to_string(),
            search_request: vec![SearchRequestItem {
                reference_id: "ref-0".into(),
                timestamp: Utc::now(),
                search_criteria: SearchCriteria {
                    version: None,
                    reg_type: Some(agency::REG_TYPE.into()),
                    reg_sub_type: None,
                    reg_event_type: None,
                    query_type: tepat_dci::registry::QueryType::IdType,
                    query: json!({"type": "KK", "value": kk}),
                    sort: Vec::new(),
                    pagination: None,
                    consent: None,
                    authorize: None,
                },
                locale: None,
            }],
        },
    );
    signer.sign(&mut envelope);
    serde_json::to_string(&envelope).unwrap()
}

/// A receiver on 127.0.0.1 that answers its first `refuse` POSTs 503 and then 200; every POST's path
/// and body go to the channel.
async fn receiver(refuse: usize) -> (String, mpsc::UnboundedReceiver<(String, Value)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let left = Arc::new(Mutex::new(refuse));
    let handler = move |uri: axum::http::Uri, body: String| {
        let (tx, left) = (tx.clone(), left.clone());
        async move {
            let _ = tx.send((
                uri.path().to_owned(),
                serde_json::from_str(&body).unwrap_or(Value::Null),
            ));
            let mut left = left.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                return StatusCode::SERVICE_UNAVAILABLE;
            }
            StatusCode::OK
        }
    };
    let router = Router::new().route("/dci/{*rest}", post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/dci"), rx)
}

async fn next(rx: &mut mpsc::UnboundedReceiver<(String, Value)>) -> (String, Value) {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("a callback within 30 s")
        .expect("the receiver is running")
}

fn verify_from_tepat(app: &TestApp, keys: &Jwks, body: &Value) {
    let lookup = |sender: &str, kid: &str| {
        (sender == app.config.dci.sender_id)
            .then(|| keys.find(kid))
            .flatten()
    };
    tepat_dci::verify(body, &lookup, Utc::now().timestamp())
        .unwrap_or_else(|e| panic!("tepat's message does not verify: {e}"));
}

#[tokio::test]
async fn a_refused_callback_is_delivered_on_the_third_try_after_a_restart() {
    let app = TestApp::builder()
        .config(|c| {
            c.dci.allow_private_callbacks = true;
            c.dci.retry_base = Duration::from_secs(60);
        })
        .build()
        .await;
    let store = app.store.as_ref();
    let h = registered_household(store).await;
    let (signer, agency_id) = add_agency(store).await;
    let (uri, mut rx) = receiver(2).await;

    let r = app
        .send(
            Method::POST,
            "/api/dci/registry/search",
            "application/json",
            &search_for_kk(&signer, &uri, h.kk_number.digits()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let t0 = Utc::now();

    // The first try, made at once, is refused; the callback waits in the database.
    let (path, first) = next(&mut rx).await;
    assert_eq!(path, "/dci/on-search");
    let stored = loop {
        let all = store.callbacks_of(agency_id, 10).await.unwrap();
        if all.first().is_some_and(|c| c.attempts == 1) {
            break all[0].clone();
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(stored.state, OutboxState::Pending);
    assert_eq!(stored.last_error.as_deref(), Some("HTTP 503"));

    // The sender restarts: two new processes on the same database, with nothing in memory. When the
    // retry is due, exactly one of them sends it (and it is refused again).
    let a = AppState::new(app.config.clone(), app.store.clone());
    let b = AppState::new(app.config.clone(), app.store.clone());
    let due = t0 + chrono::Duration::seconds(61);
    let (ra, rb) = tokio::join!(deliver_callbacks(&a, due), deliver_callbacks(&b, due));
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.retrying + rb.retrying, 1, "{ra:?} {rb:?}");
    assert_eq!(ra.delivered + rb.delivered, 0);
    let (_, second) = next(&mut rx).await;

    // Not yet due again (the second retry waits twice as long), then delivered on the third try.
    let early = deliver_callbacks(&a, due + chrono::Duration::seconds(60))
        .await
        .unwrap();
    assert_eq!(early.retrying + early.delivered, 0, "{early:?}");
    let third_try = deliver_callbacks(&a, due + chrono::Duration::seconds(121))
        .await
        .unwrap();
    assert_eq!(third_try.delivered, 1, "{third_try:?}");
    let (path, third) = next(&mut rx).await;
    assert_eq!(path, "/dci/on-search");

    // Every try is signed afresh by tepat and carries the same answer.
    let keys: Jwks =
        serde_json::from_str(&app.get("/api/dci/.well-known/jwks.json").await.body).unwrap();
    for body in [&first, &second, &third] {
        verify_from_tepat(&app, &keys, body);
        assert_eq!(body["header"]["action"], "on-search");
        assert_eq!(
            body["header"]["message_id"], first["header"]["message_id"],
            "a repeat keeps its message id"
        );
        assert_eq!(
            body["message"]["search_response"][0]["data"]["reg_records"][0]["group_identifier"][0]
                ["identifier_value"],
            h.kk_number.digits()
        );
    }
    let done = &store.callbacks_of(agency_id, 10).await.unwrap()[0];
    assert_eq!(done.state, OutboxState::Delivered);
    assert_eq!(done.attempts, 3);
    assert!(
        deliver_callbacks(&b, due + chrono::Duration::seconds(600))
            .await
            .unwrap()
            .delivered
            == 0
    );
}

/// A signed `notify` with one event per `(reference, event type, NIK)`.
fn notify_message(signer: &Signer, events: &[(&str, &str, &str)]) -> String {
    let events: Vec<Value> = events
        .iter()
        .map(|(reference, event, nik)| {
            json!({
                "reference_id": reference,
                "timestamp": Utc::now(),
                "data": {
                    "reg_type": agency::REG_TYPE,
                    "reg_event_type": event,
                    "reg_record_type": "Group",
                    "reg_records": [{
                        "group_identifier": [],
                        "group_size": 1,
                        "member_list": [{
                            "member_identifier": [{"identifier_type": "NIK", "identifier_value": nik}],
                            "relationship_head": "anak",
                            "person": {"name": {"given_name": "-"}, "sex": "female",
                                       "birth_date": "1990-01-01"}
                        }]
                    }]
                }
            })
        })
        .collect();
    let header = Header::new("notify", SENDER, events.len() as u64);
    let mut envelope = Envelope::new(
        header,
        json!({"transaction_id": Uuid::now_v7().to_string(), "notify_event": events}),
    );
    signer.sign(&mut envelope);
    serde_json::to_string(&envelope).unwrap()
}

async fn post_notify(app: &TestApp, body: &str) -> (StatusCode, Value) {
    let r = app
        .send(
            Method::POST,
            "/api/dci/registry/notify",
            "application/json",
            body,
        )
        .await;
    let value = serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body));
    (r.status, value)
}

async fn open_tasks(store: &dyn Store) -> Vec<tepat_store::Task> {
    store
        .registry_tasks(tepat_store::TaskState::Open, &Scope::All, 100)
        .await
        .unwrap()
}

#[tokio::test]
async fn deaths_and_moves_from_the_population_office_become_tasks_once() {
    let app = TestApp::new().await;
    let store = app.store.as_ref();
    let inside = registered_in(store, VILLAGE, 710).await;
    let outside = registered_in(store, "19.02.02.2001", 720).await;
    let (signer, agency_id) = add_agency(store).await;
    let dead = inside.members[1].nik.digits().to_owned();
    let moved_away = outside.members[0].nik.digits().to_owned();
    let unknown = sample::households(VILLAGE, 1, 1, 790)[0]
        .nik
        .digits()
        .to_owned();

    // Without the population permission, refused whole.
    let (status, refused) =
        post_notify(&app, &notify_message(&signer, &[("r0", "death", &dead)])).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert_eq!(
        refused["message"]["error"]["code"],
        "rjct.sender_id.not_authorized"
    );
    assert!(open_tasks(store).await.is_empty());

    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    agency::set_population(store, &grant, SENDER, true, Utc::now())
        .await
        .unwrap();
    let message = notify_message(
        &signer,
        &[
            ("r1", "death", &dead),
            ("r2", "move", &moved_away),
            ("r3", "birth", &dead),
            ("r4", "death", &unknown),
        ],
    );
    let (status, answer) = post_notify(&app, &message).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let keys: Jwks =
        serde_json::from_str(&app.get("/api/dci/.well-known/jwks.json").await.body).unwrap();
    verify_from_tepat(&app, &keys, &answer);
    assert_eq!(answer["header"]["action"], "on-notify");
    let items = answer["message"]["notify_response"].as_array().unwrap();
    let summary: Vec<(&str, &str, Option<&str>, u64)> = items
        .iter()
        .map(|i| {
            (
                i["reference_id"].as_str().unwrap(),
                i["status"].as_str().unwrap(),
                i["status_reason_code"].as_str(),
                i["tasks_created"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("r1", "succ", None, 1),
            ("r2", "rjct", Some("rjct.sender_id.not_authorized"), 0),
            ("r3", "rjct", Some("rjct.notify_types.invalid"), 0),
            ("r4", "succ", None, 0),
        ]
    );
    let tasks = open_tasks(store).await;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].kind, tepat_store::TaskKind::Death);
    assert_eq!(tasks[0].household, inside.id);
    assert_eq!(tasks[0].member, Some(inside.members[1].id));
    assert_eq!(tasks[0].source, format!("dci:{SENDER}"));

    // The same message again is a replay; a new message about the same death makes no second task.
    let (status, again) = post_notify(&app, &message).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");
    assert_eq!(
        again["message"]["error"]["code"],
        "rjct.message_id.duplicate"
    );
    let (status, repeat) =
        post_notify(&app, &notify_message(&signer, &[("r5", "death", &dead)])).await;
    assert_eq!(status, StatusCode::OK, "{repeat}");
    assert_eq!(repeat["message"]["notify_response"][0]["status"], "succ");
    assert_eq!(repeat["message"]["notify_response"][0]["tasks_created"], 0);
    assert_eq!(open_tasks(store).await.len(), 1);

    // The agency is the actor of the audit entries.
    let entries = store
        .audit_query(&tepat_store::AuditFilter {
            within: Scope::All,
            actor: Some(agency_id),
            object_id: None,
            before_seq: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert!(entries.iter().any(
        |e| e.entry.action == tepat_store::AuditAction::PopulationSync
            && e.entry.purpose == "dci.notify.population"
    ));
}
