//! The regional needs forecast page (`/penargetan/{code}/perkiraan`) through the real router, on runs
//! stored for several quarters: districts with the model's parts and the same numbers the model gives,
//! the back-test against naive (and the plain statement when the model does not beat it), a village
//! operator seeing their village and their district's total only, too few periods explained, the
//! indicators file used, missing or unreadable; both languages. Also the configured deadline for
//! answering citizens' objections, and the citizens' way to the status check.

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate, Utc};
use tepat_core::registry::Origin;
use tepat_core::targeting::programs;
use tepat_core::targeting::run::{RulePath, RunSummary};
use tepat_domain::{RegionCode, Role, Rupiah};
use tepat_store::{NewRun, Objection, ObjectionDetails, Store};
use tepat_targeting::forecast::{
    forecast, ForecastOptions, Indicators, NeedsForecast, Observation, Period,
};
use tepat_targeting::simulate::{Counts, RegionRow, Simulation};
use uuid::Uuid;

use crate::registry::{A, B};
use crate::support::{belitung, TestApp};

const C: &str = "19.02.01.1003";
const D1: &str = "19.02.02.2001";
const D2: &str = "19.02.02.2002";
const QUARTERS: [&str; 5] = ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1"];
const REGISTERED: u32 = 500;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

/// Eligible households per village and quarter: growing, flat, shrinking, and a second district.
fn counts() -> Vec<(&'static str, [u32; 5])> {
    vec![
        (A, [100, 105, 110, 116, 122]),
        (B, [50, 50, 51, 50, 50]),
        (C, [80, 76, 72, 69, 65]),
        (D1, [200, 210, 220, 231, 243]),
        (D2, [40, 42, 44, 46, 48]),
    ]
}

/// Stores one run of `program` for `period` whose village rows count `eligible` (all as candidates).
async fn store_run(store: &dyn Store, program: &str, period: &str, eligible: &[(&str, u32)]) {
    let by_village: Vec<RegionRow> = eligible
        .iter()
        .map(|(v, n)| RegionRow {
            region: code(v),
            counts: Counts {
                candidates: *n,
                waitlist: 0,
                excluded: 0,
                budget: Rupiah::new(0),
            },
        })
        .collect();
    let total: u32 = eligible.iter().map(|(_, n)| n).sum();
    let summary = RunSummary {
        area: "19.02".into(),
        path: RulePath::Sql,
        households: REGISTERED * eligible.len() as u32,
        eligible: total,
        truth_known: false,
        simulation: Simulation {
            by_district: Vec::new(),
            by_village,
            totals: Counts {
                candidates: total,
                waitlist: 0,
                excluded: 0,
                budget: Rupiah::new(0),
            },
            households_in_scope: total,
            gini: None,
            concentration: None,
            errors: None,
        },
        shortfalls: Vec::new(),
        budget_used: Rupiah::new(0),
        registered: eligible
            .iter()
            .map(|(v, _)| (code(v), REGISTERED))
            .collect(),
    };
    let p = Period::parse(period).unwrap();
    store
        .save_run(
            &NewRun {
                id: Uuid::now_v7(),
                program: program.into(),
                program_version: 1,
                reference_date: NaiveDate::from_ymd_opt(
                    p.year().into(),
                    u32::from(p.quarter()) * 3 - 2,
                    1,
                )
                .unwrap(),
                period: period.into(),
                created_by: Uuid::nil(),
                created_at: Utc::now(),
                summary: serde_json::to_string(&summary).unwrap(),
            },
            &[],
        )
        .await
        .unwrap();
}

/// The app with the built-in programs and PKH's runs for every quarter of [`counts`].
async fn app_with_runs(app: TestApp) -> TestApp {
    let store = app.store.as_ref();
    programs::seed_builtin(store, &Origin::now(None))
        .await
        .unwrap();
    for (q, period) in QUARTERS.iter().enumerate() {
        let rows: Vec<(&str, u32)> = counts().iter().map(|(v, n)| (*v, n[q])).collect();
        store_run(store, "PKH", period, &rows).await;
    }
    app
}

/// What the model says for the same history, to compare the page with.
fn expected(indicators: &Indicators) -> NeedsForecast {
    let history: Vec<Observation> = counts()
        .iter()
        .flat_map(|(v, n)| {
            QUARTERS.iter().zip(n).map(|(p, &eligible)| Observation {
                period: Period::parse(p).unwrap(),
                village: code(v),
                eligible,
                registered: REGISTERED,
            })
        })
        .collect();
    forecast(&history, indicators, ForecastOptions::default()).unwrap()
}

/// The `<li>` with `id`.
fn item(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let end = at + html[at..].find("</li>").unwrap();
    html[at..end].to_owned()
}

/// `uri` in English: the language switch answers with a redirect that sets the cookie.
async fn english(officer: &crate::officer::Officer<'_>, uri: &str) -> crate::support::Response {
    let sep = if uri.contains('?') { '&' } else { '?' };
    let switched = officer.get(&format!("{uri}{sep}lang=en")).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER, "{}", switched.body);
    officer.get(switched.header("location")).await
}

fn two_decimals_id(x: f64) -> String {
    format!("{x:.2}").replace('.', ",")
}

#[tokio::test]
async fn a_verifier_sees_each_district_with_its_parts_and_the_backtest() {
    let app = app_with_runs(TestApp::new().await).await;
    let model = expected(&Indicators::new());
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;

    let runs = verifier.get("/penargetan/PKH").await;
    assert!(
        runs.body
            .contains("id=\"forecast-link\" href=\"/penargetan/PKH/perkiraan\""),
        "{}",
        runs.body
    );
    let page = verifier.get("/penargetan/PKH/perkiraan").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Perkiraan kebutuhan wilayah"));
    assert!(page.body.contains("id=\"target\">2027Q2<"), "{}", page.body);
    assert!(page.body.contains("id=\"history\">2026Q1 – 2027Q1 (5)<"));
    assert!(
        page.body.contains("id=\"trend-only\""),
        "no indicators file"
    );
    for d in &model.districts {
        let row = item(&page.body, &format!("d-{}", d.region.dotted()));
        assert!(
            row.contains(&format!(
                "Perkiraan kuartal depan: {} KK",
                d.expected_households
            )),
            "{row}"
        );
        assert!(
            row.contains(&format!("Layak kuartal ini {}", d.base)),
            "{row}"
        );
        assert!(row.contains("Tren <span class=\"trend\">"), "{row}");
        assert!(row.contains("Pengaruh indikator ekonomi"), "{row}");
    }
    // A district is the sum of its villages.
    let d1 = model
        .districts
        .iter()
        .find(|d| d.region == code("19.02.01"))
        .unwrap();
    assert_eq!(d1.base, 122.0 + 50.0 + 65.0);
    // The back-test: MAE of the model and naive, per level, with a verdict.
    for (id, s) in [
        ("backtest-district", &model.backtest.district),
        ("backtest-village", &model.backtest.village),
    ] {
        let row = item(&page.body, id);
        assert!(
            row.contains(&format!(
                "Rata-rata galat mutlak (KK) {}",
                two_decimals_id(s.mae)
            )),
            "{row}"
        );
        assert!(row.contains(&two_decimals_id(s.naive_mae)), "{row}");
        let verdict = if s.beats_naive {
            "Model lebih akurat daripada perkiraan naif"
        } else {
            "Model TIDAK lebih akurat daripada perkiraan naif"
        };
        assert!(row.contains(verdict), "{row}");
    }
    assert!(page.body.contains("id=\"pick-district\""));

    // A district's villages, each with what its trend rests on; English on asking.
    let villages = english(&verifier, "/penargetan/PKH/perkiraan?kecamatan=19.02.02").await;
    assert_eq!(villages.status, StatusCode::OK);
    assert!(villages.body.contains("Regional needs forecast"));
    assert!(villages.body.contains("registry trends only"));
    for v in [D1, D2] {
        let row = item(&villages.body, &format!("v-{v}"));
        let m = model.villages.iter().find(|m| m.region == code(v)).unwrap();
        assert!(
            row.contains(&format!(
                "Expected next quarter: {} households",
                m.expected_households
            )),
            "{row}"
        );
        assert!(
            row.contains(
                &m.basis
                    .explain(tepat_domain::Lang::En)
                    .replace('\'', "&#39;")
            ),
            "{row}"
        );
    }
    assert!(!villages.body.contains(&format!("id=\"v-{A}\"")));
}

#[tokio::test]
async fn a_village_operator_sees_their_village_and_their_district_s_total_only() {
    let app = app_with_runs(TestApp::new().await).await;
    let operator = app.sign_in_as(Role::VillageOperator, A).await;
    let page = operator.get("/penargetan/PKH/perkiraan").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"area-note\""));
    // Their district's total is the whole district's, as a district officer sees it.
    let model = expected(&Indicators::new());
    let d1 = model
        .districts
        .iter()
        .find(|d| d.region == code("19.02.01"))
        .unwrap();
    let row = item(&page.body, "d-19.02.01");
    assert!(
        row.contains(&format!(
            "Perkiraan kuartal depan: {} KK",
            d1.expected_households
        )),
        "{row}"
    );
    assert!(!page.body.contains("id=\"d-19.02.02\""), "another district");
    assert!(page.body.contains(&format!("id=\"v-{A}\"")), "own village");
    assert!(
        !page.body.contains(&format!("id=\"v-{B}\"")),
        "{}",
        page.body
    );
    assert!(!page.body.contains(&format!("id=\"v-{C}\"")));
    // Asking for the other district changes nothing.
    let other = operator
        .get("/penargetan/PKH/perkiraan?kecamatan=19.02.02")
        .await;
    assert_eq!(other.status, StatusCode::OK);
    assert!(!other.body.contains(&format!("id=\"v-{D1}\"")));
    assert!(!other.body.contains(&format!("id=\"v-{B}\"")));
}

#[tokio::test]
async fn too_few_periods_are_explained_instead_of_an_error() {
    let app = TestApp::new().await;
    let store = app.store.as_ref();
    programs::seed_builtin(store, &Origin::now(None))
        .await
        .unwrap();
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let none = verifier.get("/penargetan/SEMBAKO/perkiraan").await;
    assert_eq!(none.status, StatusCode::OK, "{}", none.body);
    assert!(
        item_section(&none.body, "too-few").contains("Program ini baru memiliki 0 periode"),
        "{}",
        none.body
    );
    // Two runs of one quarter are still one period.
    store_run(store, "SEMBAKO", "2027Q1", &[(A, 10)]).await;
    store_run(store, "SEMBAKO", "2027Q1", &[(A, 12)]).await;
    let one = english(&verifier, "/penargetan/SEMBAKO/perkiraan").await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(
        item_section(&one.body, "too-few").contains("This program has 1 period(s)"),
        "{}",
        one.body
    );
    assert!(!one.body.contains("id=\"districts\""));
    let unknown = verifier.get("/penargetan/TIDAK-ADA/perkiraan").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

fn item_section(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no {id} in {html}"));
    let end = at + html[at..].find("</section>").unwrap();
    html[at..end].to_owned()
}

#[tokio::test]
async fn a_flat_history_does_not_beat_naive_and_the_page_says_so_in_both_languages() {
    let app = TestApp::new().await;
    let store = app.store.as_ref();
    programs::seed_builtin(store, &Origin::now(None))
        .await
        .unwrap();
    for period in QUARTERS {
        store_run(store, "SEMBAKO", period, &[(A, 30), (B, 20)]).await;
    }
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let id = verifier.get("/penargetan/SEMBAKO/perkiraan").await;
    assert_eq!(id.status, StatusCode::OK, "{}", id.body);
    let row = item(&id.body, "backtest-district");
    assert!(
        row.contains("Model TIDAK lebih akurat daripada perkiraan naif"),
        "{row}"
    );
    assert!(row.contains("tidak lebih baik daripada menganggap kuartal depan sama"));
    let en = english(&verifier, "/penargetan/SEMBAKO/perkiraan").await;
    let row = item(&en.body, "backtest-district");
    assert!(
        row.contains("The model does NOT beat the naive forecast"),
        "{row}"
    );
    assert!(row.contains("no better than taking next quarter to be the same"));
}

#[tokio::test]
async fn the_configured_indicators_file_is_used_and_a_bad_one_is_named_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("indikator.csv");
    let mut csv = String::from("period,region_code,indicator,value\n");
    for (q, period) in QUARTERS.iter().enumerate() {
        csv.push_str(&format!(
            "{period},19.02,poverty_rate,{}\n",
            9.0 + q as f64 * 0.5
        ));
    }
    std::fs::write(&good, &csv).unwrap();
    let path = good.clone();
    let app = TestApp::builder()
        .config(move |c| c.targeting.indicators_file = Some(path))
        .build()
        .await;
    let app = app_with_runs(app).await;
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let page = verifier.get("/penargetan/PKH/perkiraan").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("id=\"trend-only\""));
    assert!(page.body.contains("id=\"coefficients\""), "{}", page.body);
    assert!(page.body.contains("<code>poverty_rate</code>"));
    assert!(page.body.contains("Galat baku"));
    let mut indicators = Indicators::new();
    for (q, period) in QUARTERS.iter().enumerate() {
        indicators.insert(
            Period::parse(period).unwrap(),
            code("19.02"),
            "poverty_rate",
            9.0 + q as f64 * 0.5,
        );
    }
    let model = expected(&indicators);
    assert_eq!(
        page.body.contains("id=\"not-estimated\""),
        !model.coefficients_estimated
    );

    // The same file broken on line 3: the page names the line and falls back to trends.
    std::fs::write(&good, csv.replace(",9.5\n", ",sembilan\n")).unwrap();
    let broken = verifier.get("/penargetan/PKH/perkiraan").await;
    assert_eq!(broken.status, StatusCode::OK);
    let at = broken.body.find("id=\"indicators-error\"").expect("named");
    assert!(broken.body[at..].contains("line 3"), "{}", broken.body);
    assert!(broken.body.contains("id=\"districts\""), "still forecast");
}

#[tokio::test]
async fn a_configured_answer_deadline_moves_the_overdue_marker() {
    let overdue_with = |days: u32| async move {
        let app = TestApp::builder()
            .population(belitung(2, 0))
            .config(move |c| c.registry.objection_answer_days = days)
            .build()
            .await;
        let o = Objection {
            id: Uuid::now_v7(),
            village: code(A),
            household: Uuid::now_v7(),
            details: ObjectionDetails {
                reason: "sanggahan sepuluh hari".into(),
                objector: "Contoh".into(),
            },
            created_at: Utc::now() - Duration::days(10),
        };
        app.store.intake_add_objection(&o).await.unwrap();
        let op = app.sign_in_as(Role::VillageOperator, A).await;
        let page = op.get("/registry/warga").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        item(&page.body, &format!("s-{}", o.id)).contains("Lewat batas waktu")
    };
    assert!(!overdue_with(14).await, "10 days old, 14 to answer");
    assert!(overdue_with(7).await, "10 days old, 7 to answer");
}

#[tokio::test]
async fn citizens_find_the_status_check_from_the_landing_page_and_their_forms() {
    let app = TestApp::new().await;
    for uri in ["/", "/warga/usulan", "/warga/sanggahan"] {
        let page = app.get(uri).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        assert!(
            page.body
                .contains("id=\"status-link\" href=\"/warga/status\""),
            "{uri}: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn a_district_with_many_villages_is_paged() {
    let app = TestApp::new().await;
    let store = app.store.as_ref();
    programs::seed_builtin(store, &Origin::now(None))
        .await
        .unwrap();
    let villages: Vec<String> = (1..=55)
        .map(|n| format!("19.02.03.{:04}", 2000 + n))
        .collect();
    for (q, period) in ["2026Q4", "2027Q1"].iter().enumerate() {
        let rows: Vec<(&str, u32)> = villages
            .iter()
            .map(|v| (v.as_str(), 10 + q as u32))
            .collect();
        store_run(store, "PKH", period, &rows).await;
    }
    let verifier = app.sign_in_as(Role::Verifier, "19.02").await;
    let first = verifier
        .get("/penargetan/PKH/perkiraan?kecamatan=19.02.03")
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body.matches("id=\"v-19.02.03.").count(), 50);
    assert!(first.body.contains("id=\"next-page\""));
    assert!(
        first.body.contains("id=\"no-backtest\""),
        "two quarters are too few to back-test"
    );
    let second = verifier
        .get("/penargetan/PKH/perkiraan?kecamatan=19.02.03&halaman=2")
        .await;
    assert_eq!(second.body.matches("id=\"v-19.02.03.").count(), 5);
    assert!(second.body.contains("id=\"v-19.02.03.2055\""));
    assert!(!second.body.contains("id=\"next-page\""));
}
