//! The regional needs forecast on synthetic histories whose truth is known.

use tepat_domain::{Lang, RegionCode};
use tepat_targeting::forecast::synthetic::Rng;
use tepat_targeting::forecast::{
    forecast, read_indicators, render_text, Basis, ForecastError, ForecastOptions, Indicators,
    Label, Observation, Period, SyntheticHistory,
};

fn period(s: &str) -> Period {
    Period::parse(s).unwrap()
}

fn village(d: usize, n: usize) -> RegionCode {
    SyntheticHistory::village(d, n)
}

fn district(d: usize) -> RegionCode {
    SyntheticHistory::district(d)
}

const TRUE_EFFECT: f64 = 0.04;

/// Villages whose eligible count grows by their own persistent trend plus TRUE_EFFECT × last quarter's
/// change in their district's poverty rate, times log-normal noise (see `SyntheticHistory`).
fn synthetic(
    districts: usize,
    villages: usize,
    quarters: usize,
    noise: f64,
    seed: u64,
) -> (Vec<Observation>, Indicators) {
    let history = SyntheticHistory {
        districts,
        villages_per_district: villages,
        quarters,
        first: period("2024Q1"),
        effect: TRUE_EFFECT,
        noise,
        seed,
    };
    history.generate()
}

#[test]
fn recovers_the_indicator_effect_and_beats_naive() {
    let (history, indicators) = synthetic(30, 10, 12, 0.01, 7);
    let result = forecast(&history, &indicators, ForecastOptions::default()).unwrap();
    assert!(result.coefficients_estimated);
    let c = &result.coefficients[0];
    assert_eq!(c.indicator, "poverty_rate");
    // District growth noise is about 0.01/√10 ≈ 0.003 per quarter and the rate moves 0.5 points a quarter
    // over 30 districts × 9 usable quarters, so the standard error is ≈ 0.003 / (0.5·√270) ≈ 0.0004: 10 % of
    // the true 0.04 is about ten standard errors, and the reported error must itself be of that size.
    assert!(
        (c.effect - TRUE_EFFECT).abs() < 0.1 * TRUE_EFFECT,
        "estimated {c:?}"
    );
    assert!(c.std_error > 0.0 && c.std_error < 0.002, "{c:?}");
    assert!((c.effect - TRUE_EFFECT).abs() < 5.0 * c.std_error, "{c:?}");

    let b = &result.backtest;
    assert_eq!(b.origins.len(), 12 - 3);
    assert_eq!(b.village.forecasts, 300 * 9);
    assert_eq!(b.district.forecasts, 30 * 9);
    assert!(
        b.village.beats_naive && b.village.mae < 0.8 * b.village.naive_mae,
        "{:?}",
        b.village
    );
    assert!(
        b.district.beats_naive && b.district.mae < 0.5 * b.district.naive_mae,
        "{:?}",
        b.district
    );
    assert!(b.village.mape.unwrap() < b.village.naive_mape.unwrap());

    assert_eq!(result.origin, period("2026Q4"));
    assert_eq!(result.target, period("2027Q1"));
    assert_eq!(result.villages.len(), 300);
    assert_eq!(result.districts.len(), 30);
    for v in &result.villages {
        assert!((v.base + v.trend + v.indicator_effect - v.expected).abs() < 1e-6);
        assert_eq!(v.basis, Basis::OwnAndDistrict);
        assert!(v.own_weight.is_some_and(|w| (0.0..=1.0).contains(&w)));
    }
    let village_total: f64 = result.villages.iter().map(|v| v.expected).sum();
    let district_total: f64 = result.districts.iter().map(|d| d.expected).sum();
    assert!((village_total - district_total).abs() < 1e-6 * village_total);
}

#[test]
fn small_villages_lean_on_their_district() {
    // Same quarters and noise in every village, so the weight of a village's own trend may differ only by
    // its size: a smaller village's growth is noisier and must be shrunk harder toward the district's.
    let (history, indicators) = synthetic(4, 12, 8, 0.02, 9);
    let result = forecast(&history, &indicators, ForecastOptions::default()).unwrap();
    // Village trends differ by σ 1 % and a 4-quarter mean of 2 % noise is about as noisy: real blending.
    let blended = result
        .villages
        .iter()
        .filter(|v| v.own_weight.is_some_and(|w| w > 0.1 && w < 0.9));
    assert!(blended.count() > result.villages.len() / 2);
    for d in 0..4 {
        let prefix = district(d).to_string();
        let mut in_district: Vec<_> = result
            .villages
            .iter()
            .filter(|v| v.region.to_string().starts_with(&prefix))
            .collect();
        in_district.sort_by(|a, b| a.base.total_cmp(&b.base));
        let (small, large) = (in_district[0], in_district[in_district.len() - 1]);
        assert!(
            large.base > 2.0 * small.base,
            "the generator spreads sizes 200–2000"
        );
        let (ws, wl) = (small.own_weight.unwrap(), large.own_weight.unwrap());
        assert!(
            ws < wl || (ws == 0.0 && wl == 0.0),
            "district {prefix}: small {ws}, large {wl}"
        );
    }
}

#[test]
fn noise_without_signal_does_not_claim_to_beat_naive() {
    // Pure noise around a level: the trend chases noise, so the model cannot beat "same as last quarter";
    // the flag must say so rather than the text hiding it.
    let mut rng = Rng(11);
    let start = period("2025Q1");
    let mut history = Vec::new();
    for n in 0..40 {
        let mut level = 500.0;
        for t in 0..10 {
            level *= (0.05 * rng.normal()).exp();
            let count = level.round() as u32;
            history.push(Observation {
                period: start.plus(t),
                village: village(n % 4, n),
                eligible: count,
                registered: 2000,
            });
        }
    }
    let result = forecast(&history, &Indicators::new(), ForecastOptions::default()).unwrap();
    assert!(!result.coefficients_estimated);
    let b = &result.backtest;
    // A random walk's best forecast is the last value; any trend is overfitting noise.
    assert!(!b.village.beats_naive, "{:?}", b.village);
    assert!(render_text(&result).contains("DOES NOT beat naive"));
}

#[test]
fn a_flat_history_forecasts_flat() {
    let start = period("2025Q1");
    let history: Vec<Observation> = (0..6)
        .flat_map(|n| {
            (0..8).map(move |t| Observation {
                period: start.plus(t),
                village: village(n % 2, n),
                eligible: 100 + n as u32,
                registered: 400,
            })
        })
        .collect();
    let mut indicators = Indicators::new();
    for t in 0..8 {
        indicators.insert(
            start.plus(t),
            RegionCode::parse("19.02").unwrap(),
            "unemployment_rate",
            5.0,
        );
    }
    let result = forecast(&history, &indicators, ForecastOptions::default()).unwrap();
    // An indicator that never moves cannot be estimated, and says so.
    assert!(!result.coefficients_estimated);
    for v in &result.villages {
        assert_eq!(v.trend, 0.0);
        assert_eq!(v.indicator_effect, 0.0);
        assert_eq!(v.expected, v.base);
        assert_eq!(v.registered, 400);
    }
    let third = result
        .villages
        .iter()
        .find(|v| v.region == village(1, 3))
        .unwrap();
    assert_eq!(third.expected_households, 103);
    assert_eq!(result.backtest.village.mae, 0.0);
    // A tie with naive is not a win.
    assert!(!result.backtest.village.beats_naive);
}

#[test]
fn one_quarter_of_history_falls_back_and_says_so() {
    let (mut history, indicators) = synthetic(2, 3, 6, 0.0, 3);
    let last = history.iter().map(|o| o.period).max().unwrap();
    let newcomer = RegionCode::parse("19.02.01.2999").unwrap();
    history.push(Observation {
        period: last,
        village: newcomer,
        eligible: 50,
        registered: 90,
    });
    let result = forecast(&history, &indicators, ForecastOptions::default()).unwrap();
    let v = result
        .villages
        .iter()
        .find(|v| v.region == newcomer)
        .unwrap();
    assert_eq!(v.basis, Basis::DistrictOnly);
    assert_eq!(v.own_weight, None);
    assert!(v.trend_growth != 0.0);
    // The newcomer and an established neighbour share the district's trend (the neighbour partly).
    let d = result
        .districts
        .iter()
        .find(|d| d.region.to_string() == "19.02.01")
        .unwrap();
    assert_eq!(d.villages_fallen_back, 1);
    assert!(Basis::DistrictOnly.explain(Lang::Id).contains("kecamatan"));
    assert!(render_text(&result).contains("district"));

    // A history of a single quarter: no trend, no back-test, no coefficients — the base carried forward.
    let single: Vec<Observation> = history
        .iter()
        .filter(|o| o.period == last)
        .copied()
        .collect();
    let result = forecast(&single, &indicators, ForecastOptions::default()).unwrap();
    assert!(result
        .villages
        .iter()
        .all(|v| v.basis == Basis::NoTrend && v.expected == v.base));
    assert!(result.backtest.origins.is_empty());
    assert!(!result.backtest.village.beats_naive);
    assert!(render_text(&result).contains("too short for a back-test"));
}

#[test]
fn bad_history_is_refused() {
    let p = period("2026Q1");
    let v = village(0, 0);
    let row = |eligible, registered| Observation {
        period: p,
        village: v,
        eligible,
        registered,
    };
    assert_eq!(
        forecast(&[], &Indicators::new(), ForecastOptions::default()).unwrap_err(),
        ForecastError::EmptyHistory
    );
    assert!(matches!(
        forecast(
            &[row(1, 2), row(1, 2)],
            &Indicators::new(),
            ForecastOptions::default()
        ),
        Err(ForecastError::Duplicate { .. })
    ));
    assert!(matches!(
        forecast(&[row(3, 2)], &Indicators::new(), ForecastOptions::default()),
        Err(ForecastError::EligibleAboveRegistered { .. })
    ));
    let district_row = Observation {
        village: district(0),
        ..row(1, 2)
    };
    assert!(matches!(
        forecast(
            &[district_row],
            &Indicators::new(),
            ForecastOptions::default()
        ),
        Err(ForecastError::NotAVillage { .. })
    ));
}

#[test]
fn indicator_csv_reads_and_falls_back_to_the_regency() {
    let csv = "period,region_code,indicator,value\n2026Q1,19.02,rice_price,14500\n2026Q1,19.02.01,rice_price,15000\n2026Q2,19.02.01,poverty_rate,9.75\n";
    let indicators = read_indicators(csv.as_bytes()).unwrap();
    assert_eq!(
        indicators.names().collect::<Vec<_>>(),
        ["poverty_rate", "rice_price"]
    );
    let p = period("2026Q1");
    assert_eq!(
        indicators.value_for_district(&district(0), "rice_price", p),
        Some(15000.0)
    );
    assert_eq!(
        indicators.value_for_district(&district(1), "rice_price", p),
        Some(14500.0)
    );
    assert_eq!(
        indicators.value_for_district(&district(1), "poverty_rate", p),
        None
    );
    let example = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/forecast-indicators.csv"
    ))
    .unwrap();
    assert!(read_indicators(example.as_slice()).unwrap().names().count() >= 2);
}

#[test]
fn bad_indicator_lines_name_line_and_field() {
    let header = "period,region_code,indicator,value\n";
    let good = "2026Q1,19.02.01,poverty_rate,9.5\n";
    let cases = [
        (format!("{header}{good}2026Q5,19.02.01,poverty_rate,9.5\n"), "line 3: field period"),
        (format!("{header}2026Q1,19.02.01,poverty_rate,9,5\n"), "line 2: expected 4 fields"),
        (format!("{header}{good}2026Q2,19.02.01,poverty_rate,9.1\n2026Q3,19.02.01,poverty_rate,abc\n"), "line 4: field value"),
        (format!("{header}2026Q1,19.02.01.2001,poverty_rate,9.5\n"), "line 2: field region_code"),
        (format!("{header}2026Q1,19.2,poverty_rate,9.5\n"), "line 2: field region_code"),
        (format!("{header}2026Q1,19.02.01,poverty rate,9.5\n"), "line 2: field indicator"),
        (format!("{header}2026Q1,19.02.01,poverty_rate,NaN\n"), "line 2: field value"),
        (format!("{header}{good}{good}"), "line 3: field indicator: poverty_rate for 19.02.01 in 2026Q1 was already given on line 2"),
        ("period,region,indicator,value\n".to_string(), "header must be"),
    ];
    for (csv, expected) in cases {
        let err = read_indicators(csv.as_bytes()).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{err:?} should contain {expected:?}"
        );
    }
}

#[test]
fn output_serialises_and_labels_are_bilingual() {
    let (history, indicators) = synthetic(3, 4, 6, 0.01, 5);
    let result = forecast(&history, &indicators, ForecastOptions::default()).unwrap();
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["target"], "2025Q3");
    assert_eq!(json["villages"][0]["region"], "19.02.01.2001");
    assert_eq!(json["villages"][0]["basis"], "own_and_district");
    assert!(json["backtest"]["village"]["beats_naive"].is_boolean());
    assert_eq!(Label::Expected.text(Lang::Id), "Perkiraan kuartal depan");
    assert_eq!(Label::Expected.text(Lang::En), "Expected next quarter");
    let text = render_text(&result);
    assert!(text.contains("Regional needs forecast for 2025Q3"));
    assert!(text.contains("poverty_rate"));
    assert!(text.contains("19.02.03.2004"));
}
