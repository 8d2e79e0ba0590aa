//! The citizen's status page `/cek` through the real router: the card after the NIK + KK check
//! (programs, next collection with the voucher's QR code, history with ledger receipt links and a
//! rating form, the follow-up links with the pass), the one answer for a wrong KK and an unknown NIK,
//! what a person outside the registry is told, and the 30 KB budget.

use axum::http::StatusCode;
use chrono::{Days, NaiveTime, Utc};
use tepat_core::registry::Origin;
use tepat_core::targeting::programs;
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::{Nik, RegionCode, Role, Rupiah, Sex};
use tepat_payments::voucher::{recipient_commitment, Voucher};
use tepat_store::{
    Assignment, DistributionPoint, Entitlement, IssueBatch, NewEnvelope, PointKind,
    PopulationRecord, StoredVoucher,
};
use uuid::Uuid;

use crate::registry::{approve_rest, code, household, propose, village_verifies, A};
use crate::support::{belitung, TestApp};

/// The page budget of issue 8 (HTML only; the stylesheet and script are cached).
pub const BUDGET: usize = 30 * 1024;

/// A household with a paid PKH transfer (rateable) and an open SEMBAKO cash collection with its
/// voucher, and the people of the population extract to check with.
pub struct Fixture {
    pub app: TestApp,
    /// The head of the registered household.
    pub head: PopulationRecord,
    /// The head of a family of the same village that is not in the registry.
    pub outsider: PopulationRecord,
    pub paid_envelope: Uuid,
    pub voucher_text: String,
}

pub async fn fixture() -> Fixture {
    let population = belitung(2, 0);
    let head = population[0].clone();
    let outsider = population[4].clone();
    assert_eq!(head.village.dotted(), A);
    assert_eq!(outsider.village.dotted(), A);
    let app = TestApp::builder().population(population).build().await;
    let store = app.store.as_ref();
    programs::seed_builtin(store, &Origin::now(None))
        .await
        .unwrap();
    app.create_officer("operator.a", Role::VillageOperator, A)
        .await;
    let mut h = household(A, 90, "Warga 1 0");
    h.members[0].nik = head.nik;
    h.kk_number = head.kk_number;
    let id = h.id;
    let request = propose(store, h).await;
    village_verifies(store, A, request).await;
    approve_rest(store, request).await;
    let paid_envelope = envelope(&app, id, "PKH", "2027-T1", Route::Bank, 750_000).await;
    settle_transfers(&app).await;
    let open = envelope(&app, id, "SEMBAKO", "2027-01", Route::Cash, 200_000).await;
    let voucher_text = voucher(&app, id, open, &head.nik).await;
    Fixture {
        app,
        head,
        outsider,
        paid_envelope,
        voucher_text,
    }
}

async fn envelope(
    app: &TestApp,
    household: Uuid,
    program: &str,
    cycle: &str,
    route: Route,
    amount: i64,
) -> Uuid {
    let store = app.store.as_ref();
    let now = Utc::now();
    let id = Uuid::now_v7();
    let state = EntitlementState::Pending;
    store
        .create_envelope(
            &NewEnvelope {
                id,
                program: program.into(),
                cycle: cycle.into(),
                program_version: 1,
                scheduled_date: now.date_naive(),
                prepared_by: Uuid::now_v7(),
                prepared_at: now,
            },
            &[Entitlement {
                household,
                village: code(A),
                amount: Rupiah::new(amount),
                parts: "[]".into(),
                route,
                provider: (route == Route::Bank).then(|| "BRI".into()),
                state,
                reason: None,
            }],
        )
        .await
        .unwrap();
    store
        .approve_envelope(id, Uuid::now_v7(), now)
        .await
        .unwrap();
    store.release_envelope(id, now).await.unwrap();
    id
}

/// The bank's status file settled every transfer (what `tepat payments import-status` would record):
/// written straight into the test database, the status import is not what these tests are about.
async fn settle_transfers(app: &TestApp) {
    use sqlx::Connection as _;
    let mut db = sqlx::SqliteConnection::connect(&app.config.database_url)
        .await
        .unwrap();
    sqlx::query("UPDATE entitlement SET state = 'paid' WHERE route = 'bank'")
        .execute(&mut db)
        .await
        .unwrap();
}

/// Issues the household's voucher of `envelope` at a post office tomorrow, 08:00; returns its text.
async fn voucher(app: &TestApp, household: Uuid, envelope: Uuid, nik: &Nik) -> String {
    let store = app.store.as_ref();
    let now = Utc::now();
    let today = now.date_naive();
    let point = DistributionPoint {
        id: Uuid::now_v7(),
        code: "KP-TDN-01".into(),
        name: "Kantor Pos Tanjung Pandan".into(),
        kind: PointKind::PostOffice,
        village: code(A),
        capacity_per_slot: 50,
        slots_per_day: 8,
        first_slot: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        slot_minutes: 30,
        active: true,
        merchant_account: None,
    };
    store.insert_point(&point).await.unwrap();
    let signer = app.state().voucher_signer().unwrap();
    let id = Uuid::now_v7();
    let voucher = Voucher {
        id,
        program: "SEMBAKO".into(),
        cycle: "2027-01".into(),
        amount: Rupiah::new(200_000),
        goods: None,
        recipient: recipient_commitment(id, nik.digits()),
        valid_from: today - Days::new(1),
        valid_until: today + Days::new(30),
        key_id: signer.key_id().to_owned(),
    };
    store
        .issue_vouchers(&IssueBatch {
            vouchers: vec![StoredVoucher {
                id,
                envelope,
                household,
                amount: voucher.amount,
                goods: None,
                recipient: voucher.recipient,
                valid_from: voucher.valid_from,
                valid_until: voucher.valid_until,
                key_id: voucher.key_id.clone(),
                issued_at: now,
            }],
            assignments: vec![Assignment {
                envelope,
                household,
                point: point.id,
                day: today + Days::new(1),
                slot: 0,
                assigned_at: now,
                version: 1,
            }],
            notices: vec![],
        })
        .await
        .unwrap();
    signer.sign(&voucher).unwrap()
}

/// A NIK of the right shape that no one in the population extract has.
pub fn unknown_nik() -> Nik {
    let birth = chrono::NaiveDate::from_ymd_opt(1980, 3, 12).unwrap();
    Nik::from_parts(
        RegionCode::parse("19.02.01").unwrap(),
        Sex::LakiLaki,
        birth,
        77,
    )
    .unwrap()
}

#[tokio::test]
async fn a_household_reads_its_card_after_the_nik_and_kk_check() {
    let f = fixture().await;
    let citizen = f.app.browser();
    let form = citizen.refresh_csrf("/cek").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.len() < BUDGET,
        "the form is {} bytes",
        form.body.len()
    );
    let page = citizen
        .post_form(
            "/cek",
            &[
                ("nik", f.head.nik.digits()),
                ("kk", f.head.kk_number.digits()),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert_eq!(page.header("cache-control"), "no-store");
    assert!(body.len() < BUDGET, "the card page is {} bytes", body.len());

    assert!(body.contains("id=\"card\""));
    assert!(
        body.contains("<dd id=\"registered\">Terdaftar</dd>"),
        "{body}"
    );
    // The open collection: place, day and slot, and the voucher as a QR code (not as text).
    assert!(
        body.contains("Kantor Pos Tanjung Pandan (KP-TDN-01)"),
        "{body}"
    );
    assert!(body.contains("08:00–08:30 WIB"), "{body}");
    assert_eq!(body.matches("<svg").count(), 1, "one open voucher");
    assert!(!body.contains(&f.voucher_text));
    // The paid transfer: in the history, rateable with the pass, never with the numbers.
    assert!(body.contains("2027-T1 · Rp750.000"), "{body}");
    let envelope = format!("name=\"envelope\" value=\"{}\"", f.paid_envelope);
    assert_eq!(body.matches(&envelope).count(), 1, "one rating form");
    assert!(body.contains("action=\"/warga/penilaian\""));
    assert!(body.contains("name=\"pass\" value=\"TPP1."));
    assert!(body.contains("href=\"/warga/pengaduan?pass=TPP1."));
    assert!(body.contains("href=\"/warga/pemberitahuan?pass=TPP1."));
    assert!(
        !body.contains(f.head.nik.digits()),
        "the NIK is not written back"
    );
    assert!(
        !body.contains(f.head.kk_number.digits()),
        "nor the KK number"
    );
    assert!(body.contains("Petugas operator.a"), "whom to ask");
}

#[tokio::test]
async fn a_wrong_kk_and_an_unknown_nik_get_the_same_answer() {
    let f = fixture().await;
    let citizen = f.app.browser();
    citizen.refresh_csrf("/cek").await;
    let wrong_kk = citizen
        .post_form(
            "/cek",
            &[
                ("nik", f.head.nik.digits()),
                ("kk", f.outsider.kk_number.digits()),
            ],
        )
        .await;
    let unknown = citizen
        .post_form(
            "/cek",
            &[
                ("nik", unknown_nik().digits()),
                ("kk", f.head.kk_number.digits()),
            ],
        )
        .await;
    assert_eq!(wrong_kk.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status, wrong_kk.status);
    let message = |html: &str| {
        let at = html.find("id=\"check-error\"").expect("an error");
        html[at..at + html[at..].find("</p>").unwrap()].to_owned()
    };
    assert_eq!(message(&wrong_kk.body), message(&unknown.body));
    for page in [&wrong_kk.body, &unknown.body] {
        assert!(!page.contains("id=\"card\""));
        assert!(!page.contains("TPP1."));
        assert!(!page.contains(f.head.nik.digits()));
    }
    // A malformed number is named, so the citizen can fix it.
    let short = citizen
        .post_form("/cek", &[("nik", "123"), ("kk", f.head.kk_number.digits())])
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("NIK harus 16 angka"), "{}", short.body);
}

#[tokio::test]
async fn a_family_outside_the_registry_learns_what_to_do_and_whom_to_ask() {
    let f = fixture().await;
    let citizen = f.app.browser();
    citizen.refresh_csrf("/cek").await;
    let page = citizen
        .post_form(
            "/cek",
            &[
                ("nik", f.outsider.nik.digits()),
                ("kk", f.outsider.kk_number.digits()),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains("<dd id=\"registered\">Belum terdaftar</dd>"));
    assert!(page.body.contains("Ajukan usulan"), "{}", page.body);
    assert!(page.body.contains("href=\"/warga/usulan\""));
    assert!(page.body.contains("Petugas operator.a"));
    assert!(!page.body.contains("<svg"));
    assert!(!page.body.contains("action=\"/warga/penilaian\""));
}

#[tokio::test]
async fn the_cards_rating_form_rates_the_paid_transfer_once() {
    let f = fixture().await;
    let citizen = f.app.browser();
    citizen.refresh_csrf("/cek").await;
    let page = citizen
        .post_form(
            "/cek",
            &[
                ("nik", f.head.nik.digits()),
                ("kk", f.head.kk_number.digits()),
            ],
        )
        .await;
    let at = page.body.find("name=\"pass\" value=\"").unwrap() + 19;
    let pass = page.body[at..at + page.body[at..].find('"').unwrap()].to_owned();
    let envelope = f.paid_envelope.to_string();
    let fields = [
        ("pass", pass.as_str()),
        ("envelope", envelope.as_str()),
        ("stars", "4"),
        ("comment", "petugas ramah"),
    ];
    let rated = citizen.post_form("/warga/penilaian", &fields).await;
    assert_eq!(rated.status, StatusCode::OK, "{}", rated.body);
    let again = citizen.post_form("/warga/penilaian", &fields).await;
    assert_eq!(
        again.status,
        StatusCode::CONFLICT,
        "one rating per entitlement"
    );
}
