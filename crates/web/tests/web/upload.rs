//! `/registry/upload` through the real router: an operator's file proposed and its report shown and
//! downloaded (by them only), a village-A operator's file with a household of another village (refused
//! per household), files refused whole with a message in Indonesian, an agency list with its sector, and
//! the roles and the CSRF token the page requires.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tepat_domain::{Role, Scope};
use tepat_store::{HouseholdState, PopulationRecord};

use crate::officer::Officer;
use crate::support::{belitung, Response, TestApp};

const A: &str = "19.02.01.1001";
const HEADER: &str =
    "kk_number,village_code,address,rt,rw,nik,full_name,sex,birth_date,relationship,phone,sector,reason";
const BOUNDARY: &str = "----tepat-test-boundary";

async fn app() -> TestApp {
    TestApp::builder().population(belitung(2, 0)).build().await
}

/// The proposals file of `records` (one row per member).
fn file(records: &[&PopulationRecord]) -> String {
    let mut s = String::from(HEADER);
    for r in records {
        s.push_str(&format!(
            "\n{},{},{},{},{},{},{},{},{},{},,,",
            r.kk_number.digits(),
            r.village.dotted(),
            r.address,
            r.rt,
            r.rw,
            r.nik.digits(),
            r.full_name,
            r.sex.letter(),
            r.birth_date,
            r.relationship.code()
        ));
    }
    s.push('\n');
    s
}

/// The population rows of the `n`-th household (1-based) of `village` in `belitung`.
fn family<'a>(all: &'a [PopulationRecord], village: &str, n: usize) -> Vec<&'a PopulationRecord> {
    let kk = all
        .iter()
        .filter(|r| r.village.dotted() == village)
        .map(|r| r.kk_number)
        .fold(Vec::new(), |mut v, k| {
            if !v.contains(&k) {
                v.push(k);
            }
            v
        })[n - 1];
    all.iter().filter(|r| r.kk_number == kk).collect()
}

fn multipart(fields: &[(&str, &str)], file: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"usulan.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post(app: &TestApp, op: &Officer<'_>, fields: &[(&str, &str)], file: &[u8]) -> Response {
    op.refresh_csrf("/registry/upload").await;
    let csrf = op.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    send(app, op, multipart(&all, file)).await
}

async fn send(app: &TestApp, op: &Officer<'_>, body: Vec<u8>) -> Response {
    let request = Request::post("/registry/upload")
        .header("cookie", op.cookie_header())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.request(request).await
}

/// The number in `<dd id="{id}">`.
fn count(html: &str, id: &str) -> usize {
    let key = format!("id=\"{id}\">");
    let at = html
        .find(&key)
        .unwrap_or_else(|| panic!("no {id} in {html}"))
        + key.len();
    html[at..at + html[at..].find('<').unwrap()]
        .parse()
        .unwrap()
}

fn report_link(html: &str) -> String {
    let key = "id=\"download\" href=\"";
    let at = html.find(key).expect("a download link") + key.len();
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

async fn households_with_kk(app: &TestApp, r: &PopulationRecord) -> usize {
    let hits = app
        .store
        .registry_search_kk(&r.kk_number, &Scope::All)
        .await
        .unwrap();
    let mut ids: Vec<_> = hits
        .iter()
        .filter(|h| {
            matches!(
                h.household_state,
                HouseholdState::Proposed | HouseholdState::Active
            )
        })
        .map(|h| h.household)
        .collect();
    ids.dedup();
    ids.len()
}

#[tokio::test]
async fn an_operator_uploads_proposals_and_downloads_the_report() {
    let app = app().await;
    let pop = belitung(2, 0);
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let page = op.get("/registry/upload").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("enctype=\"multipart/form-data\""));

    let mut rows = family(&pop, A, 1);
    rows.extend(family(&pop, A, 2));
    let csv = file(&rows);
    // Check only: nothing proposed.
    let checked = post(
        &app,
        &op,
        &[("kind", "operator"), ("action", "check")],
        csv.as_bytes(),
    )
    .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.body);
    assert!(checked.body.contains("id=\"checked-only\""));
    assert_eq!(count(&checked.body, "count-proposed"), 2);
    assert_eq!(households_with_kk(&app, rows[0]).await, 0);

    let done = post(
        &app,
        &op,
        &[("kind", "operator"), ("action", "propose")],
        csv.as_bytes(),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(count(&done.body, "count-rows"), 8);
    assert_eq!(count(&done.body, "count-proposed"), 2);
    assert_eq!(households_with_kk(&app, rows[0]).await, 1);
    assert_eq!(households_with_kk(&app, rows[4]).await, 1);
    assert!(
        !done.body.contains(rows[0].nik.digits()),
        "the page never shows a whole NIK"
    );

    // The report downloads as CSV, for the uploader only.
    let link = report_link(&done.body);
    let report = op.get(&link).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(report.header("content-type").starts_with("text/csv"));
    assert!(report.header("content-disposition").contains("attachment"));
    assert!(report.body.contains(",household,proposed,outcome,"));
    let other = app.sign_in_as(Role::VillageOperator, "19.02.01.1002").await;
    assert_eq!(other.get(&link).await.status, StatusCode::NOT_FOUND);

    // The same file again creates nothing.
    let again = post(
        &app,
        &op,
        &[("kind", "operator"), ("action", "propose")],
        csv.as_bytes(),
    )
    .await;
    assert_eq!(count(&again.body, "count-proposed"), 0);
    assert_eq!(count(&again.body, "count-already"), 2);
    assert_eq!(households_with_kk(&app, rows[0]).await, 1);
}

#[tokio::test]
async fn a_village_operator_cannot_upload_another_villages_households() {
    let app = app().await;
    let pop = belitung(2, 0);
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let mut rows = family(&pop, A, 1);
    let elsewhere = family(&pop, "19.02.02.2001", 1);
    rows.extend(elsewhere.iter().copied());
    let done = post(
        &app,
        &op,
        &[("kind", "operator"), ("action", "propose")],
        file(&rows).as_bytes(),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(count(&done.body, "count-proposed"), 1);
    assert_eq!(count(&done.body, "count-refused"), 1);
    assert!(done.body.contains("village_outside_scope"));
    assert!(done.body.contains("di luar wilayah kerja"));
    assert_eq!(households_with_kk(&app, elsewhere[0]).await, 0);
    // Nor pose as an agency to do it.
    let agency = post(
        &app,
        &op,
        &[
            ("kind", "agency"),
            ("sector", "nelayan"),
            ("action", "propose"),
        ],
        file(&elsewhere).as_bytes(),
    )
    .await;
    assert_eq!(agency.status, StatusCode::FORBIDDEN);
    assert_eq!(households_with_kk(&app, elsewhere[0]).await, 0);
}

#[tokio::test]
async fn files_that_cannot_be_read_are_refused_in_the_users_language() {
    let app = app().await;
    let pop = belitung(1, 0);
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let mut latin = file(&family(&pop, A, 1)).into_bytes();
    let at = latin.windows(5).position(|w| w == b"Warga").unwrap();
    latin[at + 1] = 0xE1; // Latin-1 "á" on line 2
    let r = post(
        &app,
        &op,
        &[("kind", "operator"), ("action", "propose")],
        &latin,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("baris 2, kolom full_name"), "{}", r.body);
    assert!(r.body.contains("CSV UTF-8"));
    let header = post(
        &app,
        &op,
        &[("kind", "operator"), ("action", "propose")],
        b"kk_number,nama\n1,2\n",
    )
    .await;
    assert_eq!(header.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(header.body.contains("kolom `nama` tidak dikenal"));
    let empty = post(
        &app,
        &op,
        &[("kind", "operator"), ("action", "propose")],
        b"",
    )
    .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("Pilih berkas CSV"));
    assert_eq!(households_with_kk(&app, &pop[0]).await, 0);
}

#[tokio::test]
async fn bad_rows_and_html_names_are_reported_by_line_and_column() {
    let app = app().await;
    let pop = belitung(2, 0);
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let mut rows = family(&pop, A, 1);
    rows.extend(family(&pop, A, 2));
    let csv = file(&rows).replacen("Warga 2 1", "<b>Warga</b>", 1);
    let done = post(
        &app,
        &op,
        &[("kind", "operator"), ("action", "propose")],
        csv.as_bytes(),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(count(&done.body, "count-proposed"), 1);
    assert_eq!(count(&done.body, "count-refused"), 1);
    assert!(done
        .body
        .contains("<td>7</td><td><code>full_name</code></td>"));
    assert!(
        done.body.contains("&#60;b&#62;Warga") || done.body.contains("&lt;b&gt;Warga"),
        "the cell is shown escaped"
    );
    assert!(!done.body.contains("<b>Warga</b>"));
}

#[tokio::test]
async fn an_agency_officer_imports_a_sector_list() {
    let app = app().await;
    let pop = belitung(1, 0);
    let officer = app.sign_in_as(Role::AgencyOfficer, "19.02").await;
    let page = officer.get("/registry/upload").await;
    assert!(page.body.contains("name=\"sector\""));
    let rows = family(&pop, A, 1);
    let missing = post(
        &app,
        &officer,
        &[
            ("kind", "agency"),
            ("sector", "petani"),
            ("action", "propose"),
        ],
        file(&rows).as_bytes(),
    )
    .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = post(
        &app,
        &officer,
        &[
            ("kind", "agency"),
            ("sector", "nelayan"),
            ("action", "propose"),
        ],
        file(&rows).as_bytes(),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(count(&done.body, "count-proposed"), 1);
    let hit = &app
        .store
        .registry_search_kk(&rows[0].kk_number, &Scope::All)
        .await
        .unwrap()[0];
    let requests = app
        .store
        .registry_requests_of_household(hit.household)
        .await
        .unwrap();
    let stored = app
        .store
        .registry_request(requests[0].id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.request.history[0]
        .reason
        .contains("[daftar OPD: nelayan]"));
}

#[tokio::test]
async fn the_page_needs_the_permission_and_the_csrf_token() {
    let app = app().await;
    let pop = belitung(1, 0);
    let auditor = app.sign_in_as(Role::Auditor, "*").await;
    assert_eq!(
        auditor.get("/registry/upload").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = post(
        &app,
        &auditor,
        &[("kind", "operator"), ("action", "propose")],
        file(&family(&pop, A, 1)).as_bytes(),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let op = app.sign_in_as(Role::VillageOperator, A).await;
    let no_token = send(
        &app,
        &op,
        multipart(
            &[("kind", "operator"), ("action", "propose")],
            file(&family(&pop, A, 1)).as_bytes(),
        ),
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(households_with_kk(&app, &pop[0]).await, 0);
}
