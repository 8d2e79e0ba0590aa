//! The registry and audit tables on every backend (SQLite always; PostgreSQL when
//! `TEPAT_TEST_POSTGRES_URL` is set, required in CI).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::Connection;
use tepat_domain::registry::{
    Change, ChangeKind, Event, MemberStatus, PaymentAccount, Phone, RegistryHousehold, Request,
    Stage, Step, Submission, Who,
};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    Advance, AuditAction, AuditEntry, AuditFilter, ChainProblem, DuplicateDecision,
    DuplicateVerdict, HouseholdState, ImportMeta, ImportSummaryForRun, NewTask, PopulationRecord,
    SaveHousehold, Store, StoreError, TaskKind, TaskState,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    a_proposal_is_stored_whole_and_read_back,
    the_workflow_writes_each_step_once_and_refuses_stale_steps,
    a_failed_approval_leaves_nothing_half_written,
    identifiers_are_never_stored_in_plaintext,
    searches_stay_inside_the_scope,
    a_move_splits_and_merges_rewrite_the_right_rows,
    population_deaths_and_moves_become_tasks_once,
    duplicate_decisions_are_remembered_in_either_order,
    stale_households_are_due_for_reverification,
    the_audit_chain_detects_edits_and_deletions,
    linkage_rows_page_through_active_members,
);

const VILLAGE: &str = "19.02.01.1001";
const NEIGHBOUR: &str = "19.02.01.1002";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn t(day: u32) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-{day:02}T08:00:00.123456Z"))
        .unwrap()
        .with_timezone(&Utc)
}

fn who(role: Role) -> Who {
    Who {
        user: Uuid::now_v7(),
        role,
    }
}

fn audit(action: AuditAction, region: &RegionCode) -> AuditEntry {
    AuditEntry {
        actor: Uuid::now_v7(),
        role: Role::VillageOperator,
        action,
        object: tepat_store::ObjectKind::Request,
        object_id: Some(Uuid::now_v7()),
        region: Some(*region),
        purpose: "test".into(),
        client: Some("127.0.0.1:4000".into()),
    }
}

fn household(village: &str, first_serial: u16) -> RegistryHousehold {
    sample::registry_household(&sample::households(village, 1, 3, first_serial))
}

/// Proposes `h` as a new household; returns the request as stored.
async fn propose(store: &dyn Store, h: &RegistryHousehold) -> Request {
    let request = Request::propose(
        Uuid::now_v7(),
        ChangeKind::NewHousehold,
        h.id,
        h.village,
        who(Role::VillageOperator),
        t(1),
        "usulan warga",
    )
    .unwrap();
    let submission = Submission {
        change: Change::NewHousehold {
            household: h.clone(),
        },
        field_visit: None,
    };
    let save = SaveHousehold {
        household: h.clone(),
        state: HouseholdState::Proposed,
        expected_version: None,
        verified: false,
    };
    store
        .registry_propose(
            &request,
            &submission,
            Some(save),
            &audit(AuditAction::Propose, &h.village),
        )
        .await
        .unwrap();
    request
}

/// Moves the stored request on by one event, saving `saves` with it.
async fn step(
    store: &dyn Store,
    id: Uuid,
    acting: Step,
    event: Event,
    day: u32,
    saves: Vec<SaveHousehold>,
) -> Result<(), StoreError> {
    let stored = store.registry_request(id).await.unwrap().unwrap();
    let transition = stored
        .request
        .plan(acting, event, who(Role::Verifier), t(day), "alasan")
        .unwrap();
    store
        .registry_advance(
            Advance {
                request: &stored.request,
                transition: &transition,
                submission: None,
                saves,
            },
            &audit(AuditAction::Advance, &stored.request.village),
        )
        .await
}

fn visit(day: u32) -> Event {
    Event::Verify {
        visited_on: NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
    }
}

/// Takes a proposed household through every level to approval.
async fn approve(store: &dyn Store, h: &RegistryHousehold) -> Uuid {
    let request = propose(store, h).await;
    step(store, request.id, Step::Village, visit(2), 2, vec![])
        .await
        .unwrap();
    step(store, request.id, Step::District, Event::Review, 3, vec![])
        .await
        .unwrap();
    step(
        store,
        request.id,
        Step::Dinas,
        Event::VerifyAtDinas,
        4,
        vec![],
    )
    .await
    .unwrap();
    let version = store
        .registry_household(h.id)
        .await
        .unwrap()
        .unwrap()
        .version;
    let save = SaveHousehold {
        household: h.clone(),
        state: HouseholdState::Active,
        expected_version: Some(version),
        verified: true,
    };
    step(
        store,
        request.id,
        Step::Decision,
        Event::Approve,
        5,
        vec![save],
    )
    .await
    .unwrap();
    request.id
}

async fn a_proposal_is_stored_whole_and_read_back(db: TestDb) {
    let store = db.store.as_ref();
    let mut h = household(VILLAGE, 10);
    h.members[0].phone = Some(Phone::parse("081234567890").unwrap());
    h.account = Some(PaymentAccount::new("bri", "0123456789012").unwrap());
    let request = propose(store, &h).await;

    let stored = store.registry_household(h.id).await.unwrap().unwrap();
    assert_eq!(stored.household, h);
    assert_eq!(stored.state, HouseholdState::Proposed);
    assert_eq!((stored.version, stored.verified_at), (1, None));

    let r = store.registry_request(request.id).await.unwrap().unwrap();
    assert_eq!(r.request, request);
    assert_eq!(r.request.stage, Stage::Proposed);
    assert!(matches!(r.submission.change, Change::NewHousehold { .. }));
    assert!(store
        .registry_request(Uuid::now_v7())
        .await
        .unwrap()
        .is_none());

    // The same request id twice (an offline phone syncing again) is refused, not doubled.
    let again = propose_same(store, &request, &h).await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    let queue = store
        .registry_queue(Stage::Proposed, &Scope::Within(code(VILLAGE)), 10)
        .await
        .unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].kind, ChangeKind::NewHousehold);
}

async fn propose_same(
    store: &dyn Store,
    request: &Request,
    h: &RegistryHousehold,
) -> Result<(), StoreError> {
    let submission = Submission {
        change: Change::NewHousehold {
            household: h.clone(),
        },
        field_visit: None,
    };
    store
        .registry_propose(
            request,
            &submission,
            None,
            &audit(AuditAction::Propose, &h.village),
        )
        .await
}

async fn the_workflow_writes_each_step_once_and_refuses_stale_steps(db: TestDb) {
    let store = db.store.as_ref();
    let h = household(VILLAGE, 20);
    let id = approve(store, &h).await;
    let stored = store.registry_request(id).await.unwrap().unwrap();
    assert_eq!(stored.request.stage, Stage::Approved);
    let stages: Vec<_> = stored.request.history.iter().map(|t| t.to).collect();
    assert_eq!(
        stages,
        [
            Stage::Proposed,
            Stage::VillageVerified,
            Stage::DistrictReviewed,
            Stage::DinasVerified,
            Stage::Approved
        ]
    );
    assert_eq!(
        stored.request.history[1].visited_on,
        NaiveDate::from_ymd_opt(2026, 11, 2)
    );
    assert_eq!(
        stored.request.history[4].at,
        t(5),
        "timestamps keep microseconds"
    );
    let approved = store.registry_household(h.id).await.unwrap().unwrap();
    assert_eq!(approved.state, HouseholdState::Active);
    assert_eq!(approved.version, 2);
    assert!(approved.verified_at.is_some());

    // Two officers act on the same stage: the second, working from a stale read, is refused.
    let h2 = household(VILLAGE, 30);
    let request = propose(store, &h2).await;
    let stale = store.registry_request(request.id).await.unwrap().unwrap();
    step(store, request.id, Step::Village, visit(2), 2, vec![])
        .await
        .unwrap();
    let transition = stale
        .request
        .plan(
            Step::Village,
            Event::Reject,
            who(Role::VillageOperator),
            t(2),
            "x",
        )
        .unwrap();
    let err = store
        .registry_advance(
            Advance {
                request: &stale.request,
                transition: &transition,
                submission: None,
                saves: vec![],
            },
            &audit(AuditAction::Advance, &h2.village),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "request" }),
        "{err:?}"
    );
    let now = store.registry_request(request.id).await.unwrap().unwrap();
    assert_eq!(now.request.stage, Stage::VillageVerified);
    assert_eq!(now.request.history.len(), 2);
}

async fn a_failed_approval_leaves_nothing_half_written(db: TestDb) {
    let store = db.store.as_ref();
    let h = household(VILLAGE, 40);
    let request = propose(store, &h).await;
    step(store, request.id, Step::Village, visit(2), 2, vec![])
        .await
        .unwrap();
    step(store, request.id, Step::District, Event::Review, 3, vec![])
        .await
        .unwrap();
    step(
        store,
        request.id,
        Step::Dinas,
        Event::VerifyAtDinas,
        4,
        vec![],
    )
    .await
    .unwrap();
    let head = store.audit_head().await.unwrap();
    // The approval saves the household at a version that is not the stored one.
    let save = SaveHousehold {
        household: h.clone(),
        state: HouseholdState::Active,
        expected_version: Some(7),
        verified: true,
    };
    let err = step(
        store,
        request.id,
        Step::Decision,
        Event::Approve,
        5,
        vec![save],
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "household" }),
        "{err:?}"
    );
    let r = store.registry_request(request.id).await.unwrap().unwrap();
    assert_eq!(
        r.request.stage,
        Stage::DinasVerified,
        "the stage was rolled back"
    );
    assert_eq!(
        r.request.history.len(),
        4,
        "no history row without its stage"
    );
    let stored = store.registry_household(h.id).await.unwrap().unwrap();
    assert_eq!(stored.state, HouseholdState::Proposed);
    assert_eq!(stored.household, h, "members untouched");
    assert_eq!(
        store.audit_head().await.unwrap(),
        head,
        "no audit row for what did not happen"
    );
}

/// Everything the database holds, as text: the SQLite files, or every registry row of PostgreSQL.
async fn stored_text(db: &TestDb) -> Vec<u8> {
    if let Some(path) = &db.sqlite_path {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal"] {
            let file = format!("{}{suffix}", path.display());
            bytes.extend(std::fs::read(&file).unwrap_or_default());
        }
        return bytes;
    }
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut text = String::new();
    for table in [
        "registry_household",
        "registry_member",
        "registry_request",
        "registry_transition",
        "audit_log",
    ] {
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT t::text FROM {table} t"))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        text += &rows.join("\n");
    }
    text.into_bytes()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn identifiers_are_never_stored_in_plaintext(db: TestDb) {
    let store = db.store.as_ref();
    let mut h = household(VILLAGE, 50);
    h.members[1].phone = Some(Phone::parse("081298765432").unwrap());
    h.account = Some(PaymentAccount::new("bni", "9988776655443").unwrap());
    approve(store, &h).await;
    let text = stored_text(&db).await;
    assert!(
        contains(&text, &h.members[0].full_name),
        "the check can see stored text"
    );
    for m in &h.members {
        assert!(
            !contains(&text, m.nik.digits()),
            "a NIK is stored in plaintext"
        );
    }
    assert!(
        !contains(&text, h.kk_number.digits()),
        "the KK number is stored in plaintext"
    );
    assert!(
        !contains(&text, "081298765432"),
        "a phone number is stored in plaintext"
    );
    assert!(
        !contains(&text, "9988776655443"),
        "an account number is stored in plaintext"
    );
}

async fn searches_stay_inside_the_scope(db: TestDb) {
    let store = db.store.as_ref();
    let mut h = household(VILLAGE, 60);
    h.members[0].full_name = "Siti Nur'aini".into();
    approve(store, &h).await;
    let mut other = household(NEIGHBOUR, 70);
    other.members[0].full_name = "Siti Nurhayati".into();
    approve(store, &other).await;

    let nik = h.members[0].nik;
    let village = Scope::Within(code(VILLAGE));
    let neighbour = Scope::Within(code(NEIGHBOUR));
    let hits = store.registry_search_nik(&nik, &village).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].member, hits[0].nik), (h.members[0].id, nik));
    assert_eq!(hits[0].household_state, HouseholdState::Active);
    assert!(store
        .registry_search_nik(&nik, &neighbour)
        .await
        .unwrap()
        .is_empty());

    let by_kk = store
        .registry_search_kk(&h.kk_number, &village)
        .await
        .unwrap();
    assert_eq!(by_kk.len(), 3);
    assert!(store
        .registry_search_kk(&h.kk_number, &neighbour)
        .await
        .unwrap()
        .is_empty());

    let district = Scope::Within(code("19.02.01"));
    let names = store
        .registry_search_name("siti nur", &district, 10)
        .await
        .unwrap();
    let found: Vec<_> = names.iter().map(|n| n.full_name.as_str()).collect();
    assert_eq!(found, ["Siti Nur'aini", "Siti Nurhayati"]);
    let names = store
        .registry_search_name("siti nura", &Scope::All, 10)
        .await
        .unwrap();
    assert_eq!(names.len(), 1, "the apostrophe is folded away: nuraini");
    let only_neighbour = store
        .registry_search_name("siti", &neighbour, 10)
        .await
        .unwrap();
    assert_eq!(only_neighbour.len(), 1);
    assert_eq!(only_neighbour[0].village, code(NEIGHBOUR));
    assert!(matches!(
        store.registry_search_name("si", &district, 10).await,
        Err(StoreError::SearchTooShort { min: 3 })
    ));
}

async fn a_move_splits_and_merges_rewrite_the_right_rows(db: TestDb) {
    let store = db.store.as_ref();
    let h = household(VILLAGE, 80);
    approve(store, &h).await;
    // A split: the child leaves with a new KK.
    let stored = store.registry_household(h.id).await.unwrap().unwrap();
    let child = h.members[2].id;
    let change = Change::Split {
        new_household: Uuid::now_v7(),
        new_kk: sample::family_card(&code("19.02.01"), 999),
        members: vec![child],
        new_head: child,
    };
    let outcome = change
        .apply(Some(stored.household.clone()), None, None)
        .unwrap();
    let (old, new) = (outcome.saved[0].clone(), outcome.saved[1].clone());
    let request = change_request(store, &h, change).await;
    let saves = vec![
        SaveHousehold {
            household: old.clone(),
            state: HouseholdState::Active,
            expected_version: Some(stored.version),
            verified: true,
        },
        SaveHousehold {
            household: new.clone(),
            state: HouseholdState::Active,
            expected_version: None,
            verified: true,
        },
    ];
    walk_to_approval(store, request, saves).await;
    let old_stored = store.registry_household(h.id).await.unwrap().unwrap();
    assert_eq!(old_stored.household.members.len(), 2);
    let new_stored = store.registry_household(new.id).await.unwrap().unwrap();
    assert_eq!(new_stored.household.head().unwrap().id, child);
    let hits = store
        .registry_search_nik(&h.members[2].nik, &Scope::All)
        .await
        .unwrap();
    assert_eq!(
        hits.len(),
        1,
        "the member exists once, in the new household"
    );
    assert_eq!(hits[0].household, new.id);

    // A move to the neighbouring village changes the key: the old rows are gone.
    let change = Change::HouseholdMoved {
        village: code(NEIGHBOUR),
        address: "Jl. Baru 2".into(),
        rt: "004".into(),
        rw: "001".into(),
        location: None,
    };
    let moved = change
        .apply(Some(new_stored.household.clone()), None, None)
        .unwrap();
    let request = change_request(store, &new_stored.household, change).await;
    let saves = vec![SaveHousehold {
        household: moved.saved[0].clone(),
        state: HouseholdState::Active,
        expected_version: Some(new_stored.version),
        verified: true,
    }];
    walk_to_approval(store, request, saves).await;
    let after = store.registry_household(new.id).await.unwrap().unwrap();
    assert_eq!(after.household.village, code(NEIGHBOUR));
    assert!(store
        .registry_search_nik(&h.members[2].nik, &Scope::Within(code(VILLAGE)))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .registry_search_nik(&h.members[2].nik, &Scope::Within(code(NEIGHBOUR)))
            .await
            .unwrap()
            .len(),
        1
    );
    let history = store.registry_requests_of_household(h.id).await.unwrap();
    assert_eq!(history.len(), 2, "the new-household request and the split");
}

async fn change_request(store: &dyn Store, h: &RegistryHousehold, change: Change) -> Request {
    let request = Request::propose(
        Uuid::now_v7(),
        change.kind(),
        h.id,
        h.village,
        who(Role::VillageOperator),
        t(6),
        "perubahan",
    )
    .unwrap();
    let submission = Submission {
        change,
        field_visit: None,
    };
    store
        .registry_propose(
            &request,
            &submission,
            None,
            &audit(AuditAction::Propose, &h.village),
        )
        .await
        .unwrap();
    request
}

async fn walk_to_approval(store: &dyn Store, request: Request, saves: Vec<SaveHousehold>) {
    step(store, request.id, Step::Village, visit(7), 7, vec![])
        .await
        .unwrap();
    step(store, request.id, Step::District, Event::Review, 8, vec![])
        .await
        .unwrap();
    step(
        store,
        request.id,
        Step::Dinas,
        Event::VerifyAtDinas,
        9,
        vec![],
    )
    .await
    .unwrap();
    step(store, request.id, Step::Decision, Event::Approve, 10, saves)
        .await
        .unwrap();
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

async fn population_deaths_and_moves_become_tasks_once(db: TestDb) {
    let store = db.store.as_ref();
    let records = sample::households(VILLAGE, 1, 3, 100);
    import(store, records.clone()).await;
    let h = sample::registry_household(&records);
    approve(store, &h).await;

    let mut next = records.clone();
    next[2].death_date = NaiveDate::from_ymd_opt(2026, 11, 12);
    next[1].village = code(NEIGHBOUR);
    let run = import(store, next).await;
    let entry = audit(AuditAction::PopulationSync, &code(VILLAGE));
    let sync = store.registry_sync_population(run, &entry).await.unwrap();
    assert_eq!((sync.deaths, sync.moves), (1, 1));
    let again = store.registry_sync_population(run, &entry).await.unwrap();
    assert_eq!(
        (again.deaths, again.moves),
        (0, 0),
        "open tasks are not doubled"
    );

    let tasks = store
        .registry_tasks(TaskState::Open, &Scope::Within(code(VILLAGE)), 10)
        .await
        .unwrap();
    assert_eq!(tasks.len(), 2);
    let death = tasks.iter().find(|t| t.kind == TaskKind::Death).unwrap();
    assert_eq!(death.member, Some(h.members[2].id));
    assert!(store
        .registry_tasks(TaskState::Open, &Scope::Within(code(NEIGHBOUR)), 10)
        .await
        .unwrap()
        .is_empty());

    // Suspended (waiting on enrolments), then done; a done task may be raised again later.
    let by = Uuid::now_v7();
    store
        .registry_set_task_state(&death.village, death.id, TaskState::Suspended, by, &entry)
        .await
        .unwrap();
    store
        .registry_set_task_state(&death.village, death.id, TaskState::Done, by, &entry)
        .await
        .unwrap();
    let done = store
        .registry_tasks(TaskState::Done, &Scope::All, 10)
        .await
        .unwrap();
    assert_eq!(done[0].closed_by, Some(by));
    assert!(matches!(
        store
            .registry_set_task_state(&code(NEIGHBOUR), death.id, TaskState::Done, by, &entry)
            .await,
        Err(StoreError::NotFound { what: "task" })
    ));
    let task = NewTask {
        village: death.village,
        household: death.household,
        member: death.member,
        kind: TaskKind::Death,
        source: "test".into(),
    };
    assert_eq!(
        store
            .registry_add_tasks(&[task.clone(), task], &entry)
            .await
            .unwrap(),
        1
    );
}

async fn duplicate_decisions_are_remembered_in_either_order(db: TestDb) {
    let store = db.store.as_ref();
    let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
    let entry = audit(AuditAction::Duplicate, &code(VILLAGE));
    assert!(store
        .registry_duplicate_decision(a, b)
        .await
        .unwrap()
        .is_none());
    let decision = DuplicateDecision {
        a: b,
        b: a,
        verdict: DuplicateVerdict::Distinct,
        actor: Uuid::now_v7(),
        at: t(3),
        reason: "kembar".into(),
    };
    store
        .registry_decide_duplicate(&decision, &entry)
        .await
        .unwrap();
    let read = store
        .registry_duplicate_decision(a, b)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (read.a, read.b, read.verdict),
        (a, b, DuplicateVerdict::Distinct)
    );
    let changed = DuplicateDecision {
        verdict: DuplicateVerdict::Same,
        ..decision
    };
    store
        .registry_decide_duplicate(&changed, &entry)
        .await
        .unwrap();
    let read = store
        .registry_duplicate_decision(b, a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.verdict, DuplicateVerdict::Same);
}

async fn stale_households_are_due_for_reverification(db: TestDb) {
    let store = db.store.as_ref();
    let h = household(VILLAGE, 120);
    approve(store, &h).await;
    let proposed = household(VILLAGE, 130);
    propose(store, &proposed).await;
    let future = Utc::now() + Duration::days(1);
    let due = store
        .registry_due_for_reverification(future, &Scope::All, 10)
        .await
        .unwrap();
    assert_eq!(due, vec![(code(VILLAGE), h.id)], "only active households");
    let past = Utc::now() - Duration::days(1);
    assert!(store
        .registry_due_for_reverification(past, &Scope::All, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .registry_due_for_reverification(future, &Scope::Within(code(NEIGHBOUR)), 10)
        .await
        .unwrap()
        .is_empty());
}

/// Runs `sql` on the raw database, around the store (what someone with the file could do).
async fn tamper(db: &TestDb, sql: &[&str]) {
    if let Some(path) = &db.sqlite_path {
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        for s in sql {
            sqlx::query(s).execute(&mut conn).await.unwrap();
        }
        conn.close().await.unwrap();
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        for s in sql {
            sqlx::query(s).execute(&mut conn).await.unwrap();
        }
    }
}

async fn the_audit_chain_detects_edits_and_deletions(db: TestDb) {
    let store = db.store.as_ref();
    let h = household(VILLAGE, 140);
    approve(store, &h).await; // 5 entries
    let read = audit(AuditAction::Read, &code(VILLAGE));
    assert_eq!(store.audit_record(&read).await.unwrap(), 6);
    let head = store.audit_head().await.unwrap();
    assert_eq!(head.count, 6);
    let check = store.audit_verify().await.unwrap();
    assert!(check.is_intact(), "{check:?}");
    assert_eq!(check.checked, 6);

    // Query: newest first, by region and by actor.
    let filter = AuditFilter {
        within: Scope::Within(code("19.02.01")),
        actor: None,
        object_id: None,
        before_seq: None,
        limit: 3,
    };
    let page = store.audit_query(&filter).await.unwrap();
    assert_eq!(page.iter().map(|r| r.seq).collect::<Vec<_>>(), [6, 5, 4]);
    assert_eq!(page[0].entry, read);
    let mine = store
        .audit_query(&AuditFilter {
            actor: Some(read.actor),
            limit: 10,
            ..filter.clone()
        })
        .await
        .unwrap();
    assert_eq!(mine.len(), 1);
    let elsewhere = store
        .audit_query(&AuditFilter {
            within: Scope::Within(code(NEIGHBOUR)),
            ..filter.clone()
        })
        .await
        .unwrap();
    assert!(elsewhere.is_empty());

    // Ordinary SQL cannot change the log.
    let refused = if let Some(path) = &db.sqlite_path {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq = 2")
            .execute(&mut c)
            .await
            .is_err()
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query("DELETE FROM audit_log WHERE seq = 2")
            .execute(&mut c)
            .await
            .is_err()
    };
    assert!(refused, "the trigger refuses a delete");

    // Someone with the file drops the guard. Cutting off the last row: the head still counts six.
    let drop_guard: &[&str] = if db.sqlite_path.is_some() {
        &[
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
        ][..]
    } else {
        &["ALTER TABLE audit_log DISABLE TRIGGER USER"][..]
    };
    tamper(&db, drop_guard).await;
    tamper(&db, &["DELETE FROM audit_log WHERE seq = 6"]).await;
    let check = store.audit_verify().await.unwrap();
    assert_eq!(
        check.problem,
        Some(ChainProblem::Head {
            head_count: 6,
            rows: 5
        })
    );

    // Editing a row (here its region) is found at that row.
    tamper(
        &db,
        &["UPDATE audit_log SET region_code = '1902011002' WHERE seq = 3"],
    )
    .await;
    let check = store.audit_verify().await.unwrap();
    assert_eq!(check.problem, Some(ChainProblem::Altered { seq: 3 }));

    // Deleting a row in the middle leaves a gap.
    tamper(&db, &["DELETE FROM audit_log WHERE seq = 3"]).await;
    let check = store.audit_verify().await.unwrap();
    assert_eq!(
        check.problem,
        Some(ChainProblem::Gap {
            expected: 3,
            found: 4
        })
    );
}

async fn linkage_rows_page_through_active_members(db: TestDb) {
    let store = db.store.as_ref();
    let a = household(VILLAGE, 150);
    approve(store, &a).await;
    let mut b = household(NEIGHBOUR, 160);
    b.members[2].status = MemberStatus::MovedOut;
    propose(store, &b).await;
    let mut rows = Vec::new();
    let mut after = None;
    loop {
        let page = store.registry_linkage_rows(after, 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|r| (r.village, r.member));
        rows.extend(page);
    }
    assert_eq!(rows.len(), 5, "3 + 2 active members, each once");
    let first = rows.iter().find(|r| r.member == a.members[0].id).unwrap();
    assert_eq!(
        (first.nik, first.kk_number),
        (a.members[0].nik, a.kk_number)
    );
    assert_eq!(first.address, a.address);
    assert!(!rows.iter().any(|r| r.member == b.members[2].id));
    let keys: Vec<_> = rows.iter().map(|r| (r.village, r.member)).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}
