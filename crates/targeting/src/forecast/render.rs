//! The forecast as plain English text for the CLI, and the labels the UI shows in either language.

use std::fmt::Write;

use tepat_domain::Lang;

use super::backtest::ErrorSummary;
use super::model::{AreaForecast, Basis, NeedsForecast};

/// The words the UI puts beside a forecast's numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Title,
    Village,
    District,
    Base,
    Trend,
    IndicatorEffect,
    Expected,
    Registered,
    OwnWeight,
    Coefficient,
    StdError,
    Backtest,
    Mae,
    Mape,
    Naive,
    BeatsNaive,
    DoesNotBeatNaive,
    NotEstimated,
    NoBacktest,
}

impl Label {
    pub fn text(self, lang: Lang) -> &'static str {
        let (id, en) = match self {
            Label::Title => ("Perkiraan kebutuhan wilayah", "Regional needs forecast"),
            Label::Village => ("Desa/kelurahan", "Village"),
            Label::District => ("Kecamatan", "District"),
            Label::Base => ("Layak kuartal ini", "Eligible this quarter"),
            Label::Trend => ("Tren", "Trend"),
            Label::IndicatorEffect => ("Pengaruh indikator ekonomi", "Economic indicator effect"),
            Label::Expected => ("Perkiraan kuartal depan", "Expected next quarter"),
            Label::Registered => ("Terdaftar", "Registered"),
            Label::OwnWeight => ("Bobot tren sendiri", "Weight of own trend"),
            Label::Coefficient => ("Pengaruh per satuan", "Effect per unit"),
            Label::StdError => ("Galat baku", "Standard error"),
            Label::Backtest => ("Uji balik", "Back-test"),
            Label::Mae => ("Rata-rata galat mutlak (KK)", "Mean absolute error (households)"),
            Label::Mape => ("Rata-rata galat persentase", "Mean absolute percentage error"),
            Label::Naive => ("Perkiraan naif (sama dengan kuartal ini)", "Naive forecast (same as this quarter)"),
            Label::BeatsNaive => ("Model lebih akurat daripada perkiraan naif", "The model beats the naive forecast"),
            Label::DoesNotBeatNaive => (
                "Model TIDAK lebih akurat daripada perkiraan naif",
                "The model does NOT beat the naive forecast",
            ),
            Label::NotEstimated => (
                "Pengaruh indikator tidak dapat diestimasi (data terlalu sedikit); perkiraan hanya dari tren",
                "Indicator effects could not be estimated (too little data); the forecast is trend only",
            ),
            Label::NoBacktest => (
                "Riwayat terlalu pendek untuk uji balik",
                "The history is too short for a back-test",
            ),
        };
        match lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }
}

impl Basis {
    /// Why a village's trend is what it is, for the UI.
    pub fn explain(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Basis::OwnAndDistrict, Lang::Id) => {
                "tren desa sendiri dipadukan dengan tren kecamatan"
            }
            (Basis::OwnAndDistrict, Lang::En) => {
                "the village's own trend blended with its district's"
            }
            (Basis::DistrictOnly, Lang::Id) => "riwayat baru satu kuartal: memakai tren kecamatan",
            (Basis::DistrictOnly, Lang::En) => "one quarter of history: uses the district's trend",
            (Basis::NoTrend, Lang::Id) => "belum ada tren di kecamatan: tanpa tren",
            (Basis::NoTrend, Lang::En) => "no trend seen in the district yet: no trend applied",
        }
    }
}

/// The forecast as text: coefficients, back-test, districts, then villages.
pub fn render_text(forecast: &NeedsForecast) -> String {
    let en = Lang::En;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} for {} (history up to {})",
        Label::Title.text(en),
        forecast.target,
        forecast.origin
    );
    let _ = writeln!(
        out,
        "\nIndicator effects (log growth next quarter per unit rise this quarter):"
    );
    if !forecast.coefficients_estimated {
        let _ = writeln!(out, "  {}", Label::NotEstimated.text(en));
    }
    for c in &forecast.coefficients {
        let _ = writeln!(
            out,
            "  {:<28} {:>+10.5}  (std. error {:.5})",
            c.indicator, c.effect, c.std_error
        );
    }
    let _ = writeln!(out, "  from {} district-quarters", forecast.regression_rows);
    render_backtest(&mut out, forecast);
    let _ = writeln!(
        out,
        "\n{:<16} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "District", "base", "trend", "indicator", "expected", "fallback"
    );
    for d in &forecast.districts {
        render_area(&mut out, d, &d.villages_fallen_back.to_string());
    }
    let _ = writeln!(
        out,
        "\n{:<16} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "Village", "base", "trend", "indicator", "expected", "own weight"
    );
    for v in &forecast.villages {
        let note = match (v.basis, v.own_weight) {
            (Basis::OwnAndDistrict, Some(w)) => format!("{w:.2}"),
            (Basis::DistrictOnly, _) => "district".into(),
            _ => "none".into(),
        };
        render_area(&mut out, v, &note);
    }
    out
}

fn render_backtest(out: &mut String, forecast: &NeedsForecast) {
    let b = &forecast.backtest;
    let _ = writeln!(out, "\n{}", Label::Backtest.text(Lang::En));
    if b.origins.is_empty() {
        let _ = writeln!(out, "  {}", Label::NoBacktest.text(Lang::En));
        return;
    }
    let (first, last) = (b.origins[0], b.origins[b.origins.len() - 1]);
    let _ = writeln!(
        out,
        "  origins {first}..{last} ({} quarters forecast one ahead)",
        b.origins.len()
    );
    for (level, s) in [("village", &b.village), ("district", &b.district)] {
        let _ = writeln!(out, "  {level:<9} {}", summary_line(s));
    }
}

fn summary_line(s: &ErrorSummary) -> String {
    let pct = |p: Option<f64>| p.map_or("n/a".to_string(), |p| format!("{p:.2}%"));
    let verdict = if s.beats_naive {
        "beats naive"
    } else {
        "DOES NOT beat naive"
    };
    format!(
        "n={} MAE {:.2} MAPE {} | naive MAE {:.2} MAPE {} | {verdict}",
        s.forecasts,
        s.mae,
        pct(s.mape),
        s.naive_mae,
        pct(s.naive_mape)
    )
}

fn render_area(out: &mut String, a: &AreaForecast, note: &str) {
    let _ = writeln!(
        out,
        "{:<16} {:>10.1} {:>+10.1} {:>+10.1} {:>10} {:>10}",
        a.region.to_string(),
        a.base,
        a.trend,
        a.indicator_effect,
        a.expected_households,
        note
    );
}
