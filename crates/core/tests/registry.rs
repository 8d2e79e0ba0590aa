//! The registry services on every backend: the whole workflow through each level's grant, and the
//! refusals an operator of village A meets when they reach for village B's records.

use chrono::{Duration, NaiveDate};
use tepat_core::access::{
    Actor, Administer, Decide, Denied, Propose, ReadAudit, ReadHousehold, ReviewInDistrict,
    SearchRegistry, VerifyAtDinas, VerifyInVillage,
};
use tepat_core::registry::{self, ChangeProposal, Origin, RegistryError};
use tepat_domain::registry::{
    Change, FieldVisit, MemberStatus, RegistryHousehold, Stage, SurveyAnswers, WorkflowError,
};
use tepat_domain::survey::{Disability, MemberSurvey, SchoolLevel, Sector};
use tepat_domain::{Lang, Localized, RegionCode, Role, Scope};
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    AuditAction, AuditFilter, HouseholdState, ImportMeta, ImportSummaryForRun, PopulationRecord,
    Store, TaskKind, TaskState,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    a_household_goes_from_proposal_to_the_registry_through_every_level,
    an_operator_of_village_a_cannot_touch_village_b,
    levels_act_only_in_their_turn_and_a_rejection_closes_the_proposal,
    a_change_request_applies_only_when_approved,
    a_change_sent_twice_is_entered_once_also_after_a_restart,
    a_task_is_closed_only_by_a_request_that_does_its_work,
    stale_households_are_flagged_and_population_changes_become_tasks,
    auditors_read_the_log_inside_their_scope_and_reads_are_audited,
);

const VILLAGE_A: &str = "19.02.01.1001";
const VILLAGE_B: &str = "19.02.01.1002";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn actor(role: Role, scope: &str) -> Actor {
    let scope = if scope == "*" {
        Scope::All
    } else {
        Scope::Within(code(scope))
    };
    Actor::for_tests(role, scope)
}

/// A change request with a fresh id, as a form shown just now would send it.
fn proposal(household: Uuid, change: Change) -> ChangeProposal {
    ChangeProposal {
        id: Uuid::now_v7(),
        household,
        change,
        reason: "dilaporkan".into(),
        task: None,
    }
}

fn origin() -> Origin {
    Origin::now(Some("10.1.2.3:5000".into()))
}

fn household(village: &str, first_serial: u16) -> RegistryHousehold {
    sample::registry_household(&sample::households(village, 1, 3, first_serial))
}

fn visit(h: &RegistryHousehold) -> FieldVisit {
    FieldVisit {
        visited_on: origin().now.date_naive(),
        survey: SurveyAnswers {
            household: None,
            members: vec![(
                h.members[0].id,
                MemberSurvey {
                    sector: Sector::Nelayan,
                    disability: Disability::Tidak,
                    chronic_illness: true,
                    pregnant: false,
                    school_level: SchoolLevel::TidakSekolah,
                },
            )],
        },
        location: None,
    }
}

/// The officers of one regency: village A's and B's operators, the district's, Dinas Sosial's.
struct Officers {
    village_a: Actor,
    village_b: Actor,
    district: Actor,
    verifier: Actor,
    approver: Actor,
}

fn officers() -> Officers {
    Officers {
        village_a: actor(Role::VillageOperator, VILLAGE_A),
        village_b: actor(Role::VillageOperator, VILLAGE_B),
        district: actor(Role::DistrictOperator, "19.02.01"),
        verifier: actor(Role::Verifier, "19.02"),
        approver: actor(Role::Approver, "19.02"),
    }
}

/// Proposes `h` in its village and takes it to approval.
async fn register(store: &dyn Store, o: &Officers, h: &RegistryHousehold) -> Uuid {
    let v = h.village;
    let op = if v == code(VILLAGE_A) {
        &o.village_a
    } else {
        &o.village_b
    };
    let p = op.may::<Propose>(&v).unwrap();
    let r = registry::propose_household(store, &p, h.clone(), "usulan warga", &origin())
        .await
        .unwrap();
    let g = op.may::<VerifyInVillage>(&v).unwrap();
    registry::verify(store, &g, r.id, visit(h), "sudah dikunjungi", &origin())
        .await
        .unwrap();
    let g = o.district.may_anywhere::<ReviewInDistrict>().unwrap();
    registry::review(store, &g, r.id, "lengkap", &origin())
        .await
        .unwrap();
    let g = o.verifier.may_anywhere::<VerifyAtDinas>().unwrap();
    registry::verify_at_dinas(store, &g, r.id, "sesuai data", &origin())
        .await
        .unwrap();
    let g = o.approver.may_anywhere::<Decide>().unwrap();
    registry::approve(store, &g, r.id, "layak", &origin())
        .await
        .unwrap();
    r.id
}

async fn a_household_goes_from_proposal_to_the_registry_through_every_level(db: TestDb) {
    let store = db.store.as_ref();
    let o = officers();
    let h = household(VILLAGE_A, 10);
    let id = register(store, &o, &h).await;

    let reader = o.village_a.may::<ReadHousehold>(&code(VILLAGE_A)).unwrap();
    let (stored, requests) =
        registry::open_household(store, &reader, h.id, "household_page", &origin())
            .await
            .unwrap();
    assert_eq!(stored.state, HouseholdState::Active);
    assert!(stored.verified_at.is_some());
    assert!(
        stored.household.members[0]
            .survey
            .as_ref()
            .unwrap()
            .chronic_illness,
        "the field survey was applied"
    );
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].stage, Stage::Approved);

    let request = registry::open_request(store, &reader, id, &origin())
        .await
        .unwrap();
    let roles: Vec<Role> = request.request.history.iter().map(|t| t.by.role).collect();
    assert_eq!(
        roles,
        [
            Role::VillageOperator,
            Role::VillageOperator,
            Role::DistrictOperator,
            Role::Verifier,
            Role::Approver
        ]
    );
    assert_eq!(request.request.history[4].reason, "layak");
    assert_eq!(request.request.history[4].by.user, o.approver.user());

    // Search: by NIK, by KK number, by name; each search audited without its terms.
    let s = o.village_a.may_anywhere::<SearchRegistry>().unwrap();
    let hits = registry::search(store, &s, h.members[1].nik.digits(), &origin())
        .await
        .unwrap();
    assert_eq!(hits.len(), 1);
    let nik = h.members[1].nik.digits();
    assert_eq!(
        hits[0].nik_masked,
        format!("{}******{}", &nik[..6], &nik[12..])
    );
    assert!(!format!("{:?}", hits[0]).contains(&nik[6..]));
    let hits = registry::search(store, &s, h.kk_number.digits(), &origin())
        .await
        .unwrap();
    assert_eq!(hits.len(), 3);
    let hits = registry::search(store, &s, "WARGA nomor 1", &origin())
        .await
        .unwrap();
    assert!(hits.iter().any(|x| x.member == h.members[0].id));
    assert!(matches!(
        registry::search(store, &s, "wa", &origin()).await,
        Err(RegistryError::Query)
    ));
    let head = store.audit_head().await.unwrap();
    assert!(store.audit_verify().await.unwrap().is_intact());
    // 5 workflow steps, 2 reads, 3 searches (the refused one wrote nothing).
    assert_eq!(head.count, 10);
}

async fn an_operator_of_village_a_cannot_touch_village_b(db: TestDb) {
    let store = db.store.as_ref();
    let o = officers();
    let hb = household(VILLAGE_B, 20);
    let id_b = register(store, &o, &hb).await;
    let pending_b = household(VILLAGE_B, 30);
    let p = o.village_b.may::<Propose>(&code(VILLAGE_B)).unwrap();
    let pending = registry::propose_household(store, &p, pending_b.clone(), "usulan", &origin())
        .await
        .unwrap();
    let head = store.audit_head().await.unwrap();

    // The grant check itself refuses village B to A's operator.
    assert!(matches!(
        o.village_a.may::<Propose>(&code(VILLAGE_B)),
        Err(Denied::Region { .. })
    ));
    // With a grant for their own village, every service still refuses B's records.
    let a = code(VILLAGE_A);
    let propose = o.village_a.may::<Propose>(&a).unwrap();
    let read = o.village_a.may::<ReadHousehold>(&a).unwrap();
    let verify = o.village_a.may::<VerifyInVillage>(&a).unwrap();
    let search = o.village_a.may_anywhere::<SearchRegistry>().unwrap();
    let denied = |r: Result<_, RegistryError>| {
        matches!(r, Err(RegistryError::Denied(Denied::Region { .. })))
    };

    assert!(denied(
        registry::propose_household(store, &propose, household(VILLAGE_B, 40), "x", &origin())
            .await
            .map(|_| ())
    ));
    let death = Change::Death {
        member: hb.members[2].id,
        date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    };
    assert!(denied(
        registry::propose_change(store, &propose, proposal(hb.id, death), &origin())
            .await
            .map(|_| ())
    ));
    assert!(denied(
        registry::open_household(store, &read, hb.id, "household_page", &origin())
            .await
            .map(|_| ())
    ));
    assert!(denied(
        registry::open_request(store, &read, id_b, &origin())
            .await
            .map(|_| ())
    ));
    assert!(denied(
        registry::verify(
            store,
            &verify,
            pending.id,
            visit(&pending_b),
            "x",
            &origin()
        )
        .await
        .map(|_| ())
    ));
    assert!(denied(
        registry::reject(store, &verify, pending.id, "x", &origin())
            .await
            .map(|_| ())
    ));
    assert!(
        registry::search(store, &search, hb.members[0].nik.digits(), &origin())
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        registry::search(store, &search, hb.kk_number.digits(), &origin())
            .await
            .unwrap()
            .is_empty()
    );
    let queue = registry::queue(store, &verify, 10).await.unwrap();
    assert!(queue.is_empty(), "B's proposal is not in A's queue");
    // A district operator of another kecamatan cannot review B's requests either.
    let other_district = actor(Role::DistrictOperator, "19.02.02");
    let g = other_district.may_anywhere::<ReviewInDistrict>().unwrap();
    assert!(denied(
        registry::review(store, &g, pending.id, "x", &origin())
            .await
            .map(|_| ())
    ));

    // Nothing changed: B's proposal still waits, and only A's two searches were audited.
    let still = store.registry_request(pending.id).await.unwrap().unwrap();
    assert_eq!(still.request.stage, Stage::Proposed);
    assert_eq!(store.audit_head().await.unwrap().count, head.count + 2);
    let err = registry::open_household(store, &read, hb.id, "household_page", &origin())
        .await
        .unwrap_err();
    assert!(err.message(Lang::Id).contains("di luar wilayah kerja"));
}

async fn levels_act_only_in_their_turn_and_a_rejection_closes_the_proposal(db: TestDb) {
    let store = db.store.as_ref();
    let o = officers();
    let h = household(VILLAGE_A, 50);
    let p = o.village_a.may::<Propose>(&code(VILLAGE_A)).unwrap();
    let r = registry::propose_household(store, &p, h.clone(), "usulan", &origin())
        .await
        .unwrap();
    let g = o.approver.may_anywhere::<Decide>().unwrap();
    let err = registry::approve(store, &g, r.id, "langsung", &origin())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        RegistryError::Workflow(WorkflowError::NotYourTurn { .. })
    ));
    assert_eq!(err.code(), "not_your_turn");

    let v = o
        .village_a
        .may::<VerifyInVillage>(&code(VILLAGE_A))
        .unwrap();
    // A survey of somebody who is not a member is refused at the verification, not at the approval.
    let mut wrong = visit(&h);
    wrong.survey.members[0].0 = Uuid::now_v7();
    let err = registry::verify(store, &v, r.id, wrong, "dikunjungi", &origin())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_member");
    let err = registry::reject(store, &v, r.id, " ", &origin())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        RegistryError::Workflow(WorkflowError::ReasonMissing)
    ));
    registry::reject(store, &v, r.id, "rumah tidak ditemukan", &origin())
        .await
        .unwrap();
    let stored = store.registry_household(h.id).await.unwrap().unwrap();
    assert_eq!(stored.state, HouseholdState::Rejected);
    let err = registry::verify(store, &v, r.id, visit(&h), "x", &origin())
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        RegistryError::Workflow(WorkflowError::Closed {
            stage: Stage::Rejected
        })
    ));
    assert!(registry::search(
        store,
        &o.village_a.may_anywhere::<SearchRegistry>().unwrap(),
        "warga nomor 5",
        &origin()
    )
    .await
    .unwrap()
    .iter()
    .all(|hit| hit.household_state == HouseholdState::Rejected));
}

async fn a_change_request_applies_only_when_approved(db: TestDb) {
    let store = db.store.as_ref();
    let o = officers();
    let h = household(VILLAGE_A, 60);
    register(store, &o, &h).await;
    let child = h.members[2].id;
    let date = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let p = o.village_a.may::<Propose>(&code(VILLAGE_A)).unwrap();
    // A change that cannot apply is refused at entry.
    let bad = Change::Death {
        member: Uuid::now_v7(),
        date,
    };
    assert!(matches!(
        registry::propose_change(store, &p, proposal(h.id, bad), &origin()).await,
        Err(RegistryError::Change(_))
    ));
    let death = proposal(
        h.id,
        Change::Death {
            member: child,
            date,
        },
    );
    let r = registry::propose_change(store, &p, death, &origin())
        .await
        .unwrap()
        .request;
    let before = store.registry_household(h.id).await.unwrap().unwrap();
    assert_eq!(
        before.household.member(child).unwrap().status,
        MemberStatus::Active
    );

    let v = o
        .village_a
        .may::<VerifyInVillage>(&code(VILLAGE_A))
        .unwrap();
    registry::verify(store, &v, r.id, visit(&h), "dikunjungi", &origin())
        .await
        .unwrap();
    let g = o.district.may_anywhere::<ReviewInDistrict>().unwrap();
    registry::review(store, &g, r.id, "ok", &origin())
        .await
        .unwrap();
    // Dinas sends it back once; the district reviews again.
    let d = o.verifier.may_anywhere::<VerifyAtDinas>().unwrap();
    registry::send_back(store, &d, r.id, "akta kematian belum ada", &origin())
        .await
        .unwrap();
    registry::review(store, &g, r.id, "akta dilampirkan", &origin())
        .await
        .unwrap();
    registry::verify_at_dinas(store, &d, r.id, "ok", &origin())
        .await
        .unwrap();
    let a = o.approver.may_anywhere::<Decide>().unwrap();
    let done = registry::approve(store, &a, r.id, "disetujui", &origin())
        .await
        .unwrap();
    assert_eq!(done.stage, Stage::Approved);
    assert_eq!(done.history.len(), 7);
    let after = store.registry_household(h.id).await.unwrap().unwrap();
    assert_eq!(
        after.household.member(child).unwrap().status,
        MemberStatus::Deceased(date)
    );
    assert_eq!(after.version, before.version + 1);
}

async fn import(store: &dyn Store, rows: Vec<PopulationRecord>) -> Uuid {
    let mut import = store
        .begin_population_import(ImportMeta {
            source_name: "penduduk.csv".into(),
        })
        .await
        .unwrap();
    let n = rows.len() as u64;
    import.write_batch(&rows).await.unwrap();
    import
        .finish(ImportSummaryForRun {
            rows_read: n,
            rows_valid: n,
            rows_rejected: 0,
            source_sha256: None,
        })
        .await
        .unwrap()
        .id
}

async fn stale_households_are_flagged_and_population_changes_become_tasks(db: TestDb) {
    let store = db.store.as_ref();
    let o = officers();
    let records = sample::households(VILLAGE_A, 1, 3, 70);
    import(store, records.clone()).await;
    let h = sample::registry_household(&records);
    register(store, &o, &h).await;

    let d = o.verifier.may_anywhere::<VerifyAtDinas>().unwrap();
    let period = Duration::days(365);
    assert_eq!(
        registry::flag_for_reverification(store, &d, period, &origin())
            .await
            .unwrap(),
        0
    );
    let a_year_on = Origin {
        now: origin().now + Duration::days(366),
        client: None,
    };
    assert_eq!(
        registry::flag_for_reverification(store, &d, period, &a_year_on)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        registry::flag_for_reverification(store, &d, period, &a_year_on)
            .await
            .unwrap(),
        0
    );

    let mut next = records.clone();
    next[1].death_date = NaiveDate::from_ymd_opt(2026, 11, 20);
    let run = import(store, next).await;
    let admin = Actor::local_admin();
    let g = admin.may_anywhere::<Administer>().unwrap();
    let sync = registry::sync_population(store, &g, run, &origin())
        .await
        .unwrap();
    assert_eq!((sync.deaths, sync.moves), (1, 0));

    let v = o
        .village_a
        .may::<VerifyInVillage>(&code(VILLAGE_A))
        .unwrap();
    let open = registry::tasks(store, &v, TaskState::Open, 10)
        .await
        .unwrap();
    let kinds: Vec<_> = open.iter().map(|t| t.kind).collect();
    assert!(kinds.contains(&TaskKind::Reverify) && kinds.contains(&TaskKind::Death));
    let death = open.iter().find(|t| t.kind == TaskKind::Death).unwrap();
    assert_eq!(death.member, Some(h.members[1].id));
    // Village B's operator sees none of them and cannot close them.
    let vb = o
        .village_b
        .may::<VerifyInVillage>(&code(VILLAGE_B))
        .unwrap();
    assert!(registry::tasks(store, &vb, TaskState::Open, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        registry::set_task_state(
            store,
            &vb,
            &death.village,
            death.id,
            TaskState::Done,
            &origin()
        )
        .await,
        Err(RegistryError::Denied(_))
    ));
    // The task becomes the death's change request, dated as the extract says.
    let p = o.village_a.may::<Propose>(&code(VILLAGE_A)).unwrap();
    let request = registry::propose_from_task(store, &p, death, &origin())
        .await
        .unwrap();
    let stored = store.registry_request(request.id).await.unwrap().unwrap();
    assert_eq!(
        stored.submission.change,
        Change::Death {
            member: h.members[1].id,
            date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
        }
    );
    // ... and is done, closed in the same transaction by the officer who entered the request.
    let task = store
        .registry_task(&death.village, death.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(task.state, TaskState::Done);
    assert_eq!(task.closed_by, Some(o.village_a.user()));
    let pb = o.village_b.may::<Propose>(&code(VILLAGE_B)).unwrap();
    assert!(matches!(
        registry::propose_from_task(store, &pb, death, &origin()).await,
        Err(RegistryError::Denied(_))
    ));
    // A second request for the done task is refused, and enters nothing.
    let before = store.registry_requests_of_household(h.id).await.unwrap();
    assert!(matches!(
        registry::propose_from_task(store, &p, death, &origin()).await,
        Err(RegistryError::TaskClosed)
    ));
    assert_eq!(
        store
            .registry_requests_of_household(h.id)
            .await
            .unwrap()
            .len(),
        before.len()
    );
    let reverify = open.iter().find(|t| t.kind == TaskKind::Reverify).unwrap();
    registry::set_task_state(
        store,
        &v,
        &reverify.village,
        reverify.id,
        TaskState::Suspended,
        &origin(),
    )
    .await
    .unwrap();
    let suspended = registry::tasks(store, &v, TaskState::Suspended, 10)
        .await
        .unwrap();
    assert_eq!(suspended.len(), 1);
}

async fn auditors_read_the_log_inside_their_scope_and_reads_are_audited(db: TestDb) {
    let store = db.store.as_ref();
    let o = officers();
    let h = household(VILLAGE_A, 80);
    register(store, &o, &h).await;
    let reader = o.village_a.may::<ReadHousehold>(&code(VILLAGE_A)).unwrap();
    registry::open_household(store, &reader, h.id, "household_page", &origin())
        .await
        .unwrap();

    let district_auditor = actor(Role::Auditor, "19.02.01");
    let g = district_auditor.may_anywhere::<ReadAudit>().unwrap();
    let filter = AuditFilter {
        within: Scope::Within(code("19.02.01")),
        actor: Some(o.village_a.user()),
        object_id: None,
        before_seq: None,
        limit: 50,
    };
    let entries = tepat_core::audit::query(store, &g, &filter, &origin())
        .await
        .unwrap();
    assert_eq!(entries.len(), 3, "A's proposal, verification and read");
    assert_eq!(entries[0].entry.action, AuditAction::Read);
    assert_eq!(entries[0].entry.object_id, Some(h.id));
    assert_eq!(entries[0].entry.client.as_deref(), Some("10.1.2.3:5000"));
    // Wider than the auditor's scope: refused; and the whole-chain check needs a regency-wide grant.
    let wide = AuditFilter {
        within: Scope::All,
        ..filter.clone()
    };
    assert!(matches!(
        tepat_core::audit::query(store, &g, &wide, &origin()).await,
        Err(RegistryError::Denied(_))
    ));
    assert!(tepat_core::audit::verify(store, &g, &origin())
        .await
        .is_err());
    let chief = actor(Role::Auditor, "*");
    let g = chief.may_anywhere::<ReadAudit>().unwrap();
    let check = tepat_core::audit::verify(store, &g, &origin())
        .await
        .unwrap();
    assert!(check.is_intact());
    let head = tepat_core::audit::head(store).await.unwrap();
    assert_eq!(
        head.count,
        check.checked + 1,
        "the verification was audited too"
    );
    // Village operators may not read the audit log at all.
    assert!(o.village_a.may_anywhere::<ReadAudit>().is_err());
}

async fn a_change_sent_twice_is_entered_once_also_after_a_restart(db: TestDb) {
    let store = db.store.as_ref();
    let o = officers();
    let h = household(VILLAGE_A, 80);
    register(store, &o, &h).await;
    let p = o.village_a.may::<Propose>(&code(VILLAGE_A)).unwrap();
    let phone = Change::MemberPhone {
        member: h.members[1].id,
        phone: tepat_domain::registry::Phone::parse("081234567890").unwrap(),
    };
    let form = proposal(h.id, phone);
    let first = registry::propose_change(store, &p, form.clone(), &origin())
        .await
        .unwrap();
    assert!(!first.earlier);
    assert_eq!(first.request.id, form.id);
    let again = registry::propose_change(store, &p, form.clone(), &origin())
        .await
        .unwrap();
    assert!(again.earlier);
    assert_eq!(again.request.id, form.id);
    // A restart: the store opened again finds the request by its id.
    let reopened = db.reopen().await;
    let after = registry::propose_change(reopened.as_ref(), &p, form.clone(), &origin())
        .await
        .unwrap();
    assert!(after.earlier);
    let requests = store.registry_requests_of_household(h.id).await.unwrap();
    assert_eq!(requests.iter().filter(|r| r.id == form.id).count(), 1);
    assert_eq!(requests.len(), 2, "the approval's request and the phone's");
    // Someone else's id, another household's and an id that is not a UUIDv7 are refused.
    let other = actor(Role::VillageOperator, VILLAGE_A);
    let po = other.may::<Propose>(&code(VILLAGE_A)).unwrap();
    assert!(matches!(
        registry::propose_change(store, &po, form.clone(), &origin()).await,
        Err(RegistryError::RequestId)
    ));
    let elsewhere = ChangeProposal {
        household: Uuid::now_v7(),
        ..form.clone()
    };
    assert!(matches!(
        registry::propose_change(store, &p, elsewhere, &origin()).await,
        Err(RegistryError::RequestId)
    ));
    let not_v7 = ChangeProposal {
        id: Uuid::from_u128(0x4242),
        ..form
    };
    assert!(matches!(
        registry::propose_change(store, &p, not_v7, &origin()).await,
        Err(RegistryError::RequestId)
    ));
    assert_eq!(
        store
            .registry_requests_of_household(h.id)
            .await
            .unwrap()
            .len(),
        2
    );
}

async fn a_task_is_closed_only_by_a_request_that_does_its_work(db: TestDb) {
    let store = db.store.as_ref();
    let o = officers();
    let h = household(VILLAGE_A, 90);
    register(store, &o, &h).await;
    let d = o.verifier.may_anywhere::<VerifyAtDinas>().unwrap();
    let later = Origin {
        now: origin().now + Duration::days(400),
        client: None,
    };
    registry::flag_for_reverification(store, &d, Duration::days(365), &later)
        .await
        .unwrap();
    let v = o
        .village_a
        .may::<VerifyInVillage>(&code(VILLAGE_A))
        .unwrap();
    let task = registry::tasks(store, &v, TaskState::Open, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.household == h.id && t.kind == TaskKind::Reverify)
        .unwrap();
    let p = o.village_a.may::<Propose>(&code(VILLAGE_A)).unwrap();
    assert_eq!(
        registry::suggested_change(store, &p, &task, &origin())
            .await
            .unwrap(),
        None
    );
    // A death does not do a re-verification's work; nothing is entered and the task stays open.
    let wrong = ChangeProposal {
        task: Some(task.id),
        ..proposal(
            h.id,
            Change::Death {
                member: h.members[2].id,
                date: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            },
        )
    };
    assert!(matches!(
        registry::propose_change(store, &p, wrong, &origin()).await,
        Err(RegistryError::TaskMismatch)
    ));
    // A task of another household is not found from this one.
    let other = household(VILLAGE_A, 95);
    register(store, &o, &other).await;
    let survey = Change::SurveyUpdate {
        survey: SurveyAnswers {
            household: None,
            members: Vec::new(),
        },
    };
    let misplaced = ChangeProposal {
        task: Some(task.id),
        ..proposal(other.id, survey.clone())
    };
    assert!(matches!(
        registry::propose_change(store, &p, misplaced, &origin()).await,
        Err(RegistryError::NotFound { what: "task" })
    ));
    let open = registry::open_task(store, &p, &code(VILLAGE_A), task.id)
        .await
        .unwrap();
    assert_eq!(open.state, TaskState::Open);
    // The survey update does it: the request is entered and the task done together.
    let right = ChangeProposal {
        task: Some(task.id),
        ..proposal(h.id, survey.clone())
    };
    let done = registry::propose_change(store, &p, right.clone(), &origin())
        .await
        .unwrap();
    assert!(!done.earlier);
    let closed = registry::open_task(store, &p, &code(VILLAGE_A), task.id)
        .await
        .unwrap();
    assert_eq!(closed.state, TaskState::Done);
    // The same form again answers with the same request, not with "task closed".
    let again = registry::propose_change(store, &p, right, &origin())
        .await
        .unwrap();
    assert!(again.earlier && again.request.id == done.request.id);
    // A new form for the done task enters nothing.
    let late = ChangeProposal {
        task: Some(task.id),
        ..proposal(h.id, survey)
    };
    assert!(matches!(
        registry::propose_change(store, &p, late, &origin()).await,
        Err(RegistryError::TaskClosed)
    ));
    // Village B's operator cannot open the task.
    let pb = o.village_b.may::<Propose>(&code(VILLAGE_B)).unwrap();
    assert!(matches!(
        registry::open_task(store, &pb, &code(VILLAGE_A), task.id).await,
        Err(RegistryError::Denied(_))
    ));
    let audit = store
        .audit_query(&AuditFilter {
            within: Scope::All,
            actor: None,
            object_id: Some(task.id),
            before_seq: None,
            limit: 100,
        })
        .await
        .unwrap();
    assert!(audit
        .iter()
        .any(|e| e.entry.purpose == format!("task.done_by:{}", done.request.id)));
}
