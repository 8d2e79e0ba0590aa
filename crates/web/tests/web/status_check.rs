//! `POST /api/v1/status-check` through the real router: a registered household's card as JSON with a
//! pass; the one `not_recognised` answer, byte for byte, for a wrong KK and an unknown NIK; malformed
//! numbers and bodies named; oversized and non-JSON bodies refused; the per-client limit answering 429
//! to one client while another is served.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::Utc;
use serde_json::Value;
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::Rupiah;
use tepat_store::{Entitlement, NewEnvelope, PopulationRecord};
use uuid::Uuid;

use crate::registry::{approve_rest, code, household, propose, village_verifies, A};
use crate::support::{belitung, Response, TestApp};

pub const PATH: &str = "/api/v1/status-check";

/// An app whose first Tanjungpandan family is an approved registry household with a PKH
/// entitlement; returns the app, that family's head and the household id.
pub async fn registered_app(
    change: impl FnOnce(&mut tepat_web::ServerConfig),
) -> (TestApp, PopulationRecord, PopulationRecord, Uuid) {
    let population = belitung(2, 0);
    let head = population[0].clone();
    let outsider = population[4].clone();
    let app = TestApp::builder()
        .population(population)
        .config(change)
        .build()
        .await;
    let mut h = household(A, 90, "Warga 1 0");
    h.members[0].nik = head.nik;
    h.kk_number = head.kk_number;
    let household_id = h.id;
    let request = propose(app.store.as_ref(), h).await;
    village_verifies(app.store.as_ref(), A, request).await;
    approve_rest(app.store.as_ref(), request).await;
    let now = Utc::now();
    app.store
        .create_envelope(
            &NewEnvelope {
                id: Uuid::now_v7(),
                program: "PKH".into(),
                cycle: "2027-T1".into(),
                program_version: 1,
                scheduled_date: now.date_naive(),
                prepared_by: Uuid::now_v7(),
                prepared_at: now,
            },
            &[Entitlement {
                household: household_id,
                village: code(A),
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
    (app, head, outsider, household_id)
}

pub fn body(nik: &str, kk: &str) -> String {
    serde_json::json!({ "nik": nik, "kk_number": kk }).to_string()
}

pub async fn post(app: &TestApp, body: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = Request::post(PATH).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.request(request.body(Body::from(body.to_owned())).unwrap())
        .await
}

fn json(r: &Response) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body))
}

#[tokio::test]
async fn a_household_sees_its_card_and_a_mismatch_gets_the_one_answer() {
    let (app, head, outsider, household_id) = registered_app(|_| {}).await;
    let found = post(&app, &body(head.nik.digits(), head.kk_number.digits()), &[]).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.header("content-type"), "application/json");
    assert_eq!(found.header("cache-control"), "no-store");
    let card = json(&found);
    assert_eq!(card["registered"], true);
    assert_eq!(card["registry"], "verified");
    assert_eq!(card["village"], "19.02.01.1001");
    let pkh = card["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["program"] == "PKH")
        .expect("PKH listed");
    assert_eq!(pkh["history"][0]["amount"], 750_000);
    assert_eq!(pkh["history"][0]["route"], "bank");
    let pass = app
        .state()
        .pass_key()
        .verify(card["pass"].as_str().unwrap(), Utc::now())
        .unwrap();
    assert_eq!(pass.household, Some(household_id));
    assert!(
        !found.body.contains(head.nik.digits()),
        "no NIK in the card"
    );
    assert!(!found.body.contains(head.kk_number.digits()));

    // Someone of the extract whose family is not registered: a card that says so.
    let outside = post(
        &app,
        &body(outsider.nik.digits(), outsider.kk_number.digits()),
        &[],
    )
    .await;
    assert_eq!(outside.status, StatusCode::OK);
    assert_eq!(json(&outside)["registry"], "not_listed");
    assert_eq!(json(&outside)["advice"], "propose");

    // Wrong KK for an existing NIK, and a NIK nobody has: the same status and the same bytes.
    let wrong_kk = post(
        &app,
        &body(head.nik.digits(), outsider.kk_number.digits()),
        &[],
    )
    .await;
    let unknown = post(
        &app,
        &body("1902015003800099", head.kk_number.digits()),
        &[],
    )
    .await;
    assert_eq!(wrong_kk.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong_kk.body, unknown.body);
    assert_eq!(json(&wrong_kk)["error"], "not_recognised");
    assert!(json(&wrong_kk)["message"]
        .as_str()
        .unwrap()
        .contains("tidak cocok"));
    let english = post(
        &app,
        &body(head.nik.digits(), outsider.kk_number.digits()),
        &[("accept-language", "en-GB,en;q=0.8")],
    )
    .await;
    assert!(json(&english)["message"]
        .as_str()
        .unwrap()
        .contains("do not match"));
}

#[tokio::test]
async fn malformed_oversized_and_non_json_requests_are_named() {
    let app = TestApp::new().await;
    let malformed = post(&app, &body("12345", "1902010000000001"), &[]).await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&malformed)["field"], "nik");
    let bad_kk = post(
        &app,
        &body("1902011203800001", "19020100"),
        &[("accept-language", "en")],
    )
    .await;
    assert_eq!(bad_kk.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&bad_kk)["field"], "kk_number");
    assert!(json(&bad_kk)["message"]
        .as_str()
        .unwrap()
        .contains("16 digits"));
    let missing = post(&app, r#"{"nik": "1902011203800001"}"#, &[]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&missing)["field"], "kk_number");
    let number = post(&app, r#"{"nik": 1902011203800001, "kk_number": "x"}"#, &[]).await;
    assert_eq!(number.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&number)["field"], "nik");
    let not_json = post(&app, "nik=1&kk_number=2", &[]).await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    assert_eq!(json(&not_json)["error"], "malformed_json");
    let big = format!(
        r#"{{"nik": "1902011203800001", "kk_number": "1902010000000001", "pad": "{}"}}"#,
        "x".repeat(2000)
    );
    let oversized = post(&app, &big, &[]).await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
    let form = app
        .send(
            axum::http::Method::POST,
            PATH,
            "application/x-www-form-urlencoded",
            "nik=1&kk_number=2",
        )
        .await;
    assert_eq!(form.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn one_client_over_its_limit_gets_429_and_another_is_served() {
    let (app, head, _, _) = registered_app(|c| {
        c.citizen.per_client_per_hour = 3;
        c.citizen.per_nik_per_hour = 100;
        c.auth.client_ip_header = Some("x-forwarded-for".into());
    })
    .await;
    let pair = body(head.nik.digits(), head.kk_number.digits());
    let a = [("x-forwarded-for", "203.0.113.7")];
    for _ in 0..3 {
        assert_eq!(post(&app, &pair, &a).await.status, StatusCode::OK);
    }
    let over = post(&app, &pair, &a).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(over.header("retry-after"), "3600");
    assert_eq!(json(&over)["error"], "too_many");
    let b = post(&app, &pair, &[("x-forwarded-for", "198.51.100.9")]).await;
    assert_eq!(b.status, StatusCode::OK, "another client is not affected");
}

#[tokio::test]
async fn one_nik_over_its_limit_is_refused_from_every_client() {
    let (app, head, _, _) = registered_app(|c| {
        c.citizen.per_client_per_hour = 100;
        c.citizen.per_nik_per_hour = 2;
        c.auth.client_ip_header = Some("x-forwarded-for".into());
    })
    .await;
    let pair = body(head.nik.digits(), head.kk_number.digits());
    for ip in ["203.0.113.1", "203.0.113.2"] {
        assert_eq!(
            post(&app, &pair, &[("x-forwarded-for", ip)]).await.status,
            StatusCode::OK
        );
    }
    let third = post(&app, &pair, &[("x-forwarded-for", "203.0.113.3")]).await;
    assert_eq!(third.status, StatusCode::TOO_MANY_REQUESTS);
}
