//! Targeting (*penargetan*): from the registry to a decree-approved list of recipients (issue 6;
//! `docs/targeting.md`).
//!
//! - [`programs`]: programs as versioned data — the built-in set, loading a file, admins' edits.
//! - [`rank`]: the welfare ranking — the PMT's predicted consumption and the desil of every household.
//! - [`run`]: a targeting run — rule (in SQL, or in Rust when it cannot be), ranking, exclusivity, quotas
//!   and budget → candidates and a waitlist with reasons, and the simulation; kept as a draft.
//! - [`approve`]: approval with a decree number — enrolments, graduations, the list's hash for the ledger.
//! - [`appeals`]: appeals against automated decisions, reviewed by a person.
//! - [`forecast`]: the regional needs forecast from past runs and economic indicators.

pub mod appeals;
pub mod approve;
pub mod forecast;
pub mod programs;
pub mod rank;
pub mod run;
