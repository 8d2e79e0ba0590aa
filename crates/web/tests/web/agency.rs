//! The agency API (DCI Social Registry) through the real router: signed searches answered or refused
//! with the right reason code, callbacks and notifications to a real HTTP receiver on 127.0.0.1 signed
//! with tepat's key, retries, and the OpenAPI document kept in step with the routes.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use serde_json::{json, Value};
use tepat_core::access::{
    Actor, Administer, Decide, Propose, ReviewInDistrict, VerifyAtDinas, VerifyInVillage,
};
use tepat_core::agency::{self, AgencySpec};
use tepat_core::registry::{self, Origin};
use tepat_dci::registry::{
    SearchCriteria, SearchRequest, SearchRequestItem, SubscribeCriteria, SubscribeRequest,
    SubscribeRequestItem,
};
use tepat_dci::{Envelope, Header, Jwks, Signer};
use tepat_domain::registry::{
    FieldVisit, MemberStatus, RegistryHousehold, RegistryMember, SurveyAnswers,
};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_store::testing::sample;
use tepat_store::{AuditAction, AuditFilter, OutboxState, Store};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::support::{Response, TestApp};

const SENDER: &str = "dukcapil.belitung.test";
const VILLAGE_IN: &str = "19.02.01.1001";
const VILLAGE_OUT: &str = "19.02.02.2001";

fn audit_of(agency: Uuid) -> AuditFilter {
    AuditFilter {
        within: Scope::All,
        actor: Some(agency),
        object_id: None,
        before_seq: None,
        limit: 100,
    }
}

/// A time by which every approval made so far has settled in the change feed.
fn settled() -> chrono::DateTime<Utc> {
    Utc::now() + chrono::Duration::seconds(agency::FEED_SETTLE_SECONDS + 1)
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn origin() -> Origin {
    Origin::now(Some("10.0.0.1:1000".into()))
}

fn household(village: &str, first_serial: u16) -> RegistryHousehold {
    let records = sample::households(village, 1, 3, first_serial);
    RegistryHousehold {
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
    }
}

/// Takes `h` from proposal to approval through every level, as the officers would.
async fn register_household(store: &dyn Store, h: &RegistryHousehold) {
    let village = Actor::for_tests(Role::VillageOperator, Scope::Within(h.village));
    let district = Actor::for_tests(Role::DistrictOperator, Scope::All);
    let verifier = Actor::for_tests(Role::Verifier, Scope::All);
    let approver = Actor::for_tests(Role::Approver, Scope::All);
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
    let g = district.may_anywhere::<ReviewInDistrict>().unwrap();
    registry::review(store, &g, r.id, "lengkap", &origin())
        .await
        .unwrap();
    let g = verifier.may_anywhere::<VerifyAtDinas>().unwrap();
    registry::verify_at_dinas(store, &g, r.id, "sesuai", &origin())
        .await
        .unwrap();
    let g = approver.may_anywhere::<Decide>().unwrap();
    registry::approve(store, &g, r.id, "layak", &origin())
        .await
        .unwrap();
}

/// An agency registered as `tepat admin add-agency` does, scoped to kecamatan 19.02.01.
async fn add_agency(
    store: &dyn Store,
    sender: &str,
    search: bool,
    subscribe: bool,
) -> (Signer, Uuid) {
    let signer = Signer::generate(sender, "2026-01");
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    let spec = AgencySpec {
        sender_id: sender.into(),
        name: "Dinas Dukcapil".into(),
        jwks: Jwks {
            keys: vec![signer.public_jwk()],
        },
        scope: Scope::Within(code("19.02.01")),
        may_search: search,
        may_subscribe: subscribe,
    };
    let agency = agency::register(store, &grant, spec, Utc::now())
        .await
        .unwrap();
    (signer, agency.id)
}

fn search_message(
    sender: &str,
    sender_uri: Option<&str>,
    queries: &[(&str, &str)],
) -> Envelope<SearchRequest> {
    let mut header = Header::new("search", sender, queries.len() as u64);
    header.sender_uri = sender_uri.map(str::to_owned);
    let items = queries
        .iter()
        .enumerate()
        .map(|(i, (kind, value))| SearchRequestItem {
            reference_id: format!("ref-{i}"),
            timestamp: Utc::now(),
            search_criteria: SearchCriteria {
                version: None,
                reg_type: Some(agency::REG_TYPE.into()),
                reg_sub_type: None,
                reg_event_type: None,
                query_type: tepat_dci::registry::QueryType::IdType,
                query: json!({"type": kind, "value": value}),
                sort: Vec::new(),
                pagination: None,
                consent: None,
                authorize: None,
            },
            locale: None,
        })
        .collect();
    Envelope::new(
        header,
        SearchRequest {
            transaction_id: Uuid::now_v7().to_string(),
            search_request: items,
        },
    )
}

fn signed<M: serde::Serialize>(signer: &Signer, mut envelope: Envelope<M>) -> String {
    signer.sign(&mut envelope);
    serde_json::to_string(&envelope).unwrap()
}

async fn post_json(app: &TestApp, path: &str, body: &str) -> (StatusCode, Value) {
    let r = app.send(Method::POST, path, "application/json", body).await;
    let value = serde_json::from_str(&r.body).unwrap_or_else(|_| panic!("not JSON: {}", r.body));
    (r.status, value)
}

fn error_code(body: &Value) -> &str {
    body["message"]["error"]["code"]
        .as_str()
        .unwrap_or_default()
}

/// tepat's public keys, as an agency fetches them.
async fn tepat_keys(app: &TestApp) -> Jwks {
    let r = app.get("/api/dci/.well-known/jwks.json").await;
    assert_eq!(r.status, StatusCode::OK);
    serde_json::from_str(&r.body).unwrap()
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

async fn app_with(change: impl FnOnce(&mut tepat_web::ServerConfig)) -> TestApp {
    TestApp::builder()
        .config(|c| {
            c.dci.allow_private_callbacks = true;
            c.dci.retry_base = Duration::from_millis(20);
            change(c);
        })
        .build()
        .await
}

#[tokio::test]
async fn a_signed_search_is_answered_with_the_household_and_audited() {
    let app = app_with(|_| {}).await;
    let store = app.store.as_ref();
    let h = household(VILLAGE_IN, 100);
    register_household(store, &h).await;
    let (signer, agency_id) = add_agency(store, SENDER, true, false).await;

    let nik = h.members[1].nik.digits().to_owned();
    let body = signed(
        &signer,
        search_message(SENDER, None, &[("NIK", &nik), ("KK", h.kk_number.digits())]),
    );
    let (status, answer) = post_json(&app, "/api/dci/registry/sync/search", &body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    verify_from_tepat(&app, &tepat_keys(&app).await, &answer);
    assert_eq!(answer["header"]["action"], "on-search");
    assert_eq!(answer["header"]["receiver_id"], SENDER);
    let items = answer["message"]["search_response"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for item in items {
        assert_eq!(item["status"], "succ", "{item}");
        let group = &item["data"]["reg_records"][0];
        assert_eq!(group["group_identifier"][0]["identifier_type"], "KK");
        assert_eq!(
            group["group_identifier"][0]["identifier_value"],
            h.kk_number.digits()
        );
        assert_eq!(group["group_size"], 3);
        assert_eq!(
            group["group_head_info"]["relationship_head"],
            "kepala_keluarga"
        );
        let niks: BTreeSet<&str> = group["member_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                m["member_identifier"][0]["identifier_value"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert!(niks.contains(nik.as_str()));
    }

    // Each household sent is a full read in the audit log, with the agency as actor.
    let entries = store.audit_query(&audit_of(agency_id)).await.unwrap();
    let reads = entries
        .iter()
        .filter(|e| e.entry.action == AuditAction::Read)
        .count();
    let searches = entries
        .iter()
        .filter(|e| e.entry.action == AuditAction::Search)
        .count();
    assert_eq!((reads, searches), (2, 2), "{entries:?}");
    assert!(entries.iter().all(|e| e.entry.purpose == "dci.search"));

    // The transaction's status can be asked for.
    let txn_id = serde_json::from_str::<Value>(&body).unwrap()["message"]["transaction_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut header = Header::new("txn-status", SENDER, 1);
    header.sender_uri = None;
    let status_request = Envelope::new(
        header,
        json!({"transaction_id": "t-status", "txnstatus_request": {"reference_id": "r1",
               "txn_type": "search", "attribute_type": "transaction_id", "attribute_value": txn_id}}),
    );
    let (status, answer) = post_json(
        &app,
        "/api/dci/registry/sync/txn/status",
        &signed(&signer, status_request),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["message"]["txnstatus_response"]["status"], "succ");
    assert_eq!(
        answer["message"]["txnstatus_response"]["txn_status"]["status"],
        "succ"
    );
}

#[tokio::test]
async fn bad_messages_are_refused_with_the_right_reason_code() {
    let app = app_with(|_| {}).await;
    let store = app.store.as_ref();
    let inside = household(VILLAGE_IN, 200);
    let outside = household(VILLAGE_OUT, 300);
    register_household(store, &inside).await;
    register_household(store, &outside).await;
    let (signer, _) = add_agency(store, SENDER, true, false).await;
    let nik = inside.members[0].nik.digits().to_owned();
    let path = "/api/dci/registry/sync/search";

    // A key the agency never registered, under a kid it did.
    let forger = Signer::generate(SENDER, "2026-01");
    let (status, body) = post_json(
        &app,
        path,
        &signed(&forger, search_message(SENDER, None, &[("NIK", &nik)])),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "rjct.signature.invalid")
    );

    // A change after signing.
    let mut tampered: Value = serde_json::from_str(&signed(
        &signer,
        search_message(SENDER, None, &[("NIK", &nik)]),
    ))
    .unwrap();
    tampered["message"]["search_request"][0]["search_criteria"]["query"]["value"] =
        json!(outside.members[0].nik.digits());
    let (status, body) = post_json(&app, path, &tampered.to_string()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "rjct.signature.invalid")
    );

    // A message time two hours old, freshly signed.
    let mut stale = search_message(SENDER, None, &[("NIK", &nik)]);
    stale.header.message_ts -= chrono::Duration::hours(2);
    let (status, body) = post_json(&app, path, &signed(&signer, stale)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "rjct.message_ts.invalid")
    );

    // An encrypted message (not supported: HTTPS protects the transport).
    let mut encrypted = search_message(SENDER, None, &[("NIK", &nik)]);
    encrypted.header.is_msg_encrypted = true;
    let (status, body) = post_json(&app, path, &signed(&signer, encrypted)).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "rjct.action.not_supported")
    );

    // Unknown sender.
    let stranger = Signer::generate("stranger.test", "k");
    let (status, body) = post_json(
        &app,
        path,
        &signed(
            &stranger,
            search_message("stranger.test", None, &[("NIK", &nik)]),
        ),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "rjct.sender_id.invalid")
    );

    // Expired signature.
    let mut old = search_message(SENDER, None, &[("NIK", &nik)]);
    let t = Utc::now().timestamp();
    signer.sign_at(&mut old, t - 4000, t - 3500);
    let (status, body) = post_json(&app, path, &serde_json::to_string(&old).unwrap()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "rjct.signature.invalid")
    );
    assert!(body["message"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));

    // Replay of an accepted message.
    let once = signed(&signer, search_message(SENDER, None, &[("NIK", &nik)]));
    let (status, _) = post_json(&app, path, &once).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = post_json(&app, path, &once).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "rjct.message_id.duplicate")
    );

    // A record outside the agency's scope: refused item by item, nothing read.
    let (status, body) = post_json(
        &app,
        path,
        &signed(
            &signer,
            search_message(
                SENDER,
                None,
                &[("NIK", outside.members[0].nik.digits()), ("NIK", "12345")],
            ),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let items = &body["message"]["search_response"];
    assert_eq!(items[0]["status"], "rjct");
    assert_eq!(
        items[0]["status_reason_code"],
        "rjct.sender_id.not_authorized"
    );
    assert!(items[0].get("data").is_none());
    assert_eq!(
        items[1]["status_reason_code"],
        "rjct.search_criteria.invalid"
    );

    // Not JSON: refused before anything else (a form cannot reach these handlers).
    let r = app
        .send(
            Method::POST,
            path,
            "application/x-www-form-urlencoded",
            "a=b",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // A disabled agency.
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    agency::set_disabled(store, &grant, SENDER, true, Utc::now())
        .await
        .unwrap();
    let (status, body) = post_json(
        &app,
        path,
        &signed(&signer, search_message(SENDER, None, &[("NIK", &nik)])),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "rjct.sender_id.not_authorized")
    );

    // An agency without the search permission.
    let (subscriber, _) = add_agency(store, "bpjs.test", false, true).await;
    let (status, body) = post_json(
        &app,
        path,
        &signed(
            &subscriber,
            search_message("bpjs.test", None, &[("NIK", &nik)]),
        ),
    )
    .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "rjct.sender_id.not_authorized")
    );
}

#[tokio::test]
async fn senders_are_rate_limited_per_minute_and_bodies_by_size() {
    let app = app_with(|c| {
        c.dci.rate_per_minute = 2;
        c.dci.max_body_bytes = 4096;
    })
    .await;
    let (signer, _) = add_agency(app.store.as_ref(), SENDER, true, false).await;
    let path = "/api/dci/registry/sync/search";
    let mut codes = Vec::new();
    for _ in 0..3 {
        let (status, body) = post_json(
            &app,
            path,
            &signed(
                &signer,
                search_message(SENDER, None, &[("KK", "1902010101200001")]),
            ),
        )
        .await;
        codes.push((status, error_code(&body).to_owned()));
    }
    // The minute may turn between messages; then the count starts again and all three pass.
    if codes[2].0 != StatusCode::OK {
        assert_eq!(
            codes[2],
            (
                StatusCode::TOO_MANY_REQUESTS,
                "rjct.sender_id.rate_limited".to_owned()
            )
        );
    }
    assert_eq!(codes[0].0, StatusCode::OK);
    let big = "x".repeat(5000);
    let r = app
        .send(
            Method::POST,
            path,
            "application/json",
            &format!("{{\"pad\":\"{big}\"}}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

/// A receiver of callbacks on 127.0.0.1: every POST's path and body go to the channel; the first
/// `fail` POSTs to `/dci/notify` are answered 500.
async fn receiver(fail: usize) -> (String, mpsc::UnboundedReceiver<(String, Value)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let failures = Arc::new(Mutex::new(fail));
    let handler = move |uri: axum::http::Uri, body: String| {
        let tx = tx.clone();
        let failures = failures.clone();
        async move {
            let path = uri.path().to_owned();
            let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let _ = tx.send((path.clone(), value));
            let mut left = failures.lock().unwrap();
            if path.ends_with("/notify") && *left > 0 {
                *left -= 1;
                return StatusCode::INTERNAL_SERVER_ERROR;
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

#[tokio::test]
async fn an_async_search_is_answered_by_a_signed_callback() {
    let app = app_with(|_| {}).await;
    let store = app.store.as_ref();
    let h = household(VILLAGE_IN, 400);
    register_household(store, &h).await;
    let (signer, _) = add_agency(store, SENDER, true, false).await;
    let (uri, mut rx) = receiver(0).await;

    let (status, ack) = post_json(
        &app,
        "/api/dci/registry/search",
        &signed(
            &signer,
            search_message(SENDER, Some(&uri), &[("KK", h.kk_number.digits())]),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    assert_eq!(ack["message"]["ack_status"], "ACK");
    let correlation = ack["message"]["correlation_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (path, body) = next(&mut rx).await;
    assert_eq!(path, "/dci/on-search");
    verify_from_tepat(&app, &tepat_keys(&app).await, &body);
    assert_eq!(body["header"]["action"], "on-search");
    assert_eq!(body["message"]["correlation_id"], correlation.as_str());
    let group = &body["message"]["search_response"][0]["data"]["reg_records"][0];
    assert_eq!(
        group["group_identifier"][0]["identifier_value"],
        h.kk_number.digits()
    );
}

#[tokio::test]
async fn callbacks_to_private_addresses_are_refused_by_default() {
    let app = TestApp::new().await;
    let (signer, _) = add_agency(app.store.as_ref(), SENDER, true, false).await;
    for uri in [
        "http://127.0.0.1:9/dci",
        "http://169.254.169.254/latest",
        "file:///etc/passwd",
    ] {
        let (status, body) = post_json(
            &app,
            "/api/dci/registry/search",
            &signed(
                &signer,
                search_message(SENDER, Some(uri), &[("KK", "1902010101200001")]),
            ),
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::BAD_REQUEST, "rjct.sender_uri.invalid"),
            "{uri}"
        );
    }
}

fn subscribe_message(uri: &str, event: &str) -> Envelope<SubscribeRequest> {
    let mut header = Header::new("subscribe", SENDER, 1);
    header.sender_uri = Some(uri.to_owned());
    Envelope::new(
        header,
        SubscribeRequest {
            transaction_id: Uuid::now_v7().to_string(),
            subscribe_request: vec![SubscribeRequestItem {
                reference_id: "sub-1".into(),
                timestamp: Utc::now(),
                subscribe_criteria: SubscribeCriteria {
                    version: None,
                    reg_type: None,
                    reg_event_type: event.into(),
                    filter: None,
                    authorize: None,
                },
                locale: None,
            }],
        },
    )
}

/// Subscribes to registrations and returns the subscription code from the on-subscribe callback.
async fn subscribe(
    app: &TestApp,
    signer: &Signer,
    uri: &str,
    rx: &mut mpsc::UnboundedReceiver<(String, Value)>,
) -> String {
    let (status, ack) = post_json(
        app,
        "/api/dci/registry/subscribe",
        &signed(signer, subscribe_message(uri, "registration")),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{ack}");
    let (path, body) = next(rx).await;
    assert_eq!(path, "/dci/on-subscribe");
    let item = &body["message"]["subscribe_response"][0];
    assert_eq!(item["status"], "succ", "{body}");
    item["subscription_code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_subscriber_is_notified_of_a_new_household_in_its_scope_only() {
    let app = app_with(|_| {}).await;
    let store = app.store.as_ref();
    let (signer, agency_id) = add_agency(store, SENDER, false, true).await;
    let (uri, mut rx) = receiver(0).await;
    let code = subscribe(&app, &signer, &uri, &mut rx).await;

    // The same subscription again is refused.
    let (_, _) = post_json(
        &app,
        "/api/dci/registry/subscribe",
        &signed(&signer, subscribe_message(&uri, "registration")),
    )
    .await;
    let (_, again) = next(&mut rx).await;
    assert_eq!(
        again["message"]["subscribe_response"][0]["status_reason_code"],
        "rjct.event.already_subscribed"
    );

    let inside = household(VILLAGE_IN, 500);
    let outside = household(VILLAGE_OUT, 600);
    register_household(store, &inside).await;
    register_household(store, &outside).await;
    // Approvals wait a moment in the feed (a late commit of an earlier approval must not be skipped).
    let report = tepat_web::api::outbox::pump(app.state(), Utc::now())
        .await
        .unwrap();
    assert_eq!(report.queued, 0, "{report:?}");
    let report = tepat_web::api::outbox::pump(app.state(), settled())
        .await
        .unwrap();
    assert_eq!((report.queued, report.delivered), (1, 1), "{report:?}");

    let (path, body) = next(&mut rx).await;
    assert_eq!(path, "/dci/notify");
    verify_from_tepat(&app, &tepat_keys(&app).await, &body);
    assert_eq!(body["header"]["action"], "notify");
    let data = &body["message"]["notify_event"][0]["data"];
    assert_eq!(data["reg_event_type"], "registration");
    assert_eq!(
        data["reg_records"][0]["group_identifier"][0]["identifier_value"],
        inside.kk_number.digits()
    );
    let reads = store.audit_query(&audit_of(agency_id)).await.unwrap();
    assert!(reads
        .iter()
        .any(|e| e.entry.purpose == "dci.notify" && e.entry.object_id == Some(inside.id)));

    // Nothing more to send; after unsubscribing, later changes are not queued.
    let report = tepat_web::api::outbox::pump(app.state(), settled())
        .await
        .unwrap();
    assert_eq!(report, Default::default());
    let mut header = Header::new("unsubscribe", SENDER, 1);
    header.sender_uri = Some(uri.clone());
    let unsubscribe = Envelope::new(
        header,
        json!({"transaction_id": "u1", "timestamp": Utc::now(), "subscription_codes": [code]}),
    );
    let (status, _) = post_json(
        &app,
        "/api/dci/registry/unsubscribe",
        &signed(&signer, unsubscribe),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (path, body) = next(&mut rx).await;
    assert_eq!(path, "/dci/on-unsubscribe");
    assert_eq!(body["message"]["subscription_status"][0]["status"], "succ");
    register_household(store, &household(VILLAGE_IN, 700)).await;
    let report = tepat_web::api::outbox::pump(app.state(), settled())
        .await
        .unwrap();
    assert_eq!(report.queued, 0);
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_notification_on_the_third_try() {
    let app = app_with(|c| c.dci.retry_base = Duration::from_secs(60)).await;
    let store = app.store.as_ref();
    let (signer, agency_id) = add_agency(store, SENDER, false, true).await;
    let (uri, mut rx) = receiver(2).await;
    subscribe(&app, &signer, &uri, &mut rx).await;
    register_household(store, &household(VILLAGE_IN, 800)).await;

    let t0 = settled();
    let first = tepat_web::api::outbox::pump(app.state(), t0).await.unwrap();
    assert_eq!((first.queued, first.retrying), (1, 1), "{first:?}");
    // Not due again before the backoff has passed.
    let early =
        tepat_web::api::outbox::deliver_due(app.state(), t0 + chrono::Duration::seconds(30))
            .await
            .unwrap();
    assert_eq!(early, Default::default());
    let second =
        tepat_web::api::outbox::deliver_due(app.state(), t0 + chrono::Duration::seconds(61))
            .await
            .unwrap();
    assert_eq!(second.retrying, 1, "{second:?}");
    // The second retry waits twice as long.
    let early =
        tepat_web::api::outbox::deliver_due(app.state(), t0 + chrono::Duration::seconds(150))
            .await
            .unwrap();
    assert_eq!(early, Default::default());
    let third =
        tepat_web::api::outbox::deliver_due(app.state(), t0 + chrono::Duration::seconds(185))
            .await
            .unwrap();
    assert_eq!(third.delivered, 1, "{third:?}");

    let mut ids = Vec::new();
    for _ in 0..3 {
        let (path, body) = next(&mut rx).await;
        assert_eq!(path, "/dci/notify");
        ids.push(body["header"]["message_id"].as_str().unwrap().to_owned());
    }
    assert!(
        ids.windows(2).all(|w| w[0] == w[1]),
        "every attempt carries the same message_id"
    );
    let outbox = store.notifications_of(agency_id, 10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].state, outbox[0].attempts),
        (OutboxState::Delivered, 3)
    );
}

/// Every route of the agency API is in the OpenAPI document, and every path there is a route.
#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes() {
    let app = TestApp::new().await;
    let r = app.get("/api/dci/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = tepat_web::api::ENDPOINTS
        .iter()
        .map(|(m, p, _)| (m.to_string(), (*p).to_owned()))
        .collect();
    assert_eq!(documented, routed);
    // And the router serves each of them (not the 404 page).
    for (method, path, _) in tepat_web::api::ENDPOINTS {
        let request = Request::builder()
            .method(method.clone())
            .uri(*path)
            .header("content-type", "text/plain")
            .body(Body::from("x"))
            .unwrap();
        let Response { status, .. } = app.request(request).await;
        let expected = if *method == Method::GET {
            StatusCode::OK
        } else {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        };
        assert_eq!(status, expected, "{method} {path}");
    }
    // Every $ref resolves.
    let text = r.body;
    for piece in text.split("\"$ref\": \"#/").skip(1) {
        let pointer = format!("/{}", piece.split('"').next().unwrap());
        assert!(doc.pointer(&pointer).is_some(), "{pointer} is defined");
    }
}
