//! The social registry's services: entering requests (*usulan*), moving them through *verifikasi dan
//! validasi*, finding and opening records, and keeping the registry current.
//!
//! Every function takes the [`Grant`] of its action and checks that the record's region lies inside it
//! (`grant.covers(region)`): a village operator cannot read or change another village's records, even
//! with a valid id. Every change and every full read is written to the audit log, in the same
//! transaction as the change. Terms and the workflow are explained in `docs/registry.md`.
//!
//! - [`workflow`]: [`propose_household`], [`propose_change`] (with the client's request id, and the
//!   task it does), [`verify`], [`review`], [`verify_at_dinas`], [`approve`], [`reject`], [`send_back`].
//! - [`read`]: [`search`], [`open_household`], [`open_request`], [`queue`].
//! - [`checks`]: [`check_household`] — population extract, validity and double registration, with
//!   reasons for the operator; [`DuplicateIndex`] for people entered twice under different NIKs.
//! - [`upkeep`]: [`flag_for_reverification`], [`sync_population`], [`tasks`], [`set_task_state`],
//!   [`open_task`], [`suggested_change`], [`propose_from_task`].

pub mod checks;
pub mod duplicates;
pub mod error;
pub mod read;
pub mod upkeep;
pub mod workflow;

use chrono::{DateTime, Utc};
use tepat_domain::RegionCode;
use tepat_store::{AuditAction, AuditEntry, ObjectKind};
use uuid::Uuid;

pub use checks::{check_household, Finding, Severity};
pub use duplicates::{
    builtin_model, train_model, Candidate, DuplicateIndex, ModelSource, MIN_TRAINING_MEMBERS,
    TRAINING_MEMBERS,
};
pub use error::RegistryError;
pub use read::{mask_nik, open_household, open_request, queue, search, SearchResult};
pub use upkeep::{
    flag_for_reverification, open_task, propose_from_task, set_task_state, suggested_change,
    sync_population, tasks, FlagsStale, DEFAULT_REVERIFICATION,
};
pub use workflow::{
    approve, propose_change, propose_household, proposed_earlier, reject, review, send_back,
    verify, verify_at_dinas, ChangeProposal, Proposed, StepAction,
};

use crate::access::{Action, Grant};

/// Where and when an operation happens: the time it is recorded with, and the client's address for the
/// audit log ("from where").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub now: DateTime<Utc>,
    /// The client's IP address (and port), if the caller knows it.
    pub client: Option<String>,
}

impl Origin {
    /// Now, from `client`.
    pub fn now(client: Option<String>) -> Origin {
        let t = Utc::now();
        Origin {
            // Microseconds: what both databases keep, so what is returned equals what is read back.
            now: DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t),
            client,
        }
    }
}

/// The audit entry for something `grant`'s actor does.
pub(crate) fn audit_entry<A: Action>(
    grant: &Grant<'_, A>,
    action: AuditAction,
    object: ObjectKind,
    object_id: Option<Uuid>,
    region: Option<RegionCode>,
    purpose: &str,
    origin: &Origin,
) -> AuditEntry {
    AuditEntry {
        actor: grant.actor().user(),
        role: grant.actor().role(),
        action,
        object,
        object_id,
        region,
        purpose: purpose.to_owned(),
        client: origin.client.clone(),
    }
}
