//! The monitoring dashboard through the router (issue 9): who may open it, an officer sees only their
//! region, the polled fragment, the CSV of every view, and the list behind a flag only for roles that
//! may inspect flags. Rows are written straight into the SQLite file, then the aggregates refreshed.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use sqlx::Connection as _;
use tepat_domain::Role;
use tepat_store::FlagRules;
use uuid::Uuid;

use crate::support::TestApp;

/// Two villages in two districts of Belitung.
const V1: &str = "1902012003";
const V3: &str = "1902022001";

/// An envelope with three entitlements in V1 (one handed over) and one in V3, four households sharing
/// one account (three in V1), and a proposal waiting in V1.
pub(crate) async fn craft(app: &TestApp) {
    let url = format!("sqlite://{}", app.db_path.display());
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let envelope = Uuid::now_v7();
    let now = Utc::now();
    sqlx::query(
        "INSERT INTO envelope (id, program, cycle, program_version, state, count, amount, \
         scheduled_date, prepared_by, prepared_at) \
         VALUES ($1, 'PKH', '2027-T1', 1, 'paying', 4, 1200000, '2027-01-05', $2, $3)",
    )
    .bind(envelope)
    .bind(Uuid::now_v7())
    .bind(now)
    .execute(&mut c)
    .await
    .unwrap();
    for (village, state) in [
        (V1, "handed_over"),
        (V1, "instructed"),
        (V1, "pending"),
        (V3, "pending"),
    ] {
        let household = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO entitlement (envelope_id, household_id, village_code, amount, parts, \
             route, state) VALUES ($1, $2, $3, 300000, '[]', 'cash', $4)",
        )
        .bind(envelope)
        .bind(household)
        .bind(village)
        .bind(state)
        .execute(&mut c)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO account_link (id, village_code, address_sealed, address_index, kind, \
             provider, state, source, requested_at) \
             VALUES ($1, $2, x'00', x'0707', 'account', 'bri', 'verified', 'officer', $3)",
        )
        .bind(household)
        .bind(village)
        .bind(now)
        .execute(&mut c)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO registry_request (village_code, id, household_id, kind, stage, \
         submission_sealed, created_at, updated_at) VALUES ($1, $2, $3, 'new', 'proposed', x'00', $4, $4)",
    )
    .bind(V1)
    .bind(Uuid::now_v7())
    .bind(Uuid::now_v7())
    .bind(now - Duration::days(3))
    .execute(&mut c)
    .await
    .unwrap();
    app.store
        .refresh_monitoring(&FlagRules::default(), now)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_officer_sees_their_region_live_and_as_csv() {
    let app = TestApp::new().await;
    craft(&app).await;
    let district = app.sign_in_as(Role::DistrictOperator, "19.02.01").await;
    let page = district.get("/pantau").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("PKH 2027-T1"));
    // Rows are the district's villages; the other district's entitlement is not counted.
    assert!(page.body.contains("19.02.01.2003"));
    assert!(!page.body.contains("19.02.02"));
    let poll = &page.body[page.body.find("hx-get=").unwrap()..];
    assert!(
        poll.starts_with("hx-get=\"/pantau/angka?wilayah=190201"),
        "{}",
        &poll[..100]
    );
    assert!(poll[..100].contains("siklus=2027-T1"), "{}", &poll[..100]);
    // The shared account: three of its four households are in this district.
    assert!(page.body.contains("id=\"flag-shared_account\""));
    let flag = &page.body[page.body.find("id=\"flag-shared_account\"").unwrap()..];
    assert!(
        flag.contains("<span class=\"flag-count\">3</span>"),
        "{flag}"
    );
    // District operators do not open the lists behind flags.
    assert!(!page.body.contains("/pantau/tanda/"));
    assert_eq!(
        district.get("/pantau/tanda/shared_account").await.status,
        StatusCode::FORBIDDEN
    );
    // Outside their region: refused.
    assert_eq!(
        district.get("/pantau?wilayah=19.02.02").await.status,
        StatusCode::FORBIDDEN
    );

    // The polled fragment: the figures without the page around them.
    let fragment = district.get("/pantau/angka").await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert!(fragment.body.starts_with("<div id=\"monitor-figures\""));
    assert!(!fragment.body.contains("<html"));

    let csv = district.get("/pantau/csv/pipeline").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert_eq!(
        csv.body,
        "program,cycle,region,planned,planned_amount,sent,sent_amount,confirmed,confirmed_amount,\
         received,received_amount,failed,failed_amount\n\
         PKH,2027-T1,1902012003,3,900000,2,600000,1,300000,1,300000,0,0\n"
    );
    let backlog = district.get("/pantau/csv/backlog").await;
    assert!(
        backlog.body.contains("\n1902012003,proposed,1,"),
        "{}",
        backlog.body
    );
    for view in ["complaints", "ratings", "flags"] {
        let r = district.get(&format!("/pantau/csv/{view}")).await;
        assert_eq!(r.status, StatusCode::OK, "{view}");
        assert!(r.body.lines().count() >= 1);
    }
    assert_eq!(
        district.get("/pantau/csv/nothing").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_verifier_opens_the_households_behind_a_flag() {
    let app = TestApp::new().await;
    craft(&app).await;
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let list = verifier.get("/pantau/tanda/shared_account").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(list.body.matches("href=\"/registry/household/").count(), 4);
    let csv = verifier
        .get("/pantau/tanda/shared_account/csv?wilayah=19.02.02")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.body.lines().count(),
        2,
        "a header and the one household of 19.02.02"
    );
    assert!(csv.body.contains(",1902022001,"));
    assert_eq!(
        verifier.get("/pantau/tanda/no_such_rule").await.status,
        StatusCode::NOT_FOUND
    );
    // Someone without the dashboard at all.
    let officer = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    assert_eq!(officer.get("/pantau").await.status, StatusCode::FORBIDDEN);
}
