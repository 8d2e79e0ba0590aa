//! The registry's forms through the real router: the whole workflow by the right officers, errors in
//! Indonesian that name the field and keep what was typed, double submissions that create nothing
//! twice, and HTML in names.

use axum::http::StatusCode;
use chrono::Utc;
use tepat_domain::Role;
use uuid::Uuid;

use crate::officer::{csrf_of, Officer};
use crate::registry::{household, propose, seed_b, village_verifies, A, B};
use crate::support::{belitung, TestApp};

async fn app() -> TestApp {
    TestApp::builder().population(belitung(3, 0)).build().await
}

/// The hidden value of `name` in a page.
fn hidden(html: &str, name: &str) -> String {
    let key = format!("name=\"{name}\" value=\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("no field {name}")) + key.len();
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// The new-household form of `op`, filled with the first population household of village A
/// (`belitung`: KK 1902010000000001, head "Warga 1 0").
async fn new_form(op: &Officer<'_>) -> Vec<(String, String)> {
    let page = op.refresh_csrf("/registry/new").await;
    assert_eq!(page.status, StatusCode::OK);
    let mut f = vec![
        (
            "household_id".to_owned(),
            hidden(&page.body, "household_id"),
        ),
        ("rows".to_owned(), "2".to_owned()),
        ("village".to_owned(), A.to_owned()),
        ("kk".to_owned(), "1902010000000001".to_owned()),
        ("address".to_owned(), "Jalan Contoh 1".to_owned()),
        ("rt".to_owned(), "001".to_owned()),
        ("rw".to_owned(), "002".to_owned()),
        (
            "reason".to_owned(),
            "keluarga miskin baru pindah".to_owned(),
        ),
    ];
    let nik0 = tepat_domain::Nik::from_parts(
        tepat_domain::RegionCode::parse("19.02.01").unwrap(),
        tepat_domain::Sex::LakiLaki,
        chrono::NaiveDate::from_ymd_opt(1980, 3, 12).unwrap(),
        1,
    )
    .unwrap();
    for (i, (nik, name, sex, birth, rel)) in [(
        nik0.digits().to_owned(),
        "Warga 1 0",
        "L",
        "1980-03-12",
        "kepala_keluarga",
    )]
    .into_iter()
    .enumerate()
    {
        f.push((format!("m{i}_id"), hidden(&page.body, &format!("m{i}_id"))));
        f.push((format!("m{i}_nik"), nik));
        f.push((format!("m{i}_name"), name.to_owned()));
        f.push((format!("m{i}_sex"), sex.to_owned()));
        f.push((format!("m{i}_birth"), birth.to_owned()));
        f.push((format!("m{i}_rel"), rel.to_owned()));
    }
    f.push(("m1_id".to_owned(), hidden(&page.body, "m1_id")));
    f
}

async fn submit(
    op: &Officer<'_>,
    uri: &str,
    fields: &[(String, String)],
) -> crate::support::Response {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    op.post_form(uri, &fields).await
}

fn with(mut f: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    f.retain(|(k, _)| k != name);
    f.push((name.to_owned(), value.to_owned()));
    f
}

#[tokio::test]
async fn a_proposal_goes_through_every_level_to_the_registry() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let form = new_form(&op).await;

    // Checked before saving: the findings come back with the input.
    let checked = submit(&op, "/registry/new", &with(form.clone(), "action", "check")).await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(checked.body.contains("Hasil pemeriksaan"));
    assert!(checked.body.contains("value=\"Jalan Contoh 1\""));

    let saved = submit(&op, "/registry/new", &with(form.clone(), "action", "save")).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let household = saved.header("location").to_owned();
    let page = op.get(&household).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("diusulkan"));
    assert!(
        page.body.contains("keluarga miskin baru pindah"),
        "the reason in the history"
    );

    // The village's queue has it; the field verification with a survey.
    let queue = op.get("/registry/queue/village").await;
    let request = queue
        .body
        .split("/registry/request/")
        .nth(1)
        .expect("a queued request")[..36]
        .to_owned();
    let req_page = op
        .refresh_csrf(&format!("/registry/request/{request}"))
        .await;
    assert!(req_page.body.contains("id=\"verify-form\""));
    let today = Utc::now().date_naive().to_string();
    let verify = [
        ("stage", "proposed"),
        ("visited_on", today.as_str()),
        ("hs_floor", "tanah"),
        ("hs_wall", "bambu"),
        ("hs_roof", "seng"),
        ("hs_water", "sumur_terlindung"),
        ("hs_sanitation", "bersama"),
        ("hs_electricity", "pln_450"),
        ("hs_cooking_fuel", "kayu"),
        ("hs_income_band", "lt_1jt"),
        ("hs_floor_area", "24"),
        ("hs_has_boat", "1"),
        ("ms0_sector", "nelayan"),
        ("ms0_disability", "tidak"),
        ("ms0_school_level", "tidak_sekolah"),
        ("reason", "dikunjungi, kondisi sesuai"),
    ];
    let r = op
        .post_form(&format!("/registry/request/{request}/verify"), &verify)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Each level in turn, each signing in as itself.
    for (role, scope, level) in [
        (Role::DistrictOperator, "19.02.01", "district"),
        (Role::Verifier, "19.02", "dinas"),
        (Role::Approver, "19.02", "decision"),
    ] {
        let officer = app.sign_in_as(role, scope).await;
        let queue = officer.get(&format!("/registry/queue/{level}")).await;
        assert!(queue.body.contains(&request), "{level} queue");
        officer
            .refresh_csrf(&format!("/registry/request/{request}"))
            .await;
        let r = officer
            .post_form(
                &format!("/registry/request/{request}/act"),
                &[
                    (
                        "stage",
                        match level {
                            "district" => "village_verified",
                            "dinas" => "district_reviewed",
                            _ => "dinas_verified",
                        },
                    ),
                    ("action", "forward"),
                    ("reason", "sesuai"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{level}: {}", r.body);
    }
    let page = op.get(&household).await;
    assert!(page.body.contains("terdaftar"), "in the registry");
    assert!(page.body.contains("perahu"), "the survey is applied");
    let id = Uuid::parse_str(household.rsplit('/').next().unwrap()).unwrap();
    let stored = app.store.registry_household(id).await.unwrap().unwrap();
    assert_eq!(stored.state, tepat_store::HouseholdState::Active);
    assert_eq!(stored.household.survey.as_ref().unwrap().floor_area_m2, 24);
}

#[tokio::test]
async fn form_errors_are_in_indonesian_name_the_field_and_keep_the_input() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let form = new_form(&op).await;
    let bad = with(
        with(with(form, "m0_nik", "19020112038"), "kk", "12"),
        "m0_birth",
        "",
    );
    let r = submit(&op, "/registry/new", &with(bad, "action", "save")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Periksa isian berikut"));
    assert!(r.body.contains("Nomor KK:"), "names the KK field");
    assert!(
        r.body.contains("NIK (Anggota 1):"),
        "names the NIK field of member 1"
    );
    assert!(
        r.body.contains("16 angka"),
        "says what is wrong, in Indonesian"
    );
    assert!(r.body.contains("Tanggal lahir (Anggota 1): wajib diisi"));
    assert!(
        r.body.contains("value=\"19020112038\""),
        "the typed NIK is kept"
    );
    assert!(r.body.contains("value=\"Warga 1 0\""), "the name is kept");
    assert!(r.body.contains("value=\"Jalan Contoh 1\""));
    assert!(app
        .store
        .registry_queue(
            tepat_domain::registry::Stage::Proposed,
            &tepat_domain::Scope::All,
            10
        )
        .await
        .unwrap()
        .is_empty());

    // The same in English when chosen.
    let r = op
        .send(
            axum::http::Method::POST,
            "/registry/new",
            Some(format!(
                "csrf={}&action=save&rows=1&household_id={}&village={A}&kk=12",
                op.csrf(),
                Uuid::now_v7()
            )),
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("cookie", &format!("{}; lang=en", op.cookie_header())),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("KK number:"), "{}", r.body);

    // The village's verification: no visit date, no reason.
    let request = propose(app.store.as_ref(), household(A, 20, "Rina Kota")).await;
    op.refresh_csrf(&format!("/registry/request/{request}"))
        .await;
    let r = op
        .post_form(
            &format!("/registry/request/{request}/verify"),
            &[
                ("stage", "proposed"),
                ("hs_floor", "tanah"),
                ("hs_floor_area", "dua puluh"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Tanggal kunjungan: wajib diisi"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("Dinding: wajib diisi"),
        "a half-answered survey names what is missing"
    );
    assert!(r.body.contains("Luas lantai (m²): harus bilangan bulat"));
    assert!(r.body.contains("value=\"dua puluh\""), "kept");
    let today = Utc::now().date_naive().to_string();
    let r = op
        .post_form(
            &format!("/registry/request/{request}/verify"),
            &[
                ("stage", "proposed"),
                ("visited_on", &today),
                ("reason", "  "),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Alasan: "),
        "names the reason field: {}",
        r.body
    );
    let stored = app.store.registry_request(request).await.unwrap().unwrap();
    assert_eq!(stored.request.stage.code(), "proposed");

    // A search that is too short.
    let r = op.post_form("/registry/search", &[("q", "ab")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Pencarian: ketik NIK"));
    assert!(r.body.contains("value=\"ab\""));
}

#[tokio::test]
async fn submitting_twice_creates_nothing_twice() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let form = with(new_form(&op).await, "action", "save");
    let first = submit(&op, "/registry/new", &form).await;
    let second = submit(&op, "/registry/new", &form).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert_eq!(first.header("location"), second.header("location"));
    let id = Uuid::parse_str(&hidden_id(&form)).unwrap();
    assert_eq!(
        app.store
            .registry_requests_of_household(id)
            .await
            .unwrap()
            .len(),
        1
    );

    // A workflow step sent twice is recorded once.
    let request = app.store.registry_requests_of_household(id).await.unwrap()[0].id;
    op.refresh_csrf(&format!("/registry/request/{request}"))
        .await;
    let today = Utc::now().date_naive().to_string();
    let fields = [
        ("stage", "proposed"),
        ("visited_on", today.as_str()),
        ("reason", "dikunjungi"),
    ];
    let uri = format!("/registry/request/{request}/verify");
    assert_eq!(
        op.post_form(&uri, &fields).await.status,
        StatusCode::SEE_OTHER
    );
    let again = op.post_form(&uri, &fields).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(again.header("location").ends_with("done=already"));
    let stored = app.store.registry_request(request).await.unwrap().unwrap();
    assert_eq!(stored.request.history.len(), 2, "proposed + verified, once");

    // A change request sent twice is one request.
    let active = household(A, 30, "Tono Kota");
    let approved = propose(app.store.as_ref(), active.clone()).await;
    village_verifies(app.store.as_ref(), A, approved).await;
    crate::registry::approve_rest(app.store.as_ref(), approved).await;
    let page = op
        .refresh_csrf(&format!(
            "/registry/household/{}/change?kind=death",
            active.id
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = hidden(&page.body, "request_id");
    let member = active.members[1].id.to_string();
    let fields = [
        ("kind", "death"),
        ("request_id", token.as_str()),
        ("member", member.as_str()),
        ("date", today.as_str()),
        ("reason", "meninggal dunia"),
    ];
    let uri = format!("/registry/household/{}/change", active.id);
    let a = op.post_form(&uri, &fields).await;
    let b = op.post_form(&uri, &fields).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    assert_eq!(b.status, StatusCode::SEE_OTHER);
    assert!(b.header("location").ends_with("done=already"));
    assert_eq!(
        app.store
            .registry_requests_of_household(active.id)
            .await
            .unwrap()
            .len(),
        2,
        "the new household's request and one death"
    );
}

fn hidden_id(form: &[(String, String)]) -> String {
    form.iter()
        .find(|(k, _)| k == "household_id")
        .unwrap()
        .1
        .clone()
}

#[tokio::test]
async fn html_in_names_is_refused_and_shown_escaped() {
    let app = app().await;
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let form = new_form(&op).await;
    let evil = "<script>alert(1)</script>";
    let r = submit(
        &op,
        "/registry/new",
        &with(with(form, "m0_name", evil), "action", "save"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Nama lengkap (Anggota 1): nama harus"),
        "refused, naming the field"
    );
    assert!(!r.body.contains(evil), "echoed raw");
    assert!(
        r.body.contains("&#60;script&#62;") || r.body.contains("&lt;script&gt;"),
        "echoed escaped: {}",
        r.body
    );

    // Names that are allowed but mean something in HTML are escaped wherever they are shown.
    let mut h = household(A, 40, "Siti Nur'aini & Ani");
    h.address = "Gg. Mawar & Melati".into();
    let id = h.id;
    propose(app.store.as_ref(), h).await;
    let page = op.get(&format!("/registry/household/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Nur&#39;aini &#38; Ani"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("Nur'aini & Ani"));
    let r = op.post_form("/registry/search", &[("q", "Siti Nur")]).await;
    assert!(
        r.body.contains("Nur&#39;aini &#38; Ani"),
        "escaped in the results too"
    );
}

#[tokio::test]
async fn search_results_are_masked_and_the_query_is_posted() {
    let app = app().await;
    let s = seed_b(&app).await;
    let op = app.sign_in_as(Role::VillageOperator, B).await;
    op.refresh_csrf("/registry").await;
    let nik = s.active.members[0].nik.digits().to_owned();
    let r = op.post_form("/registry/search", &[("q", &nik)]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Budi Parit"));
    let results = &r.body[r.body.find("id=\"results\"").unwrap()..];
    assert!(
        !results.contains(&nik),
        "the full NIK is not in the result list"
    );
    assert!(r
        .body
        .contains(&format!("{}******{}", &nik[..6], &nik[12..])));
    assert!(r
        .body
        .contains(&format!("/registry/household/{}", s.active.id)));
    // The search form posts: the page itself has no NIK-bearing link.
    let page = op.get("/registry").await;
    assert!(page
        .body
        .contains("method=\"post\" action=\"/registry/search\""));
    let _ = csrf_of(&page.body).expect("a token");
}

#[tokio::test]
async fn a_verifier_decides_a_possible_duplicate_and_the_decision_is_remembered() {
    let app = app().await;
    let store = app.store.as_ref();
    let first = household(A, 50, "Bambang Sutrisno");
    let approved = propose(store, first.clone()).await;
    village_verifies(store, A, approved).await;
    crate::registry::approve_rest(store, approved).await;
    // The same head (same NIK) proposed again in another household.
    let mut second = household(A, 51, "Bambang Sutrisno");
    second.members[0].nik = first.members[0].nik;
    propose(store, second.clone()).await;

    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let page = verifier
        .refresh_csrf(&format!("/registry/household/{}", second.id))
        .await;
    assert!(
        page.body.contains("kemungkinan terdaftar ganda"),
        "{}",
        page.body
    );
    let r = verifier
        .post_form(
            &format!("/registry/household/{}/duplicate", second.id),
            &[
                ("member", &second.members[0].id.to_string()),
                ("other_member", &first.members[0].id.to_string()),
                ("other_household", &first.id.to_string()),
                ("verdict", "distinct"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let decided = app
        .store
        .registry_duplicate_decision(first.members[0].id, second.members[0].id)
        .await
        .unwrap()
        .expect("remembered");
    assert_eq!(decided.verdict, tepat_store::DuplicateVerdict::Distinct);
    let page = verifier.get(r.header("location")).await;
    assert!(page.body.contains("Keputusan tersimpan"));
    assert!(page
        .body
        .contains("petugas sebelumnya memutuskan keduanya orang berbeda"));

    // A forged pair (a member who is not in the household named) is refused and not remembered.
    let r = verifier
        .post_form(
            &format!("/registry/household/{}/duplicate", second.id),
            &[
                ("member", &second.members[1].id.to_string()),
                ("other_member", &Uuid::now_v7().to_string()),
                ("other_household", &first.id.to_string()),
                ("verdict", "same"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn change_requests_of_every_kind_are_entered_or_explained() {
    let app = app().await;
    let store = app.store.as_ref();
    let h = household(A, 60, "Agus Salim");
    let approved = propose(store, h.clone()).await;
    village_verifies(store, A, approved).await;
    crate::registry::approve_rest(store, approved).await;
    let other = household(A, 61, "Hendra Gunawan");
    let other_request = propose(store, other.clone()).await;
    village_verifies(store, A, other_request).await;
    crate::registry::approve_rest(store, other_request).await;

    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let uri = format!("/registry/household/{}/change", h.id);
    let wife = h.members[1].id.to_string();
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("remove_member", vec![("member", wife.clone())]),
        ("member_moved_out", vec![("member", wife.clone())]),
        (
            "add_member",
            vec![
                ("nik", "1902015203150001".into()),
                ("full_name", "Anak Baru".into()),
                ("sex", "P".into()),
                ("birth_date", "2015-03-12".into()),
                ("relationship", "anak".into()),
            ],
        ),
        (
            "household_moved",
            vec![
                ("village", "19.02.01.1005".into()),
                ("address", "Jalan Baru 2".into()),
                ("rt", "003".into()),
                ("rw", "001".into()),
            ],
        ),
        (
            "survey_update",
            vec![
                ("ms0_sector", "nelayan".into()),
                ("ms0_disability", "tidak".into()),
                ("ms0_school_level", "sd".into()),
            ],
        ),
        (
            "split",
            vec![
                ("new_kk", "1902010000008888".into()),
                ("leave_1", "1".into()),
                ("new_head", wife.clone()),
            ],
        ),
        (
            "merge",
            vec![("absorbed_kk", other.kk_number.digits().to_owned())],
        ),
    ];
    for (kind, fields) in cases {
        let page = op.refresh_csrf(&format!("{uri}?kind={kind}")).await;
        assert_eq!(page.status, StatusCode::OK, "{kind}");
        let mut all: Vec<(&str, String)> = vec![
            ("kind", kind.to_owned()),
            ("request_id", hidden(&page.body, "request_id")),
            ("new_member_id", hidden(&page.body, "new_member_id")),
            ("new_household_id", hidden(&page.body, "new_household_id")),
            ("reason", format!("uji {kind}")),
        ];
        all.extend(fields);
        let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = op.post_form(&uri, &all).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{kind}: {}", r.body);
        let request = r
            .header("location")
            .trim_start_matches("/registry/request/")[..36]
            .to_owned();
        let stored = app
            .store
            .registry_request(Uuid::parse_str(&request).unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.request.kind.code(), kind);
    }
    // A split whose new head does not leave is explained at the form, in Indonesian.
    let page = op.refresh_csrf(&format!("{uri}?kind=split")).await;
    let token = hidden(&page.body, "request_id");
    let new_household = hidden(&page.body, "new_household_id");
    let r = op
        .post_form(
            &uri,
            &[
                ("kind", "split"),
                ("request_id", &token),
                ("new_household_id", &new_household),
                ("new_kk", "1902010000007777"),
                ("new_head", &wife),
                ("reason", "pecah"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Jenis perubahan: pecah KK memerlukan anggota yang keluar"),
        "{}",
        r.body
    );
    assert!(r.body.contains("value=\"1902010000007777\""), "kept");
}

#[tokio::test(flavor = "current_thread")]
async fn registry_pages_leave_no_personal_data_in_the_logs() {
    let buffer = crate::support::LogBuffer::default();
    // See logs.rs: a second dispatcher makes tracing ask every one of them at each call site.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let subscriber =
        tepat_web::telemetry::log_subscriber("trace", tepat_web::LogFormat::Text, buffer.clone())
            .unwrap();
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = app().await;
    let s = seed_b(&app).await;
    let op = app.sign_in_as(Role::VillageOperator, B).await;
    let nik = s.active.members[0].nik.digits().to_owned();
    let kk = s.active.kk_number.digits().to_owned();
    for q in [nik.as_str(), kk.as_str(), "Budi Parit"] {
        assert_eq!(
            op.post_form("/registry/search", &[("q", q)]).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(
        op.get(&format!("/registry/household/{}", s.active.id))
            .await
            .status,
        StatusCode::OK
    );
    let r = op
        .post_form(
            "/registry/new",
            &[
                ("action", "save"),
                ("rows", "1"),
                ("household_id", &Uuid::now_v7().to_string()),
                ("village", B),
                ("kk", &kk),
                ("m0_id", &Uuid::now_v7().to_string()),
                ("m0_nik", &nik),
                ("m0_name", "Budi Parit"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let logs = buffer.contents();
    assert!(
        logs.contains("/registry/search"),
        "requests are logged: {logs}"
    );
    for secret in [nik.as_str(), kk.as_str(), "Budi", "Parit"] {
        assert!(!logs.contains(secret), "{secret} in the logs");
    }
}
