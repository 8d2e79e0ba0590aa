//! Entering requests (*usulan*) and moving them through *verifikasi dan validasi*.
//!
//! Each step takes the grant of its level: [`Propose`] to enter, [`VerifyInVillage`], [`ReviewInDistrict`],
//! [`VerifyAtDinas`] and [`Decide`] to act on a request at the stage where it is their turn. The grant must
//! cover the request's village (and, for a change, the household's), so an operator of one village
//! cannot touch another's requests even with a valid id. The approval applies the change in the same
//! transaction as the transition and its audit entry.

use tepat_domain::registry::{
    Change, ChangeKind, Event, FieldVisit, Request, Stage, Step, Submission, Who,
};
use tepat_store::{
    Advance, AuditAction, HouseholdState, ObjectKind, SaveHousehold, Store, StoreError,
    StoredHousehold, TaskKind, TaskState,
};
use uuid::Uuid;

use super::{audit_entry, Origin, RegistryError};
use crate::access::{
    Action, Decide, Grant, Propose, ReviewInDistrict, VerifyAtDinas, VerifyInVillage,
};

/// An action that is one level's step of the workflow.
pub trait StepAction: Action {
    const STEP: Step;
}

impl StepAction for VerifyInVillage {
    const STEP: Step = Step::Village;
}
impl StepAction for ReviewInDistrict {
    const STEP: Step = Step::District;
}
impl StepAction for VerifyAtDinas {
    const STEP: Step = Step::Dinas;
}
impl StepAction for Decide {
    const STEP: Step = Step::Decision;
}

fn who<A: Action>(grant: &Grant<'_, A>) -> Who {
    Who {
        user: grant.actor().user(),
        role: grant.actor().role(),
    }
}

/// Enters a new household (*usulan keluarga baru*). The household is stored as proposed; it enters the
/// registry when the request is approved.
pub async fn propose_household(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    household: tepat_domain::registry::RegistryHousehold,
    reason: &str,
    origin: &Origin,
) -> Result<Request, RegistryError> {
    grant.covers(&household.village)?;
    household.validate()?;
    let request = Request::propose(
        Uuid::now_v7(),
        ChangeKind::NewHousehold,
        household.id,
        household.village,
        who(grant),
        origin.now,
        reason,
    )?;
    let save = SaveHousehold {
        household: household.clone(),
        state: HouseholdState::Proposed,
        expected_version: None,
        verified: false,
    };
    let submission = Submission {
        change: Change::NewHousehold { household },
        field_visit: None,
    };
    let entry = audit_entry(
        grant,
        AuditAction::Propose,
        ObjectKind::Request,
        Some(request.id),
        Some(request.village),
        "workflow.propose",
        origin,
    );
    store
        .registry_propose(&request, &submission, Some(save), &entry)
        .await?;
    Ok(request)
}

/// A change request as an officer's form (or a task) sends it.
#[derive(Debug, Clone)]
pub struct ChangeProposal {
    /// The request's id, made by the client when the form is shown (a UUIDv7), so that a second
    /// submission of the same form finds the first request instead of entering another.
    pub id: Uuid,
    pub household: Uuid,
    pub change: Change,
    pub reason: String,
    /// The open task (of the same household) whose work this request does; it is closed in the same
    /// transaction as the request is entered.
    pub task: Option<Uuid>,
}

/// The request a proposal led to.
#[derive(Debug, Clone)]
pub struct Proposed {
    pub request: Request,
    /// The id had been entered before by the same officer for the same household: nothing new was
    /// written, and this is the request entered then.
    pub earlier: bool,
}

/// Enters a change request for an existing household (add or remove a member, a death, a move, a
/// survey update, a split, a merge, a phone number or a payment account). The change is checked
/// against the household now, and applied to it as it will be when approved.
///
/// Submitting twice enters nothing twice: the proposal's id is the request's primary key, so a repeat
/// (also after a restart, or two at once) answers with the request entered first ([`Proposed::earlier`]).
/// An id that is not a UUIDv7, or that names someone else's request or another household's, is refused
/// ([`RegistryError::RequestId`]).
pub async fn propose_change(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    proposal: ChangeProposal,
    origin: &Origin,
) -> Result<Proposed, RegistryError> {
    if let Some(request) = proposed_earlier(store, grant, proposal.household, proposal.id).await? {
        return Ok(Proposed {
            request,
            earlier: true,
        });
    }
    let ChangeProposal {
        id,
        household,
        change,
        reason,
        task,
    } = proposal;
    if matches!(change, Change::NewHousehold { .. }) {
        return Err(RegistryError::Mismatch);
    }
    let target = load_household(store, household).await?;
    grant.covers(&target.household.village)?;
    let other = load_other(store, &change).await?;
    if let Some(o) = &other {
        grant.covers(&o.household.village)?;
    }
    if let Some(task) = task {
        task_fits(store, &target, task, &change).await?;
    }
    change.apply(
        Some(target.household.clone()),
        other.map(|o| o.household),
        None,
    )?;
    let request = Request::propose(
        id,
        change.kind(),
        household,
        target.household.village,
        who(grant),
        origin.now,
        &reason,
    )?;
    let submission = Submission {
        change,
        field_visit: None,
    };
    let entry = audit_entry(
        grant,
        AuditAction::Propose,
        ObjectKind::Request,
        Some(request.id),
        Some(request.village),
        "workflow.propose_change",
        origin,
    );
    let written = match task {
        None => {
            store
                .registry_propose(&request, &submission, None, &entry)
                .await
        }
        Some(task) => {
            let closing = audit_entry(
                grant,
                AuditAction::Task,
                ObjectKind::Task,
                Some(task),
                Some(request.village),
                &format!("task.done_by:{}", request.id),
                origin,
            );
            store
                .registry_propose_for_task(&request, &submission, task, &entry, &closing)
                .await
        }
    };
    match written {
        Ok(()) => Ok(Proposed {
            request,
            earlier: false,
        }),
        // Two submissions of one form at the same moment: the other one entered it.
        Err(StoreError::Conflict { what: "request" }) => {
            match proposed_earlier(store, grant, household, id).await? {
                Some(request) => Ok(Proposed {
                    request,
                    earlier: true,
                }),
                None => Err(RegistryError::RequestId),
            }
        }
        Err(StoreError::Conflict { what: "task" }) => Err(RegistryError::TaskClosed),
        Err(e) => Err(e.into()),
    }
}

/// The request this officer entered earlier with `id` for `household`, if any. An id that is not a
/// UUIDv7, or is another officer's or another household's request, is [`RegistryError::RequestId`].
pub async fn proposed_earlier(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    household: Uuid,
    id: Uuid,
) -> Result<Option<Request>, RegistryError> {
    if id.get_version_num() != 7 {
        return Err(RegistryError::RequestId);
    }
    let Some(found) = store.registry_request(id).await? else {
        return Ok(None);
    };
    let request = found.request;
    let mine = request
        .history
        .first()
        .is_some_and(|t| t.by.user == grant.actor().user());
    if !mine || request.household != household || request.kind == ChangeKind::NewHousehold {
        return Err(RegistryError::RequestId);
    }
    grant.covers(&request.village)?;
    Ok(Some(request))
}

/// A task may be done by a request of its household that makes the change it calls for: a death of
/// its member, its member or the whole household moving, a new survey for a re-verification.
async fn task_fits(
    store: &dyn Store,
    target: &StoredHousehold,
    task: Uuid,
    change: &Change,
) -> Result<(), RegistryError> {
    let found = store
        .registry_task(&target.household.village, task)
        .await?
        .filter(|t| t.household == target.household.id)
        .ok_or(RegistryError::NotFound { what: "task" })?;
    if found.state != TaskState::Open {
        return Err(RegistryError::TaskClosed);
    }
    let fits = match (found.kind, change) {
        (TaskKind::Death, Change::Death { member, .. }) => found.member == Some(*member),
        (TaskKind::Moved, Change::MemberMovedOut { member }) => found.member == Some(*member),
        (TaskKind::Moved, Change::HouseholdMoved { .. }) => true,
        (TaskKind::Reverify, Change::SurveyUpdate { .. }) => true,
        _ => false,
    };
    if fits {
        Ok(())
    } else {
        Err(RegistryError::TaskMismatch)
    }
}

/// The village's field verification: the visit and what the surveyor found, kept with the request and
/// applied on approval.
pub async fn verify(
    store: &dyn Store,
    grant: &Grant<'_, VerifyInVillage>,
    request: Uuid,
    visit: FieldVisit,
    reason: &str,
    origin: &Origin,
) -> Result<Request, RegistryError> {
    let event = Event::Verify {
        visited_on: visit.visited_on,
    };
    advance(store, grant, request, event, Some(visit), reason, origin).await
}

/// The district's review.
pub async fn review(
    store: &dyn Store,
    grant: &Grant<'_, ReviewInDistrict>,
    request: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<Request, RegistryError> {
    advance(store, grant, request, Event::Review, None, reason, origin).await
}

/// Dinas Sosial's verification.
pub async fn verify_at_dinas(
    store: &dyn Store,
    grant: &Grant<'_, VerifyAtDinas>,
    request: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<Request, RegistryError> {
    advance(
        store,
        grant,
        request,
        Event::VerifyAtDinas,
        None,
        reason,
        origin,
    )
    .await
}

/// The approval: the change enters the registry.
pub async fn approve(
    store: &dyn Store,
    grant: &Grant<'_, Decide>,
    request: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<Request, RegistryError> {
    advance(store, grant, request, Event::Approve, None, reason, origin).await
}

/// Rejects the request at the stage where it is `A`'s turn.
pub async fn reject<A: StepAction>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    request: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<Request, RegistryError> {
    advance(store, grant, request, Event::Reject, None, reason, origin).await
}

/// Sends the request back one stage (something to complete or correct).
pub async fn send_back<A: StepAction>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    request: Uuid,
    reason: &str,
    origin: &Origin,
) -> Result<Request, RegistryError> {
    advance(store, grant, request, Event::Return, None, reason, origin).await
}

async fn advance<A: StepAction>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    id: Uuid,
    event: Event,
    visit: Option<FieldVisit>,
    reason: &str,
    origin: &Origin,
) -> Result<Request, RegistryError> {
    let stored = store
        .registry_request(id)
        .await?
        .ok_or(RegistryError::NotFound { what: "request" })?;
    let mut request = stored.request;
    grant.covers(&request.village)?;
    let transition = request.plan(A::STEP, event, who(grant), origin.now, reason)?;
    let mut submission = stored.submission;
    let changed = visit.is_some();
    if let Some(visit) = visit {
        submission.field_visit = Some(visit);
        // A survey naming a member who is not there would only fail at the approval, three levels
        // later: try the change with the visit now.
        dry_run(store, &request, &submission).await?;
    }
    let saves = effects(store, grant, &request, &submission, transition.to).await?;
    let entry = audit_entry(
        grant,
        AuditAction::Advance,
        ObjectKind::Request,
        Some(request.id),
        Some(request.village),
        event_purpose(event),
        origin,
    );
    store
        .registry_advance(
            Advance {
                request: &request,
                transition: &transition,
                submission: changed.then_some(&submission),
                saves,
            },
            &entry,
        )
        .await?;
    request.stage = transition.to;
    request.history.push(transition);
    Ok(request)
}

fn event_purpose(event: Event) -> &'static str {
    match event {
        Event::Verify { .. } => "workflow.verify",
        Event::Review => "workflow.review",
        Event::VerifyAtDinas => "workflow.verify_at_dinas",
        Event::Approve => "workflow.approve",
        Event::Reject => "workflow.reject",
        Event::Return => "workflow.return",
    }
}

/// The households a transition to `to` writes: on approval the change applied (with the field visit),
/// on rejection of a new household its closing; nothing otherwise.
async fn effects<A: StepAction>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    request: &Request,
    submission: &Submission,
    to: Stage,
) -> Result<Vec<SaveHousehold>, RegistryError> {
    let is_new = request.kind == ChangeKind::NewHousehold;
    match to {
        Stage::Approved => approval(store, grant, request, submission).await,
        Stage::Rejected if is_new => {
            let stored = load_household(store, request.household).await?;
            Ok(vec![SaveHousehold {
                household: stored.household,
                state: HouseholdState::Rejected,
                expected_version: Some(stored.version),
                verified: false,
            }])
        }
        _ => Ok(Vec::new()),
    }
}

async fn approval<A: StepAction>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    request: &Request,
    submission: &Submission,
) -> Result<Vec<SaveHousehold>, RegistryError> {
    let stored = load_household(store, request.household).await?;
    grant.covers(&stored.household.village)?;
    let is_new = request.kind == ChangeKind::NewHousehold;
    // A new household's stored row is the proposal; the change carries the household itself.
    let target = (!is_new).then(|| stored.household.clone());
    let other = load_other(store, &submission.change).await?;
    if let Some(o) = &other {
        grant.covers(&o.household.village)?;
    }
    let versions: Vec<(Uuid, i64)> = other
        .iter()
        .map(|o| (o.household.id, o.version))
        .chain([(stored.household.id, stored.version)])
        .collect();
    let version_of = |id: Uuid| versions.iter().find(|(h, _)| *h == id).map(|(_, v)| *v);
    let outcome = submission.change.apply(
        target,
        other.map(|o| o.household),
        submission.field_visit.as_ref(),
    )?;
    for h in &outcome.saved {
        grant.covers(&h.village)?;
    }
    let visited = submission.field_visit.is_some();
    // Closed (merged) households first: their members must leave before they join the target.
    let closed = outcome.closed.into_iter().map(|h| SaveHousehold {
        expected_version: version_of(h.id),
        household: h,
        state: HouseholdState::Merged,
        verified: false,
    });
    let saved = outcome.saved.into_iter().map(|h| SaveHousehold {
        expected_version: version_of(h.id),
        household: h,
        state: HouseholdState::Active,
        verified: visited,
    });
    Ok(closed.chain(saved).collect())
}

/// Applies the submission to the households as they are now, only to see that it can be applied.
async fn dry_run(
    store: &dyn Store,
    request: &Request,
    submission: &Submission,
) -> Result<(), RegistryError> {
    let target = match request.kind {
        ChangeKind::NewHousehold => None,
        _ => Some(load_household(store, request.household).await?.household),
    };
    let other = load_other(store, &submission.change).await?;
    submission.change.apply(
        target,
        other.map(|o| o.household),
        submission.field_visit.as_ref(),
    )?;
    Ok(())
}

async fn load_household(store: &dyn Store, id: Uuid) -> Result<StoredHousehold, RegistryError> {
    store
        .registry_household(id)
        .await?
        .ok_or(RegistryError::NotFound { what: "household" })
}

async fn load_other(
    store: &dyn Store,
    change: &Change,
) -> Result<Option<StoredHousehold>, RegistryError> {
    match change.other_household() {
        Some(id) => Ok(Some(load_household(store, id).await?)),
        None => Ok(None),
    }
}
