//! Answers to citizens' proposals and objections on every backend: an officer closes one once, inside
//! their scope; the citizen reads the answer with the receipt code; an unanswered objection is overdue
//! after its deadline and only open objections hold a household's photos.

use chrono::{DateTime, Duration, Utc};
use tepat_core::access::{Actor, Propose};
use tepat_core::intake::citizen::{self, CitizenError, Limits, Proof, ReplySettings};
use tepat_core::registry::{self, Origin};
use tepat_domain::{Lang, Localized, RegionCode, Role, Scope};
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    ImportMeta, ImportSummaryForRun, Objection, ObjectionDetails, PopulationRecord, ReplyOutcome,
    Store, SubmissionKind,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    a_proposal_is_closed_once_and_the_citizen_reads_the_answer,
    objections_past_their_deadline_are_overdue_until_answered,
);

const VILLAGE_A: &str = "19.02.01.1001";
const VILLAGE_B: &str = "19.02.01.1002";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn at(now: DateTime<Utc>) -> Origin {
    Origin {
        now,
        client: Some("10.1.2.3:5000".into()),
    }
}

async fn import(store: &dyn Store, rows: &[PopulationRecord]) {
    let mut import = store
        .begin_population_import(ImportMeta {
            source_name: "penduduk.csv".into(),
        })
        .await
        .unwrap();
    let n = rows.len() as u64;
    import.write_batch(rows).await.unwrap();
    import
        .finish(ImportSummaryForRun {
            rows_read: n,
            rows_valid: n,
            rows_rejected: 0,
            source_sha256: None,
        })
        .await
        .unwrap();
}

fn operator(village: &str) -> Actor {
    Actor::for_tests(Role::VillageOperator, Scope::Within(code(village)))
}

/// A new-household request entered by `village`'s operator; its id.
async fn request_in(store: &dyn Store, village: &str, seed: u16) -> Uuid {
    let h = sample::registry_household(&sample::households(village, 1, 1, seed));
    let op = operator(village);
    registry::propose_household(
        store,
        &op.may::<Propose>(&code(village)).unwrap(),
        h,
        "usulan warga",
        &at(Utc::now()),
    )
    .await
    .unwrap()
    .id
}

async fn a_proposal_is_closed_once_and_the_citizen_reads_the_answer(db: TestDb) {
    let store = db.store.as_ref();
    let people = sample::households(VILLAGE_A, 1, 2, 40);
    import(store, &people).await;
    let (nik, kk) = (
        people[0].nik.digits().to_owned(),
        people[0].kk_number.digits().to_owned(),
    );
    let o = at(Utc::now());
    let tip = citizen::propose_own(
        store,
        &Limits::default(),
        &Proof { nik: &nik, kk: &kk },
        "suami kena PHK",
        &o,
    )
    .await
    .unwrap();
    let receipt = tip.id.to_string();
    let open = citizen::status(store, &receipt).await.unwrap().unwrap();
    assert_eq!(open.kind, SubmissionKind::Tip);
    assert_eq!(open.village, code(VILLAGE_A));
    assert!(open.reply.is_none());

    let op_a = operator(VILLAGE_A);
    let grant_a = op_a.may_anywhere::<Propose>().unwrap();
    let op_b = operator(VILLAGE_B);
    let grant_b = op_b.may_anywhere::<Propose>().unwrap();
    let here = request_in(store, VILLAGE_A, 60).await;
    let elsewhere = request_in(store, VILLAGE_B, 70).await;
    let accepted = ReplyOutcome::Accepted { request: here };

    // Another village's operator cannot even see it.
    let e = citizen::close(store, &grant_b, tip.id, accepted, "diterima", &o)
        .await
        .unwrap_err();
    assert_eq!(e, CitizenError::NoSuchSubmission);
    // Accepting names a request of the submission's own village.
    let foreign = ReplyOutcome::Accepted { request: elsewhere };
    let e = citizen::close(store, &grant_a, tip.id, foreign, "diterima", &o)
        .await
        .unwrap_err();
    assert_eq!(e, CitizenError::UnknownRequest);
    assert!(!e.message(Lang::Id).is_empty() && e.message(Lang::Id) != e.message(Lang::En));
    let e = citizen::close(store, &grant_a, tip.id, accepted, "<b>ya</b>", &o)
        .await
        .unwrap_err();
    assert!(matches!(e, CitizenError::Field { field: "reply", .. }));
    // Nothing of the refused attempts was kept.
    assert!(citizen::status(store, &receipt)
        .await
        .unwrap()
        .unwrap()
        .reply
        .is_none());

    let reply = "Diterima, masuk verifikasi desa.";
    let answer = citizen::close(store, &grant_a, tip.id, accepted, reply, &o)
        .await
        .unwrap();
    assert_eq!(answer.outcome, accepted);
    let again = citizen::close(store, &grant_a, tip.id, ReplyOutcome::Rejected, "tidak", &o)
        .await
        .unwrap_err();
    assert_eq!(again, CitizenError::AlreadyClosed);

    let seen = citizen::status(store, &format!("  {receipt} "))
        .await
        .unwrap()
        .unwrap();
    let got = seen.reply.expect("the citizen sees the answer");
    assert_eq!(got.text, reply);
    assert_eq!(got.outcome, accepted);
    assert_eq!(got.kind, SubmissionKind::Tip);
    assert!(citizen::status(store, "bukan-kode")
        .await
        .unwrap()
        .is_none());
    assert!(citizen::status(store, &Uuid::now_v7().to_string())
        .await
        .unwrap()
        .is_none());

    let inbox = citizen::inbox(store, &grant_a, &ReplySettings::default(), &o)
        .await
        .unwrap();
    assert_eq!(inbox.tips.len(), 1);
    assert_eq!(
        inbox.tips[0].reply.as_ref().map(|r| r.text.as_str()),
        Some(reply)
    );
    assert!(!inbox.tips[0].overdue && inbox.tips[0].answer_by.is_none());
}

async fn objection(store: &dyn Store, household: Uuid, created_at: DateTime<Utc>) -> Objection {
    let o = Objection {
        id: Uuid::now_v7(),
        village: code(VILLAGE_A),
        household,
        details: ObjectionDetails {
            reason: "punya mobil".into(),
            objector: "Contoh".into(),
        },
        created_at,
    };
    store.intake_add_objection(&o).await.unwrap();
    o
}

async fn objections_past_their_deadline_are_overdue_until_answered(db: TestDb) {
    let store = db.store.as_ref();
    let t0 = Utc::now() - Duration::days(30);
    let (held, other) = (Uuid::now_v7(), Uuid::now_v7());
    let first = objection(store, held, t0).await;
    let second = objection(store, held, t0 + Duration::hours(1)).await;
    let third = objection(store, other, t0 + Duration::hours(2)).await;
    let mut open = store.intake_open_objection_households().await.unwrap();
    open.sort();
    let mut both = vec![held, other];
    both.sort();
    assert_eq!(open, both);

    let op = operator(VILLAGE_A);
    let grant = op.may_anywhere::<Propose>().unwrap();
    let settings = ReplySettings {
        answer_within_days: 5,
    };
    let within = at(t0 + Duration::days(5));
    let inbox = citizen::inbox(store, &grant, &settings, &within)
        .await
        .unwrap();
    assert_eq!(inbox.objections.len(), 3);
    assert!(inbox.objections.iter().all(|o| !o.overdue));
    assert_eq!(
        inbox.objections[0].answer_by,
        Some((t0 + Duration::days(5)).date_naive())
    );

    let late = at(t0 + Duration::days(6));
    citizen::close(
        store,
        &grant,
        first.id,
        ReplyOutcome::Rejected,
        "Sudah dicek: layak.",
        &late,
    )
    .await
    .unwrap();
    citizen::close(
        store,
        &grant,
        third.id,
        ReplyOutcome::Answered,
        "Sedang dicek.",
        &late,
    )
    .await
    .unwrap();
    let inbox = citizen::inbox(store, &grant, &settings, &late)
        .await
        .unwrap();
    let overdue: Vec<Uuid> = inbox
        .objections
        .iter()
        .filter(|o| o.overdue)
        .map(|o| o.item.id)
        .collect();
    assert_eq!(
        overdue,
        vec![second.id],
        "only the unanswered one is overdue"
    );
    // With the default 14 days nothing is overdue yet.
    let default = citizen::inbox(store, &grant, &ReplySettings::default(), &late)
        .await
        .unwrap();
    assert!(default.objections.iter().all(|o| !o.overdue));
    // `held` still has an open objection; `other` does not any more.
    assert_eq!(
        store.intake_open_objection_households().await.unwrap(),
        vec![held]
    );
    citizen::close(
        store,
        &grant,
        second.id,
        ReplyOutcome::Rejected,
        "Layak.",
        &late,
    )
    .await
    .unwrap();
    assert!(store
        .intake_open_objection_households()
        .await
        .unwrap()
        .is_empty());
    let state = citizen::status(store, &first.id.to_string())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(state.kind, SubmissionKind::Objection);
    assert_eq!(state.reply.unwrap().outcome, ReplyOutcome::Rejected);
}
