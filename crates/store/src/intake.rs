//! The citizens' ways in (`docs/citizen.md`): proposals (*usulan warga*) and objections (*sanggahan*)
//! waiting for the village operator, and the village's public list they object to.
//!
//! Names, addresses and reasons are sealed (JSON, bound to table, column and id); no NIK or KK number is
//! kept. The rules (who may submit, rate limits, the 14-day window) live in `tepat-core::intake`.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tepat_domain::{KkNumber, RegionCode, Scope};
use uuid::Uuid;

use crate::error::StoreError;

/// Whose household a citizen proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TipKind {
    /// Their own (they proved who they are with NIK + KK number).
    Own,
    /// A neighbour's: only what a citizen can know (name, address, reason).
    Neighbour,
}

impl TipKind {
    pub fn code(self) -> &'static str {
        match self {
            TipKind::Own => "own",
            TipKind::Neighbour => "neighbour",
        }
    }

    pub fn parse(s: &str) -> Option<TipKind> {
        match s {
            "own" => Some(TipKind::Own),
            "neighbour" => Some(TipKind::Neighbour),
            _ => None,
        }
    }
}

/// What a citizen's proposal says (sealed).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TipDetails {
    /// The person proposed (for `Own`, the proposer's name from the population extract).
    pub name: String,
    /// Address with RT/RW as the citizen wrote it (for `Own`, from the extract).
    pub address: String,
    pub reason: String,
    /// Who proposed (name from the population extract).
    pub proposer: String,
}

/// A citizen's proposal for the village operator.
#[derive(Clone, PartialEq, Eq)]
pub struct CitizenTip {
    pub id: Uuid,
    pub village: RegionCode,
    pub kind: TipKind,
    pub details: TipDetails,
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for CitizenTip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CitizenTip")
            .field("id", &self.id)
            .field("village", &self.village)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// What an objection says (sealed).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectionDetails {
    pub reason: String,
    /// Who objected (name from the population extract).
    pub objector: String,
}

/// An objection to a household on the village's public list.
#[derive(Clone, PartialEq, Eq)]
pub struct Objection {
    pub id: Uuid,
    pub village: RegionCode,
    pub household: Uuid,
    pub details: ObjectionDetails,
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for Objection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Objection")
            .field("id", &self.id)
            .field("village", &self.village)
            .field("household", &self.household)
            .finish_non_exhaustive()
    }
}

/// A household on a village's public list: approved into the registry (active) on `approved_at`.
#[derive(Clone, PartialEq, Eq)]
pub struct Published {
    pub household: Uuid,
    /// The head of family's name, to be masked before it is shown.
    pub head_name: String,
    pub approved_at: DateTime<Utc>,
}

impl fmt::Debug for Published {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Published")
            .field("household", &self.household)
            .field("approved_at", &self.approved_at)
            .finish_non_exhaustive()
    }
}

/// Which kind of citizen's submission an answer closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionKind {
    /// A proposal (*usulan warga*), [`CitizenTip`].
    Tip,
    /// An objection (*sanggahan*), [`Objection`].
    Objection,
}

impl SubmissionKind {
    pub fn code(self) -> &'static str {
        match self {
            SubmissionKind::Tip => "tip",
            SubmissionKind::Objection => "objection",
        }
    }

    pub fn parse(s: &str) -> Option<SubmissionKind> {
        match s {
            "tip" => Some(SubmissionKind::Tip),
            "objection" => Some(SubmissionKind::Objection),
            _ => None,
        }
    }
}

/// How an officer closed a citizen's submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// Answered with information; nothing enters the workflow.
    Answered,
    /// Taken into the registry workflow as this request.
    Accepted { request: Uuid },
    /// Refused; the reply says why.
    Rejected,
}

impl ReplyOutcome {
    pub fn code(self) -> &'static str {
        match self {
            ReplyOutcome::Answered => "answered",
            ReplyOutcome::Accepted { .. } => "accepted",
            ReplyOutcome::Rejected => "rejected",
        }
    }

    /// The outcome of a stored `code` and request id; `None` when they do not fit together.
    pub fn parse(code: &str, request: Option<Uuid>) -> Option<ReplyOutcome> {
        match (code, request) {
            ("answered", None) => Some(ReplyOutcome::Answered),
            ("accepted", Some(request)) => Some(ReplyOutcome::Accepted { request }),
            ("rejected", None) => Some(ReplyOutcome::Rejected),
            _ => None,
        }
    }

    pub fn request(self) -> Option<Uuid> {
        match self {
            ReplyOutcome::Accepted { request } => Some(request),
            _ => None,
        }
    }
}

/// The officer's answer closing a citizen's proposal or objection; each gets at most one.
#[derive(Clone, PartialEq, Eq)]
pub struct SubmissionReply {
    /// The proposal's or objection's id (the citizen's receipt code).
    pub submission: Uuid,
    pub kind: SubmissionKind,
    pub village: RegionCode,
    pub outcome: ReplyOutcome,
    /// What the citizen reads (sealed).
    pub text: String,
    pub submitted_at: DateTime<Utc>,
    pub replied_at: DateTime<Utc>,
}

impl fmt::Debug for SubmissionReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubmissionReply")
            .field("submission", &self.submission)
            .field("kind", &self.kind)
            .field("village", &self.village)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

/// A citizen's submission found by its id, without its sealed details, with its answer if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionState {
    pub id: Uuid,
    pub kind: SubmissionKind,
    pub village: RegionCode,
    pub submitted_at: DateTime<Utc>,
    pub reply: Option<SubmissionReply>,
}

/// Storage of the citizens' proposals and objections.
#[async_trait::async_trait]
pub trait IntakeStore {
    async fn intake_add_tip(&self, tip: &CitizenTip) -> Result<(), StoreError>;

    async fn intake_add_objection(&self, objection: &Objection) -> Result<(), StoreError>;

    /// Proposals inside `within`, newest first, at most `limit`.
    async fn intake_tips(&self, within: &Scope, limit: u32) -> Result<Vec<CitizenTip>, StoreError>;

    /// Objections inside `within`, newest first, at most `limit`.
    async fn intake_objections(
        &self,
        within: &Scope,
        limit: u32,
    ) -> Result<Vec<Objection>, StoreError>;

    /// Records `reply` unless its submission already has one: `false` then, and nothing changes.
    async fn intake_add_reply(&self, reply: &SubmissionReply) -> Result<bool, StoreError>;

    /// The proposal or objection with this id, and its answer.
    async fn intake_submission(&self, id: Uuid) -> Result<Option<SubmissionState>, StoreError>;

    /// Answers inside `within` to submissions made at or after `since`.
    async fn intake_replies(
        &self,
        within: &Scope,
        since: DateTime<Utc>,
    ) -> Result<Vec<SubmissionReply>, StoreError>;

    /// Households with at least one objection nobody has answered yet, each once.
    async fn intake_open_objection_households(&self) -> Result<Vec<Uuid>, StoreError>;

    /// Active households of `village` whose new-household request was approved at or after `since`,
    /// oldest approval first.
    async fn intake_published(
        &self,
        village: &RegionCode,
        since: DateTime<Utc>,
    ) -> Result<Vec<Published>, StoreError>;

    /// Claims the proposal of the household with KK `kk` in `village` from a proposals CSV for
    /// `household`: `true` if nobody holds it, or the holder's claim was made before `stale_before`
    /// (an upload that died half-way). One statement, so of two uploads of one file at the same time
    /// exactly one proposes the household. The KK number is kept only as its blind index.
    async fn intake_claim_upload(
        &self,
        village: &RegionCode,
        kk: &KkNumber,
        household: Uuid,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Gives up `household`'s claim (its proposal failed), so another upload may propose it.
    async fn intake_release_upload(
        &self,
        village: &RegionCode,
        kk: &KkNumber,
        household: Uuid,
    ) -> Result<(), StoreError>;
}
