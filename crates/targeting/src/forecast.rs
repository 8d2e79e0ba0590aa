//! The regional needs forecast: how many households are expected to be eligible next quarter in each
//! village (desa/kelurahan) and district (kecamatan), from the trend of past targeting runs and from
//! economic indicators, with the model's honest back-test error beside it. See docs/forecast.md.
//!
//! - [`period`]: [`Period`], a calendar quarter (`2026Q3`), the cadence at which DTSEN re-ranks.
//! - [`indicators`]: the economic indicators per district or regency and quarter, read from CSV.
//! - [`model`]: the model (shrunk trend × indicator effect), its fit and the forecast with its parts.
//! - [`backtest`]: rolling-origin back-test against the naive "same as last quarter" forecast.
//! - [`render`]: the plain-text report for the CLI and the bilingual labels for the UI.
//! - [`synthetic`]: generated histories with a known truth, for tests, benchmarks and the demo.

pub mod backtest;
pub mod indicators;
pub mod model;
pub mod period;
pub mod render;
pub mod synthetic;

pub use backtest::{Backtest, ErrorSummary};
pub use indicators::{read_indicators, IndicatorError, Indicators};
pub use model::{
    forecast, AreaForecast, Basis, Coefficient, ForecastError, ForecastOptions, NeedsForecast,
    Observation,
};
pub use period::{Period, PeriodError};
pub use render::{render_text, Label};
pub use synthetic::SyntheticHistory;
