//! The social registry (*registri sosial*, the regency's own welfare data — *DTKS daerah*): households and
//! their members with the needs survey, and the workflow of *verifikasi dan validasi* that every entry
//! and change goes through.
//!
//! - [`record`]: [`RegistryHousehold`] and [`RegistryMember`], contact ([`Phone`]) and payment
//!   ([`PaymentAccount`]) details, an optional [`Location`], and the rules a stored household obeys.
//! - [`change`]: a request's [`Change`] (new household, add/remove member, death, moves, survey update,
//!   split, merge) and how it applies once approved.
//! - [`workflow`]: the [`Stage`]s of a [`Request`] (*usulan*), whose turn it is ([`Step`]), and the
//!   [`Transition`]s that record who, when and why.
//!
//! The Indonesian terms are explained in `docs/registry.md`.

pub mod change;
pub mod record;
pub mod workflow;

pub use change::{Change, ChangeError, ChangeKind, FieldVisit, Outcome, Submission, SurveyAnswers};
pub use record::{
    check_name, name_key, Location, MemberStatus, PaymentAccount, Phone, RecordError,
    RegistryHousehold, RegistryMember, ELDERLY_AGE,
};
pub use workflow::{Event, EventKind, Request, Stage, Step, Transition, Who, WorkflowError};
