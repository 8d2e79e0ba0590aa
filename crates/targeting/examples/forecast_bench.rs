//! Times the regional needs forecast on a generated history: the forecast alone and the forecast with
//! its rolling-origin back-test. Results go in BENCHMARKS.md ("Needs forecast").
//!
//! cargo run --release -p tepat-targeting --example forecast_bench -- [DISTRICTS] [VILLAGES_PER_DISTRICT] [QUARTERS] [RUNS]

use std::time::Instant;

use tepat_targeting::forecast::{forecast, ForecastOptions, Period, SyntheticHistory};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("arguments are whole numbers"))
        .collect();
    let arg = |i: usize, default: usize| args.get(i).copied().unwrap_or(default);
    let (districts, villages, quarters, runs) = (arg(0, 20), arg(1, 20), arg(2, 12), arg(3, 5));
    let synthetic = SyntheticHistory {
        districts,
        villages_per_district: villages,
        quarters,
        first: Period::parse("2024Q1").expect("valid"),
        effect: 0.04,
        noise: 0.02,
        seed: 42,
    };
    let (history, indicators) = synthetic.generate();
    println!(
        "{} villages × {quarters} quarters = {} observations, {districts} districts",
        districts * villages,
        history.len()
    );
    let forecast_only = ForecastOptions {
        min_history: quarters + 1,
        ..ForecastOptions::default()
    };
    let with_backtest = ForecastOptions::default();
    for (name, options) in [
        ("forecast only", forecast_only),
        ("forecast + back-test", with_backtest),
    ] {
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..runs {
            let start = Instant::now();
            last =
                Some(forecast(&history, &indicators, options).expect("generated history is valid"));
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let result = last.expect("at least one run");
        println!(
            "{name}: median {:.1} ms (min {:.1}, max {:.1}, {runs} runs)",
            times[runs / 2],
            times[0],
            times[runs - 1]
        );
        if let Some(c) = result.coefficients.first() {
            println!(
                "  poverty_rate effect {:.4} ± {:.4} (true 0.04)",
                c.effect, c.std_error
            );
        }
        let b = &result.backtest;
        if !b.origins.is_empty() {
            println!(
                "  back-test village MAE {:.1} vs naive {:.1}; district MAE {:.1} vs naive {:.1}",
                b.village.mae, b.village.naive_mae, b.district.mae, b.district.naive_mae
            );
        }
    }
}
