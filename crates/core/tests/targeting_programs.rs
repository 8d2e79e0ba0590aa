//! Programs as versioned data and appeals against automated decisions, on every backend: seeding the
//! built-in set, admins' edits (new version, bad rule with its column, stale edit refused), and appeals
//! filed, queued by scope, decided once, with their audit entries and the re-verification task.

use chrono::Utc;
use tepat_core::access::{Actor, Denied, FileAppeal, ManagePrograms, ReviewAppeal};
use tepat_core::registry::Origin;
use tepat_core::targeting::appeals::{self, AppealError, Decision, Filing};
use tepat_core::targeting::programs::{self, Edit, ProgramsError};
use tepat_domain::program::{ProgramErrorKind, Programs};
use tepat_domain::registry::{Change, ChangeKind, RegistryHousehold, Request, Submission, Who};
use tepat_domain::{Lang, Localized, RegionCode, Role, Rupiah, Scope};
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    AppealState, AuditAction, AuditEntry, AuditFilter, HouseholdState, ObjectKind, SaveHousehold,
    Store, TaskKind, TaskState,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    the_builtin_programs_are_seeded_once,
    an_admin_edit_is_a_new_version_and_a_stale_one_is_refused,
    a_bad_rule_is_refused_with_its_column,
    an_appeal_is_filed_reviewed_in_scope_and_decided_once,
    appeal_grounds_are_bounded_and_kept_as_typed,
    a_file_of_two_new_programs_excluding_each_other_loads_whole,
);

const VILLAGE_A: &str = "19.02.01.1001";
const VILLAGE_B: &str = "19.02.01.1002";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn origin() -> Origin {
    Origin::now(Some("10.1.2.3:5000".into()))
}

async fn seeded(db: &TestDb) -> &dyn Store {
    let store = db.store.as_ref();
    programs::seed_builtin(store, &origin()).await.unwrap();
    store
}

/// An active household of `village`; returns its id.
async fn household(store: &dyn Store, village: &str, serial: u16) -> Uuid {
    let records = sample::households(village, 1, 3, serial);
    let first = &records[0];
    let h = RegistryHousehold {
        id: Uuid::now_v7(),
        kk_number: first.kk_number,
        village: first.village,
        address: first.address.clone(),
        rt: first.rt.clone(),
        rw: first.rw.clone(),
        location: None,
        survey: None,
        account: None,
        members: records.iter().map(sample::registry_member).collect(),
    };
    let who = Who {
        user: Uuid::now_v7(),
        role: Role::VillageOperator,
    };
    let request = Request::propose(
        Uuid::now_v7(),
        ChangeKind::NewHousehold,
        h.id,
        h.village,
        who,
        Utc::now(),
        "usulan",
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
        state: HouseholdState::Active,
        expected_version: None,
        verified: true,
    };
    let audit = AuditEntry {
        actor: who.user,
        role: who.role,
        action: AuditAction::Propose,
        object: ObjectKind::Request,
        object_id: Some(request.id),
        region: Some(h.village),
        purpose: "test".into(),
        client: None,
    };
    store
        .registry_propose(&request, &submission, Some(save), &audit)
        .await
        .unwrap();
    h.id
}

async fn the_builtin_programs_are_seeded_once(db: TestDb) {
    let store = db.store.as_ref();
    let builtin = Programs::builtin();
    let n = programs::seed_builtin(store, &origin()).await.unwrap();
    assert_eq!(n, builtin.iter().count());
    assert_eq!(programs::seed_builtin(store, &origin()).await.unwrap(), 0);
    let current = programs::current(store).await.unwrap();
    let codes: Vec<&str> = current.iter().map(|p| p.code.as_str()).collect();
    let mut expected: Vec<&str> = builtin.iter().map(|p| p.code.as_str()).collect();
    expected.sort();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(sorted, expected);
    assert!(current.iter().all(|p| p.version == 1));
    let pkh = programs::get(store, "PKH").await.unwrap();
    assert_eq!(pkh.rule, builtin.get("PKH").unwrap().rule);
    assert!(matches!(
        programs::get(store, "NOPE").await,
        Err(ProgramsError::NotFound { .. })
    ));
}

async fn an_admin_edit_is_a_new_version_and_a_stale_one_is_refused(db: TestDb) {
    let store = seeded(&db).await;
    let admin = Actor::for_tests(Role::Admin, Scope::All);
    let grant = admin.may_anywhere::<ManagePrograms>().unwrap();
    let mut def = programs::get(store, "SEMBAKO").await.unwrap().def().clone();
    def.budget = Some(Rupiah::new(9_000_000_000));
    let saved = programs::save(
        store,
        &grant,
        "SEMBAKO",
        1,
        Edit::Def(Box::new(def.clone())),
        "anggaran 2027",
        &origin(),
    )
    .await
    .unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(saved.budget, Some(Rupiah::new(9_000_000_000)));
    let again = programs::get(store, "SEMBAKO").await.unwrap();
    assert_eq!((again.version, again.budget), (2, saved.budget));
    let history = programs::history(store, "SEMBAKO").await.unwrap();
    assert_eq!(
        history.iter().map(|v| v.version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(history[0].saved_by, admin.user());
    assert_eq!(history[0].note, "anggaran 2027");

    // Another admin still editing version 1 is told to reload, in both languages.
    let stale = programs::save(
        store,
        &grant,
        "SEMBAKO",
        1,
        Edit::Def(Box::new(def.clone())),
        "",
        &origin(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            stale,
            ProgramsError::Stale {
                expected: 1,
                latest: 2,
                ..
            }
        ),
        "{stale:?}"
    );
    assert!(stale.message(Lang::Id).contains("muat ulang"));
    assert!(stale.message(Lang::En).contains("reload"));
    assert_eq!(programs::history(store, "SEMBAKO").await.unwrap().len(), 2);

    // The whole TOML works too, and cannot change the code.
    let mut toml_def = again.def().clone();
    toml_def.cycles = 6;
    let saved = programs::save(
        store,
        &grant,
        "SEMBAKO",
        2,
        Edit::Toml(toml_def.to_toml()),
        "",
        &origin(),
    )
    .await
    .unwrap();
    assert_eq!((saved.version, saved.cycles), (3, 6));
    let mut renamed = saved.def().clone();
    renamed.code = "SEMBAKO-2".into();
    let err = programs::save(
        store,
        &grant,
        "SEMBAKO",
        3,
        Edit::Def(Box::new(renamed)),
        "",
        &origin(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ProgramsError::Invalid(e) if e.kind == ProgramErrorKind::CodeChanged),
        "{err:?}"
    );

    // Exclusivity is checked against the stored set.
    let mut def = saved.def().clone();
    def.exclusive_with = vec!["NOT-A-PROGRAM".into()];
    let err = programs::save(
        store,
        &grant,
        "SEMBAKO",
        3,
        Edit::Def(Box::new(def)),
        "",
        &origin(),
    )
    .await
    .unwrap_err();
    assert!(matches!(&err, ProgramsError::Invalid(e) if e.field == "exclusive_with"));
}

async fn a_bad_rule_is_refused_with_its_column(db: TestDb) {
    let store = seeded(&db).await;
    let admin = Actor::for_tests(Role::Admin, Scope::All);
    let grant = admin.may_anywhere::<ManagePrograms>().unwrap();
    let mut def = programs::get(store, "PKH").await.unwrap().def().clone();
    def.rule = "desil <= 4 and umur > 3".into();
    let err = programs::save(
        store,
        &grant,
        "PKH",
        1,
        Edit::Def(Box::new(def)),
        "",
        &origin(),
    )
    .await
    .unwrap_err();
    let ProgramsError::Invalid(e) = &err else {
        panic!("{err:?}")
    };
    let ProgramErrorKind::Rule { error, .. } = &e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(error.span.start, 16, "the column of `umur`");
    assert!(error
        .render("desil <= 4 and umur > 3", Lang::Id)
        .contains("\n               ^^^^"));
    assert_eq!(programs::get(store, "PKH").await.unwrap().version, 1);
    // A new program needs expected version 0 and a good definition.
    let mut def = programs::get(store, "PKH").await.unwrap().def().clone();
    def.code = "PKH-DAERAH".into();
    def.exclusive_with = vec!["PKH".into()];
    let new = programs::save(
        store,
        &grant,
        "PKH-DAERAH",
        0,
        Edit::Def(Box::new(def)),
        "",
        &origin(),
    )
    .await
    .unwrap();
    assert_eq!(new.version, 1);
    assert!(programs::current(store)
        .await
        .unwrap()
        .get("PKH-DAERAH")
        .is_some());
}

async fn an_appeal_is_filed_reviewed_in_scope_and_decided_once(db: TestDb) {
    let store = seeded(&db).await;
    let in_a = household(store, VILLAGE_A, 1).await;
    let in_b = household(store, VILLAGE_B, 2).await;
    let op_a = Actor::for_tests(Role::VillageOperator, Scope::Within(code(VILLAGE_A)));
    let grant = op_a.may::<FileAppeal>(&code(VILLAGE_A)).unwrap();
    let filing = |household, village| Filing {
        village: code(village),
        household,
        program: "PKH",
        run_id: None,
        grounds: "Anak kedua masih sekolah SMP; data survei keliru.",
    };
    let id = appeals::file(store, &grant, &filing(in_a, VILLAGE_A), &origin())
        .await
        .unwrap();
    // Village A's operator cannot appeal for village B, nor with B's household under A's code.
    assert!(op_a.may::<FileAppeal>(&code(VILLAGE_B)).is_err());
    let err = appeals::file(store, &grant, &filing(in_b, VILLAGE_B), &origin())
        .await
        .unwrap_err();
    assert!(matches!(err, AppealError::Denied(Denied::Region { .. })));
    let err = appeals::file(store, &grant, &filing(in_b, VILLAGE_A), &origin())
        .await
        .unwrap_err();
    assert!(matches!(err, AppealError::NoHousehold), "{err:?}");
    // Village operators do not review.
    assert!(op_a.may_anywhere::<ReviewAppeal>().is_err());

    let verifier = Actor::for_tests(Role::Verifier, Scope::Within(code("19.02")));
    let review = verifier.may_anywhere::<ReviewAppeal>().unwrap();
    let queue = appeals::queue(store, &review, AppealState::Open, &origin())
        .await
        .unwrap();
    assert_eq!(queue.iter().map(|a| a.id).collect::<Vec<_>>(), [id]);
    let elsewhere = Actor::for_tests(Role::Verifier, Scope::Within(code("19.02.02")));
    let other = elsewhere.may_anywhere::<ReviewAppeal>().unwrap();
    assert!(appeals::queue(store, &other, AppealState::Open, &origin())
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        appeals::open(store, &other, &code(VILLAGE_A), id, &origin()).await,
        Err(AppealError::Denied(_))
    ));
    let opened = appeals::open(store, &review, &code(VILLAGE_A), id, &origin())
        .await
        .unwrap();
    assert_eq!(
        opened.grounds,
        "Anak kedua masih sekolah SMP; data survei keliru."
    );

    let blank = Decision {
        upheld: true,
        reason: "  ",
    };
    assert!(matches!(
        appeals::decide(store, &review, &code(VILLAGE_A), id, &blank, &origin()).await,
        Err(AppealError::EmptyReason)
    ));
    let upheld = Decision {
        upheld: true,
        reason: "data sekolah anak perlu diverifikasi ulang",
    };
    let decided = appeals::decide(store, &review, &code(VILLAGE_A), id, &upheld, &origin())
        .await
        .unwrap();
    assert_eq!(decided.state, AppealState::Upheld);
    assert_eq!(decided.decided_by, Some(verifier.user()));
    assert_eq!(
        decided.decision_reason.as_deref(),
        Some("data sekolah anak perlu diverifikasi ulang")
    );
    let again = appeals::decide(store, &review, &code(VILLAGE_A), id, &upheld, &origin())
        .await
        .unwrap_err();
    assert!(matches!(again, AppealError::AlreadyDecided), "{again:?}");
    assert!(again.message(Lang::Id).contains("sudah diputuskan"));
    assert!(appeals::queue(store, &review, AppealState::Open, &origin())
        .await
        .unwrap()
        .is_empty());

    // The upheld appeal sends the household back to the field.
    let tasks = store
        .registry_tasks(TaskState::Open, &Scope::Within(code(VILLAGE_A)), 10)
        .await
        .unwrap();
    let task = tasks.iter().find(|t| t.household == in_a).expect("a task");
    assert_eq!(task.kind, TaskKind::Reverify);
    assert_eq!(task.source, format!("appeal:{id}"));

    // Filing, reading and deciding are in the audit log under the household, without the grounds.
    let log = store
        .audit_query(&AuditFilter {
            within: Scope::All,
            actor: None,
            object_id: Some(in_a),
            before_seq: None,
            limit: 50,
        })
        .await
        .unwrap();
    let purposes: Vec<&str> = log.iter().map(|r| r.entry.purpose.as_str()).collect();
    for p in [
        "targeting.appeal.file",
        "targeting.appeal.read",
        "targeting.appeal.upheld",
    ] {
        assert!(purposes.contains(&p), "{p} in {purposes:?}");
    }
}

async fn appeal_grounds_are_bounded_and_kept_as_typed(db: TestDb) {
    let store = seeded(&db).await;
    let in_a = household(store, VILLAGE_A, 3).await;
    let op = Actor::for_tests(Role::DistrictOperator, Scope::Within(code("19.02.01")));
    let grant = op.may::<FileAppeal>(&code(VILLAGE_A)).unwrap();
    let too_long = "x".repeat(appeals::GROUNDS_MAX_CHARS + 1);
    let html = "<script>alert(1)</script> & \"kutip\"";
    for (grounds, program) in [("   ", "PKH"), (too_long.as_str(), "PKH"), (html, "NOPE")] {
        let filing = Filing {
            village: code(VILLAGE_A),
            household: in_a,
            program,
            run_id: None,
            grounds,
        };
        let err = appeals::file(store, &grant, &filing, &origin())
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                AppealError::EmptyGrounds
                    | AppealError::GroundsTooLong
                    | AppealError::UnknownProgram(_)
            ),
            "{err:?}"
        );
    }
    let filing = Filing {
        village: code(VILLAGE_A),
        household: in_a,
        program: "SEMBAKO",
        run_id: None,
        grounds: html,
    };
    let id = appeals::file(store, &grant, &filing, &origin())
        .await
        .unwrap();
    let reviewer = Actor::for_tests(Role::Approver, Scope::All);
    let review = reviewer.may_anywhere::<ReviewAppeal>().unwrap();
    let appeal = appeals::open(store, &review, &code(VILLAGE_A), id, &origin())
        .await
        .unwrap();
    assert_eq!(appeal.grounds, html, "stored as typed; pages escape it");
    let rejected = Decision {
        upheld: false,
        reason: "desil 8: di atas batas program",
    };
    let decided = appeals::decide(store, &review, &code(VILLAGE_A), id, &rejected, &origin())
        .await
        .unwrap();
    assert_eq!(decided.state, AppealState::Rejected);
    let tasks = store
        .registry_tasks(TaskState::Open, &Scope::All, 10)
        .await
        .unwrap();
    assert!(
        tasks.iter().all(|t| !t.source.starts_with("appeal:")),
        "a rejected appeal makes no task"
    );
}

/// A file is checked whole: two new programs that exclude each other load together (neither could be
/// saved first on its own), a changed one becomes its next version, and a file naming an unknown
/// program in `exclusive_with` saves nothing.
async fn a_file_of_two_new_programs_excluding_each_other_loads_whole(db: TestDb) {
    let store = seeded(&db).await;
    let admin = Actor::for_tests(Role::Admin, Scope::All);
    let grant = admin.may_anywhere::<ManagePrograms>().unwrap();
    let mut defs: Vec<_> = ["BLT-DAERAH", "BLT-DAERAH"]
        .iter()
        .map(|c| Programs::builtin().get(c).unwrap().def().clone())
        .collect();
    for (def, (code, other)) in defs
        .iter_mut()
        .zip([("KOTA-A", "KOTA-B"), ("KOTA-B", "KOTA-A")])
    {
        def.code = code.into();
        def.exclusive_with = vec![other.into()];
    }
    let mut sembako = programs::get(store, "SEMBAKO").await.unwrap().def().clone();
    sembako.rule = "desil <= 3".into();
    defs.push(sembako);
    let text: String = defs
        .iter()
        .map(|d| d.to_toml())
        .collect::<Vec<_>>()
        .join("\n");
    let loaded = programs::load(store, &grant, &text, "Perbup 5/2027", &origin())
        .await
        .unwrap();
    assert!(loaded.contains(&programs::Loaded::New {
        code: "KOTA-A".into()
    }));
    assert!(loaded.contains(&programs::Loaded::New {
        code: "KOTA-B".into()
    }));
    assert!(loaded.contains(&programs::Loaded::Changed {
        code: "SEMBAKO".into(),
        version: 2
    }));
    assert_eq!(
        programs::get(store, "KOTA-B").await.unwrap().exclusive_with,
        ["KOTA-A"]
    );
    assert_eq!(
        programs::get(store, "SEMBAKO").await.unwrap().rule,
        "desil <= 3"
    );

    let unknown = text.replace(
        "exclusive_with = [\"KOTA-A\"]",
        "exclusive_with = [\"KOTA-Z\"]",
    );
    assert_ne!(unknown, text);
    let err = programs::load(store, &grant, &unknown, "", &origin())
        .await
        .unwrap_err();
    assert!(matches!(err, ProgramsError::Invalid(_)), "{err:?}");
    assert_eq!(
        programs::get(store, "SEMBAKO").await.unwrap().version,
        2,
        "nothing saved"
    );
}
