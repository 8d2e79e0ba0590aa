//! Programs, targeting runs, enrolments and appeals on every backend (SQLite always; PostgreSQL when
//! `TEPAT_TEST_POSTGRES_URL` is set, required in CI).

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::Connection as _;
use tepat_domain::Role;
use tepat_domain::{RegionCode, Rupiah, Scope};
use tepat_store::connect;
use tepat_store::testing::TestDb;
use tepat_store::{
    AppealDecision, AppealState, Approval, CandidateRow, CandidateStatus, DecreeNumber,
    EnrolmentState, Graduation, NewAppeal, NewRun, PageAfter, ProgramVersion, RunState, Store,
    StoreError, NOT_RESELECTED, NOT_RESELECTED_NOTICE,
};
use tepat_store::{AuditAction, AuditEntry, NewTask, ObjectKind, TaskKind};
use uuid::Uuid;

tepat_store::on_every_backend!(
    a_stale_program_edit_is_refused,
    a_run_round_trips_with_its_rows,
    approval_enrols_candidates_once,
    a_new_approval_supersedes_and_graduates_the_left_out,
    graduation_ends_an_enrolment_once,
    the_waitlist_replaces_in_rank_order,
    an_appeal_is_decided_once,
    scopes_filter_candidates_enrolments_and_appeals,
    appeal_grounds_are_sealed_at_rest,
    appeal_grounds_are_resealed_after_a_key_rotation,
    a_hundred_thousand_rows_save_in_one_run,
    a_reported_death_or_move_suspends_the_households_enrolments,
);

const PKH: &str = "PKH";
const A: &str = "19.02.01.1001";
const B: &str = "19.02.01.1002";
/// In another regency.
const C: &str = "19.01.01.1001";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

fn admin() -> Uuid {
    Uuid::from_u128(7)
}

fn version(code: &str, version: u32, body: &str) -> ProgramVersion {
    ProgramVersion {
        code: code.into(),
        version,
        body: body.into(),
        saved_by: admin(),
        saved_at: t0() + Duration::minutes(i64::from(version)),
        note: format!("edit {version}"),
    }
}

fn new_run(minute: i64) -> NewRun {
    NewRun {
        id: Uuid::now_v7(),
        program: PKH.into(),
        program_version: 1,
        reference_date: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        period: "2026-Q3".into(),
        created_by: admin(),
        created_at: t0() + Duration::minutes(minute),
        summary: r#"{"selected":2}"#.into(),
    }
}

fn row(village: &str, household: Uuid, status: CandidateStatus, rank: u32) -> CandidateRow {
    CandidateRow {
        village: code(village),
        household,
        status,
        rank,
        village_rank: rank,
        benefit: Rupiah::new(if status == CandidateStatus::Excluded {
            0
        } else {
            750_000
        }),
        reasons: format!(r#"{{"rank":{rank}}}"#),
    }
}

fn approval(decree: &str, minute: i64) -> Approval {
    Approval {
        decree: DecreeNumber::parse(decree).unwrap(),
        by: admin(),
        at: t0() + Duration::minutes(minute),
        list_hash: [minute as u8; 32],
    }
}

fn households(n: usize) -> Vec<Uuid> {
    (0..n).map(|_| Uuid::now_v7()).collect()
}

async fn active(store: &dyn Store, within: &Scope) -> Vec<Uuid> {
    store
        .enrolments(PKH, within, Some(EnrolmentState::Active), None, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.household)
        .collect()
}

async fn a_stale_program_edit_is_refused(db: TestDb) {
    let store = db.store.as_ref();
    store
        .save_program_version(&version(PKH, 1, "quota = 1"))
        .await
        .unwrap();
    // Two admins both loaded version 1 and save version 2: the second is refused.
    store
        .save_program_version(&version(PKH, 2, "quota = 2"))
        .await
        .unwrap();
    let err = store
        .save_program_version(&version(PKH, 2, "quota = 3"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("reload"), "{err}");
    // Skipping a version is refused too.
    assert!(store
        .save_program_version(&version(PKH, 4, "quota = 4"))
        .await
        .is_err());
    store
        .save_program_version(&version("BPNT", 1, "quota = 9"))
        .await
        .unwrap();

    assert_eq!(store.program(PKH).await.unwrap().unwrap().body, "quota = 2");
    assert_eq!(
        store.program_at(PKH, 1).await.unwrap(),
        Some(version(PKH, 1, "quota = 1"))
    );
    assert_eq!(store.program_at(PKH, 3).await.unwrap(), None);
    assert_eq!(store.program("PBI").await.unwrap(), None);
    let latest: Vec<(String, u32)> = store
        .programs()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.code, p.version))
        .collect();
    assert_eq!(latest, vec![("BPNT".into(), 1), (PKH.into(), 2)]);
    let history: Vec<u32> = store
        .program_history(PKH)
        .await
        .unwrap()
        .iter()
        .map(|p| p.version)
        .collect();
    assert_eq!(history, vec![2, 1]);
}

async fn a_run_round_trips_with_its_rows(db: TestDb) {
    let store = db.store.as_ref();
    let hh = households(3);
    let run = new_run(0);
    let rows = vec![
        row(A, hh[0], CandidateStatus::Candidate, 1),
        row(A, hh[1], CandidateStatus::Waitlist, 2),
        row(B, hh[2], CandidateStatus::Excluded, 3),
    ];
    store.save_run(&run, &rows).await.unwrap();
    let stored = store.run(run.id).await.unwrap().unwrap();
    assert_eq!(stored.state, RunState::Draft);
    assert_eq!(stored.program, PKH);
    assert_eq!(stored.reference_date, run.reference_date);
    assert_eq!(stored.created_at, run.created_at);
    assert_eq!(stored.summary, run.summary);
    assert_eq!(stored.decree_number, None);
    assert_eq!(stored.list_hash, None);
    assert_eq!(
        store
            .candidates(run.id, &Scope::All, None, None, 10)
            .await
            .unwrap(),
        rows
    );
    let waitlist = store
        .candidates(
            run.id,
            &Scope::All,
            Some(CandidateStatus::Waitlist),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(waitlist, vec![rows[1].clone()]);
    // Pages continue after the last row.
    let first = store
        .candidates(run.id, &Scope::All, None, None, 2)
        .await
        .unwrap();
    let last = first.last().unwrap();
    let after = PageAfter {
        village: last.village,
        key: last.rank,
    };
    let rest = store
        .candidates(run.id, &Scope::All, None, Some(&after), 2)
        .await
        .unwrap();
    assert_eq!([first, rest].concat(), rows);
    // The same id twice, or a household twice, is refused and leaves nothing behind.
    let err = store.save_run(&run, &rows).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    let twice = new_run(1);
    let err = store
        .save_run(&twice, &[rows[0].clone(), rows[0].clone()])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(store.run(twice.id).await.unwrap(), None);
    assert_eq!(store.runs(PKH, 10).await.unwrap().len(), 1);
    store.discard_run(run.id).await.unwrap();
    assert_eq!(
        store.run(run.id).await.unwrap().unwrap().state,
        RunState::Discarded
    );
    assert!(store.discard_run(run.id).await.is_err());
    assert!(matches!(
        store.discard_run(Uuid::now_v7()).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));
}

async fn approval_enrols_candidates_once(db: TestDb) {
    let store = db.store.as_ref();
    let hh = households(3);
    let run = new_run(0);
    store
        .save_run(
            &run,
            &[
                row(A, hh[0], CandidateStatus::Candidate, 1),
                row(B, hh[1], CandidateStatus::Candidate, 2),
                row(A, hh[2], CandidateStatus::Waitlist, 3),
            ],
        )
        .await
        .unwrap();
    let outcome = store
        .approve_run(run.id, &approval("SK 400/1/2026", 10))
        .await
        .unwrap();
    assert_eq!(
        (outcome.enrolled, outcome.graduated, outcome.superseded),
        (2, 0, 0)
    );
    let stored = store.run(run.id).await.unwrap().unwrap();
    assert_eq!(stored.state, RunState::Approved);
    assert_eq!(stored.decree_number.as_deref(), Some("SK 400/1/2026"));
    assert_eq!(stored.approved_by, Some(admin()));
    assert_eq!(stored.list_hash, Some([10; 32]));
    store.set_run_ledger_index(run.id, 42).await.unwrap();
    assert_eq!(
        store.run(run.id).await.unwrap().unwrap().ledger_index,
        Some(42)
    );

    let err = store
        .approve_run(run.id, &approval("SK 400/2/2026", 20))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(
        store
            .run(run.id)
            .await
            .unwrap()
            .unwrap()
            .decree_number
            .as_deref(),
        Some("SK 400/1/2026")
    );
    let mut enrolled = active(store, &Scope::All).await;
    enrolled.sort();
    assert_eq!(enrolled, vec![hh[0], hh[1]]);
    let e = store.enrolment(PKH, hh[0]).await.unwrap().unwrap();
    assert_eq!(e.state, EnrolmentState::Active);
    assert_eq!(e.run_id, Some(run.id));
    assert_eq!(e.benefit, Some(Rupiah::new(750_000)));
    assert_eq!(e.since, (t0() + Duration::minutes(10)).date_naive());
    assert_eq!(e.village, code(A));
    assert_eq!(store.enrolment(PKH, hh[2]).await.unwrap(), None);
    assert_eq!(store.active_programs(hh[1]).await.unwrap(), vec![PKH]);
    assert!(store.active_programs(hh[2]).await.unwrap().is_empty());
    assert!(matches!(
        store
            .approve_run(Uuid::now_v7(), &approval("SK 1", 30))
            .await
            .unwrap_err(),
        StoreError::NotFound { .. }
    ));
}

async fn a_new_approval_supersedes_and_graduates_the_left_out(db: TestDb) {
    let store = db.store.as_ref();
    let hh = households(4);
    let first = new_run(0);
    store
        .save_run(
            &first,
            &[
                row(A, hh[0], CandidateStatus::Candidate, 1),
                row(A, hh[1], CandidateStatus::Candidate, 2),
                row(C, hh[2], CandidateStatus::Candidate, 3),
            ],
        )
        .await
        .unwrap();
    store
        .approve_run(first.id, &approval("SK 1/2026", 1))
        .await
        .unwrap();
    // The next period's run covers village A only: hh[0] stays, hh[1] is no longer selected, hh[3]
    // is new; hh[2] in village C was not assessed and stays enrolled.
    let second = new_run(60);
    store
        .save_run(
            &second,
            &[
                row(A, hh[0], CandidateStatus::Candidate, 1),
                row(A, hh[3], CandidateStatus::Candidate, 2),
                row(A, hh[1], CandidateStatus::Excluded, 3),
            ],
        )
        .await
        .unwrap();
    let later = 60 * 24 * 92;
    let outcome = store
        .approve_run(second.id, &approval("SK 2/2026", later))
        .await
        .unwrap();
    assert_eq!(
        (outcome.enrolled, outcome.graduated, outcome.superseded),
        (2, 1, 1)
    );
    assert_eq!(
        store.run(first.id).await.unwrap().unwrap().state,
        RunState::Superseded
    );
    let kept = store.enrolment(PKH, hh[0]).await.unwrap().unwrap();
    assert_eq!(kept.run_id, Some(second.id));
    // Continued, not restarted.
    assert_eq!(kept.since, (t0() + Duration::minutes(1)).date_naive());
    let left = store.enrolment(PKH, hh[1]).await.unwrap().unwrap();
    assert_eq!(left.state, EnrolmentState::Graduated);
    assert_eq!(left.end_reason.as_deref(), Some(NOT_RESELECTED));
    assert_eq!(left.notice.as_deref(), Some(NOT_RESELECTED_NOTICE));
    assert_eq!(left.ended_at, Some(t0() + Duration::minutes(later)));
    let elsewhere = store.enrolment(PKH, hh[2]).await.unwrap().unwrap();
    assert_eq!(elsewhere.state, EnrolmentState::Active);
    assert_eq!(elsewhere.run_id, Some(first.id));
    let graduated = store
        .enrolments(PKH, &Scope::All, Some(EnrolmentState::Graduated), None, 10)
        .await
        .unwrap();
    assert_eq!(graduated.len(), 1);
    assert_eq!(graduated[0].household, hh[1]);

    // Selected again in a third run: a fresh term.
    let third = new_run(120);
    store
        .save_run(&third, &[row(A, hh[1], CandidateStatus::Candidate, 1)])
        .await
        .unwrap();
    store
        .approve_run(third.id, &approval("SK 3/2026", later * 2))
        .await
        .unwrap();
    let back = store.enrolment(PKH, hh[1]).await.unwrap().unwrap();
    assert_eq!(back.state, EnrolmentState::Active);
    assert_eq!(
        back.since,
        (t0() + Duration::minutes(later * 2)).date_naive()
    );
    assert_eq!(
        (back.ended_at, back.end_reason, back.notice),
        (None, None, None)
    );
}

async fn graduation_ends_an_enrolment_once(db: TestDb) {
    let store = db.store.as_ref();
    let hh = households(1);
    let run = new_run(0);
    store
        .save_run(&run, &[row(A, hh[0], CandidateStatus::Candidate, 1)])
        .await
        .unwrap();
    store
        .approve_run(run.id, &approval("SK 9", 1))
        .await
        .unwrap();
    let g = Graduation {
        reason: "income_above_line".into(),
        notice: "targeting.notice.graduated".into(),
        at: t0() + Duration::days(30),
    };
    store.graduate(PKH, hh[0], &g).await.unwrap();
    let e = store.enrolment(PKH, hh[0]).await.unwrap().unwrap();
    assert_eq!(e.state, EnrolmentState::Graduated);
    assert_eq!(e.end_reason.as_deref(), Some("income_above_line"));
    assert_eq!(e.notice.as_deref(), Some("targeting.notice.graduated"));
    assert_eq!(e.ended_at, Some(g.at));
    assert!(store.active_programs(hh[0]).await.unwrap().is_empty());
    assert!(matches!(
        store.graduate(PKH, hh[0], &g).await.unwrap_err(),
        StoreError::NotFound { .. }
    ));
    assert!(store.graduate("BPNT", hh[0], &g).await.is_err());
}

async fn the_waitlist_replaces_in_rank_order(db: TestDb) {
    let store = db.store.as_ref();
    let hh = households(5);
    let run = new_run(0);
    store
        .save_run(
            &run,
            &[
                row(A, hh[0], CandidateStatus::Candidate, 1),
                row(A, hh[1], CandidateStatus::Waitlist, 4),
                row(A, hh[2], CandidateStatus::Waitlist, 2),
                row(B, hh[3], CandidateStatus::Waitlist, 3),
                row(A, hh[4], CandidateStatus::Waitlist, 5),
            ],
        )
        .await
        .unwrap();
    // Only the approved run's waitlist counts.
    assert!(matches!(
        store
            .promote_from_waitlist(run.id, &code(A), 1, t0())
            .await
            .unwrap_err(),
        StoreError::Conflict { .. }
    ));
    store
        .approve_run(run.id, &approval("SK 5", 1))
        .await
        .unwrap();
    let at = t0() + Duration::days(40);
    let promoted = store
        .promote_from_waitlist(run.id, &code(A), 2, at)
        .await
        .unwrap();
    assert_eq!(promoted, vec![hh[2], hh[1]]);
    let e = store.enrolment(PKH, hh[2]).await.unwrap().unwrap();
    assert_eq!(e.state, EnrolmentState::Active);
    assert_eq!(e.since, at.date_naive());
    let statuses = store
        .candidates(
            run.id,
            &Scope::Within(code(A)),
            Some(CandidateStatus::Candidate),
            None,
            10,
        )
        .await
        .unwrap();
    assert_eq!(statuses.len(), 3);
    // One left in A; asking for more gives what there is. B's waitlist is untouched.
    assert_eq!(
        store
            .promote_from_waitlist(run.id, &code(A), 5, at)
            .await
            .unwrap(),
        vec![hh[4]]
    );
    assert!(store
        .promote_from_waitlist(run.id, &code(A), 1, at)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.enrolment(PKH, hh[3]).await.unwrap(), None);
    assert_eq!(active(store, &Scope::All).await.len(), 4);
}

fn appeal_for(village: &str, minute: i64, grounds: &str) -> NewAppeal {
    NewAppeal {
        id: Uuid::now_v7(),
        village: code(village),
        household: Uuid::now_v7(),
        program: PKH.into(),
        run_id: None,
        grounds: grounds.into(),
        created_at: t0() + Duration::minutes(minute),
    }
}

async fn an_appeal_is_decided_once(db: TestDb) {
    let store = db.store.as_ref();
    let first = appeal_for(A, 0, "Suami saya sudah meninggal, penghasilan turun");
    let second = appeal_for(A, 1, "Rumah kami berlantai tanah");
    store.add_appeal(&second).await.unwrap();
    store.add_appeal(&first).await.unwrap();
    let queue = store
        .appeals(&Scope::All, AppealState::Open, 10)
        .await
        .unwrap();
    assert_eq!(
        queue.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![first.id, second.id],
        "oldest first"
    );
    assert_eq!(queue[0].grounds, first.grounds);
    let decision = AppealDecision {
        upheld: true,
        by: admin(),
        at: t0() + Duration::days(2),
        reason: "survey_outdated".into(),
    };
    let decided = store
        .decide_appeal(&code(A), first.id, &decision)
        .await
        .unwrap();
    assert_eq!(decided.state, AppealState::Upheld);
    assert_eq!(decided.decided_by, Some(admin()));
    assert_eq!(decided.decided_at, Some(decision.at));
    assert_eq!(decided.decision_reason.as_deref(), Some("survey_outdated"));
    let again = AppealDecision {
        upheld: false,
        ..decision.clone()
    };
    let err = store
        .decide_appeal(&code(A), first.id, &again)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(
        store
            .appeal(&code(A), first.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        AppealState::Upheld
    );
    assert!(matches!(
        store
            .decide_appeal(&code(B), first.id, &again)
            .await
            .unwrap_err(),
        StoreError::NotFound { .. }
    ));
    let open = store
        .appeals(&Scope::All, AppealState::Open, 10)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].id, second.id);
    let upheld = store
        .appeals(&Scope::All, AppealState::Upheld, 10)
        .await
        .unwrap();
    assert_eq!(upheld.len(), 1);
}

async fn scopes_filter_candidates_enrolments_and_appeals(db: TestDb) {
    let store = db.store.as_ref();
    let hh = households(3);
    let run = new_run(0);
    store
        .save_run(
            &run,
            &[
                row(A, hh[0], CandidateStatus::Candidate, 1),
                row(B, hh[1], CandidateStatus::Candidate, 2),
                row(C, hh[2], CandidateStatus::Candidate, 3),
            ],
        )
        .await
        .unwrap();
    store
        .approve_run(run.id, &approval("SK 7", 1))
        .await
        .unwrap();
    let district = Scope::Within(code("19.02.01"));
    let village = Scope::Within(code(A));
    let elsewhere = Scope::Within(code("19.01"));
    let in_scope = |rows: Vec<CandidateRow>| rows.iter().map(|r| r.household).collect::<Vec<_>>();
    assert_eq!(
        in_scope(
            store
                .candidates(run.id, &district, None, None, 10)
                .await
                .unwrap()
        ),
        vec![hh[0], hh[1]]
    );
    assert_eq!(
        in_scope(
            store
                .candidates(run.id, &village, None, None, 10)
                .await
                .unwrap()
        ),
        vec![hh[0]]
    );
    assert_eq!(active(store, &elsewhere).await, vec![hh[2]]);
    assert_eq!(active(store, &village).await, vec![hh[0]]);
    assert_eq!(active(store, &district).await.len(), 2);
    // Paging enrolments by (village, household).
    let first = store
        .enrolments(PKH, &Scope::All, None, None, 2)
        .await
        .unwrap();
    let last = first.last().unwrap();
    let rest = store
        .enrolments(
            PKH,
            &Scope::All,
            None,
            Some(&PageAfter {
                village: last.village,
                key: last.household,
            }),
            2,
        )
        .await
        .unwrap();
    assert_eq!(first.len() + rest.len(), 3);
    assert!(!rest.iter().any(|r| first.contains(r)));

    store.add_appeal(&appeal_for(A, 0, "a")).await.unwrap();
    store.add_appeal(&appeal_for(C, 1, "c")).await.unwrap();
    let queue = |within: Scope| async move {
        store
            .appeals(&within, AppealState::Open, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.village)
            .collect::<Vec<_>>()
    };
    assert_eq!(queue(district).await, vec![code(A)]);
    assert_eq!(queue(elsewhere).await, vec![code(C)]);
    assert_eq!(queue(Scope::Within(code(B))).await, vec![]);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn appeal_grounds_are_sealed_at_rest(db: TestDb) {
    const GROUNDS: &str = "SANGGAHAN-RAHASIA: anak kami sakit kronis sejak Januari";
    let a = appeal_for(A, 0, GROUNDS);
    db.store.add_appeal(&a).await.unwrap();
    let stored: Vec<u8> = if let Some(path) = &db.sqlite_path {
        let mut bytes = Vec::new();
        for suffix in ["", "-wal"] {
            bytes.extend(std::fs::read(format!("{}{suffix}", path.display())).unwrap_or_default());
        }
        assert!(contains(&bytes, a.id.as_bytes()), "appeal row not found");
        bytes
    } else {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        let rows: Vec<Vec<u8>> = sqlx::query_scalar("SELECT grounds_sealed FROM targeting_appeal")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        rows.concat()
    };
    assert!(
        !contains(&stored, b"SANGGAHAN-RAHASIA"),
        "grounds in plaintext"
    );
    let again = db.reopen().await;
    assert_eq!(
        again.appeal(&code(A), a.id).await.unwrap().unwrap().grounds,
        GROUNDS
    );
}

async fn a_hundred_thousand_rows_save_in_one_run(db: TestDb) {
    let store = db.store.as_ref();
    let run = new_run(0);
    let rows: Vec<CandidateRow> = (0..100_000u32)
        .map(|i| {
            let status = match i % 3 {
                0 => CandidateStatus::Candidate,
                1 => CandidateStatus::Waitlist,
                _ => CandidateStatus::Excluded,
            };
            row([A, B, C][i as usize % 3], Uuid::now_v7(), status, i + 1)
        })
        .collect();
    store.save_run(&run, &rows).await.unwrap();
    let outcome = store
        .approve_run(run.id, &approval("SK 100000", 1))
        .await
        .unwrap();
    assert_eq!(outcome.enrolled, 33_334);
    let page = store
        .candidates(run.id, &Scope::Within(code(B)), None, None, 5)
        .await
        .unwrap();
    assert_eq!(page.len(), 5);
    assert!(page.iter().all(|r| r.village == code(B)));
    assert_eq!(page[0].rank, 2);
}

async fn appeal_grounds_are_resealed_after_a_key_rotation(db: TestDb) {
    let a = appeal_for(B, 0, "Kami belum pernah disurvei");
    db.store.add_appeal(&a).await.unwrap();
    let mut rotated = (*db.keyring).clone();
    rotated.rotate();
    let store = connect(&db.url, Arc::new(rotated.clone())).await.unwrap();
    let report = store.reseal(&|_| {}).await.unwrap();
    assert_eq!((report.values, report.resealed), (1, 1));
    rotated.retire(1).unwrap();
    let store = connect(&db.url, Arc::new(rotated)).await.unwrap();
    assert_eq!(
        store.appeal(&code(B), a.id).await.unwrap().unwrap().grounds,
        a.grounds
    );
}

/// Issue 5 part 4: a death or move reported for a household (a new task) suspends its active
/// enrolments in the same transaction; a re-verification task does not; the next approved run that
/// selects the household makes it active again.
async fn a_reported_death_or_move_suspends_the_households_enrolments(db: TestDb) {
    let store = db.store.as_ref();
    let hh = households(3);
    let run = new_run(0);
    let rows: Vec<CandidateRow> = hh
        .iter()
        .enumerate()
        .map(|(i, h)| row(A, *h, CandidateStatus::Candidate, i as u32 + 1))
        .collect();
    store.save_run(&run, &rows).await.unwrap();
    store
        .approve_run(run.id, &approval("SK 1/2027", 10))
        .await
        .unwrap();
    let task = |household: Uuid, kind: TaskKind| NewTask {
        village: code(A),
        household,
        member: Some(Uuid::now_v7()),
        kind,
        source: "population:test".into(),
    };
    let entry = AuditEntry {
        actor: Uuid::now_v7(),
        role: Role::Admin,
        action: AuditAction::PopulationSync,
        object: ObjectKind::Registry,
        object_id: None,
        region: Some(code(A)),
        purpose: "test".into(),
        client: None,
    };
    let created = store
        .registry_add_tasks(
            &[
                task(hh[0], TaskKind::Death),
                task(hh[1], TaskKind::Moved),
                task(hh[2], TaskKind::Reverify),
            ],
            &entry,
        )
        .await
        .unwrap();
    assert_eq!(created, 3);
    let state = |e: Option<tepat_store::Enrolment>| {
        let e = e.unwrap();
        (e.state, e.end_reason, e.ended_at)
    };
    assert_eq!(
        state(store.enrolment(PKH, hh[0]).await.unwrap()),
        (
            EnrolmentState::Suspended,
            Some("death_reported".into()),
            None
        )
    );
    assert_eq!(
        state(store.enrolment(PKH, hh[1]).await.unwrap()),
        (
            EnrolmentState::Suspended,
            Some("move_reported".into()),
            None
        )
    );
    assert_eq!(
        store.enrolment(PKH, hh[2]).await.unwrap().unwrap().state,
        EnrolmentState::Active,
        "re-verification suspends nothing"
    );
    assert_eq!(active(store, &Scope::All).await, vec![hh[2]]);

    // Selected again by the next approved run: active again.
    let next = new_run(20);
    store.save_run(&next, &rows).await.unwrap();
    store
        .approve_run(next.id, &approval("SK 2/2027", 30))
        .await
        .unwrap();
    let mut now_active = active(store, &Scope::All).await;
    now_active.sort();
    let mut all = hh.clone();
    all.sort();
    assert_eq!(now_active, all);
}
