//! Answers to citizens through the real router: the receipt code given on submitting, the status check
//! (code in the POST body), an officer closing a proposal once inside their scope with the form kept on
//! error, and an unanswered objection shown overdue after its deadline.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use tepat_domain::{RegionCode, Role};
use tepat_store::{Objection, ObjectionDetails, PopulationRecord};
use uuid::Uuid;

use crate::officer::Officer;
use crate::registry::A;
use crate::support::{belitung, TestApp};

fn resident(pop: &[PopulationRecord], i: usize) -> (String, String) {
    let r = pop
        .iter()
        .filter(|r| r.village.dotted() == A)
        .nth(i)
        .unwrap();
    (r.nik.digits().to_owned(), r.kk_number.digits().to_owned())
}

/// The text of the element with `id` (up to the next tag).
fn text_of(html: &str, id: &str) -> String {
    let key = format!("id=\"{id}\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let start = at + html[at..].find('>').unwrap() + 1;
    html[start..start + html[start..].find('<').unwrap()].to_owned()
}

async fn check(citizen: &Officer<'_>, code: &str) -> crate::support::Response {
    citizen.refresh_csrf("/warga/status").await;
    citizen.post_form("/warga/status", &[("kode", code)]).await
}

async fn answer(officer: &Officer<'_>, fields: &[(&str, &str)]) -> crate::support::Response {
    officer.refresh_csrf("/registry/warga").await;
    officer.post_form("/registry/warga/jawab", fields).await
}

#[tokio::test]
async fn a_citizen_reads_the_answer_to_their_proposal_with_the_receipt_code() {
    let pop = belitung(2, 0);
    let app = TestApp::builder().population(pop.clone()).build().await;
    let (nik, kk) = resident(&pop, 0);
    let citizen = app.browser();
    citizen.refresh_csrf("/warga/usulan").await;
    let done = citizen
        .post_form(
            "/warga/usulan",
            &[
                ("kind", "own"),
                ("nik", &nik),
                ("kk", &kk),
                ("reason", "suami kena PHK"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let code = text_of(&done.body, "receipt");
    let id = Uuid::parse_str(&code).expect("the receipt code is the submission's id");

    let open = check(&citizen, &code).await;
    assert_eq!(open.status, StatusCode::OK, "{}", open.body);
    assert!(open.body.contains("id=\"open\""));
    assert!(open.body.contains("Menunggu jawaban"));
    let unknown = check(&citizen, &Uuid::now_v7().to_string()).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(text_of(&unknown.body, "citizen-error").contains("kode tanda terima"));

    let id_text = id.to_string();
    let op_b = app.sign_in_as(Role::VillageOperator, "19.02.01.1002").await;
    let elsewhere = answer(
        &op_b,
        &[("id", &id_text), ("outcome", "answered"), ("reply", "x")],
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);

    let op_a = app.sign_in_as(Role::VillageOperator, A).await;
    let inbox = op_a.get("/registry/warga").await;
    assert!(
        inbox.body.contains("/registry/warga/jawab"),
        "{}",
        inbox.body
    );
    // Accepting without a request id is refused and the typed answer is kept.
    let kept = answer(
        &op_a,
        &[
            ("id", &id_text),
            ("outcome", "accepted"),
            ("request", "bukan-id"),
            ("reply", "Diterima untuk diverifikasi"),
        ],
    )
    .await;
    assert_eq!(kept.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(kept
        .body
        .contains(">Diterima untuk diverifikasi</textarea>"));
    assert!(text_of(&kept.body, "citizen-error").contains("permintaan perubahan"));

    let reply = "Keluarga Anda akan dikunjungi operator desa";
    let closed = answer(
        &op_a,
        &[("id", &id_text), ("outcome", "answered"), ("reply", reply)],
    )
    .await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    let twice = answer(
        &op_a,
        &[
            ("id", &id_text),
            ("outcome", "rejected"),
            ("reply", "tidak"),
        ],
    )
    .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&twice.body, "citizen-error").contains("sudah dijawab"));
    let listed = op_a.get("/registry/warga").await;
    assert!(listed.body.contains(reply));
    assert!(
        !listed.body.contains("/registry/warga/jawab"),
        "no form once answered"
    );

    let seen = check(&citizen, &code).await;
    assert_eq!(text_of(&seen.body, "reply"), reply);
    assert!(seen.body.contains("id=\"outcome\""));
    assert!(!seen.body.contains(&nik) && !seen.body.contains("suami kena PHK"));
}

#[tokio::test]
async fn an_unanswered_objection_is_overdue_after_its_deadline() {
    let app = TestApp::builder().population(belitung(2, 0)).build().await;
    let store = app.store.as_ref();
    let mut ids = Vec::new();
    for (days, reason) in [(20, "sanggahan lama"), (1, "sanggahan baru")] {
        let o = Objection {
            id: Uuid::now_v7(),
            village: RegionCode::parse(A).unwrap(),
            household: Uuid::now_v7(),
            details: ObjectionDetails {
                reason: reason.into(),
                objector: "Contoh".into(),
            },
            created_at: Utc::now() - Duration::days(days),
        };
        store.intake_add_objection(&o).await.unwrap();
        ids.push(o.id);
    }
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let page = op.get("/registry/warga").await;
    let item = |id: Uuid| {
        let at = page.body.find(&format!("id=\"s-{id}\"")).unwrap();
        let end = at + page.body[at..].find("</li>").unwrap();
        page.body[at..end].to_owned()
    };
    assert!(item(ids[0]).contains("Lewat batas waktu"), "{}", page.body);
    assert!(!item(ids[1]).contains("Lewat batas waktu"));
    assert!(item(ids[1]).contains("Dijawab paling lambat"));
}
