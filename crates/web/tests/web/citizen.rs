//! The citizens' public pages through the real router: a proposal reaching the right village's operator,
//! one answer for every failed identification, the attempt limits, the masked list with its 14-day window,
//! and objections landing in the listed village's queue and not another's.

use axum::http::StatusCode;
use tepat_domain::Role;
use tepat_store::PopulationRecord;

use crate::officer::Officer;
use crate::registry::{approve_rest, household, propose, village_verifies, A};
use crate::support::{belitung, TestApp};

async fn app() -> TestApp {
    TestApp::builder().population(belitung(2, 0)).build().await
}

fn resident(pop: &[PopulationRecord], village: &str, i: usize) -> (String, String) {
    let r = pop
        .iter()
        .filter(|r| r.village.dotted() == village)
        .nth(i)
        .unwrap();
    (r.nik.digits().to_owned(), r.kk_number.digits().to_owned())
}

/// The error paragraph of a page.
fn error_of(html: &str) -> String {
    let key = "id=\"citizen-error\" role=\"alert\">";
    let at = html
        .find(key)
        .unwrap_or_else(|| panic!("no error in {html}"))
        + key.len();
    html[at..at + html[at..].find('<').unwrap()].to_owned()
}

async fn propose_own(citizen: &Officer<'_>, nik: &str, kk: &str) -> crate::support::Response {
    citizen.refresh_csrf("/warga/usulan").await;
    citizen
        .post_form(
            "/warga/usulan",
            &[
                ("kind", "own"),
                ("nik", nik),
                ("kk", kk),
                ("reason", "suami kena PHK"),
            ],
        )
        .await
}

#[tokio::test]
async fn a_citizens_proposal_reaches_their_villages_operator_only() {
    let app = app().await;
    let pop = belitung(2, 0);
    let (nik, kk) = resident(&pop, A, 0);
    let citizen = app.browser();
    let form = citizen.refresh_csrf("/warga/usulan").await;
    assert_eq!(form.status, StatusCode::OK);
    let done = propose_own(&citizen, &nik, &kk).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("id=\"received\""));
    assert!(!done.body.contains(&nik) && !done.body.contains(&kk));

    let op_a = app.sign_in_as(Role::VillageOperator, A).await;
    let inbox = op_a.get("/registry/warga").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("suami kena PHK"));
    assert!(inbox.body.contains("Warga 1 0"));
    let op_other = app.sign_in_as(Role::VillageOperator, "19.02.02.2001").await;
    let other = op_other.get("/registry/warga").await;
    assert!(!other.body.contains("suami kena PHK"));
    assert!(other.body.contains("id=\"no-tips\""));
}

#[tokio::test]
async fn every_failed_identification_gets_the_same_answer_and_attempts_are_limited() {
    let app = app().await;
    let pop = belitung(2, 0);
    let (nik, kk) = resident(&pop, A, 0);
    let (_, other_kk) = resident(&pop, A, 4);
    let citizen = app.browser();
    let wrong_pair = propose_own(&citizen, &nik, &other_kk).await;
    let unknown = propose_own(&citizen, "1902011111110001", &kk).await;
    assert_eq!(wrong_pair.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status, wrong_pair.status);
    assert_eq!(error_of(&wrong_pair.body), error_of(&unknown.body));
    assert!(!wrong_pair.body.contains(&nik), "the NIK is not sent back");
    // Per NIK: 5 attempts an hour; the sixth is refused even with the right pair.
    for _ in 0..4 {
        propose_own(&citizen, &nik, &other_kk).await;
    }
    let limited = propose_own(&citizen, &nik, &kk).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(error_of(&limited.body).contains("terlalu banyak"));
}

#[tokio::test]
async fn the_masked_list_takes_objections_from_residents_into_the_villages_queue() {
    let app = app().await;
    let pop = belitung(2, 0);
    let store = app.store.as_ref();
    let h = household(A, 1, "Budi Santoso");
    let request = propose(store, h.clone()).await;
    village_verifies(store, A, request).await;
    approve_rest(store, request).await;

    let citizen = app.browser();
    let list = citizen
        .refresh_csrf(&format!("/warga/sanggahan?desa={A}"))
        .await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("B**I S*****O"), "{}", list.body);
    assert!(!list.body.contains("Budi"), "no full name");
    assert!(!list.body.contains(h.members[0].nik.digits()), "no NIK");
    assert!(!list.body.contains("Jalan Uji"), "no address");
    let other = citizen.get("/warga/sanggahan?desa=19.02.02.2001").await;
    assert!(other.body.contains("id=\"none\""));

    // A resident of another village may not object; a resident of A may.
    let (far_nik, far_kk) = resident(&pop, "19.02.02.2001", 0);
    let household_id = h.id.to_string();
    let refused = citizen
        .post_form(
            "/warga/sanggahan",
            &[
                ("desa", A),
                ("household", &household_id),
                ("nik", &far_nik),
                ("kk", &far_kk),
                ("reason", "iri"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (nik, kk) = resident(&pop, A, 0);
    let done = citizen
        .post_form(
            "/warga/sanggahan",
            &[
                ("desa", A),
                ("household", &household_id),
                ("nik", &nik),
                ("kk", &kk),
                ("reason", "punya mobil dan toko"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("id=\"received\""));

    let op_a = app.sign_in_as(Role::VillageOperator, A).await;
    let inbox = op_a.get("/registry/warga").await;
    assert!(inbox.body.contains("punya mobil dan toko"));
    assert!(inbox.body.contains(&household_id));
    let op_b = app.sign_in_as(Role::VillageOperator, "19.02.01.1002").await;
    let other = op_b.get("/registry/warga").await;
    assert!(!other.body.contains("punya mobil dan toko"));
    let auditor = app.sign_in_as(Role::Auditor, "*").await;
    assert_eq!(
        auditor.get("/registry/warga").await.status,
        StatusCode::FORBIDDEN
    );
}
