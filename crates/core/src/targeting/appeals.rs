//! Appeals (*sanggahan*) against an automated targeting decision, reviewed by a person (the PDP law's
//! right not to be subject to a decision made by automated processing alone).
//!
//! An officer of the household's region files the appeal on the household's behalf with its grounds
//! (free text, sealed at rest); a verifier or approver of that region decides it once, upheld or
//! rejected, with a reason. Who decided, when and why stay on the appeal; opening the queue, reading an
//! appeal and deciding one are written to the audit log (appeals carry personal context).
//!
//! **What an upheld appeal does.** A reviewer who upholds an appeal agrees that the automated decision
//! was wrong for this household — almost always because its data was wrong or out of date. So an upheld
//! appeal creates a re-verification task (*verifikasi ulang*, source `appeal:<id>`) for the village: the
//! field visit corrects the record through the ordinary registry workflow, and the next targeting run of
//! the program decides on the corrected data. Nobody is enrolled by hand outside a decree-approved run:
//! the list that the ledger records stays the list a run computed.

use tepat_domain::{Lang, Localized, RegionCode, Scope};
use tepat_store::{
    Appeal, AppealDecision, AppealState, AuditAction, NewAppeal, NewTask, ObjectKind, Store,
    StoreError, TaskKind,
};
use uuid::Uuid;

use crate::access::{Denied, FileAppeal, Grant, ReviewAppeal};
use crate::registry::{audit_entry, Origin};

/// The longest grounds accepted.
pub const GROUNDS_MAX_CHARS: usize = 1000;
/// The longest decision reason accepted.
pub const REASON_MAX_CHARS: usize = 500;
/// Most appeals one page of the queue shows.
pub const QUEUE_LIMIT: u32 = 200;

/// Why an appeal could not be filed, read or decided. Nothing was written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum AppealError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("write the grounds of the appeal: what the household says is wrong")]
    EmptyGrounds,
    #[error("the grounds are longer than {GROUNDS_MAX_CHARS} characters; shorten them")]
    GroundsTooLong,
    #[error("write the reason for the decision")]
    EmptyReason,
    #[error("the reason is longer than {REASON_MAX_CHARS} characters; shorten it")]
    ReasonTooLong,
    #[error("there is no program {0}")]
    UnknownProgram(String),
    #[error("no household with this id in this village")]
    NoHousehold,
    #[error("no appeal with this id")]
    NotFound,
    #[error("this appeal was decided already")]
    AlreadyDecided,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl AppealError {
    /// A stable code for forms and the API.
    pub fn code(&self) -> &'static str {
        match self {
            AppealError::Denied(Denied::Role { .. }) => "denied_role",
            AppealError::Denied(Denied::Region { .. }) => "denied_region",
            AppealError::EmptyGrounds => "grounds_empty",
            AppealError::GroundsTooLong => "grounds_too_long",
            AppealError::EmptyReason => "reason_empty",
            AppealError::ReasonTooLong => "reason_too_long",
            AppealError::UnknownProgram(_) => "unknown_program",
            AppealError::NoHousehold | AppealError::NotFound => "not_found",
            AppealError::AlreadyDecided => "appeal_decided",
            AppealError::Store(_) => "store",
        }
    }
}

impl Localized for AppealError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (AppealError::Denied(e), _) => e.message(lang),
            (_, Lang::En) => self.to_string(),
            (AppealError::EmptyGrounds, Lang::Id) => {
                "tuliskan alasan sanggahan: apa yang menurut keluarga ini keliru".into()
            }
            (AppealError::GroundsTooLong, Lang::Id) => {
                format!("alasan sanggahan lebih dari {GROUNDS_MAX_CHARS} karakter; persingkat")
            }
            (AppealError::EmptyReason, Lang::Id) => "tuliskan alasan keputusan".into(),
            (AppealError::ReasonTooLong, Lang::Id) => {
                format!("alasan keputusan lebih dari {REASON_MAX_CHARS} karakter; persingkat")
            }
            (AppealError::UnknownProgram(c), Lang::Id) => format!("tidak ada program {c}"),
            (AppealError::NoHousehold, Lang::Id) => {
                "tidak ada keluarga dengan id ini di desa ini".into()
            }
            (AppealError::NotFound, Lang::Id) => "tidak ada sanggahan dengan id ini".into(),
            (AppealError::AlreadyDecided, Lang::Id) => "sanggahan ini sudah diputuskan".into(),
            (AppealError::Store(_), Lang::Id) => {
                "terjadi kesalahan basis data; coba lagi atau hubungi administrator".into()
            }
        }
    }
}

/// An appeal to file.
#[derive(Clone, PartialEq, Eq)]
pub struct Filing<'a> {
    pub village: RegionCode,
    pub household: Uuid,
    pub program: &'a str,
    /// The run whose decision is appealed, when the officer knows it.
    pub run_id: Option<Uuid>,
    /// What the household says is wrong (free text; shown escaped, sealed at rest).
    pub grounds: &'a str,
}

/// A reviewer's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<'a> {
    pub upheld: bool,
    /// Why, without personal data (it is shown to officers of the region).
    pub reason: &'a str,
}

/// Files an appeal for a household of a village inside the grant; returns its id.
pub async fn file(
    store: &dyn Store,
    grant: &Grant<'_, FileAppeal>,
    filing: &Filing<'_>,
    origin: &Origin,
) -> Result<Uuid, AppealError> {
    grant.covers(&filing.village)?;
    let grounds = bounded(
        filing.grounds,
        GROUNDS_MAX_CHARS,
        AppealError::EmptyGrounds,
        AppealError::GroundsTooLong,
    )?;
    if store.program(filing.program).await?.is_none() {
        return Err(AppealError::UnknownProgram(filing.program.to_owned()));
    }
    let household = store.registry_household(filing.household).await?;
    if household.is_none_or(|h| h.household.village != filing.village) {
        return Err(AppealError::NoHousehold);
    }
    let appeal = NewAppeal {
        id: Uuid::now_v7(),
        village: filing.village,
        household: filing.household,
        program: filing.program.to_owned(),
        run_id: filing.run_id,
        grounds,
        created_at: origin.now,
    };
    store.add_appeal(&appeal).await?;
    let entry = audit_entry(
        grant,
        AuditAction::Propose,
        ObjectKind::Household,
        Some(filing.household),
        Some(filing.village),
        "targeting.appeal.file",
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(appeal.id)
}

/// The review queue: appeals in `state` inside the grant's scope, oldest first (audited: the list
/// names households).
pub async fn queue(
    store: &dyn Store,
    grant: &Grant<'_, ReviewAppeal>,
    state: AppealState,
    origin: &Origin,
) -> Result<Vec<Appeal>, AppealError> {
    let appeals = store.appeals(&grant.scope(), state, QUEUE_LIMIT).await?;
    let entry = audit_entry(
        grant,
        AuditAction::Read,
        ObjectKind::Registry,
        None,
        scope_region(grant.scope()),
        "targeting.appeal.queue",
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(appeals)
}

/// One appeal with its grounds (an audited read).
pub async fn open(
    store: &dyn Store,
    grant: &Grant<'_, ReviewAppeal>,
    village: &RegionCode,
    id: Uuid,
    origin: &Origin,
) -> Result<Appeal, AppealError> {
    grant.covers(village)?;
    let appeal = store
        .appeal(village, id)
        .await?
        .ok_or(AppealError::NotFound)?;
    let entry = audit_entry(
        grant,
        AuditAction::Read,
        ObjectKind::Household,
        Some(appeal.household),
        Some(appeal.village),
        "targeting.appeal.read",
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(appeal)
}

/// Decides an open appeal, once. Upheld, it also creates the household's re-verification task (see the
/// module documentation).
pub async fn decide(
    store: &dyn Store,
    grant: &Grant<'_, ReviewAppeal>,
    village: &RegionCode,
    id: Uuid,
    decision: &Decision<'_>,
    origin: &Origin,
) -> Result<Appeal, AppealError> {
    grant.covers(village)?;
    let reason = bounded(
        decision.reason,
        REASON_MAX_CHARS,
        AppealError::EmptyReason,
        AppealError::ReasonTooLong,
    )?;
    let record = AppealDecision {
        upheld: decision.upheld,
        by: grant.actor().user(),
        at: origin.now,
        reason,
    };
    let appeal = store
        .decide_appeal(village, id, &record)
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => AppealError::AlreadyDecided,
            StoreError::NotFound { .. } => AppealError::NotFound,
            other => other.into(),
        })?;
    let purpose = if decision.upheld {
        "targeting.appeal.upheld"
    } else {
        "targeting.appeal.rejected"
    };
    let entry = audit_entry(
        grant,
        AuditAction::Advance,
        ObjectKind::Household,
        Some(appeal.household),
        Some(appeal.village),
        purpose,
        origin,
    );
    if decision.upheld {
        let task = NewTask {
            village: appeal.village,
            household: appeal.household,
            member: None,
            kind: TaskKind::Reverify,
            source: format!("appeal:{}", appeal.id),
        };
        // The task and the decision's audit entry are written together.
        store.registry_add_tasks(&[task], &entry).await?;
    } else {
        store.audit_record(&entry).await?;
    }
    Ok(appeal)
}

fn bounded(
    text: &str,
    max: usize,
    empty: AppealError,
    long: AppealError,
) -> Result<String, AppealError> {
    let text = text.trim();
    if text.is_empty() {
        Err(empty)
    } else if text.chars().count() > max {
        Err(long)
    } else {
        Ok(text.to_owned())
    }
}

fn scope_region(scope: Scope) -> Option<RegionCode> {
    match scope {
        Scope::Within(r) => Some(r),
        Scope::All => None,
    }
}
