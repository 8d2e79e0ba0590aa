//! `/audit` for issue 5's leftovers: sign-ins (refused and successful) appear with actions of their own
//! and the public actor, without what was typed; the scheduled job is named as itself; the dates are
//! part of the query, so entries outside them are left out even when they are the newest.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use tepat_core::access::{Actor, FlagStale, Job};
use tepat_core::registry::{self, Origin};
use tepat_domain::Role;

use crate::support::TestApp;

#[tokio::test]
async fn sign_ins_and_the_jobs_appear_under_their_own_names() {
    let app = TestApp::new().await;
    app.create_officer("op.desa", Role::VillageOperator, "19.02.01.1001")
        .await;
    let typed = "1902014107850001";
    let browser = app.browser();
    let r = browser.sign_in(typed, "rahasia kami").await;
    assert_ne!(
        r.status,
        StatusCode::SEE_OTHER,
        "an unknown user is refused"
    );
    let r = browser.sign_in("op.desa", "bukan kata sandinya").await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);

    let job = Actor::system(Job::Reverification);
    let grant = job.may_anywhere::<FlagStale>().unwrap();
    registry::flag_for_reverification(
        app.store.as_ref(),
        &grant,
        Duration::days(365),
        &Origin::now(None),
    )
    .await
    .unwrap();

    let auditor = app.sign_in_as(Role::Auditor, "*").await;
    let page = auditor.get("/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(body.contains("sign_in.password.unknown_user"), "{body}");
    assert!(body.contains("sign_in.password.wrong_secret"));
    assert!(body.contains("sign_in_failed"));
    assert!(body.contains("publik (tanpa akun)"));
    assert!(
        body.contains(&format!("{} (auditor)", auditor.username)),
        "the auditor's own sign-in is listed under their name"
    );
    assert!(body.contains("sign_in.password"));
    assert!(body.contains("reverification (sistem (tugas terjadwal))"));
    for secret in [typed, "rahasia kami", "bukan kata sandinya"] {
        assert!(!body.contains(secret), "{secret} shown");
    }
    auditor.get("/audit?lang=en").await;
    let english = auditor.get("/audit").await;
    assert!(english.body.contains("public (no account)"));
    assert!(english
        .body
        .contains("reverification (system (scheduled job))"));

    // A regency auditor sees the sign-ins against accounts of their regency, not the anonymous ones.
    let regional = app.sign_in_as(Role::Auditor, "19.02").await;
    let body = regional.get("/audit").await.body;
    assert!(body.contains("sign_in.password.wrong_secret"));
    assert!(!body.contains("sign_in.password.unknown_user"));
}

#[tokio::test]
async fn the_dates_are_part_of_the_query() {
    let app = TestApp::new().await;
    let auditor = app.sign_in_as(Role::Auditor, "*").await;
    let today = Utc::now().date_naive();
    let yesterday = today.pred_opt().unwrap();
    let tomorrow = today.succ_opt().unwrap();

    let r = auditor.get(&format!("/audit?since={today}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("sign_in.password"), "{}", r.body);
    // Until a day is to the end of that day, in UTC.
    let r = auditor.get(&format!("/audit?until={today}")).await;
    assert!(r.body.contains("sign_in.password"));
    // Nothing was written yesterday or tomorrow, however many entries there are today.
    for q in [
        format!("until={yesterday}"),
        format!("since={tomorrow}"),
        format!("since={yesterday}&until={yesterday}"),
    ] {
        let r = auditor.get(&format!("/audit?{q}")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("id=\"audit-none\""), "{q}: {}", r.body);
        assert!(!r.body.contains("id=\"older\""), "{q}");
    }
    // A bad date names its field in the user's language.
    auditor.get("/audit?lang=en").await;
    let r = auditor.get("/audit?until=31-12-2026").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Until date"), "{}", r.body);
}
