//! Offline field entry (*entri lapangan luring*): records a village operator made on a phone without
//! signal, each with an id the phone generated (a UUIDv7), sent when the phone is back online.
//!
//! The phone's id becomes the id of the request it creates, so the registry's own primary key makes
//! every record count once: a retry, a second sync of the same outbox or two syncs at the same time
//! find the request already there and get [`Outcome::Duplicate`]. The request, its household and its
//! audit entry are written in one transaction, so nothing is half-written, and nothing beside the
//! registry needs to remember which ids were seen (a server restart changes nothing).
//!
//! Every record goes through the operator's [`Propose`] grant for the record's village, and a new
//! household through [`check_household`]: a record with a problem (invalid NIK, someone who died,
//! someone already registered) is refused with the findings, so the operator can fix it and send it
//! again under the same id. A survey carries the household's answers and each member's (sector,
//! disability, chronic illness, pregnancy, school level), checked per member like the online form's,
//! and enters through [`registry::propose_change`] as the online form does: naming the household's open
//! re-verification task closes it in the same transaction. See `docs/registry.md`, section "Offline
//! field entry".

use tepat_domain::registry::{Change, ChangeKind, RegistryHousehold, Request, SurveyAnswers, Who};
use tepat_domain::survey::{HouseholdSurvey, MemberSurvey};
use tepat_domain::{KnownRegions, Lang, Localized};
use tepat_store::{AuditAction, HouseholdState, ObjectKind, SaveHousehold, Store, StoreError};
use uuid::Uuid;

use crate::access::{Actor, Denied, Propose};
use crate::registry::{
    self, audit_entry, check_household, ChangeProposal, Finding, Origin, RegistryError, Severity,
};

/// At most this many records in one sync; a phone with more sends them in several batches.
pub const MAX_BATCH: usize = 50;

/// One record of the phone's outbox.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Made by the phone; becomes the request's id.
    pub client_id: Uuid,
    pub record: Record,
}

/// What the operator entered.
#[derive(Debug, Clone)]
pub enum Record {
    /// A proposal of a new household (*usulan keluarga baru*).
    NewHousehold {
        household: RegistryHousehold,
        reason: String,
    },
    /// A needs survey of a household already known (*pemutakhiran survei*).
    SurveyUpdate {
        household: Uuid,
        survey: HouseholdSurvey,
        /// Answers of (some of) the household's active members, by member id.
        members: Vec<(Uuid, MemberSurvey)>,
        /// The household's open re-verification task this survey does (closed with it).
        task: Option<Uuid>,
        reason: String,
    },
}

/// The answer for one record.
#[derive(Debug)]
pub enum Outcome {
    /// Entered now as request `request` (the record's own id).
    Accepted { request: Uuid },
    /// Entered before, by an earlier sync of the same record.
    Duplicate { request: Uuid },
    /// Not entered; the phone keeps the record so the operator can fix or discard it.
    Rejected(Rejection),
}

/// Why a record was not entered.
#[derive(Debug)]
pub enum Rejection {
    /// The id is not a UUIDv7.
    BadId,
    /// The id belongs to a request someone else entered.
    IdTaken,
    /// Checks found problems the operator must fix first.
    Checks(Vec<Finding>),
    /// Refused by the workflow, the record's rules or the grant.
    Registry(RegistryError),
}

impl Rejection {
    /// Stable codes for the phone (one per finding for [`Rejection::Checks`]).
    pub fn codes(&self) -> Vec<&'static str> {
        match self {
            Rejection::BadId => vec!["bad_id"],
            Rejection::IdTaken => vec!["id_taken"],
            Rejection::Checks(found) => found.iter().map(Finding::code).collect(),
            Rejection::Registry(e) => vec![e.code()],
        }
    }

    /// What was wrong, in the operator's language, one message per code.
    pub fn messages(&self, lang: Lang) -> Vec<String> {
        match (self, lang) {
            (Rejection::BadId, Lang::Id) => {
                vec!["id catatan tidak sah; hapus catatan ini lalu isi ulang".into()]
            }
            (Rejection::BadId, Lang::En) => {
                vec!["the record's id is not valid; discard it and enter it again".into()]
            }
            (Rejection::IdTaken, Lang::Id) => {
                vec![
                    "id catatan ini sudah dipakai data lain; hapus catatan ini lalu isi ulang"
                        .into(),
                ]
            }
            (Rejection::IdTaken, Lang::En) => {
                vec!["this record's id is used by other data; discard it and enter it again".into()]
            }
            (Rejection::Checks(found), _) => found.iter().map(|f| f.message(lang)).collect(),
            (Rejection::Registry(e), _) => vec![e.message(lang)],
        }
    }
}

/// Enters one record as `actor`. `Err` only when the database failed (nothing of this record was
/// written; the phone tries again later); every refusal is an [`Outcome::Rejected`].
pub async fn submit(
    store: &dyn Store,
    actor: &Actor,
    regions: &impl KnownRegions,
    entry: Entry,
    origin: &Origin,
) -> Result<Outcome, StoreError> {
    if entry.client_id.get_version_num() != 7 {
        return Ok(Outcome::Rejected(Rejection::BadId));
    }
    if let Some(done) = earlier(store, actor, entry.client_id).await? {
        return Ok(done);
    }
    let id = entry.client_id;
    let attempt = match entry.record {
        Record::NewHousehold { household, reason } => {
            new_household(store, actor, regions, id, household, &reason, origin).await
        }
        Record::SurveyUpdate {
            household,
            survey,
            members,
            task,
            reason,
        } => {
            let answers = SurveyAnswers {
                household: Some(survey),
                members,
            };
            survey_update(store, actor, id, household, answers, task, reason, origin).await
        }
    };
    match attempt {
        Ok(()) => Ok(Outcome::Accepted { request: id }),
        Err(Rejection::Registry(RegistryError::Store(StoreError::Conflict { .. }))) => {
            // Another sync of the same record got there first (or the household id is taken).
            match earlier(store, actor, id).await? {
                Some(done) => Ok(done),
                None => Ok(Outcome::Rejected(Rejection::IdTaken)),
            }
        }
        Err(Rejection::Registry(RegistryError::Store(e))) => Err(e),
        Err(other) => Ok(Outcome::Rejected(other)),
    }
}

/// The answer for an id entered before: a duplicate of this actor's own record, or someone else's id.
async fn earlier(
    store: &dyn Store,
    actor: &Actor,
    id: Uuid,
) -> Result<Option<Outcome>, StoreError> {
    let Some(found) = store.registry_request(id).await? else {
        return Ok(None);
    };
    let mine = found
        .request
        .history
        .first()
        .is_some_and(|t| t.by.user == actor.user());
    Ok(Some(if mine {
        Outcome::Duplicate { request: id }
    } else {
        Outcome::Rejected(Rejection::IdTaken)
    }))
}

fn who(actor: &Actor) -> Who {
    Who {
        user: actor.user(),
        role: actor.role(),
    }
}

fn denied(e: Denied) -> Rejection {
    Rejection::Registry(RegistryError::Denied(e))
}

async fn new_household(
    store: &dyn Store,
    actor: &Actor,
    regions: &impl KnownRegions,
    id: Uuid,
    household: RegistryHousehold,
    reason: &str,
    origin: &Origin,
) -> Result<(), Rejection> {
    let grant = actor.may::<Propose>(&household.village).map_err(denied)?;
    household
        .validate()
        .map_err(|e| Rejection::Registry(e.into()))?;
    let found = check_household(store, &grant, &household, regions, None, origin)
        .await
        .map_err(Rejection::Registry)?;
    let problems: Vec<Finding> = found
        .into_iter()
        .filter(|f| f.severity() == Severity::Problem)
        .collect();
    if !problems.is_empty() {
        return Err(Rejection::Checks(problems));
    }
    let request = Request::propose(
        id,
        ChangeKind::NewHousehold,
        household.id,
        household.village,
        who(actor),
        origin.now,
        reason,
    )
    .map_err(|e| Rejection::Registry(e.into()))?;
    let save = SaveHousehold {
        household: household.clone(),
        state: HouseholdState::Proposed,
        expected_version: None,
        verified: false,
    };
    let submission = tepat_domain::registry::Submission {
        change: Change::NewHousehold { household },
        field_visit: None,
    };
    let entry = audit_entry(
        &grant,
        AuditAction::Propose,
        ObjectKind::Request,
        Some(request.id),
        Some(request.village),
        "offline.propose",
        origin,
    );
    store
        .registry_propose(&request, &submission, Some(save), &entry)
        .await
        .map_err(|e| Rejection::Registry(e.into()))
}

/// A survey entered as the online form enters it (the same checks, the same task closing).
#[allow(clippy::too_many_arguments)]
async fn survey_update(
    store: &dyn Store,
    actor: &Actor,
    id: Uuid,
    household: Uuid,
    survey: SurveyAnswers,
    task: Option<Uuid>,
    reason: String,
    origin: &Origin,
) -> Result<(), Rejection> {
    let target = store
        .registry_household(household)
        .await
        .map_err(|e| Rejection::Registry(e.into()))?
        .ok_or(Rejection::Registry(RegistryError::NotFound {
            what: "household",
        }))?;
    let grant = actor
        .may::<Propose>(&target.household.village)
        .map_err(denied)?;
    let proposal = ChangeProposal {
        id,
        household,
        change: Change::SurveyUpdate { survey },
        reason,
        task,
    };
    let proposed = registry::propose_change(store, &grant, proposal, origin)
        .await
        .map_err(|e| match e {
            // Entered by someone else, or for another household: the phone must not reuse the id.
            RegistryError::RequestId => Rejection::IdTaken,
            e => Rejection::Registry(e),
        })?;
    if proposed.earlier {
        // `submit` answers a repeat before getting here; a concurrent sync of the same record won.
        return Err(Rejection::Registry(RegistryError::Store(
            StoreError::Conflict { what: "request" },
        )));
    }
    Ok(())
}
