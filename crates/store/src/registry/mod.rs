//! The social registry's part of the store: households and members, requests (*usulan*) with their
//! workflow history, officers' tasks and remembered duplicate decisions.
//!
//! Every write is one transaction together with its audit entry ([`crate::audit`]): a request's new stage,
//! its history row, the households an approval changes and the audit row commit together or not at all.
//! The rules (which transition is allowed, what a change does to a household) are `tepat-domain`'s; the
//! store writes their results and refuses a write that raced another ([`StoreError::Conflict`]).

pub(crate) mod backend;
pub(crate) mod rows;
pub(crate) mod sealing;
pub(crate) mod sql;

use chrono::{DateTime, NaiveDate, Utc};
use tepat_domain::registry::{
    ChangeKind, RegistryHousehold, Request, Stage, Submission, Transition,
};
use tepat_domain::{KkNumber, Nik, RegionCode, Relationship, Scope, Sex};
use uuid::Uuid;

use crate::audit::AuditEntry;
use crate::error::StoreError;

/// Where a household is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HouseholdState {
    /// Entered with a new-household request that is not decided yet.
    Proposed,
    /// Approved: in the registry.
    Active,
    /// Its new-household request was rejected.
    Rejected,
    /// Merged into another household.
    Merged,
}

impl HouseholdState {
    pub fn code(self) -> &'static str {
        match self {
            HouseholdState::Proposed => "proposed",
            HouseholdState::Active => "active",
            HouseholdState::Rejected => "rejected",
            HouseholdState::Merged => "merged",
        }
    }

    pub fn parse(s: &str) -> Option<HouseholdState> {
        [
            HouseholdState::Proposed,
            HouseholdState::Active,
            HouseholdState::Rejected,
            HouseholdState::Merged,
        ]
        .into_iter()
        .find(|h| h.code() == s)
    }
}

/// A household as stored, decrypted.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHousehold {
    pub household: RegistryHousehold,
    pub state: HouseholdState,
    /// Bumped by every save; a save names the version it read ([`SaveHousehold::expected_version`]).
    pub version: i64,
    /// When an approval after a field visit last confirmed the household (re-verification counts from it).
    pub verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A household to write inside a proposal or an advance.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveHousehold {
    pub household: RegistryHousehold,
    pub state: HouseholdState,
    /// The version read before the change; `None` inserts a new household.
    pub expected_version: Option<i64>,
    /// Whether this save confirms the household after a field visit (sets `verified_at`).
    pub verified: bool,
}

/// A request as stored, decrypted, with its whole history.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRequest {
    pub request: Request,
    pub submission: Submission,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A request in a queue or a household's history list (nothing personal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSummary {
    pub id: Uuid,
    pub village: RegionCode,
    pub household: Uuid,
    pub kind: ChangeKind,
    pub stage: Stage,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A transition to write: `request` as read (its stage is the one the database must still hold), the
/// planned `transition`, the submission if it changed (a field visit), and the households to save, in
/// order (a merge saves the absorbed household before the one its members join).
#[derive(Debug)]
pub struct Advance<'a> {
    pub request: &'a Request,
    pub transition: &'a Transition,
    pub submission: Option<&'a Submission>,
    pub saves: Vec<SaveHousehold>,
}

/// One search result: enough to tell people apart and open the household (a full read, audited).
#[derive(Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub member: Uuid,
    pub household: Uuid,
    pub village: RegionCode,
    pub nik: Nik,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relationship: Relationship,
    /// The member's status code (`active`, `deceased`, `moved_out`, `removed`).
    pub member_status: String,
    pub household_state: HouseholdState,
}

impl std::fmt::Debug for SearchHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchHit")
            .field("member", &self.member)
            .field("household", &self.household)
            .field("village", &self.village)
            .finish_non_exhaustive()
    }
}

/// What an officer has to look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKind {
    /// The population extract reports a member dead.
    Death,
    /// The population extract puts a member in another village than the household.
    Moved,
    /// The household has not been verified for longer than the configured period.
    Reverify,
}

impl TaskKind {
    pub fn code(self) -> &'static str {
        match self {
            TaskKind::Death => "death",
            TaskKind::Moved => "moved",
            TaskKind::Reverify => "reverify",
        }
    }

    pub fn parse(s: &str) -> Option<TaskKind> {
        [TaskKind::Death, TaskKind::Moved, TaskKind::Reverify]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// Whether a task still needs doing. `Suspended` parks a task that waits on something else (e.g. the
/// enrolments of the affected household, once targeting exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskState {
    Open,
    Suspended,
    Done,
}

impl TaskState {
    pub fn code(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Suspended => "suspended",
            TaskState::Done => "done",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        [TaskState::Open, TaskState::Suspended, TaskState::Done]
            .into_iter()
            .find(|k| k.code() == s)
    }
}

/// A task to create. At most one not-done task of a kind exists per household and member: creating it
/// again is a no-op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub village: RegionCode,
    pub household: Uuid,
    pub member: Option<Uuid>,
    pub kind: TaskKind,
    /// Where it came from, as a code (`reverification`, `population:<import run id>`).
    pub source: String,
}

/// A stored task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: Uuid,
    pub village: RegionCode,
    pub household: Uuid,
    pub member: Option<Uuid>,
    pub kind: TaskKind,
    pub state: TaskState,
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Uuid>,
}

/// What a population sync found and turned into tasks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PopulationSync {
    pub deaths: u64,
    pub moves: u64,
}

/// An active member as the duplicate search indexes them (decrypted: for building the in-memory linkage
/// index only, never for display).
#[derive(Clone, PartialEq, Eq)]
pub struct LinkageRow {
    pub member: Uuid,
    pub household: Uuid,
    pub village: RegionCode,
    pub nik: Nik,
    pub kk_number: KkNumber,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub address: String,
}

impl std::fmt::Debug for LinkageRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkageRow")
            .field("member", &self.member)
            .field("village", &self.village)
            .finish_non_exhaustive()
    }
}

/// An officer's decision on a possible duplicate pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DuplicateVerdict {
    /// The same person: the records are to be merged.
    Same,
    /// Two people: never suggest the pair again.
    Distinct,
}

impl DuplicateVerdict {
    pub fn code(self) -> &'static str {
        match self {
            DuplicateVerdict::Same => "same",
            DuplicateVerdict::Distinct => "distinct",
        }
    }

    pub fn parse(s: &str) -> Option<DuplicateVerdict> {
        match s {
            "same" => Some(DuplicateVerdict::Same),
            "distinct" => Some(DuplicateVerdict::Distinct),
            _ => None,
        }
    }
}

/// A remembered decision on the pair of members `a` and `b` (in either order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateDecision {
    pub a: Uuid,
    pub b: Uuid,
    pub verdict: DuplicateVerdict,
    pub actor: Uuid,
    pub at: DateTime<Utc>,
    /// A code or short note; no personal data.
    pub reason: String,
}

/// The registry's part of the store.
#[async_trait::async_trait]
pub trait RegistryStore: Send + Sync {
    /// Enters a request at its first stage (its history holds the proposal), with the household it
    /// creates (for a new household, saved as [`HouseholdState::Proposed`]).
    async fn registry_propose(
        &self,
        request: &Request,
        submission: &Submission,
        household: Option<SaveHousehold>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Writes a planned transition and its effects. [`StoreError::Conflict`] when the request is no
    /// longer at the stage it was read at, or a household's version moved on.
    async fn registry_advance(
        &self,
        advance: Advance<'_>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// A request with its history. Not audited here: callers check the grant on its village first.
    async fn registry_request(&self, id: Uuid) -> Result<Option<StoredRequest>, StoreError>;

    /// The requests about a household, oldest first.
    async fn registry_requests_of_household(
        &self,
        household: Uuid,
    ) -> Result<Vec<RequestSummary>, StoreError>;

    /// Requests waiting at `stage` inside `within`, oldest first.
    async fn registry_queue(
        &self,
        stage: Stage,
        within: &Scope,
        limit: u32,
    ) -> Result<Vec<RequestSummary>, StoreError>;

    /// A household with all its members, decrypted.
    async fn registry_household(&self, id: Uuid) -> Result<Option<StoredHousehold>, StoreError>;

    /// Members with this NIK inside `within` (through the blind index).
    async fn registry_search_nik(
        &self,
        nik: &Nik,
        within: &Scope,
    ) -> Result<Vec<SearchHit>, StoreError>;

    /// Members of households with this KK number inside `within`.
    async fn registry_search_kk(
        &self,
        kk: &KkNumber,
        within: &Scope,
    ) -> Result<Vec<SearchHit>, StoreError>;

    /// Members whose name key ([`tepat_domain::registry::name_key`]) starts with `prefix` (already a
    /// key), inside `within`, in name order, at most `limit` (capped at 100).
    async fn registry_search_name(
        &self,
        prefix: &str,
        within: &Scope,
        limit: u32,
    ) -> Result<Vec<SearchHit>, StoreError>;

    /// Active households inside `within` whose last verification is older than `verified_before` (or
    /// that were never verified), oldest first: (village, household id).
    async fn registry_due_for_reverification(
        &self,
        verified_before: DateTime<Utc>,
        within: &Scope,
        limit: u32,
    ) -> Result<Vec<(RegionCode, Uuid)>, StoreError>;

    /// Creates tasks that do not exist yet (not done); returns how many were new.
    async fn registry_add_tasks(
        &self,
        tasks: &[NewTask],
        audit: &AuditEntry,
    ) -> Result<u64, StoreError>;

    /// Turns the deaths and moves that the population import `run` wrote into tasks for the members of
    /// active households they concern (matched on the NIK blind index; nothing is decrypted).
    async fn registry_sync_population(
        &self,
        run: Uuid,
        audit: &AuditEntry,
    ) -> Result<PopulationSync, StoreError>;

    /// Tasks in `state` inside `within`, oldest first.
    async fn registry_tasks(
        &self,
        state: TaskState,
        within: &Scope,
        limit: u32,
    ) -> Result<Vec<Task>, StoreError>;

    /// Moves a task to `state` (done records who and when).
    async fn registry_set_task_state(
        &self,
        village: &RegionCode,
        id: Uuid,
        state: TaskState,
        by: Uuid,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// One task of `village`, in any state.
    async fn registry_task(
        &self,
        village: &RegionCode,
        id: Uuid,
    ) -> Result<Option<Task>, StoreError>;

    /// [`registry_propose`](Self::registry_propose) of a change request that does an open task's
    /// work (same village): the request is entered and the task marked done by the request's proposer
    /// in one transaction, each with its audit entry. [`StoreError::Conflict`] with nothing written when
    /// the request id is taken (`what` = `"request"`) or the task is not open any more (`"task"`).
    async fn registry_propose_for_task(
        &self,
        request: &Request,
        submission: &Submission,
        task: Uuid,
        audit: &AuditEntry,
        task_audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Remembers (or replaces) the decision on a pair.
    async fn registry_decide_duplicate(
        &self,
        decision: &DuplicateDecision,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// The decision on the pair, in either order.
    async fn registry_duplicate_decision(
        &self,
        a: Uuid,
        b: Uuid,
    ) -> Result<Option<DuplicateDecision>, StoreError>;

    /// Active members of proposed and active households, in key order after `after` (village, member
    /// id), at most `limit`: pages for building the duplicate-search index.
    async fn registry_linkage_rows(
        &self,
        after: Option<(RegionCode, Uuid)>,
        limit: u32,
    ) -> Result<Vec<LinkageRow>, StoreError>;
}

/// The half-open code range a scope covers: everything for [`Scope::All`] (codes are digits, and ':'
/// sorts after '9').
pub(crate) fn scope_range(scope: &Scope) -> (String, String) {
    match scope {
        Scope::All => (String::new(), ":".into()),
        Scope::Within(r) => crate::sql::code_range(r.plain()),
    }
}

/// The (low, high) order a pair is stored in.
pub(crate) fn ordered(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// Checks a name-search prefix: a name key of at least [`MIN_NAME_PREFIX`] characters.
pub(crate) fn check_prefix(prefix: &str) -> Result<(), StoreError> {
    let is_key = prefix
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' ');
    if is_key && prefix.len() >= MIN_NAME_PREFIX {
        Ok(())
    } else {
        Err(StoreError::SearchTooShort {
            min: MIN_NAME_PREFIX,
        })
    }
}

/// Shortest name prefix searched: one or two letters would list a large part of a regency.
pub const MIN_NAME_PREFIX: usize = 3;
