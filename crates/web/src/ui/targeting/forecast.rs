//! `GET /penargetan/{code}/perkiraan`: the regional needs forecast of a program (issue 6, part 6;
//! `docs/forecast.md`): per district, and per village of a chosen district (`?kecamatan=`, paged with
//! `?halaman=`), the households expected to be eligible next quarter with the model's parts (base, trend,
//! indicator effect), the indicators' estimated effects with their standard errors, and the back-test
//! error beside the naive "same as this quarter" forecast.
//!
//! The model is fitted over the reader's area widened to a whole district: a village operator's village
//! borrows its trend from its district (the shrinkage in `docs/forecast.md`), and they see that
//! district's total, an aggregate like the run page's totals, but no other village's row.

use std::collections::BTreeSet;
use std::path::Path as FilePath;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tepat_core::access::ReadTargeting;
use tepat_core::targeting::forecast::history_in;
use tepat_domain::{Lang, RegionCode, RegionLevel, Scope};
use tepat_targeting::forecast::{
    forecast, read_indicators, AreaForecast, Basis, ErrorSummary, ForecastOptions, Indicators,
    Label, NeedsForecast, Period,
};

use super::fail;
use super::runs::Targeting;
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::format::count;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, Htmx};

/// Villages per page of a district.
const VILLAGES_PER_PAGE: usize = 50;
/// Quarters of runs the model needs: one to start from, one to see a change.
const MIN_PERIODS: usize = 2;

macro_rules! strings {
    ($($name:ident: $id:literal, $en:literal;)+) => {
        /// The forecast page's strings in one language.
        pub struct ForecastStrings { $(pub $name: &'static str,)+ }
        static ID: ForecastStrings = ForecastStrings { $($name: $id,)+ };
        static EN: ForecastStrings = ForecastStrings { $($name: $en,)+ };
    };
}

fn words(lang: Lang) -> &'static ForecastStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

strings! {
    lead: "Perkiraan jumlah keluarga yang layak pada kuartal berikutnya per kecamatan dan desa/kelurahan, dari tren hasil penargetan dan indikator ekonomi. Setiap angka diuraikan: layak kuartal ini + tren + pengaruh indikator.",
        "The expected number of eligible households next quarter per district and village, from the trend of the targeting runs and economic indicators. Every figure is broken down: eligible this quarter + trend + indicator effect.";
    too_few: "Perkiraan memerlukan hasil penargetan dari sedikitnya 2 periode (kuartal) yang berbeda. Program ini baru memiliki",
        "The forecast needs targeting runs from at least 2 different periods (quarters). This program has";
    periods: "periode", "period(s)";
    too_few_hint: "Jalankan penargetan lagi pada kuartal berikutnya; perkiraan akan muncul di sini.",
        "Run targeting again next quarter; the forecast will appear here.";
    history: "Riwayat dipakai", "History used";
    target: "Kuartal yang diperkirakan", "Quarter forecast";
    no_indicators: "Tidak ada berkas indikator ekonomi yang diatur ([targeting] indicators_file): perkiraan hanya memakai tren registri.",
        "No economic indicators file is configured ([targeting] indicators_file): the forecast uses registry trends only.";
    bad_indicators: "Berkas indikator ekonomi tidak dapat dibaca, sehingga perkiraan hanya memakai tren registri. Masalahnya:",
        "The economic indicators file could not be read, so the forecast uses registry trends only. The problem:";
    indicators_title: "Pengaruh indikator ekonomi", "Economic indicator effects";
    indicators_lead: "Perubahan pertumbuhan keluarga layak kuartal berikutnya per kenaikan satu satuan indikator pada kuartal ini (0,02 ≈ +2 %).",
        "Change in next quarter's growth of eligible households per one-unit rise of the indicator this quarter (0.02 ≈ +2 %).";
    col_indicator: "Indikator", "Indicator";
    from_rows: "diestimasi dari kecamatan × kuartal sebanyak", "estimated from district-quarters:";
    no_coefficients: "Tidak ada indikator: perkiraan hanya dari tren.", "No indicators: the forecast is trend only.";
    forecasts: "jumlah perkiraan diuji", "forecasts tested";
    origins: "kuartal awal", "origins";
    model: "Model", "Model";
    not_beaten: "Artinya: pada riwayat ini model tidak lebih baik daripada menganggap kuartal depan sama dengan kuartal ini. Pakai perkiraan dengan hati-hati dan bandingkan dengan angka kuartal ini.",
        "This means: on this history the model is no better than taking next quarter to be the same as this one. Use the forecast with care and compare it with this quarter's figures.";
    districts_title: "Per kecamatan", "By district";
    villages_title: "Desa/kelurahan di", "Villages in";
    pick_district: "Pilih kecamatan untuk melihat desa/kelurahannya.", "Pick a district to see its villages.";
    fallen_back: "desa memakai tren kecamatan atau tanpa tren", "villages use the district's trend or none";
    households: "KK", "households";
    previous: "Sebelumnya", "Previous";
    next: "Berikutnya", "Next";
    area_note: "Anda melihat desa/kelurahan Anda dan jumlah untuk kecamatannya.", "You see your village and its district's total.";
}

#[derive(Template)]
#[template(path = "targeting/forecast.html")]
struct ForecastPage<'a> {
    page: &'a Layout,
    w: &'static ForecastStrings,
    l: Labels,
    htmx: Htmx,
    code: &'a str,
    name: String,
    /// Periods of runs seen when there are too few to forecast from.
    too_few: Option<usize>,
    indicators_note: IndicatorsNote,
    view: Option<View>,
    village_scope: bool,
}

/// The model's own words (`tepat_targeting::forecast::Label`) in the page's language.
struct Labels {
    title: &'static str,
    base: &'static str,
    trend: &'static str,
    indicator_effect: &'static str,
    expected: &'static str,
    registered: &'static str,
    coefficient: &'static str,
    std_error: &'static str,
    backtest: &'static str,
    mae: &'static str,
    mape: &'static str,
    naive: &'static str,
    not_estimated: &'static str,
    no_backtest: &'static str,
}

impl Labels {
    fn new(lang: Lang) -> Labels {
        Labels {
            title: Label::Title.text(lang),
            base: Label::Base.text(lang),
            trend: Label::Trend.text(lang),
            indicator_effect: Label::IndicatorEffect.text(lang),
            expected: Label::Expected.text(lang),
            registered: Label::Registered.text(lang),
            coefficient: Label::Coefficient.text(lang),
            std_error: Label::StdError.text(lang),
            backtest: Label::Backtest.text(lang),
            mae: Label::Mae.text(lang),
            mape: Label::Mape.text(lang),
            naive: Label::Naive.text(lang),
            not_estimated: Label::NotEstimated.text(lang),
            no_backtest: Label::NoBacktest.text(lang),
        }
    }
}

enum IndicatorsNote {
    Used,
    NotConfigured,
    Unreadable(String),
}

struct View {
    /// The quarters of runs the model read: first – last (how many).
    history: String,
    target: String,
    coefficients: Vec<CoefficientView>,
    estimated: bool,
    regression_rows: String,
    backtest: Option<BacktestView>,
    districts: Vec<AreaView>,
    chosen: Option<VillagesView>,
}

struct CoefficientView {
    indicator: String,
    effect: String,
    std_error: String,
}

struct BacktestView {
    origins: String,
    levels: Vec<LevelView>,
}

struct LevelView {
    id: &'static str,
    level: &'static str,
    forecasts: String,
    mae: String,
    mape: String,
    naive_mae: String,
    naive_mape: String,
    beats_naive: bool,
    verdict: &'static str,
}

struct AreaView {
    code: String,
    name: String,
    expected: String,
    base: String,
    trend: String,
    indicator: String,
    registered: String,
    /// For a district: villages that fell back; for a village: what its trend rests on.
    note: String,
}

struct VillagesView {
    code: String,
    name: String,
    rows: Vec<AreaView>,
    previous: Option<usize>,
    next: Option<usize>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ForecastQuery {
    #[serde(default)]
    kecamatan: String,
    #[serde(default)]
    halaman: Option<usize>,
}

/// `GET /penargetan/{code}/perkiraan`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(code): Path<String>,
    Query(q): Query<ForecastQuery>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadTargeting>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let scope = grant.scope();
    let store = state.store();
    let program = match tepat_core::targeting::programs::get(store, &code).await {
        Ok(p) => p,
        Err(e) => return fail(&page, e),
    };
    let lang = page.lang;
    let (indicators, indicators_note) =
        load_indicators(state.config().targeting.indicators_file.as_deref());
    let history = match history_in(store, &grant, &code, &model_area(scope)).await {
        Ok(h) => h,
        Err(e) => return fail(&page, Targeting(e)),
    };
    let periods = history.iter().map(|o| o.period).collect::<BTreeSet<_>>();
    let (too_few, view) = if periods.len() < MIN_PERIODS {
        (Some(periods.len()), None)
    } else {
        match forecast(&history, &indicators, ForecastOptions::default()) {
            Ok(f) => {
                let mut v = view(&state, &f, &scope, &q, lang);
                v.history = history_text(&periods, lang);
                (None, Some(v))
            }
            Err(e) => {
                let e = tepat_core::targeting::run::TargetingError::Forecast(e.to_string());
                return fail(&page, Targeting(e));
            }
        }
    };
    let view = ForecastPage {
        page: &page,
        w: words(lang),
        l: Labels::new(lang),
        htmx: Htmx::new(),
        code: &code,
        name: program.name(lang).to_owned(),
        too_few,
        indicators_note,
        view,
        village_scope: is_village(&scope),
    };
    no_store(render(StatusCode::OK, lang, &view))
}

/// `2026Q1 – 2027Q1 (5)`.
fn history_text(periods: &BTreeSet<Period>, lang: Lang) -> String {
    match (periods.first(), periods.last()) {
        (Some(first), Some(last)) => {
            format!("{first} – {last} ({})", count(periods.len() as i64, lang))
        }
        _ => String::new(),
    }
}

fn is_village(scope: &Scope) -> bool {
    matches!(scope, Scope::Within(c) if c.level() == RegionLevel::DesaKelurahan)
}

/// The reader's area, a village widened to its district.
fn model_area(scope: Scope) -> Scope {
    match scope {
        Scope::Within(c) if c.level() == RegionLevel::DesaKelurahan => c
            .ancestor(RegionLevel::Kecamatan)
            .map_or(scope, Scope::Within),
        other => other,
    }
}

/// Whether the reader may see `district`'s total: it lies in their scope, or their village lies in it.
fn district_visible(scope: &Scope, district: &RegionCode) -> bool {
    match scope {
        Scope::All => true,
        Scope::Within(c) => district.is_within(c) || c.is_within(district),
    }
}

/// The indicators file of the settings, read now (so a new quarter's file needs no restart).
fn load_indicators(path: Option<&FilePath>) -> (Indicators, IndicatorsNote) {
    let Some(path) = path else {
        return (Indicators::new(), IndicatorsNote::NotConfigured);
    };
    let read = std::fs::File::open(path)
        .map_err(|e| format!("[targeting] indicators_file cannot be opened: {e}"))
        .and_then(|f| read_indicators(f).map_err(|e| e.to_string()));
    match read {
        Ok(i) if i.is_empty() => (i, IndicatorsNote::NotConfigured),
        Ok(i) => (i, IndicatorsNote::Used),
        Err(problem) => {
            tracing::warn!(%problem, "the forecast's indicators file could not be read");
            (Indicators::new(), IndicatorsNote::Unreadable(problem))
        }
    }
}

fn view(state: &AppState, f: &NeedsForecast, scope: &Scope, q: &ForecastQuery, lang: Lang) -> View {
    let w = words(lang);
    let area = |a: &AreaForecast, note: String| area_view(state, a, note, lang);
    let districts: Vec<AreaView> = f
        .districts
        .iter()
        .filter(|d| district_visible(scope, &d.region))
        .map(|d| {
            let note = if d.villages_fallen_back > 0 {
                format!(
                    "{} {}",
                    count(d.villages_fallen_back.into(), lang),
                    w.fallen_back
                )
            } else {
                String::new()
            };
            area(d, note)
        })
        .collect();
    let chosen = chosen_district(f, scope, &q.kecamatan).map(|district| {
        let rows: Vec<&AreaForecast> = f
            .villages
            .iter()
            .filter(|v| v.region.is_within(&district) && scope.covers(&v.region))
            .collect();
        let pages = rows.len().div_ceil(VILLAGES_PER_PAGE).max(1);
        let page = q.halaman.unwrap_or(1).clamp(1, pages);
        VillagesView {
            code: district.dotted(),
            name: state.regions().name_path(&district),
            rows: rows
                .into_iter()
                .skip((page - 1) * VILLAGES_PER_PAGE)
                .take(VILLAGES_PER_PAGE)
                .map(|v| area(v, village_note(v, lang)))
                .collect(),
            previous: (page > 1).then(|| page - 1),
            next: (page < pages).then(|| page + 1),
        }
    });
    View {
        history: String::new(),
        target: f.target.to_string(),
        coefficients: f
            .coefficients
            .iter()
            .map(|c| CoefficientView {
                indicator: c.indicator.clone(),
                effect: decimal(c.effect, 4, true, lang),
                std_error: decimal(c.std_error, 4, false, lang),
            })
            .collect(),
        estimated: f.coefficients_estimated,
        regression_rows: count(f.regression_rows as i64, lang),
        backtest: backtest_view(f, lang),
        districts,
        chosen,
    }
}

/// The district whose villages to list: the one asked for if the reader sees it, else a village
/// operator's own district.
fn chosen_district(f: &NeedsForecast, scope: &Scope, asked: &str) -> Option<RegionCode> {
    let visible =
        |d: &RegionCode| district_visible(scope, d) && f.districts.iter().any(|a| a.region == *d);
    match RegionCode::parse(asked.trim()) {
        Ok(d) if visible(&d) => Some(d),
        _ => match model_area(*scope) {
            Scope::Within(d) if is_village(scope) && visible(&d) => Some(d),
            _ => None,
        },
    }
}

fn village_note(v: &AreaForecast, lang: Lang) -> String {
    let why = v.basis.explain(lang);
    match (v.basis, v.own_weight) {
        (Basis::OwnAndDistrict, Some(weight)) => format!(
            "{why} ({} {})",
            Label::OwnWeight.text(lang),
            decimal(weight, 2, false, lang)
        ),
        _ => why.to_owned(),
    }
}

fn area_view(state: &AppState, a: &AreaForecast, note: String, lang: Lang) -> AreaView {
    AreaView {
        code: a.region.dotted(),
        name: state.regions().name_path(&a.region),
        expected: count(a.expected_households.into(), lang),
        base: decimal(a.base, 0, false, lang),
        trend: decimal(a.trend, 1, true, lang),
        indicator: decimal(a.indicator_effect, 1, true, lang),
        registered: count(a.registered.into(), lang),
        note,
    }
}

fn backtest_view(f: &NeedsForecast, lang: Lang) -> Option<BacktestView> {
    let b = &f.backtest;
    let (first, last) = (b.origins.first()?, b.origins.last()?);
    let level = |id, level, s: &ErrorSummary| LevelView {
        id,
        level,
        forecasts: count(s.forecasts as i64, lang),
        mae: decimal(s.mae, 2, false, lang),
        mape: percent(s.mape, lang),
        naive_mae: decimal(s.naive_mae, 2, false, lang),
        naive_mape: percent(s.naive_mape, lang),
        beats_naive: s.beats_naive,
        verdict: if s.beats_naive {
            Label::BeatsNaive.text(lang)
        } else {
            Label::DoesNotBeatNaive.text(lang)
        },
    };
    Some(BacktestView {
        origins: format!("{first} – {last} ({})", count(b.origins.len() as i64, lang)),
        levels: vec![
            level("backtest-district", Label::District.text(lang), &b.district),
            level("backtest-village", Label::Village.text(lang), &b.village),
        ],
    })
}

/// A number with `places` decimals, Indonesian-style (`1.234,5`) or English-style (`1,234.5`), with its
/// sign when `signed` (a part that adds or removes households).
fn decimal(x: f64, places: usize, signed: bool, lang: Lang) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let text = format!("{:.*}", places, x.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let whole = count(whole.parse().unwrap_or(0), lang);
    let point = if lang == Lang::Id { ',' } else { '.' };
    let sign = match (
        signed,
        x < 0.0 && text.bytes().any(|b| b.is_ascii_digit() && b != b'0'),
    ) {
        (_, true) => "−",
        (true, false) => "+",
        (false, false) => "",
    };
    if fraction.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}{point}{fraction}")
    }
}

fn percent(p: Option<f64>, lang: Lang) -> String {
    p.map_or_else(
        || "—".into(),
        |p| format!("{} %", decimal(p, 1, false, lang)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_reader_s_way() {
        assert_eq!(decimal(1234.56, 1, false, Lang::Id), "1.234,6");
        assert_eq!(decimal(1234.56, 1, false, Lang::En), "1,234.6");
        assert_eq!(decimal(12.34, 1, true, Lang::Id), "+12,3");
        assert_eq!(decimal(-0.5, 1, true, Lang::En), "−0.5");
        assert_eq!(
            decimal(-0.01, 1, true, Lang::En),
            "+0.0",
            "no minus on a zero"
        );
        assert_eq!(decimal(37.0, 0, false, Lang::Id), "37");
        assert_eq!(percent(Some(4.26), Lang::Id), "4,3 %");
        assert_eq!(percent(None, Lang::En), "—");
    }

    #[test]
    fn a_village_reader_s_model_covers_their_district_and_shows_only_it() {
        let village = RegionCode::parse("19.02.01.1001").unwrap();
        let district = RegionCode::parse("19.02.01").unwrap();
        let other = RegionCode::parse("19.02.02").unwrap();
        assert_eq!(model_area(Scope::Within(village)), Scope::Within(district));
        assert_eq!(model_area(Scope::Within(district)), Scope::Within(district));
        assert!(district_visible(&Scope::Within(village), &district));
        assert!(!district_visible(&Scope::Within(village), &other));
        assert!(district_visible(
            &Scope::Within(RegionCode::parse("19.02").unwrap()),
            &other
        ));
    }
}
