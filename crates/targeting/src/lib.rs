//! `tepat-targeting`: choosing who a program reaches, objectively and repeatably. Pure: no I/O beyond
//! reading from a `Read`, no database, no async — the services in `tepat-core` bring the data.
//!
//! - [`pmt`]: the proxy-means test (*PMT*): a log-linear model that predicts monthly consumption per capita
//!   from the needs survey, fitted by `tepat pmt fit`, explained by its contributions; and the ranking of a
//!   regency's households into deciles ([`tepat_domain::Desil`]).
//! - [`survey_file`]: reading a survey with observed consumption (the files `tepat generate` writes) into
//!   [`tepat_domain::HouseholdFacts`] for fitting and for simulations where the truth is known.
//! - [`select`]: from the households a program's rule selects to candidates and a waitlist: ranking,
//!   exclusivity with other programs, quotas per region and the budget, with a reason for every household.
//! - [`simulate`]: what a run would do before anyone approves it: counts and budget by region, inclusion and
//!   exclusion errors where the truth is known, the Gini coefficient of benefits.
//! - [`forecast`]: the regional needs forecast — expected eligible households next period per district and
//!   village, from registry trends and economic indicators, with its back-test error.
#![forbid(unsafe_code)]

pub mod forecast;
pub mod pmt;
pub mod select;
pub mod simulate;
pub mod survey_file;
