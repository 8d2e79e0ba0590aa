//! Keeping the registry current: households not verified for too long are flagged for
//! re-verification, and the population extract's deaths and moves become tasks for the officers.
//!
//! Tasks can be suspended: once targeting exists, a death or move will also suspend the household's
//! enrolments, and the task then waits (`suspended`) until the officer has dealt with them.

use chrono::Duration;
use tepat_domain::RegionCode;
use tepat_store::{
    AuditAction, NewTask, ObjectKind, PopulationSync, Store, Task, TaskKind, TaskState,
};
use uuid::Uuid;

use super::workflow::StepAction;
use super::workflow::{propose_change, ChangeProposal};
use super::{audit_entry, Origin, RegistryError};
use crate::access::{Action, Administer, FlagStale, Grant, Propose, VerifyAtDinas};
use tepat_domain::registry::{Change, Request};

/// How long a verification holds before the household is visited again, unless configured: the
/// national welfare data is updated at least once a year.
pub const DEFAULT_REVERIFICATION: Duration = Duration::days(365);

/// Most households flagged per call (the rest on the next run).
const FLAG_BATCH: u32 = 10_000;

/// Actions whose grant may flag households for re-verification: the scheduled job's own
/// ([`FlagStale`], through `Actor::system`) and a Dinas verifier's, in their scope.
pub trait FlagsStale: Action {}
impl FlagsStale for FlagStale {}
impl FlagsStale for VerifyAtDinas {}

/// Creates a re-verification task for every active household in the grant's scope whose last
/// verification is older than `period`; returns how many tasks are new.
pub async fn flag_for_reverification<A: FlagsStale>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    period: Duration,
    origin: &Origin,
) -> Result<u64, RegistryError> {
    let due = store
        .registry_due_for_reverification(origin.now - period, &grant.scope(), FLAG_BATCH)
        .await?;
    let tasks: Vec<NewTask> = due
        .into_iter()
        .map(|(village, household)| NewTask {
            village,
            household,
            member: None,
            kind: TaskKind::Reverify,
            source: "reverification".into(),
        })
        .collect();
    let entry = audit_entry(
        grant,
        AuditAction::Task,
        ObjectKind::Task,
        None,
        scope_region(grant.scope()),
        "upkeep.reverification",
        origin,
    );
    Ok(store.registry_add_tasks(&tasks, &entry).await?)
}

/// Turns the deaths and moves recorded by the population import `run` into tasks. Run after each import
/// by whoever runs imports (an administrator at the command line); it reads no personal data.
pub async fn sync_population(
    store: &dyn Store,
    grant: &Grant<'_, Administer>,
    run: Uuid,
    origin: &Origin,
) -> Result<PopulationSync, RegistryError> {
    let entry = audit_entry(
        grant,
        AuditAction::PopulationSync,
        ObjectKind::Registry,
        Some(run),
        None,
        "upkeep.population_sync",
        origin,
    );
    Ok(store.registry_sync_population(run, &entry).await?)
}

/// Tasks in `state` inside the grant's scope, oldest first.
pub async fn tasks<A: StepAction>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    state: TaskState,
    limit: u32,
) -> Result<Vec<Task>, RegistryError> {
    Ok(store.registry_tasks(state, &grant.scope(), limit).await?)
}

/// Moves a task (of a village inside the grant) to `state`.
pub async fn set_task_state<A: StepAction>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    village: &RegionCode,
    task: Uuid,
    state: TaskState,
    origin: &Origin,
) -> Result<(), RegistryError> {
    grant.covers(village)?;
    let entry = audit_entry(
        grant,
        AuditAction::Task,
        ObjectKind::Task,
        Some(task),
        Some(*village),
        "upkeep.task",
        origin,
    );
    store
        .registry_set_task_state(village, task, state, grant.actor().user(), &entry)
        .await
        .map_err(|e| match e {
            tepat_store::StoreError::NotFound { .. } => RegistryError::NotFound { what: "task" },
            other => other.into(),
        })
}

/// The change a task calls for, as far as the records say it: a death on the extract's date (reading
/// the extract is audited), its member moving out; `None` for a re-verification, whose survey only
/// the field visit can fill.
pub async fn suggested_change(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    task: &Task,
    origin: &Origin,
) -> Result<Option<Change>, RegistryError> {
    grant.covers(&task.village)?;
    if task.kind == TaskKind::Reverify {
        return Ok(None);
    }
    let member = task
        .member
        .ok_or(RegistryError::NotFound { what: "member" })?;
    if task.kind == TaskKind::Moved {
        return Ok(Some(Change::MemberMovedOut { member }));
    }
    let household = store
        .registry_household(task.household)
        .await?
        .ok_or(RegistryError::NotFound { what: "household" })?;
    let nik = household
        .household
        .member(member)
        .ok_or(RegistryError::NotFound { what: "member" })?
        .nik;
    let person = store.population_person_by_nik(&nik).await?;
    let entry = audit_entry(
        grant,
        AuditAction::Read,
        ObjectKind::Member,
        Some(member),
        Some(task.village),
        "upkeep.population_lookup",
        origin,
    );
    store.audit_record(&entry).await?;
    let date = person
        .and_then(|p| p.record.death_date)
        .ok_or(RegistryError::NotFound { what: "death" })?;
    Ok(Some(Change::Death { member, date }))
}

/// One task of `village` inside the grant (in any state).
pub async fn open_task(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    village: &RegionCode,
    id: Uuid,
) -> Result<Task, RegistryError> {
    grant.covers(village)?;
    store
        .registry_task(village, id)
        .await?
        .ok_or(RegistryError::NotFound { what: "task" })
}

/// Turns a `death` or `moved` task into the change request it calls for (a death on the extract's
/// date, or the member moving out), ready for the village's verification, and closes the task in the
/// same transaction (the request's history is the rest of the story).
pub async fn propose_from_task(
    store: &dyn Store,
    grant: &Grant<'_, Propose>,
    task: &Task,
    origin: &Origin,
) -> Result<Request, RegistryError> {
    let change = suggested_change(store, grant, task, origin)
        .await?
        .ok_or(RegistryError::TaskMismatch)?;
    let reason = match task.kind {
        TaskKind::Death => "data kependudukan mencatat kematian",
        _ => "data kependudukan mencatat pindah",
    };
    let proposal = ChangeProposal {
        id: Uuid::now_v7(),
        household: task.household,
        change,
        reason: reason.into(),
        task: Some(task.id),
    };
    Ok(propose_change(store, grant, proposal, origin)
        .await?
        .request)
}

fn scope_region(scope: tepat_domain::Scope) -> Option<RegionCode> {
    match scope {
        tepat_domain::Scope::Within(r) => Some(r),
        tepat_domain::Scope::All => None,
    }
}
