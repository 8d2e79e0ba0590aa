//! The officers' distribution pages and the recipient's account form through the real router: envelopes
//! with control totals that reconcile, each page for the roles that may open it and refused to the
//! others, maker-checker in the UI (the preparer sees why there is no approve button and is refused
//! when posting anyway), a malformed status file refused with its line and nothing changed, the
//! account-change queue, distribution points, and `/warga/rekening` creating a pending link while a
//! wrong KK number learns nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{NaiveDate, NaiveTime, Utc};
use tepat_core::registry::Origin;
use tepat_core::targeting::programs;
use tepat_domain::distribution::{
    EntitlementState, EnvelopeState, FinancialAddress, PaymentState, Route,
};
use tepat_domain::{HouseholdFacts, MemberFacts, Relationship, Role, Rupiah};
use tepat_payments::iso20022::bank_sim;
use tepat_store::{
    DistributionPoint, Entitlement, LinkSource, LinkState, NewAccountLink, NewEnvelope, PointKind,
    PopulationRecord, Store,
};
use uuid::Uuid;

use crate::officer::Officer;
use crate::registry::{approve_rest, code, household, propose, village_verifies, A, B};
use crate::support::{Response, TestApp};

const BELITUNG: &str = "19.02";

async fn app() -> TestApp {
    let app = TestApp::new().await;
    programs::seed_builtin(app.store.as_ref(), &Origin::now(None))
        .await
        .unwrap();
    app
}

async fn account_id(store: &dyn Store, username: &str) -> Uuid {
    store
        .account_by_username(username)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// A prepared PKH envelope of three households (two bank transfers in village A, cash in village B),
/// recorded as prepared by `preparer`.
async fn envelope(store: &dyn Store, preparer: Uuid) -> (Uuid, [Uuid; 3]) {
    let id = Uuid::now_v7();
    let households = [Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7()];
    let row = |household, village: &str, amount, route, provider: Option<&str>| Entitlement {
        household,
        village: code(village),
        amount: Rupiah::new(amount),
        parts: "[]".into(),
        route,
        provider: provider.map(str::to_owned),
        state: EntitlementState::Pending,
        reason: None,
    };
    let rows = [
        row(households[0], A, 750_000, Route::Bank, Some("bri")),
        row(households[1], A, 600_000, Route::Bank, Some("bri")),
        row(households[2], B, 900_000, Route::Cash, None),
    ];
    store
        .create_envelope(
            &NewEnvelope {
                id,
                program: "PKH".into(),
                cycle: "2027-T1".into(),
                program_version: 1,
                scheduled_date: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
                prepared_by: preparer,
                prepared_at: Utc::now(),
            },
            &rows,
        )
        .await
        .unwrap();
    (id, households)
}

async fn state_of(store: &dyn Store, id: Uuid) -> EnvelopeState {
    store.envelope(id).await.unwrap().unwrap().state
}

#[tokio::test]
async fn envelopes_reconcile_open_to_their_roles_and_the_preparer_cannot_approve() {
    let app = app().await;
    let store = app.store.as_ref();
    let maker = app.sign_in_as(Role::Approver, BELITUNG).await;
    let (id, households) = envelope(store, account_id(store, &maker.username).await).await;
    let page_uri = format!("/penyaluran/amplop/{id}");

    // The list: the envelope with its stages, reconciled.
    let list = maker.get("/penyaluran").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains(&format!("href=\"{page_uri}\"")));
    assert!(list.body.contains("class=\"meta reconciled\""));
    assert!(!list.body.contains("not-reconciled"));
    assert!(list.body.contains("href=\"/penyaluran\""), "menu entry");
    assert!(
        list.body.contains("Rp2.250.000"),
        "control total in Indonesian"
    );

    // The preparer (an approver account here) sees why there is no approve form, and is refused.
    let page = maker.refresh_csrf(&page_uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"approve-missing\""));
    assert!(page.body.contains("prinsip empat mata"));
    assert!(!page.body.contains("id=\"approve-form\""));
    let refused = maker.post_form(&format!("{page_uri}/setujui"), &[]).await;
    assert!(
        refused.status == StatusCode::UNPROCESSABLE_ENTITY
            || refused.status == StatusCode::FORBIDDEN,
        "{}: {}",
        refused.status,
        refused.body
    );
    assert_eq!(state_of(store, id).await, EnvelopeState::Prepared);

    // A verifier cannot approve at all (and is told why); another approver can, once.
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let page = verifier.refresh_csrf(&page_uri).await;
    assert!(page.body.contains("Hanya pejabat penyetuju"));
    let denied = verifier
        .post_form(&format!("{page_uri}/setujui"), &[])
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    app.create_officer("penyetuju.dua", Role::Approver, BELITUNG)
        .await;
    let checker = app.browser();
    checker
        .sign_in("penyetuju.dua", crate::officer::PASSWORD)
        .await;
    let page = checker.refresh_csrf(&page_uri).await;
    assert!(page.body.contains("id=\"approve-form\""), "{}", page.body);
    let approved = checker.post_form(&format!("{page_uri}/setujui"), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    assert_eq!(state_of(store, id).await, EnvelopeState::Approved);
    let again = checker.post_form(&format!("{page_uri}/setujui"), &[]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = checker.get(&format!("{page_uri}?done=approved")).await;
    assert!(page.body.contains("id=\"approved-by\""));
    assert!(page.body.contains("id=\"release-form\""));

    // A village operator reads only their village's entitlements; an admin reads none.
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let page = op.get(&page_uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&households[0].to_string()));
    assert!(!page.body.contains(&households[2].to_string()), "village B");
    let other = op.get(&format!("{page_uri}?desa={B}")).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let admin = app.sign_in_as(Role::Admin, "*").await;
    assert_eq!(admin.get("/penyaluran").await.status, StatusCode::FORBIDDEN);
    assert_eq!(admin.get(&page_uri).await.status, StatusCode::FORBIDDEN);

    // Filters: by route.
    let cash = verifier.get(&format!("{page_uri}?jalur=cash")).await;
    assert!(cash.body.contains(&households[2].to_string()));
    assert!(!cash.body.contains(&households[0].to_string()));

    // Release, once; the stages still reconcile.
    let released = checker
        .post_form(&format!("{page_uri}/salurkan"), &[])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    assert_eq!(state_of(store, id).await, EnvelopeState::Paying);
    let twice = checker
        .post_form(&format!("{page_uri}/salurkan"), &[])
        .await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = verifier.get(&page_uri).await;
    assert!(page.body.contains("class=\"meta reconciled\""));
    assert!(page.body.contains("id=\"payments-link\""));
}

#[tokio::test]
async fn a_verifier_is_told_what_is_wrong_with_a_prepare_form() {
    let app = app().await;
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let list = verifier.refresh_csrf("/penyaluran").await;
    assert!(list.body.contains("id=\"prepare-form\""));
    assert!(list.body.contains("<option value=\"PKH\">"));
    let bad = verifier
        .post_form(
            "/penyaluran/siapkan",
            &[
                ("program", "PKH"),
                ("cycle", "2027-Q1"),
                ("scheduled", "2027-02-01"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("2027-T1 (triwulan)"), "{}", bad.body);
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let page = op.refresh_csrf("/penyaluran").await;
    assert!(!page.body.contains("id=\"prepare-form\""));
    let denied = op
        .post_form(
            "/penyaluran/siapkan",
            &[
                ("program", "PKH"),
                ("cycle", "2027-T1"),
                ("scheduled", "2027-02-01"),
            ],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

const BOUNDARY: &str = "----tepatStatusBoundary";

async fn upload(app: &TestApp, officer: &Officer<'_>, uri: &str, file: &[u8]) -> Response {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
        officer.csrf()
    )
    .into_bytes();
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"status.xml\"\r\nContent-Type: application/xml\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let request = Request::post(uri)
        .header("cookie", officer.cookie_header())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.request(request).await
}

#[tokio::test]
async fn a_malformed_status_file_is_refused_with_its_line_and_changes_nothing() {
    let app = app().await;
    let store = app.store.as_ref();
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let (id, _) = envelope(store, account_id(store, &verifier.username).await).await;
    let approver = Uuid::now_v7();
    store
        .approve_envelope(id, approver, Utc::now())
        .await
        .unwrap();
    store.release_envelope(id, Utc::now()).await.unwrap();
    let before = store.payment_totals(id).await.unwrap();
    assert!(!before.is_empty());

    let uri = format!("/penyaluran/amplop/{id}/pembayaran");
    let page = verifier.refresh_csrf(&uri).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"status-form\""));
    assert!(page.body.contains("id=\"payment-totals\""));

    // Truncated on line 4.
    let malformed = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.002.001.03\">\n<CstmrPmtStsRpt>\n<GrpHdr><MsgId>X";
    let refused = upload(&app, &verifier, &format!("{uri}/status"), malformed).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("id=\"import-refused\""),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("baris") || refused.body.contains("line"),
        "names the line: {}",
        refused.body
    );
    assert_eq!(store.payment_totals(id).await.unwrap(), before);

    // Someone without ManagePayments cannot upload at all.
    let auditor = app.sign_in_as(Role::Auditor, BELITUNG).await;
    let page = auditor.refresh_csrf(&uri).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("id=\"status-form\""));
    let denied = upload(&app, &auditor, &format!("{uri}/status"), malformed).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

/// The population record of each member of a test household (so its head can prove who they are).
fn population_of(h: &tepat_domain::registry::RegistryHousehold) -> Vec<PopulationRecord> {
    h.members
        .iter()
        .map(|m| PopulationRecord {
            nik: m.nik,
            kk_number: h.kk_number,
            full_name: m.full_name.clone(),
            sex: m.sex,
            birth_place: "Tanjungpandan".into(),
            birth_date: m.birth_date,
            religion: None,
            marital_status: None,
            relationship: m.relationship,
            address: h.address.clone(),
            rt: h.rt.clone(),
            rw: h.rw.clone(),
            village: h.village,
            occupation: "Nelayan".into(),
            death_date: None,
        })
        .collect()
}

#[tokio::test]
async fn a_recipient_gives_an_account_an_officer_verifies_it_and_a_wrong_kk_learns_nothing() {
    let h = household(A, 41, "Kepala Rekening");
    let app = TestApp::builder()
        .population(population_of(&h))
        .build()
        .await;
    let store = app.store.as_ref();
    let request = propose(store, h.clone()).await;
    village_verifies(store, A, request).await;
    approve_rest(store, request).await;
    let nik = h.members[0].nik.digits().to_owned();
    let kk = h.kk_number.digits().to_owned();

    let citizen = app.browser();
    let landing = citizen.get("/").await;
    assert!(
        landing.body.contains("href=\"/warga/rekening\""),
        "linked from the landing page"
    );
    let form = citizen.refresh_csrf("/warga/rekening").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("id=\"account-pending-note\""));

    // A wrong KK: the usual answer, nothing recorded, nothing about the household.
    let mut wrong_kk = kk.clone();
    wrong_kk.replace_range(15..16, if kk.ends_with('1') { "2" } else { "1" });
    let wrong = citizen
        .post_form(
            "/warga/rekening",
            &[
                ("nik", &nik),
                ("kk", &wrong_kk),
                ("kind", "account"),
                ("number", "0012345678"),
                ("provider", "bri"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.body.contains("NIK dan nomor KK tidak cocok"),
        "{}",
        wrong.body
    );
    assert!(!wrong.body.contains("Kepala Rekening"));
    assert!(!wrong.body.contains(&h.id.to_string()));
    assert!(!wrong.body.contains(&nik) && !wrong.body.contains("0012345678"));
    assert!(store.account_link(h.id).await.unwrap().is_none());

    // The right numbers: a pending link, shown masked.
    let done = citizen
        .post_form(
            "/warga/rekening",
            &[
                ("nik", &nik),
                ("kk", &kk),
                ("kind", "account"),
                ("number", "0012345678"),
                ("provider", "BRI"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("id=\"account-recorded\""));
    assert!(
        done.body.contains("account:••••••5678@bri"),
        "{}",
        done.body
    );
    assert!(!done.body.contains("0012345678") && !done.body.contains(&nik));
    let link = store.account_link(h.id).await.unwrap().unwrap();
    assert_eq!(link.state, LinkState::Pending);
    assert_eq!(link.address.to_string(), "account:0012345678@bri");

    // The village's verifier sees it masked and verifies it; an admin may not.
    let admin = app.sign_in_as(Role::Admin, "*").await;
    assert_eq!(
        admin.get("/penyaluran/rekening").await.status,
        StatusCode::FORBIDDEN
    );
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let queue = verifier.refresh_csrf("/penyaluran/rekening").await;
    assert_eq!(queue.status, StatusCode::OK, "{}", queue.body);
    assert!(queue.body.contains(&format!("id=\"acct-{}\"", h.id)));
    assert!(queue.body.contains("account:••••••5678@bri"));
    assert!(!queue.body.contains("0012345678"));
    let verified = verifier
        .post_form(
            "/penyaluran/rekening/putuskan",
            &[("household", &h.id.to_string()), ("decision", "verify")],
        )
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER, "{}", verified.body);
    let link = store.account_link(h.id).await.unwrap().unwrap();
    assert_eq!(link.state, LinkState::Verified);
    let queue = verifier.get("/penyaluran/rekening?done=verified").await;
    assert!(queue.body.contains("id=\"accounts-none\""));

    // A new wallet replaces it, pending again; the officer finds it wrong.
    citizen.refresh_csrf("/warga/rekening").await;
    let wallet = citizen
        .post_form(
            "/warga/rekening",
            &[
                ("nik", &nik),
                ("kk", &kk),
                ("kind", "mobile"),
                ("number", "0812-3456-7890"),
                ("provider", "dana"),
            ],
        )
        .await;
    assert_eq!(wallet.status, StatusCode::OK, "{}", wallet.body);
    assert_eq!(
        store.account_link(h.id).await.unwrap().unwrap().state,
        LinkState::Pending
    );
    verifier.refresh_csrf("/penyaluran/rekening").await;
    let invalid = verifier
        .post_form(
            "/penyaluran/rekening/putuskan",
            &[
                ("household", &h.id.to_string()),
                ("decision", "invalid"),
                ("reason", "nomor bukan milik penerima"),
            ],
        )
        .await;
    assert_eq!(invalid.status, StatusCode::SEE_OTHER, "{}", invalid.body);
    let link = store.account_link(h.id).await.unwrap().unwrap();
    assert_eq!(link.state, LinkState::Invalid);
    assert!(link.invalid_reason.is_some());

    // An officer records the right account at the counter: pending again. Outside their area: refused.
    let page = verifier.refresh_csrf("/penyaluran/rekening").await;
    assert!(page.body.contains("id=\"request-form\""));
    let household = h.id.to_string();
    let fields = [
        ("household", household.as_str()),
        ("kind", "account"),
        ("number", "0012345679"),
        ("provider", "bni"),
    ];
    let recorded = verifier
        .post_form("/penyaluran/rekening/ajukan", &fields)
        .await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let link = store.account_link(h.id).await.unwrap().unwrap();
    assert_eq!(link.state, LinkState::Pending);
    assert_eq!(link.source, LinkSource::Officer);
    assert_eq!(link.address.provider(), "bni");
    let elsewhere = app.sign_in_as(Role::VillageOperator, B).await;
    elsewhere.refresh_csrf("/penyaluran/rekening").await;
    let denied = elsewhere
        .post_form("/penyaluran/rekening/ajukan", &fields)
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn distribution_points_are_managed_by_verifiers_and_admins_only() {
    let app = app().await;
    let admin = app.sign_in_as(Role::Admin, "*").await;
    let page = admin.refresh_csrf("/penyaluran/titik").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"points-none\""));
    let fields = [
        ("code", "BD-KOTA"),
        ("name", "Balai Desa Kota"),
        ("kind", "village_hall"),
        ("village", A),
        ("capacity", "40"),
        ("slots", "6"),
        ("first_slot", "08:00"),
        ("slot_minutes", "60"),
        ("active", "on"),
    ];
    let saved = admin.post_form("/penyaluran/titik", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = admin.get("/penyaluran/titik?done=saved").await;
    assert!(page.body.contains("id=\"pt-BD-KOTA\""), "{}", page.body);
    let mut bad = fields;
    bad[4] = ("capacity", "0");
    let refused = admin.post_form("/penyaluran/titik", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("id=\"distribution-error\""));

    let point = app.store.point_by_code("BD-KOTA").await.unwrap().unwrap();
    let mut edit = fields;
    edit[1] = ("name", "Balai Desa Kota Baru");
    let edited = admin
        .post_form(&format!("/penyaluran/titik/{}", point.id), &edit)
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let point = app.store.point(point.id).await.unwrap().unwrap();
    assert_eq!(point.name, "Balai Desa Kota Baru");

    let op = app.sign_in_as(Role::VillageOperator, A).await;
    assert_eq!(
        op.get("/penyaluran/titik").await.status,
        StatusCode::FORBIDDEN
    );
    op.refresh_csrf("/home").await;
    let denied = op.post_form("/penyaluran/titik", &fields).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

/// The first `href` on the page that starts with `prefix`.
fn href(html: &str, prefix: &str) -> String {
    let key = format!("href=\"{prefix}");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no link {prefix} in {html}"))
        + 6;
    html[at..at + html[at..].find('"').unwrap()].replace("&amp;", "&")
}

#[tokio::test]
async fn bank_files_are_downloaded_by_their_maker_and_a_status_file_imports_once() {
    let app = TestApp::builder()
        .config(|c| {
            c.payments.banks = vec![tepat_web::config::BankDebtor {
                code: "bri".into(),
                debtor_name: "Dinas Sosial Kabupaten Belitung".into(),
                debtor_account: "0012345678901".into(),
            }]
        })
        .build()
        .await;
    let store = app.store.as_ref();
    programs::seed_builtin(store, &Origin::now(None))
        .await
        .unwrap();
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let (id, households) = envelope(store, account_id(store, &verifier.username).await).await;
    let now = Utc::now();
    for (i, h) in households[..2].iter().enumerate() {
        let address: FinancialAddress = format!("account:00998877{i}@bri").parse().unwrap();
        store
            .upsert_account_link(&NewAccountLink {
                household: *h,
                village: code(A),
                address,
                source: LinkSource::Officer,
                requested_at: now,
            })
            .await
            .unwrap();
        store
            .verify_account_link(*h, Uuid::now_v7(), now)
            .await
            .unwrap();
    }
    store
        .approve_envelope(id, Uuid::now_v7(), now)
        .await
        .unwrap();
    store.release_envelope(id, now).await.unwrap();

    let uri = format!("/penyaluran/amplop/{id}/pembayaran");
    verifier.refresh_csrf(&uri).await;
    let made = verifier.post_form(&format!("{uri}/berkas"), &[]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let listing = verifier.get(made.header("location")).await;
    assert!(listing.body.contains("id=\"files\""), "{}", listing.body);
    let file_uri = href(&listing.body, &format!("{uri}/berkas/"));
    let file = verifier.get(&file_uri).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), "application/xml");
    assert!(file.body.contains("CstmrCdtTrfInitn"), "{}", file.body);
    // Only the officer who made the files can fetch them.
    let other = app.sign_in_as(Role::Verifier, "19.02.01").await;
    assert_eq!(other.get(&file_uri).await.status, StatusCode::NOT_FOUND);
    let first = store.household_payments(id, households[0]).await.unwrap();
    assert_eq!(first[0].state, PaymentState::Sent);

    // The bank accepts one and rejects the other for a closed account.
    let rejected = store.household_payments(id, households[1]).await.unwrap()[0].id;
    let mut plan = bank_sim::SimPlan::all_paid(Utc::now());
    plan.rejects
        .insert(rejected.simple().to_string(), "AC04".into());
    let answer = bank_sim::respond(file.body.as_bytes(), &plan).unwrap();
    let imported = upload(&app, &verifier, &format!("{uri}/status"), &answer.pain002).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert!(imported.body.contains("id=\"import-report\""));
    assert!(
        imported.body.contains("id=\"report-changed\">2<"),
        "{}",
        imported.body
    );
    let after = store.household_payments(id, households[1]).await.unwrap();
    assert_eq!(after[0].state, PaymentState::Rejected);
    assert_eq!(
        store
            .account_link(households[1])
            .await
            .unwrap()
            .unwrap()
            .state,
        LinkState::Invalid
    );
    let page = verifier.get(&uri).await;
    assert!(page.body.contains("id=\"failed\""));
    assert!(page.body.contains("AC04"));

    // The same file again changes nothing.
    let again = upload(&app, &verifier, &format!("{uri}/status"), &answer.pain002).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(
        again.body.contains("id=\"already-imported\""),
        "{}",
        again.body
    );

    // The failed one goes to cash.
    let rerouted = verifier.post_form(&format!("{uri}/alihkan"), &[]).await;
    assert_eq!(rerouted.status, StatusCode::SEE_OTHER, "{}", rerouted.body);
    let e = store.entitlement(id, households[1]).await.unwrap().unwrap();
    assert_eq!(e.route, Route::Cash);
}

#[tokio::test]
async fn a_release_issues_vouchers_with_a_schedule_and_one_recipient_is_moved() {
    let app = app().await;
    let store = app.store.as_ref();
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let (id, households) = envelope(store, account_id(store, &verifier.username).await).await;
    let point = DistributionPoint {
        id: Uuid::now_v7(),
        code: "BD-PARIT".into(),
        name: "Balai Desa Parit".into(),
        kind: PointKind::VillageHall,
        village: code(B),
        capacity_per_slot: 40,
        slots_per_day: 6,
        first_slot: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        slot_minutes: 60,
        active: true,
        merchant_account: None,
    };
    store.insert_point(&point).await.unwrap();
    store
        .approve_envelope(id, Uuid::now_v7(), Utc::now())
        .await
        .unwrap();

    let page_uri = format!("/penyaluran/amplop/{id}");
    verifier.refresh_csrf(&page_uri).await;
    let released = verifier
        .post_form(&format!("{page_uri}/salurkan"), &[])
        .await;
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    let location = released.header("location").to_owned();
    assert!(location.contains("voucher=1"), "{location}");
    let page = verifier.get(&location).await;
    assert!(page.body.contains("id=\"issued\""), "{}", page.body);
    let voucher = store
        .voucher_of(id, households[2])
        .await
        .unwrap()
        .expect("the cash household has a voucher");
    assert!(page
        .body
        .contains(&format!("href=\"/penyaluran/voucher/{}\"", voucher.id)));

    let schedule_uri = format!("{page_uri}/jadwal");
    let schedule = verifier.refresh_csrf(&schedule_uri).await;
    assert_eq!(schedule.status, StatusCode::OK, "{}", schedule.body);
    assert!(
        schedule.body.contains("id=\"load-BD-PARIT\""),
        "{}",
        schedule.body
    );
    assert!(schedule.body.contains("1 / 40"));
    let before = store.assignment(id, households[2]).await.unwrap().unwrap();
    let later = before.day.succ_opt().unwrap().succ_opt().unwrap();
    let moved = verifier
        .post_form(
            &format!("{schedule_uri}/ulang"),
            &[
                ("household", &households[2].to_string()),
                ("point", &point.id.to_string()),
                ("from", &later.to_string()),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    let after = store.assignment(id, households[2]).await.unwrap().unwrap();
    assert_eq!(after.version, before.version + 1);
    assert!(after.day >= later);
    let bad = verifier
        .post_form(
            &format!("{schedule_uri}/ulang"),
            &[("household", "bukan-id"), ("point", ""), ("from", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("id keluarga tidak sah"));
    let op = app.sign_in_as(Role::VillageOperator, B).await;
    op.refresh_csrf(&schedule_uri).await;
    let denied = op
        .post_form(
            &format!("{schedule_uri}/ulang"),
            &[("household", &households[2].to_string())],
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

/// PKH households with an active enrolment (facts loaded as targeting facts): a head with a young
/// child, so each has something to pay.
async fn enrolled(store: &dyn Store, villages: &[&str]) -> Vec<Uuid> {
    let member = |relationship, (y, m, d)| MemberFacts {
        birth_date: NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        sex: tepat_domain::Sex::Perempuan,
        relationship,
        survey: None,
    };
    let facts: Vec<HouseholdFacts> = villages
        .iter()
        .map(|v| HouseholdFacts {
            id: Uuid::now_v7(),
            village: code(v),
            survey: None,
            members: vec![
                member(Relationship::KepalaKeluarga, (1985, 3, 1)),
                member(Relationship::Anak, (2024, 8, 1)),
            ],
            desil: None,
            welfare: None,
            enrolled: vec!["PKH".into()],
        })
        .collect();
    store.load_targeting_facts(&facts).await.unwrap();
    facts.iter().map(|f| f.id).collect()
}

#[tokio::test]
async fn a_verifier_prepares_and_cancels_an_envelope_in_either_language_and_forms_need_their_token()
{
    let app = app().await;
    let store = app.store.as_ref();
    let households = enrolled(store, &[A, A, B]).await;
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    verifier.refresh_csrf("/penyaluran").await;
    let form = [
        ("program", "PKH"),
        ("cycle", "2027-T1"),
        ("scheduled", "2027-01-15"),
    ];
    let prepared = verifier.post_form("/penyaluran/siapkan", &form).await;
    assert_eq!(prepared.status, StatusCode::SEE_OTHER, "{}", prepared.body);
    let location = prepared.header("location").to_owned();
    assert!(location.ends_with("?done=prepared"), "{location}");
    let page = verifier.refresh_csrf(&location).await;
    assert!(page.body.contains("id=\"notice\""));
    assert!(page.body.contains("class=\"meta reconciled\""));
    for h in &households {
        assert!(page.body.contains(&h.to_string()), "{h} is listed");
    }
    let id = Uuid::parse_str(
        location
            .trim_start_matches("/penyaluran/amplop/")
            .trim_end_matches("?done=prepared"),
    )
    .unwrap();
    let twice = verifier.post_form("/penyaluran/siapkan", &form).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        twice.body.contains("sudah memiliki amplop"),
        "{}",
        twice.body
    );

    // English on request (the switch sets a cookie and redirects), then back.
    let switched = verifier
        .get(&format!("/penyaluran/amplop/{id}?lang=en"))
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let english = verifier.get(switched.header("location")).await;
    assert!(english.body.contains("Entitlements"), "{}", english.body);
    assert!(english.body.contains("Envelope control totals"));
    assert!(!english.body.contains("Jumlah kendali amplop"));
    verifier
        .get(&format!("/penyaluran/amplop/{id}?lang=id"))
        .await;

    // A form without its token changes nothing.
    let cancel_uri = format!("/penyaluran/amplop/{id}/batalkan");
    let forged = verifier.post_raw(&cancel_uri, "reason=palsu", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(state_of(store, id).await, EnvelopeState::Prepared);

    // Cancelling needs a reason.
    verifier
        .refresh_csrf(&format!("/penyaluran/amplop/{id}"))
        .await;
    let empty = verifier.post_form(&cancel_uri, &[("reason", " ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let cancelled = verifier
        .post_form(&cancel_uri, &[("reason", "data kuota salah")])
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.body
    );
    assert_eq!(state_of(store, id).await, EnvelopeState::Cancelled);
    let page = verifier.get(&format!("/penyaluran/amplop/{id}")).await;
    assert!(page.body.contains("id=\"cancel-reason\">data kuota salah<"));
    assert!(!page.body.contains("id=\"cancel-form\""));
    // A cancelled envelope leaves room for a new one of the same cycle.
    verifier.refresh_csrf("/penyaluran").await;
    let again = verifier.post_form("/penyaluran/siapkan", &form).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
}

mod phone {
    //! The distribution pages in a real headless Chromium at a phone's width (360 px).

    use fantoccini::Locator;
    use tepat_domain::Role;

    use crate::browser::Browser;
    use crate::officer::PASSWORD;

    async fn fits(browser: &Browser, what: &str) {
        assert_eq!(browser.horizontal_overflow().await, 0, "{what} at 360 px");
    }

    #[tokio::test]
    async fn the_envelope_pages_fit_a_phone() {
        let Some(browser) = Browser::start().await else {
            return;
        };
        let app = super::app().await;
        let store = app.store.as_ref();
        app.create_officer("verifikator", Role::Verifier, super::BELITUNG)
            .await;
        let preparer = super::account_id(store, "verifikator").await;
        let (id, _) = super::envelope(store, preparer).await;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr, server) = app
            .spawn(async {
                let _ = stopped.await;
            })
            .await;
        let base = format!("http://{addr}");
        let c = &browser.client;
        c.goto(&format!("{base}/signin")).await.unwrap();
        c.find(Locator::Id("username"))
            .await
            .unwrap()
            .send_keys("verifikator")
            .await
            .unwrap();
        c.find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys(PASSWORD)
            .await
            .unwrap();
        c.find(Locator::Css("main button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.wait().for_element(Locator::Css("#role")).await.unwrap();
        for (path, marker, what) in [
            ("/penyaluran".to_owned(), "#envelopes", "the envelopes"),
            (
                format!("/penyaluran/amplop/{id}"),
                "#entitlements",
                "an envelope",
            ),
            (
                format!("/penyaluran/amplop/{id}/pembayaran"),
                "#status-form",
                "its payments",
            ),
            (
                format!("/penyaluran/amplop/{id}/jadwal"),
                "#schedule-none",
                "its schedule",
            ),
            ("/penyaluran/titik".to_owned(), "#point-form", "the points"),
            (
                "/penyaluran/rekening".to_owned(),
                "#accounts-none",
                "the account queue",
            ),
            (
                "/warga/rekening".to_owned(),
                "#account-form",
                "the account form",
            ),
        ] {
            c.goto(&format!("{base}{path}")).await.unwrap();
            c.wait()
                .for_element(Locator::Css(marker))
                .await
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            fits(&browser, what).await;
        }
        browser.close().await;
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn e_wallet_payments_wait_while_their_provider_is_not_configured() {
    let app = app().await;
    let store = app.store.as_ref();
    let verifier = app.sign_in_as(Role::Verifier, BELITUNG).await;
    let id = Uuid::now_v7();
    let household = Uuid::now_v7();
    let now = Utc::now();
    store
        .upsert_account_link(&NewAccountLink {
            household,
            village: code(A),
            address: "mobile:081234567890@dana".parse().unwrap(),
            source: LinkSource::Officer,
            requested_at: now,
        })
        .await
        .unwrap();
    store
        .verify_account_link(household, Uuid::now_v7(), now)
        .await
        .unwrap();
    store
        .create_envelope(
            &NewEnvelope {
                id,
                program: "PKH".into(),
                cycle: "2027-T1".into(),
                program_version: 1,
                scheduled_date: NaiveDate::from_ymd_opt(2027, 2, 1).unwrap(),
                prepared_by: account_id(store, &verifier.username).await,
                prepared_at: now,
            },
            &[Entitlement {
                household,
                village: code(A),
                amount: Rupiah::new(750_000),
                parts: "[]".into(),
                route: Route::EWallet,
                provider: Some("dana".into()),
                state: EntitlementState::Pending,
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

    let uri = format!("/penyaluran/amplop/{id}/pembayaran");
    let page = verifier.refresh_csrf(&uri).await;
    assert!(page.body.contains("id=\"ewallet-form\""));
    let sent = verifier.post_form(&format!("{uri}/dompet"), &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let location = sent.header("location").to_owned();
    assert!(location.contains("terkirim=0&tertahan=1"), "{location}");
    let page = verifier.get(&location).await;
    assert!(page.body.contains("Masih menunggu"), "{}", page.body);
    let payments = store.household_payments(id, household).await.unwrap();
    assert_eq!(payments[0].state, PaymentState::Created);

    let auditor = app.sign_in_as(Role::Auditor, BELITUNG).await;
    auditor.refresh_csrf(&uri).await;
    let denied = auditor.post_form(&format!("{uri}/dompet"), &[]).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}
