//! Complaints and ratings through the real router: an anonymous abuse report filed, kept from the
//! village operator and tracked by ticket; a complaint as oneself routed to the village and handled
//! there (contact read audited, forwarded out of the operator's desk); scripts refused; floods from one
//! client limited without touching another; escalation of an overdue complaint; one rating per
//! handed-over entitlement.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use tepat_core::portal::complaints::{self, Complainant, ComplaintInput, Services};
use tepat_core::registry::Origin;
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::{RegionCode, Role, Rupiah, Scope};
use tepat_store::{
    AuditFilter, ComplaintFilter, Entitlement, Level, NewEnvelope, PopulationRecord, Ticket,
};
use uuid::Uuid;

use crate::officer::Officer;
use crate::registry::A;
use crate::support::{belitung, TestApp};

/// A village of district 19.02.01 other than A.
const B: &str = "19.02.01.1002";

async fn app() -> TestApp {
    TestApp::builder().population(belitung(2, 0)).build().await
}

fn resident(pop: &[PopulationRecord], village: &str) -> PopulationRecord {
    pop.iter()
        .find(|r| r.village.dotted() == village)
        .unwrap()
        .clone()
}

/// The text of the element with `id` (up to the next tag).
fn text_of(html: &str, id: &str) -> String {
    let key = format!("id=\"{id}\"");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = at + html[at..].find('>').unwrap() + 1;
    html[start..start + html[start..].find('<').unwrap()].to_owned()
}

async fn file(citizen: &Officer<'_>, fields: &[(&str, &str)]) -> crate::support::Response {
    citizen.refresh_csrf("/warga/pengaduan").await;
    citizen.post_form("/warga/pengaduan", fields).await
}

async fn track(citizen: &Officer<'_>, ticket: &str) -> crate::support::Response {
    citizen.refresh_csrf("/warga/pengaduan/lacak").await;
    citizen
        .post_form("/warga/pengaduan/lacak", &[("ticket", ticket)])
        .await
}

/// The complaint's id, from the link in an officer's inbox that shows `ticket`.
fn id_in_inbox(html: &str, ticket: &str) -> Uuid {
    let at = html
        .find(ticket)
        .unwrap_or_else(|| panic!("{ticket} not in {html}"));
    let link = html[..at].rfind("/pengaduan/").unwrap() + "/pengaduan/".len();
    Uuid::parse_str(&html[link..link + 36]).unwrap()
}

#[tokio::test]
async fn an_anonymous_abuse_report_is_tracked_by_ticket_and_kept_from_the_village_operator() {
    let app = app().await;
    let citizen = app.browser();
    let form = citizen.refresh_csrf("/warga/pengaduan").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"category\""));
    let done = file(
        &citizen,
        &[
            ("category", "extortion"),
            ("who", "anonymous"),
            ("village", A),
            ("text", "Ketua RT minta Rp50.000 dari setiap penerima"),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let ticket = text_of(&done.body, "ticket");
    assert!(Ticket::parse(&ticket).is_some(), "{ticket}");
    assert!(text_of(&done.body, "level").contains("Dinas Sosial"));

    let tracked = track(&citizen, &ticket.to_lowercase()).await;
    assert_eq!(tracked.status, StatusCode::OK, "{}", tracked.body);
    assert!(text_of(&tracked.body, "tracked-state").contains("menunggu"));
    let wrong = track(&citizen, "ADU-0000-0000").await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.body.contains("id=\"track-error\""));

    let village_op = app.sign_in_as(Role::VillageOperator, A).await;
    let district_op = app.sign_in_as(Role::DistrictOperator, "19.02.01").await;
    let distribution = app.sign_in_as(Role::DistributionOfficer, "19.02").await;
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let inbox = verifier.get("/pengaduan").await;
    assert_eq!(inbox.status, StatusCode::OK);
    let id = id_in_inbox(&inbox.body, &ticket);
    for outsider in [&village_op, &district_op, &distribution] {
        let theirs = outsider.get("/pengaduan").await;
        assert_eq!(theirs.status, StatusCode::OK);
        assert!(!theirs.body.contains(&ticket), "{}", theirs.body);
        let page = outsider.get(&format!("/pengaduan/{id}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        outsider.refresh_csrf("/pengaduan").await;
        let act = outsider
            .post_form(
                &format!("/pengaduan/{id}/tindak"),
                &[("action", "resolve"), ("note", "tidak ada masalah")],
            )
            .await;
        assert_eq!(act.status, StatusCode::NOT_FOUND);
    }

    verifier.refresh_csrf(&format!("/pengaduan/{id}")).await;
    let ack = verifier
        .post_form(
            &format!("/pengaduan/{id}/tindak"),
            &[("action", "acknowledge")],
        )
        .await;
    assert_eq!(ack.status, StatusCode::SEE_OTHER, "{}", ack.body);
    // An abuse report is never forwarded down to the village.
    let down = verifier
        .post_form(
            &format!("/pengaduan/{id}/tindak"),
            &[("action", "forward"), ("to", "village"), ("note", "cek")],
        )
        .await;
    assert_eq!(down.status, StatusCode::UNPROCESSABLE_ENTITY);
    let answer = verifier
        .post_form(
            &format!("/pengaduan/{id}/tindak"),
            &[
                ("action", "answer"),
                ("note", "Inspektorat akan memeriksa pekan ini."),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let tracked = track(&citizen, &ticket).await;
    assert!(tracked
        .body
        .contains("Inspektorat akan memeriksa pekan ini."));
    assert!(text_of(&tracked.body, "tracked-state").contains("dijawab"));

    let auditor = app.sign_in_as(Role::Auditor, "19.02").await;
    let seen = auditor.get(&format!("/pengaduan/{id}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.body.contains("Ketua RT minta"));
    assert!(!seen.body.contains("id=\"act-form\""), "auditors read only");
    auditor.refresh_csrf("/pengaduan").await;
    let act = auditor
        .post_form(
            &format!("/pengaduan/{id}/tindak"),
            &[("action", "resolve"), ("note", "x")],
        )
        .await;
    assert_eq!(act.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn anonymous_is_only_for_abuse_reports() {
    let app = app().await;
    let citizen = app.browser();
    let refused = file(
        &citizen,
        &[
            ("category", "wrong_amount"),
            ("who", "anonymous"),
            ("village", A),
            ("text", "kurang 100 ribu"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&refused.body, "complaint-error").contains("tanpa nama"));
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    assert!(verifier
        .get("/pengaduan")
        .await
        .body
        .contains("id=\"no-complaints\""));
}

#[tokio::test]
async fn a_complaint_as_oneself_reaches_the_village_operator_who_reads_the_contact_and_forwards_it()
{
    let app = app().await;
    let pop = belitung(2, 0);
    let me = resident(&pop, A);
    let citizen = app.browser();
    let done = file(
        &citizen,
        &[
            ("category", "data_error"),
            ("who", "proof"),
            ("nik", me.nik.digits()),
            ("kk", me.kk_number.digits()),
            ("contact", "0812 3456 7890"),
            ("text", "Nama ibu salah ketik di data bansos"),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(!done.body.contains(me.nik.digits()) && !done.body.contains(me.kk_number.digits()));
    let ticket = text_of(&done.body, "ticket");

    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let inbox = op.get("/pengaduan").await;
    let id = id_in_inbox(&inbox.body, &ticket);
    let other = app.sign_in_as(Role::VillageOperator, B).await;
    assert!(!other.get("/pengaduan").await.body.contains(&ticket));
    assert_eq!(
        other.get(&format!("/pengaduan/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    let page = op.get(&format!("/pengaduan/{id}")).await;
    assert!(page.body.contains("Nama ibu salah ketik"));
    assert!(
        !page.body.contains("3456"),
        "the contact only behind its button"
    );
    op.refresh_csrf(&format!("/pengaduan/{id}")).await;
    let shown = op.post_form(&format!("/pengaduan/{id}/kontak"), &[]).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(text_of(&shown.body, "contact").contains("Nomor HP"));
    assert!(shown.body.contains("81234567890"), "{}", shown.body);
    let reads = app
        .state()
        .store()
        .audit_query(&AuditFilter {
            within: Scope::All,
            actor: None,
            object_id: Some(id),
            before_seq: None,
            limit: 20,
        })
        .await
        .unwrap();
    let purposes: Vec<&str> = reads.iter().map(|r| r.entry.purpose.as_str()).collect();
    assert!(purposes.contains(&"complaint.contact"), "{purposes:?}");
    assert!(purposes.contains(&"complaint.view"), "{purposes:?}");
    assert!(purposes.contains(&"complaint.data_error"), "{purposes:?}");

    let forward = op
        .post_form(
            &format!("/pengaduan/{id}/tindak"),
            &[
                ("action", "forward"),
                ("to", "district"),
                ("note", "perlu kecamatan"),
            ],
        )
        .await;
    assert_eq!(forward.status, StatusCode::SEE_OTHER, "{}", forward.body);
    assert!(!op.get("/pengaduan").await.body.contains(&ticket));
    let district = app.sign_in_as(Role::DistrictOperator, "19.02.01").await;
    let theirs = district.get(&format!("/pengaduan/{id}")).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(theirs.body.contains("perlu kecamatan"));
    // The citizen sees that it moved, not the officers' note.
    let tracked = track(&citizen, &ticket).await;
    assert!(tracked.body.contains("diteruskan"));
    assert!(!tracked.body.contains("perlu kecamatan"));
}

#[tokio::test]
async fn scripts_in_a_complaint_are_refused_and_nothing_is_stored() {
    let app = app().await;
    let citizen = app.browser();
    let refused = file(
        &citizen,
        &[
            ("category", "officer_behaviour"),
            ("who", "anonymous"),
            ("village", A),
            ("text", "<script>alert('x')</script> petugas kasar"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&refused.body, "complaint-error").contains("skrip"));
    assert!(
        !refused.body.contains("<script>alert"),
        "echoed escaped only"
    );
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    assert!(verifier
        .get("/pengaduan")
        .await
        .body
        .contains("id=\"no-complaints\""));
}

/// A form POST from `client` (its own address) with the browser's cookie and CSRF token.
async fn post_from(
    app: &TestApp,
    citizen: &Officer<'_>,
    client: &str,
    uri: &str,
    body: &str,
) -> StatusCode {
    let addr: SocketAddr = client.parse().unwrap();
    let request = Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", citizen.cookie_header())
        .extension(ConnectInfo(addr))
        .body(Body::from(format!("csrf={}&{body}", citizen.csrf())))
        .unwrap();
    app.request(request).await.status
}

#[tokio::test]
async fn a_flood_from_one_client_is_limited_and_other_clients_are_not() {
    let app = app().await;
    let citizen = app.browser();
    citizen.refresh_csrf("/warga/pengaduan").await;
    let report = format!("category=extortion&who=anonymous&village={A}&text=potongan+20+ribu");
    for i in 0..10 {
        let status = post_from(&app, &citizen, "10.9.9.9:4000", "/warga/pengaduan", &report).await;
        assert_eq!(status, StatusCode::OK, "attempt {i}");
    }
    let flood = post_from(&app, &citizen, "10.9.9.9:4001", "/warga/pengaduan", &report).await;
    assert_eq!(flood, StatusCode::TOO_MANY_REQUESTS);
    let other = post_from(&app, &citizen, "10.1.1.1:4000", "/warga/pengaduan", &report).await;
    assert_eq!(other, StatusCode::OK);
    // Guessing tickets is limited too.
    for _ in 0..30 {
        let s = post_from(
            &app,
            &citizen,
            "10.9.9.9:1",
            "/warga/pengaduan/lacak",
            "ticket=ADU-0000-0000",
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let s = post_from(
        &app,
        &citizen,
        "10.9.9.9:1",
        "/warga/pengaduan/lacak",
        "ticket=ADU-0000-0000",
    )
    .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_overdue_complaint_is_escalated_once_and_shows_overdue() {
    let app = app().await;
    let store = app.state().store();
    let services = Services {
        limits: app.state().feedback_limits(),
        citizen_limits: app.state().citizen_limits(),
        pass_key: app.state().pass_key(),
        regions: app.state().regions(),
    };
    let pass = app.state().pass_key().issue(
        Uuid::now_v7(),
        None,
        RegionCode::parse(A).unwrap(),
        Utc::now() - Duration::days(30),
    );
    let weeks_ago = Origin {
        now: Utc::now() - Duration::days(30),
        client: None,
    };
    let filed = complaints::submit(
        store,
        &services,
        Complainant::Pass(&pass),
        &ComplaintInput {
            category: "not_listed",
            text: "keluarga kami tidak terdaftar",
            contact: "",
        },
        &weeks_ago,
    )
    .await
    .unwrap();
    assert_eq!(filed.level, Level::Village);
    assert_eq!(
        complaints::escalate_overdue(store, Utc::now())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        complaints::escalate_overdue(store, Utc::now())
            .await
            .unwrap(),
        0
    );
    let c = store.complaint(filed.id).await.unwrap().unwrap();
    assert_eq!(c.level, Level::District);
    let mut overdue = ComplaintFilter::within(Scope::All);
    overdue.overdue_on = Some(complaints::today(Utc::now()));
    assert_eq!(store.complaints(&overdue, 10).await.unwrap().len(), 1);
    let district = app.sign_in_as(Role::DistrictOperator, "19.02.01").await;
    let only = district.get("/pengaduan?overdue=1").await;
    assert!(only.body.contains(&filed.ticket.to_string()));
    assert!(only.body.contains("class=\"overdue\""));
}

/// An envelope of `program` with one entitlement of `household` in `state`; returns its id.
async fn envelope_with(
    app: &TestApp,
    household: Uuid,
    state: EntitlementState,
    cycle: &str,
) -> Uuid {
    let id = Uuid::now_v7();
    let store = app.state().store();
    store
        .create_envelope(
            &NewEnvelope {
                id,
                program: "SEMBAKO".into(),
                cycle: cycle.into(),
                program_version: 1,
                scheduled_date: Utc::now().date_naive(),
                prepared_by: Uuid::now_v7(),
                prepared_at: Utc::now(),
            },
            &[Entitlement {
                household,
                village: RegionCode::parse(A).unwrap(),
                amount: Rupiah::new(200_000),
                parts: "[]".into(),
                route: Route::Goods,
                provider: None,
                state,
                reason: None,
            }],
        )
        .await
        .unwrap();
    set_state(app, id, state).await;
    id
}

/// Sets an envelope's entitlements to `state`, as paying or handing over would (preparing writes
/// them pending).
pub async fn set_state(app: &TestApp, envelope: Uuid, state: EntitlementState) {
    use sqlx::Connection as _;
    let mut conn = sqlx::SqliteConnection::connect(&app.config.database_url)
        .await
        .unwrap();
    sqlx::query("UPDATE entitlement SET state = $1 WHERE envelope_id = $2")
        .bind(state.code())
        .bind(envelope)
        .execute(&mut conn)
        .await
        .unwrap();
}

async fn rate(
    citizen: &Officer<'_>,
    pass: &str,
    envelope: Uuid,
    stars: &str,
) -> crate::support::Response {
    // The rating form is on the status page; any citizen's form gives the token.
    citizen.refresh_csrf("/warga/pengaduan").await;
    citizen
        .post_form(
            "/warga/penilaian",
            &[
                ("pass", pass),
                ("envelope", &envelope.to_string()),
                ("stars", stars),
                ("comment", "antre tertib, beras bagus"),
            ],
        )
        .await
}

#[tokio::test]
async fn a_handed_over_entitlement_is_rated_once() {
    let app = app().await;
    let household = Uuid::now_v7();
    let done = envelope_with(&app, household, EntitlementState::HandedOver, "2027-01").await;
    let pending = envelope_with(&app, household, EntitlementState::Pending, "2027-02").await;
    let pass = app.state().pass_key().issue(
        Uuid::now_v7(),
        Some(household),
        RegionCode::parse(A).unwrap(),
        Utc::now(),
    );
    let citizen = app.browser();
    let first = rate(&citizen, &pass, done, "4").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(text_of(&first.body, "stars"), "4");
    let again = rate(&citizen, &pass, done, "1").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(text_of(&again.body, "rate-error").contains("sudah dinilai"));
    assert_eq!(
        rate(&citizen, &pass, pending, "5").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        rate(&citizen, &pass, done, "6").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let stranger = app.state().pass_key().issue(
        Uuid::now_v7(),
        Some(Uuid::now_v7()),
        RegionCode::parse(A).unwrap(),
        Utc::now(),
    );
    assert_eq!(
        rate(&citizen, &stranger, done, "5").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let forged = rate(&citizen, "TPP1.x.y", done, "5").await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    // English when asked.
    citizen.get("/warga/penilaian?lang=en").await;
    let english = citizen.get("/warga/penilaian").await;
    assert!(english.body.contains("status check"), "{}", english.body);

    let stored = app
        .state()
        .store()
        .ratings_of_household(household)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].stars, 4);
    let summary =
        tepat_core::portal::ratings::summary(app.state().store(), &Scope::All, Some("SEMBAKO"))
            .await
            .unwrap();
    assert_eq!(summary.len(), 1);
    assert_eq!((summary[0].count, summary[0].average), (1, 4.0));

    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let list = verifier.get("/pengaduan/penilaian").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("antre tertib, beras bagus"));
    let elsewhere = app.sign_in_as(Role::VillageOperator, B).await;
    assert!(!elsewhere
        .get("/pengaduan/penilaian")
        .await
        .body
        .contains("antre tertib"));
}
