//! Targeting end to end on every backend, on a generated regency (Belitung, with its observed
//! consumption as the truth): ranking, a run's list against one computed independently in Rust, the SQL
//! and Rust paths agreeing, dry runs storing nothing, approval (once), graduation on re-targeting,
//! exclusivity across programs, unmet quotas reported, and the grants.

use std::collections::HashSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use tepat_core::access::{Actor, ApproveTargeting, ReadTargeting, RunTargeting};
use tepat_core::targeting::approve::{self, approve, list_file, list_hash, Notice};
use tepat_core::targeting::forecast::needs_forecast;
use tepat_core::targeting::rank::rank_households;
use tepat_core::targeting::run::{
    load_program, run_program, RunOptions, RunOutcome, TargetingError,
};
use tepat_domain::program::Formula;
use tepat_domain::{HouseholdFacts, RegionCode, Role, Rupiah, Scope};
use tepat_regions::RegionTable;
use tepat_store::testing::TestDb;
use tepat_store::{CandidateStatus, EnrolmentState, RunState, Store, WelfareRank};
use tepat_targeting::forecast::Indicators;
use tepat_targeting::pmt::Model;
use tepat_targeting::select::{Reason, Shortfall};
use tepat_targeting::survey_file;
use uuid::Uuid;

tepat_store::on_every_backend!(
    a_run_lists_what_the_rule_and_the_ranking_select,
    approval_enrols_once_and_re_targeting_graduates_with_a_reason,
    exclusive_programs_and_unmet_quotas,
    a_full_quota_waitlists_replaces_and_graduates,
    without_a_full_truth_only_the_selected_households_are_read,
    the_truth_found_in_sql_is_the_walks,
    grants_are_enforced,
);

const BELITUNG: &str = "19.02";
const BANGKA: &str = "19.01";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 2, 1).unwrap()
}

fn actor(role: Role, scope: &str) -> Actor {
    Actor::for_tests(role, Scope::Within(code(scope)))
}

/// A small generated Belitung (about 1,000 households), read once per test binary.
fn generated() -> &'static [HouseholdFacts] {
    static FACTS: OnceLock<Vec<HouseholdFacts>> = OnceLock::new();
    FACTS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let mut opts = tepat_generate::GenerateOptions::new(dir.path(), 7, today);
        opts.persons = Some(4_000);
        tepat_generate::generate(&opts, RegionTable::embedded(), &|_, _| {}).unwrap();
        survey_file::read_dir(dir.path())
            .unwrap()
            .into_iter()
            .map(|(mut f, consumption)| {
                if let Some(s) = f.survey.as_mut() {
                    s.consumption_per_capita = consumption;
                }
                f
            })
            .collect()
    })
}

/// Loads the generated households and ranks them as a Belitung verifier would.
async fn loaded(store: &dyn Store) {
    loaded_facts(store, generated()).await
}

async fn loaded_facts(store: &dyn Store, facts: &[HouseholdFacts]) {
    let n = store.load_targeting_facts(facts).await.unwrap();
    assert_eq!(n as usize, facts.len());
    let verifier = actor(Role::Verifier, BELITUNG);
    let grant = verifier.may::<RunTargeting>(&code(BELITUNG)).unwrap();
    let report = rank_households(store, &grant, &Model::builtin(), on())
        .await
        .unwrap();
    assert_eq!(report.households as usize, generated().len());
    assert!(report.ranked > 500, "{report:?}");
    assert_eq!(report.ranked + report.without_survey, report.households);
}

async fn run(store: &dyn Store, program: &str, options: &RunOptions) -> RunOutcome {
    let verifier = actor(Role::Verifier, BELITUNG);
    let grant = verifier.may::<RunTargeting>(&code(BELITUNG)).unwrap();
    run_program(store, &grant, program, options).await.unwrap()
}

fn dry() -> RunOptions {
    RunOptions {
        dry_run: true,
        ..RunOptions::new(on())
    }
}

fn ids(outcome: &RunOutcome, status: CandidateStatus) -> Vec<Uuid> {
    outcome
        .decisions
        .iter()
        .filter(|d| d.status == status.code())
        .map(|d| d.household)
        .collect()
}

async fn a_run_lists_what_the_rule_and_the_ranking_select(db: TestDb) {
    let store = db.store.as_ref();
    loaded(store).await;
    let outcome = run(store, "SEMBAKO", &dry()).await;

    // Independently: the stored facts, the rule in Rust, poorest first, ties by id.
    let all: Vec<Uuid> = generated().iter().map(|f| f.id).collect();
    let facts = store.targeting_facts(&all).await.unwrap();
    let program = load_program(store, "SEMBAKO").await.unwrap();
    let mut expected: Vec<&HouseholdFacts> =
        facts.iter().filter(|f| program.selects(f, on())).collect();
    expected.sort_by_key(|f| (f.welfare.is_none(), f.welfare, f.id));
    let expected: Vec<Uuid> = expected.iter().map(|f| f.id).collect();
    assert!(expected.len() > 100, "{} eligible", expected.len());
    assert_eq!(ids(&outcome, CandidateStatus::Candidate), expected);
    assert_eq!(outcome.path, tepat_core::targeting::run::RulePath::Sql);
    assert_eq!(outcome.households as usize, generated().len());
    assert_eq!(
        outcome.budget_used,
        Rupiah::new(expected.len() as i64 * 200_000 * 12)
    );
    let first = &outcome.decisions[0];
    assert_eq!((first.rank, first.village_rank), (1, 1));
    assert!(first.reasons.rule.iter().all(|p| p.outcome == Some(true)));
    assert_eq!(first.reasons.rule[0].part, "desil <= 4");

    // The truth is known on generated data: errors are measured and are fractions.
    assert!(outcome.truth_known);
    let errors = outcome.simulation.errors.unwrap();
    // Independently: desil by observed consumption per regency, the rule under it.
    let mut observed: Vec<(Uuid, RegionCode, i64)> = facts
        .iter()
        .filter_map(|f| {
            let c = f.survey.as_ref()?.consumption_per_capita?;
            Some((f.id, f.village, c.amount()))
        })
        .collect();
    let true_desil: std::collections::HashMap<Uuid, tepat_domain::Desil> =
        tepat_targeting::pmt::rank(&mut observed)
            .into_iter()
            .collect();
    let truly = facts
        .iter()
        .filter(|f| {
            let mut t = (*f).clone();
            t.desil = true_desil.get(&f.id).copied();
            t.welfare = t.survey.as_ref().and_then(|s| s.consumption_per_capita);
            program.selects(&t, on())
        })
        .count();
    assert!(truly > 100, "{truly}");
    assert_eq!(errors.truly_eligible as usize, truly);
    let inclusion = errors.inclusion.unwrap();
    assert!((0.0..1.0).contains(&inclusion), "{inclusion}");
    assert!(outcome.simulation.gini.is_some());

    // The Rust path gives the same list; a second run the same; a dry run stores nothing.
    let in_rust = run(
        store,
        "SEMBAKO",
        &RunOptions {
            force_rust: true,
            ..dry()
        },
    )
    .await;
    assert!(matches!(
        in_rust.path,
        tepat_core::targeting::run::RulePath::Rust { .. }
    ));
    assert_eq!(in_rust.decisions, outcome.decisions);
    let again = run(store, "SEMBAKO", &dry()).await;
    assert_eq!(again.decisions, outcome.decisions);
    assert!(store.runs("SEMBAKO", 10).await.unwrap().is_empty());

    // A stored run keeps every row with its reasons.
    let stored = run(store, "SEMBAKO", &RunOptions::new(on())).await;
    let id = stored.run_id.unwrap();
    let rows = approve::run_rows(store, id, &Scope::All).await.unwrap();
    assert_eq!(rows.len(), outcome.decisions.len());
    let run = store.run(id).await.unwrap().unwrap();
    assert_eq!(run.state, RunState::Draft);
    assert_eq!(run.period, "2027Q1");
}

async fn approval_enrols_once_and_re_targeting_graduates_with_a_reason(db: TestDb) {
    let store = db.store.as_ref();
    loaded(store).await;
    let first = run(store, "SEMBAKO", &RunOptions::new(on())).await;
    let run_id = first.run_id.unwrap();
    let approver = actor(Role::Approver, BELITUNG);
    let grant = approver.may::<ApproveTargeting>(&code(BELITUNG)).unwrap();
    let approved = approve(store, &grant, run_id, " 400/12/DINSOS/2027 ")
        .await
        .unwrap();
    let candidates = ids(&first, CandidateStatus::Candidate);
    assert_eq!(approved.enrolled as usize, candidates.len());
    assert!(approved.graduated.is_empty());
    // The hash is over the documented file of the stored rows.
    let rows = approve::run_rows(store, run_id, &Scope::All).await.unwrap();
    let file = list_file(&rows);
    assert_eq!(file.lines().count(), candidates.len() + 1);
    assert_eq!(approved.list_hash, approve::hex(&list_hash(&file)));
    let stored = store.run(run_id).await.unwrap().unwrap();
    assert_eq!(stored.state, RunState::Approved);
    assert_eq!(stored.list_hash, Some(list_hash(&file)));
    assert_eq!(stored.decree_number.as_deref(), Some("400/12/DINSOS/2027"));

    let twice = approve(store, &grant, run_id, "400/13/DINSOS/2027").await;
    assert!(
        matches!(twice, Err(TargetingError::NotDraft { state: "approved" })),
        "{twice:?}"
    );

    // A household grows richer: the next period's run leaves it out and approval ends its
    // enrolment with the rule part it fails; the others keep their place as incumbents.
    let leaver = candidates[0];
    store
        .set_welfare(&[WelfareRank {
            household: leaver,
            welfare: Rupiah::new(9_000_000),
            desil: tepat_domain::Desil::new(10).unwrap(),
        }])
        .await
        .unwrap();
    let second = run(store, "SEMBAKO", &RunOptions::new(on())).await;
    let kept = ids(&second, CandidateStatus::Candidate);
    assert!(!kept.contains(&leaver));
    assert!(second
        .candidates()
        .take(candidates.len() - 1)
        .all(|d| d.reasons.incumbent));
    let approved = approve(store, &grant, second.run_id.unwrap(), "400/14/DINSOS/2027")
        .await
        .unwrap();
    assert_eq!(approved.graduated.len(), 1);
    let gone = &approved.graduated[0];
    assert_eq!(gone.household, leaver);
    assert_eq!(gone.notice.reason, "no_longer_eligible");
    assert_eq!(gone.notice.failed, vec!["desil <= 4".to_owned()]);
    let enrolment = store.enrolment("SEMBAKO", leaver).await.unwrap().unwrap();
    assert_eq!(enrolment.state, EnrolmentState::Graduated);
    assert_eq!(enrolment.end_reason.as_deref(), Some("no_longer_eligible"));
    let notice = Notice::parse(enrolment.notice.as_deref().unwrap()).unwrap();
    assert!(notice
        .text(tepat_domain::Lang::Id)
        .contains("tidak lagi memenuhi syarat (desil <= 4)"));
    assert_eq!(
        store.run(run_id).await.unwrap().unwrap().state,
        RunState::Superseded
    );

    // The forecast reads the two runs' per-village counts.
    let reader = actor(Role::Verifier, BELITUNG);
    let read = reader.may::<ReadTargeting>(&code(BELITUNG)).unwrap();
    let history = tepat_core::targeting::forecast::history(store, &read, "SEMBAKO")
        .await
        .unwrap();
    // Both runs are for 2027Q1: the latest counts.
    let eligible: u32 = history.iter().map(|o| o.eligible).sum();
    assert_eq!(eligible, second.eligible);
    assert!(needs_forecast(store, &read, "SEMBAKO", &Indicators::new())
        .await
        .is_ok());
}

async fn exclusive_programs_and_unmet_quotas(db: TestDb) {
    let store = db.store.as_ref();
    loaded(store).await;
    let sembako = run(store, "SEMBAKO", &RunOptions::new(on())).await;
    let approver = actor(Role::Approver, BELITUNG);
    let grant = approver.may::<ApproveTargeting>(&code(BELITUNG)).unwrap();
    approve(store, &grant, sembako.run_id.unwrap(), "400/1/2027")
        .await
        .unwrap();
    let enrolled: HashSet<Uuid> = ids(&sembako, CandidateStatus::Candidate)
        .into_iter()
        .collect();

    // BLT-DAERAH has the same rule but excludes SEMBAKO's households.
    let local = run(store, "BLT-DAERAH", &dry()).await;
    let excluded = ids(&local, CandidateStatus::Excluded);
    assert_eq!(excluded.iter().copied().collect::<HashSet<_>>(), enrolled);
    assert!(local
        .decisions
        .iter()
        .filter(|d| d.status == "excluded")
        .all(|d| d.reasons.selection
            == Reason::EnrolledIn {
                program: "SEMBAKO".into()
            }));
    assert!(ids(&local, CandidateStatus::Candidate)
        .iter()
        .all(|h| !enrolled.contains(h)));

    // The fishers' program wants 500 households in Belitung; far fewer qualify here.
    let fishers = run(store, "BANTUAN-NELAYAN", &dry()).await;
    let available = fishers.candidates().count() as u32;
    assert!(available < 500);
    assert!(fishers.shortfalls.contains(&Shortfall::QuotaUnfilled {
        region: code(BELITUNG),
        quota: 500,
        available,
    }));
}

async fn grants_are_enforced(db: TestDb) {
    let store = db.store.as_ref();
    loaded(store).await;
    let village = generated()[0].village;
    let operator = Actor::for_tests(Role::VillageOperator, Scope::Within(village));
    assert!(operator.may::<RunTargeting>(&village).is_err());
    assert!(operator.may::<ApproveTargeting>(&village).is_err());

    // A verifier of another regency sees none of Belitung's households.
    let elsewhere = actor(Role::Verifier, BANGKA);
    let grant = elsewhere.may::<RunTargeting>(&code(BANGKA)).unwrap();
    let outcome = run_program(store, &grant, "SEMBAKO", &dry()).await.unwrap();
    assert_eq!(outcome.households, 0);
    assert!(outcome.decisions.is_empty());
    let report = rank_households(store, &grant, &Model::builtin(), on())
        .await
        .unwrap();
    assert_eq!(report.households, 0);

    // Nor may its approver approve Belitung's list.
    let draft = run(store, "SEMBAKO", &RunOptions::new(on())).await;
    let approver = actor(Role::Approver, BANGKA);
    let grant = approver.may::<ApproveTargeting>(&code(BANGKA)).unwrap();
    let refused = approve(store, &grant, draft.run_id.unwrap(), "400/2/2027").await;
    assert!(
        matches!(refused, Err(TargetingError::Denied(_))),
        "{refused:?}"
    );
    assert_eq!(
        store
            .run(draft.run_id.unwrap())
            .await
            .unwrap()
            .unwrap()
            .state,
        RunState::Draft
    );
}

/// Saves the next version of SEMBAKO with a quota of `households` in `village`.
async fn sembako_with_quota(store: &dyn Store, village: RegionCode, households: u32) {
    let latest = load_program(store, "SEMBAKO").await.unwrap();
    let mut def = latest.def().clone();
    def.version = latest.version + 1;
    def.quotas = vec![tepat_domain::program::Quota {
        region: village,
        households,
    }];
    store
        .save_program_version(&tepat_store::ProgramVersion {
            code: "SEMBAKO".into(),
            version: def.version,
            body: def.to_toml(),
            saved_by: Uuid::nil(),
            saved_at: chrono::Utc::now(),
            note: "quota test".into(),
        })
        .await
        .unwrap();
}

async fn a_full_quota_waitlists_replaces_and_graduates(db: TestDb) {
    let store = db.store.as_ref();
    loaded(store).await;
    // The village with the most eligible households.
    let open = run(store, "SEMBAKO", &dry()).await;
    let mut per_village = std::collections::BTreeMap::<RegionCode, u32>::new();
    for d in open.candidates() {
        *per_village.entry(d.village).or_default() += 1;
    }
    let (village, eligible) = per_village.into_iter().max_by_key(|(_, n)| *n).unwrap();
    assert!(eligible >= 5, "{eligible}");

    sembako_with_quota(store, village, 2).await;
    let limited = run(store, "SEMBAKO", &RunOptions::new(on())).await;
    let here = |o: &RunOutcome, status: CandidateStatus| -> Vec<Uuid> {
        o.decisions
            .iter()
            .filter(|d| d.village == village && d.status == status.code())
            .map(|d| d.household)
            .collect()
    };
    assert_eq!(here(&limited, CandidateStatus::Candidate).len(), 2);
    let waiting = here(&limited, CandidateStatus::Waitlist);
    assert_eq!(waiting.len() as u32, eligible - 2);
    assert!(limited
        .waitlist()
        .all(|d| d.reasons.selection == Reason::QuotaFull { region: village }));

    let approver = actor(Role::Approver, BELITUNG);
    let grant = approver.may::<ApproveTargeting>(&code(BELITUNG)).unwrap();
    let draft = run(store, "SEMBAKO", &RunOptions::new(on())).await;
    let refused =
        approve::replace_from_waitlist(store, &grant, draft.run_id.unwrap(), &village, 1).await;
    assert!(matches!(refused, Err(TargetingError::NotApproved { .. })));
    let run_id = limited.run_id.unwrap();
    approve(store, &grant, run_id, "400/3/2027").await.unwrap();
    let replaced = approve::replace_from_waitlist(store, &grant, run_id, &village, 1)
        .await
        .unwrap();
    assert_eq!(replaced, vec![waiting[0]]);
    let enrolment = store
        .enrolment("SEMBAKO", waiting[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(enrolment.state, EnrolmentState::Active);

    // The quota shrinks to one: two of the three incumbents are waitlisted and graduate for the quota.
    sembako_with_quota(store, village, 1).await;
    let shrunk = run(store, "SEMBAKO", &RunOptions::new(on())).await;
    let kept = here(&shrunk, CandidateStatus::Candidate);
    assert_eq!(kept.len(), 1);
    let approved = approve(store, &grant, shrunk.run_id.unwrap(), "400/4/2027")
        .await
        .unwrap();
    assert_eq!(approved.graduated.len(), 2);
    assert!(approved.graduated.iter().all(|g| g.notice.reason == "quota"
        && g.village == village
        && !kept.contains(&g.household)));
}

async fn without_a_full_truth_only_the_selected_households_are_read(db: TestDb) {
    let store = db.store.as_ref();
    // Half the surveys lack a consumption module: no truth, so the run reads the selected only.
    let facts: Vec<HouseholdFacts> = generated()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut f = f.clone();
            if let (0, Some(s)) = (i % 2, f.survey.as_mut()) {
                s.consumption_per_capita = None;
            }
            f
        })
        .collect();
    loaded_facts(store, &facts).await;
    // Enrolled SEMBAKO households: incumbents of SEMBAKO, excluded from BLT-DAERAH (stored enrolments).
    let first = run(store, "SEMBAKO", &RunOptions::new(on())).await;
    let approver = actor(Role::Approver, BELITUNG);
    let grant = approver.may::<ApproveTargeting>(&code(BELITUNG)).unwrap();
    approve(store, &grant, first.run_id.unwrap(), "400/9/2027")
        .await
        .unwrap();
    let enrolled = ids(&first, CandidateStatus::Candidate).len();
    assert!(enrolled > 100, "{enrolled}");
    for program in ["SEMBAKO", "BLT-DAERAH", "PKH", "PBI-JK", "BANTUAN-NELAYAN"] {
        let selected_only = run(store, program, &dry()).await;
        let walked = run(
            store,
            program,
            &RunOptions {
                force_rust: true,
                ..dry()
            },
        )
        .await;
        assert!(!selected_only.truth_known, "{program}");
        assert!(selected_only.simulation.errors.is_none(), "{program}");
        assert!(selected_only.decisions.len() > 10, "{program}");
        // Benefits come from member counts in SQL: no household's facts are read.
        assert!(counted_in_sql(store, program).await, "{program}");
        assert_eq!(selected_only.facts_read, 0, "{program}");
        assert_eq!(walked.facts_read, walked.households, "{program}");
        assert!(
            selected_only.eligible < selected_only.households,
            "{program}"
        );
        // Same ranks, benefits, reasons (the rule's parts), incumbency and exclusions.
        assert_eq!(selected_only.decisions, walked.decisions, "{program}");
        assert_eq!(selected_only.households, walked.households);
        assert_eq!(selected_only.registered, walked.registered);
        assert_eq!(selected_only.simulation, walked.simulation, "{program}");
        assert!(selected_only
            .candidates()
            .all(|d| d.benefit.amount() > 0
                && d.reasons.rule.iter().all(|p| p.outcome == Some(true))));
        let incumbents = selected_only
            .decisions
            .iter()
            .filter(|d| d.reasons.incumbent)
            .count();
        let excluded = ids(&selected_only, CandidateStatus::Excluded).len();
        match program {
            "SEMBAKO" => assert_eq!(incumbents, enrolled),
            "BLT-DAERAH" => assert_eq!(excluded, enrolled),
            _ => assert_eq!((incumbents, excluded), (0, 0), "{program}"),
        }
    }
}

async fn the_truth_found_in_sql_is_the_walks(db: TestDb) {
    let store = db.store.as_ref();
    loaded(store).await;
    let mut pkh = None;
    for program in ["PKH", "SEMBAKO", "PBI-JK", "BANTUAN-NELAYAN"] {
        let in_sql = run(store, program, &dry()).await;
        let walked = run(
            store,
            program,
            &RunOptions {
                force_rust: true,
                ..dry()
            },
        )
        .await;
        assert!(in_sql.truth_known && walked.truth_known, "{program}");
        let errors = in_sql.simulation.errors.as_ref().unwrap();
        assert!(errors.truly_eligible > 10, "{program}: {errors:?}");
        // Inclusion and exclusion errors against the same true list, and the same list itself.
        assert_eq!(in_sql.simulation, walked.simulation, "{program}");
        assert_eq!(in_sql.decisions, walked.decisions, "{program}");
        assert_eq!(walked.facts_read, walked.households, "{program}");
        assert!(counted_in_sql(store, program).await, "{program}");
        assert_eq!(in_sql.facts_read, 0, "{program}");
        pkh.get_or_insert(in_sql);
    }
    let pkh = pkh.unwrap();

    // A member condition that may overflow in SQL: PKH's benefit then reads the listed households'
    // facts, and the list is the same (the condition still means `age < 6`).
    let latest = load_program(store, "PKH").await.unwrap();
    let mut def = latest.def().clone();
    def.version = latest.version + 1;
    let Formula::Components { components, .. } = &mut def.benefit else {
        panic!("PKH pays by components");
    };
    components[1].condition = "age < 6 or age * 4000000000000000000 < 0".into();
    store
        .save_program_version(&tepat_store::ProgramVersion {
            code: "PKH".into(),
            version: def.version,
            body: def.to_toml(),
            saved_by: Uuid::nil(),
            saved_at: chrono::Utc::now(),
            note: "a condition that stays in Rust".into(),
        })
        .await
        .unwrap();
    assert!(!counted_in_sql(store, "PKH").await);
    let read = run(store, "PKH", &dry()).await;
    assert_eq!(read.path, tepat_core::targeting::run::RulePath::Sql);
    assert!(read.facts_read >= read.eligible && read.eligible > 10);
    assert_eq!(read.decisions, pkh.decisions);
    assert_eq!(read.simulation, pkh.simulation);
}

/// Whether every member condition of the program's benefit compiles to SQL.
async fn counted_in_sql(store: &dyn Store, program: &str) -> bool {
    let program = load_program(store, program).await.unwrap();
    let columns = tepat_domain::targeting_sql::TargetingColumns::new(on());
    program.benefit_counts_sql(&columns).is_ok()
}
