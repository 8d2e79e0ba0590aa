//! The ways into the registry besides the one-by-one form (issue 5, part 2): operators' CSV uploads of
//! proposals, sector agencies' lists imported as proposals, and (web) citizens' proposals and objections.
//!
//! - [`upload_proposals`]: a village, district or agency operator's CSV of proposals (`docs/proposals-csv.md`),
//!   read whole before anything is written (size, UTF-8, header), every row checked, every household checked
//!   with [`crate::registry::check_household`] and the valid ones proposed with
//!   [`crate::registry::propose_household`], each household in its own transaction.
//! - [`import_agency_list`]: the same path for a sector agency's list, with the `ImportAgencyList` grant and the
//!   sector (nelayan, KUKM, PHK, dirumahkan) recorded with each proposal.
//! - [`UploadReport`]: what happened to every row and household, in Indonesian and English, and as a CSV the
//!   operator downloads (cells a spreadsheet would run as formulas neutralised).
//! - [`UploadError`]: why a whole file was refused (too large, not UTF-8, a bad header); nothing was written.
//! - [`citizen`]: citizens' proposals (own household or a neighbour's) and objections to a village's
//!   public list within 14 days, proved by NIK + KK number against the population extract, rate-limited.
//! - [`mask_name`]: names as public lists show them (`S****N M****D`).

pub mod citizen;
mod columns;
mod error;
mod mask;
mod parse;
mod report;
mod upload;

pub use columns::{Column, COLUMNS, REQUIRED};
pub use error::UploadError;
pub use mask::mask_name;
pub use report::{HouseholdOutcome, Outcome, RowProblem, Severity, UploadReport};
pub use upload::{import_agency_list, upload_proposals, Mode, MAX_ROWS, MAX_UPLOAD_BYTES};
