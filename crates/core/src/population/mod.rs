//! The population extract import (`tepat import population FILE.csv`).
//!
//! - [`import_population`]: reads, validates and upserts a file; atomic.
//! - [`ImportOptions`], [`ImportSummary`]: what to do and what was done.
//! - [`Problem`]: why a row was rejected (column, stable code, reason), as written to the report.
//! - [`Column`], [`COLUMNS`]: the fifteen columns of the file.
//! - [`ImportError`]: why an import stopped (file, line, column); the database is then unchanged.
//!
//! The file format and every rejection code are documented in `docs/population-csv.md`.

mod columns;
mod error;
mod import;
mod problem;
mod progress;
mod read;
mod regions;
mod report;
mod scan;
mod source;
mod summary;
mod validate;

pub use columns::{Column, COLUMNS};
pub use error::ImportError;
pub use import::import_population;
pub use problem::Problem;
pub use summary::{ImportOptions, ImportSummary};
