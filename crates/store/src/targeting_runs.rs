//! Targeting's records (issue 6, `docs/targeting.md`): programs as versioned data, targeting runs with
//! their candidates and waitlist, approval into enrolments (*kepesertaan*), graduation, replacement from
//! the waitlist, and appeals against an automated decision (*sanggahan atas keputusan otomatis*), which a
//! person reviews (PDP law).
//!
//! The rows here are plain; the integrator maps them to and from `tepat_domain::program` and
//! `tepat_targeting::select`. A KPM (*keluarga penerima manfaat*) is a household with an active enrolment.
//!
//! Approval graduates by itself: enrolments of the program in the villages the run covers that the run
//! does not select end as `graduated` with [`NOT_RESELECTED`] and [`NOT_RESELECTED_NOTICE`], in the
//! same transaction. Enrolments in villages the run did not cover are left alone; other exits (death,
//! moving away, an upheld objection) go through [`TargetingRunStore::graduate`].
//!
//! An enrolment row holds the household's current or last term; the runs' candidate rows keep who was
//! selected in which approved run.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use tepat_domain::{RegionCode, Rupiah, Scope};
use uuid::Uuid;

use crate::error::StoreError;

/// The end reason approval records for an enrolment the new run does not select.
pub const NOT_RESELECTED: &str = "not_reselected";
/// The notice text id approval records with [`NOT_RESELECTED`].
pub const NOT_RESELECTED_NOTICE: &str = "targeting.notice.not_reselected";
/// The longest decree number accepted.
pub const DECREE_MAX_CHARS: usize = 100;

/// One saved version of a program: its definition as TOML, never changed once saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramVersion {
    /// The program code, e.g. `PKH`.
    pub code: String,
    /// 1 for the first version.
    pub version: u32,
    pub body: String,
    /// The account that saved it.
    pub saved_by: Uuid,
    pub saved_at: DateTime<Utc>,
    /// Why it was changed.
    pub note: String,
}

/// A decree number (*nomor SK*) that approves a run: not blank, at most [`DECREE_MAX_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecreeNumber(String);

/// Why a decree number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidDecree {
    #[error(
        "the decree number is empty; type the number of the decree (SK) that approves the list"
    )]
    Empty,
    #[error(
        "the decree number is longer than {DECREE_MAX_CHARS} characters; check what was typed"
    )]
    TooLong,
}

impl DecreeNumber {
    /// Trims surrounding spaces.
    pub fn parse(s: &str) -> Result<DecreeNumber, InvalidDecree> {
        let s = s.trim();
        if s.is_empty() {
            Err(InvalidDecree::Empty)
        } else if s.chars().count() > DECREE_MAX_CHARS {
            Err(InvalidDecree::TooLong)
        } else {
            Ok(DecreeNumber(s.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Generates `code()` / `parse()` for a state enum stored as text.
macro_rules! text_codes {
    ($ty:ident { $($variant:ident => $code:literal),* $(,)? }) => {
        impl $ty {
            pub fn code(self) -> &'static str {
                match self {
                    $($ty::$variant => $code,)*
                }
            }

            pub fn parse(s: &str) -> Option<$ty> {
                match s {
                    $($code => Some($ty::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

/// Where a run is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RunState {
    /// Computed, waiting for a decision.
    Draft,
    /// Approved by decree: its candidates are enrolled.
    Approved,
    /// Not approved, put aside.
    Discarded,
    /// Was approved; a later approved run of the same program replaced it.
    Superseded,
}

text_codes!(RunState {
    Draft => "draft",
    Approved => "approved",
    Discarded => "discarded",
    Superseded => "superseded",
});

/// A targeting run to save as a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    pub id: Uuid,
    pub program: String,
    pub program_version: u32,
    /// Ages and facts were taken on this date.
    pub reference_date: NaiveDate,
    /// The period it is for, e.g. `2026-Q3`.
    pub period: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// The simulation's summary (JSON).
    pub summary: String,
}

/// A stored targeting run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetingRun {
    pub id: Uuid,
    pub program: String,
    pub program_version: u32,
    pub reference_date: NaiveDate,
    pub period: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub state: RunState,
    pub decree_number: Option<String>,
    pub approved_by: Option<Uuid>,
    pub approved_at: Option<DateTime<Utc>>,
    /// The hash of the approved list, as written to the transparency ledger.
    pub list_hash: Option<[u8; 32]>,
    /// The ledger entry that holds `list_hash`, once written.
    pub ledger_index: Option<u64>,
    pub summary: String,
}

/// What a run decided about one household.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CandidateStatus {
    /// Selected: enrolled on approval.
    Candidate,
    /// Eligible but over the quota: replaces a graduate, in rank order.
    Waitlist,
    /// Not eligible.
    Excluded,
}

text_codes!(CandidateStatus {
    Candidate => "candidate",
    Waitlist => "waitlist",
    Excluded => "excluded",
});

/// One household in a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateRow {
    pub village: RegionCode,
    pub household: Uuid,
    pub status: CandidateStatus,
    /// In the whole run, 1 = poorest; unique within the run.
    pub rank: u32,
    /// Within the village.
    pub village_rank: u32,
    /// Per period; zero when excluded.
    pub benefit: Rupiah,
    /// Why (JSON).
    pub reasons: String,
}

/// The state of an enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnrolmentState {
    Active,
    Suspended,
    /// Ended (with a reason and a notice).
    Graduated,
}

text_codes!(EnrolmentState {
    Active => "active",
    Suspended => "suspended",
    Graduated => "graduated",
});

/// A household's enrolment in a program (its current or last term).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub program: String,
    pub village: RegionCode,
    pub household: Uuid,
    pub state: EnrolmentState,
    /// Enrolled without interruption since.
    pub since: NaiveDate,
    /// The run that enrolled it last.
    pub run_id: Option<Uuid>,
    pub benefit: Option<Rupiah>,
    pub ended_at: Option<DateTime<Utc>>,
    /// A code such as [`NOT_RESELECTED`].
    pub end_reason: Option<String>,
    /// The id of the notice text sent to the household.
    pub notice: Option<String>,
}

/// How to end an enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graduation {
    /// A code without personal data, e.g. `income_above_line`, `deceased`.
    pub reason: String,
    /// The notice text id.
    pub notice: String,
    pub at: DateTime<Utc>,
}

/// An approval to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub decree: DecreeNumber,
    pub by: Uuid,
    pub at: DateTime<Utc>,
    /// The hash of the approved list (computed by the caller, written to the ledger after).
    pub list_hash: [u8; 32],
}

/// What an approval did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApprovalOutcome {
    /// Candidates enrolled (new or continued).
    pub enrolled: u64,
    /// Enrolments the run left out, now graduated.
    pub graduated: u64,
    /// Earlier approved runs of the program now superseded.
    pub superseded: u64,
}

/// An appeal's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppealState {
    /// Waiting in the review queue.
    Open,
    /// The reviewer agreed: the integrator re-enrols or reconsiders.
    Upheld,
    Rejected,
}

text_codes!(AppealState {
    Open => "open",
    Upheld => "upheld",
    Rejected => "rejected",
});

/// An appeal to record (state open).
#[derive(Clone, PartialEq, Eq)]
pub struct NewAppeal {
    pub id: Uuid,
    pub village: RegionCode,
    pub household: Uuid,
    pub program: String,
    /// The run whose decision is appealed, if known.
    pub run_id: Option<Uuid>,
    /// Free text from a citizen or officer: sealed.
    pub grounds: String,
    pub created_at: DateTime<Utc>,
}

/// A stored appeal.
#[derive(Clone, PartialEq, Eq)]
pub struct Appeal {
    pub id: Uuid,
    pub village: RegionCode,
    pub household: Uuid,
    pub program: String,
    pub run_id: Option<Uuid>,
    pub grounds: String,
    pub state: AppealState,
    pub created_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_reason: Option<String>,
}

impl fmt::Debug for NewAppeal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAppeal")
            .field("id", &self.id)
            .field("village", &self.village)
            .field("program", &self.program)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for Appeal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Appeal")
            .field("id", &self.id)
            .field("village", &self.village)
            .field("program", &self.program)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// A reviewer's decision on an appeal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppealDecision {
    pub upheld: bool,
    pub by: Uuid,
    pub at: DateTime<Utc>,
    /// A short reason without personal data.
    pub reason: String,
}

/// Where a page of rows ordered by (village, key) continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAfter<K> {
    pub village: RegionCode,
    pub key: K,
}

/// Storage of programs, targeting runs, enrolments and appeals.
#[async_trait::async_trait]
pub trait TargetingRunStore {
    /// Saves version `version.version` of a program. It must be the latest stored version + 1 (1 for a
    /// new program): otherwise someone saved in between and [`StoreError::Conflict`] is returned.
    async fn save_program_version(&self, version: &ProgramVersion) -> Result<(), StoreError>;

    /// The latest version of a program.
    async fn program(&self, code: &str) -> Result<Option<ProgramVersion>, StoreError>;

    async fn program_at(
        &self,
        code: &str,
        version: u32,
    ) -> Result<Option<ProgramVersion>, StoreError>;

    /// The latest version of each program, by code.
    async fn programs(&self) -> Result<Vec<ProgramVersion>, StoreError>;

    /// Every version of a program, newest first.
    async fn program_history(&self, code: &str) -> Result<Vec<ProgramVersion>, StoreError>;

    /// Saves a draft run with all its rows in one transaction.
    async fn save_run(&self, run: &NewRun, rows: &[CandidateRow]) -> Result<(), StoreError>;

    async fn run(&self, id: Uuid) -> Result<Option<TargetingRun>, StoreError>;

    /// Runs of a program, newest first.
    async fn runs(&self, program: &str, limit: u32) -> Result<Vec<TargetingRun>, StoreError>;

    /// A page of a run's rows inside `within`, by village then rank, optionally of one status.
    async fn candidates(
        &self,
        run_id: Uuid,
        within: &Scope,
        status: Option<CandidateStatus>,
        after: Option<&PageAfter<u32>>,
        limit: u32,
    ) -> Result<Vec<CandidateRow>, StoreError>;

    /// Puts a draft aside ([`StoreError::Conflict`] if it is not a draft).
    async fn discard_run(&self, run_id: Uuid) -> Result<(), StoreError>;

    /// Approves a draft run in one transaction: supersedes earlier approved runs of the program, enrols
    /// every `candidate` row (active, since the approval date, with its benefit), and graduates the
    /// program's active or suspended enrolments in the run's villages that it does not select. A run
    /// that is not a draft (e.g. approved already) gives [`StoreError::Conflict`] and changes nothing.
    async fn approve_run(
        &self,
        run_id: Uuid,
        approval: &Approval,
    ) -> Result<ApprovalOutcome, StoreError>;

    /// Records the ledger entry holding an approved run's list hash.
    async fn set_run_ledger_index(&self, run_id: Uuid, index: u64) -> Result<(), StoreError>;

    /// Enrols the next `n` waitlisted households of `village` in an approved run, by rank, and marks
    /// their rows `candidate`, atomically. Returns the households enrolled (fewer when the waitlist
    /// runs out).
    async fn promote_from_waitlist(
        &self,
        run_id: Uuid,
        village: &RegionCode,
        n: u32,
        at: DateTime<Utc>,
    ) -> Result<Vec<Uuid>, StoreError>;

    /// Ends an active or suspended enrolment ([`StoreError::NotFound`] if there is none).
    async fn graduate(
        &self,
        program: &str,
        household: Uuid,
        graduation: &Graduation,
    ) -> Result<(), StoreError>;

    async fn enrolment(
        &self,
        program: &str,
        household: Uuid,
    ) -> Result<Option<Enrolment>, StoreError>;

    /// A page of a program's enrolments inside `within`, by village then household id.
    async fn enrolments(
        &self,
        program: &str,
        within: &Scope,
        state: Option<EnrolmentState>,
        after: Option<&PageAfter<Uuid>>,
        limit: u32,
    ) -> Result<Vec<Enrolment>, StoreError>;

    /// The codes of the programs a household is actively enrolled in, sorted.
    async fn active_programs(&self, household: Uuid) -> Result<Vec<String>, StoreError>;

    async fn add_appeal(&self, appeal: &NewAppeal) -> Result<(), StoreError>;

    async fn appeal(&self, village: &RegionCode, id: Uuid) -> Result<Option<Appeal>, StoreError>;

    /// The review queue: appeals inside `within` in `state`, oldest first.
    async fn appeals(
        &self,
        within: &Scope,
        state: AppealState,
        limit: u32,
    ) -> Result<Vec<Appeal>, StoreError>;

    /// Decides an open appeal, once: a decided one gives [`StoreError::Conflict`].
    async fn decide_appeal(
        &self,
        village: &RegionCode,
        id: Uuid,
        decision: &AppealDecision,
    ) -> Result<Appeal, StoreError>;
}

/// `[lo, hi)` of plain region codes inside `within` (`:` sorts right after `9`).
pub(crate) fn code_range(within: &Scope) -> (String, String) {
    match within {
        Scope::All => (String::new(), ":".into()),
        Scope::Within(code) => (code.plain().to_owned(), format!("{}:", code.plain())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decree_numbers_are_trimmed_and_bounded() {
        assert_eq!(
            DecreeNumber::parse("  400/12/DINSOS/2026 ")
                .unwrap()
                .as_str(),
            "400/12/DINSOS/2026"
        );
        assert_eq!(DecreeNumber::parse("   "), Err(InvalidDecree::Empty));
        assert!(DecreeNumber::parse(&"9".repeat(DECREE_MAX_CHARS)).is_ok());
        assert_eq!(
            DecreeNumber::parse(&"9".repeat(DECREE_MAX_CHARS + 1)),
            Err(InvalidDecree::TooLong)
        );
    }

    #[test]
    fn state_codes_round_trip() {
        for s in [
            RunState::Draft,
            RunState::Approved,
            RunState::Discarded,
            RunState::Superseded,
        ] {
            assert_eq!(RunState::parse(s.code()), Some(s));
        }
        for s in [
            CandidateStatus::Candidate,
            CandidateStatus::Waitlist,
            CandidateStatus::Excluded,
        ] {
            assert_eq!(CandidateStatus::parse(s.code()), Some(s));
        }
        assert_eq!(AppealState::parse("upheld"), Some(AppealState::Upheld));
        assert_eq!(
            EnrolmentState::parse("graduated"),
            Some(EnrolmentState::Graduated)
        );
        assert_eq!(RunState::parse("approve"), None);
    }

    #[test]
    fn code_ranges_cover_exactly_the_region() {
        let within = Scope::Within(RegionCode::parse("19.02").unwrap());
        let (lo, hi) = code_range(&within);
        assert!(lo.as_str() <= "1902012001" && "1902012001" < hi.as_str());
        assert!("1903012001" >= hi.as_str());
        let (lo, hi) = code_range(&Scope::All);
        assert!(lo.as_str() <= "1101" && "9999999999" < hi.as_str());
    }
}
