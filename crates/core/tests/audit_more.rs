//! The audit entries of issue 5's leftovers, on every backend: sign-ins (success, refusal, lockout)
//! without what was typed, the scheduled jobs as their own actors, citizens' proposals by the public
//! actor, an administrator removing a lost device's passkeys, and the auditors' time range.

use std::net::IpAddr;

use chrono::{Duration, Utc};
use tepat_core::access::{
    Actor, Administer, Decide, FlagStale, Job, Propose, ReadAudit, ReviewInDistrict, VerifyAtDinas,
    VerifyInVillage,
};
use tepat_core::auth::accounts::{self, AccountError, NewUser, WhichPasskeys};
use tepat_core::auth::{AuthPolicy, AuthService, Password, RateLimit};
use tepat_core::intake::citizen::{self, Limits, Proof};
use tepat_core::photos::{self, PhotoKind, PhotoSettings};
use tepat_core::registry::{self, Origin};
use tepat_domain::registry::{FieldVisit, RegistryHousehold, SurveyAnswers};
use tepat_domain::{RegionCode, Role, Scope};
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    AuditAction, AuditEntry, AuditFilter, AuditPeriod, ImportMeta, ImportSummaryForRun, Lockout,
    NewPasskey, ObjectKind, Photo, PhotoMeta, PopulationRecord, Store, TaskKind, TaskState,
    PUBLIC_ACTOR,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    sign_ins_are_audited_without_what_was_typed,
    the_scheduled_jobs_act_as_themselves,
    citizens_submissions_are_audited_by_the_public_actor,
    an_administrator_removes_a_lost_devices_passkeys,
    the_auditors_period_leaves_out_other_times,
    an_objection_is_audited_and_the_job_flags_a_stale_household,
    photo_actions_have_their_own_codes,
);

const VILLAGE: &str = "19.02.01.1001";
const PASSWORD: &str = "pantai tanjung tinggi";

fn village() -> RegionCode {
    RegionCode::parse(VILLAGE).unwrap()
}

fn all() -> AuditFilter {
    AuditFilter {
        within: Scope::All,
        actor: None,
        object_id: None,
        before_seq: None,
        limit: 1000,
    }
}

/// Every entry, oldest first.
async fn log(store: &dyn Store) -> Vec<AuditEntry> {
    let mut rows: Vec<AuditEntry> = store
        .audit_query(&all())
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.entry)
        .collect();
    rows.reverse();
    rows
}

async fn officer(store: &dyn Store) -> tepat_store::Account {
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    accounts::create_user(
        store,
        &grant,
        NewUser {
            username: "op.desa".into(),
            display_name: "Siti Operator".into(),
            role: Role::VillageOperator,
            scope: Scope::Within(village()),
            password: Password::new(PASSWORD),
        },
    )
    .await
    .unwrap()
}

async fn sign_ins_are_audited_without_what_was_typed(db: TestDb) {
    let store = db.store.as_ref();
    let account = officer(store).await;
    let auth = AuthService::new(
        db.store.clone(),
        AuthPolicy {
            lockout: Lockout {
                after_failures: 3,
                duration: Duration::minutes(15),
            },
            per_client: RateLimit {
                failures: 100,
                window: Duration::minutes(15),
            },
            ..AuthPolicy::default()
        },
    );
    let from: Option<IpAddr> = Some("10.0.0.9".parse().unwrap());
    let typed_nik = "1902014107850001";
    let before = log(store).await.len();

    // Someone types a NIK as the username: refused, and the NIK is nowhere in the log.
    assert!(auth
        .sign_in(typed_nik, &Password::new("rahasia123"), from)
        .await
        .is_err());
    // Three wrong passwords lock the account; a fourth attempt meets the lock.
    for _ in 0..3 {
        assert!(auth
            .sign_in("op.desa", &Password::new("salah sekali"), from)
            .await
            .is_err());
    }
    assert!(auth
        .sign_in("op.desa", &Password::new(PASSWORD), from)
        .await
        .is_err());

    let entries = log(store).await.split_off(before);
    let summary: Vec<(AuditAction, Option<Uuid>, &str)> = entries
        .iter()
        .map(|e| (e.action, e.object_id, e.purpose.as_str()))
        .collect();
    let wrong = "sign_in.password.wrong_secret";
    assert_eq!(
        summary,
        [
            (
                AuditAction::SignInFailed,
                None,
                "sign_in.password.unknown_user"
            ),
            (AuditAction::SignInFailed, Some(account.id), wrong),
            (AuditAction::SignInFailed, Some(account.id), wrong),
            (AuditAction::SignInFailed, Some(account.id), wrong),
            (AuditAction::Lockout, Some(account.id), "sign_in.lockout"),
            (
                AuditAction::SignInFailed,
                Some(account.id),
                "sign_in.password.locked"
            ),
        ]
    );
    for e in &entries {
        assert_eq!((e.actor, e.role), (PUBLIC_ACTOR, Role::Citizen));
        assert_eq!(e.object, ObjectKind::Account);
        assert_eq!(e.client.as_deref(), Some("10.0.0.9"));
        let text = format!("{e:?}");
        for secret in [typed_nik, "rahasia123", "salah sekali", PASSWORD] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // The known account's entries carry its region, so its regency's auditors see them.
    assert_eq!(entries[1].region, Some(village()));
    assert_eq!(entries[0].region, None);

    // Once the lock is lifted, a good sign-in is the account's own entry.
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    accounts::set_locked(store, &grant, "op.desa", false)
        .await
        .unwrap();
    let unlocked = log(store).await.pop().unwrap();
    assert_eq!(
        (unlocked.action, unlocked.purpose.as_str()),
        (AuditAction::AccountChange, "account.unlock")
    );
    auth.sign_in("op.desa", &Password::new(PASSWORD), from)
        .await
        .unwrap();
    let last = log(store).await.pop().unwrap();
    assert_eq!(last.action, AuditAction::SignIn);
    assert_eq!((last.actor, last.role), (account.id, Role::VillageOperator));
    assert_eq!(last.purpose, "sign_in.password");
    assert!(store.audit_verify().await.unwrap().is_intact());
}

async fn the_scheduled_jobs_act_as_themselves(db: TestDb) {
    let store = db.store.as_ref();
    // Re-verification: the job's own grant, the job named in the log.
    let job = Actor::system(Job::Reverification);
    let grant = job.may_anywhere::<FlagStale>().unwrap();
    let origin = Origin::now(None);
    registry::flag_for_reverification(store, &grant, Duration::days(365), &origin)
        .await
        .unwrap();
    let e = log(store).await.pop().unwrap();
    assert_eq!(e.actor, Job::Reverification.id());
    assert_eq!(e.role, Role::System);
    assert_eq!(e.purpose, "upkeep.reverification");
    assert!(
        Actor::local_admin().may_anywhere::<FlagStale>().is_err(),
        "an administrator is not the job"
    );

    // The photo purge: one entry per removed photo, by the purge job.
    let household = Uuid::now_v7();
    let now = Utc::now();
    let meta = PhotoMeta {
        id: Uuid::now_v7(),
        village: village(),
        household,
        kind: PhotoKind::HouseFront,
        content_type: "image/jpeg".into(),
        size: 3,
        taken_at: now - Duration::days(200),
        taken_by: Uuid::now_v7(),
        delete_after: now - Duration::days(1),
    };
    store
        .add_photo(&Photo {
            meta: meta.clone(),
            bytes: vec![1, 2, 3],
        })
        .await
        .unwrap();
    let report = photos::purge(store, &PhotoSettings::default(), now)
        .await
        .unwrap();
    assert_eq!(report.removed.len(), 1);
    let e = log(store).await.pop().unwrap();
    assert_eq!(e.action, AuditAction::PhotoPurge);
    assert_eq!((e.actor, e.role), (Job::PhotoPurge.id(), Role::System));
    assert_eq!(e.object_id, Some(household));
    assert_eq!(e.region, Some(village()));
    assert_eq!(e.purpose, format!("photo.purge:{}", meta.id));
    // A purge with nothing to remove writes nothing.
    let count = store.audit_head().await.unwrap().count;
    photos::purge(store, &PhotoSettings::default(), now)
        .await
        .unwrap();
    assert_eq!(store.audit_head().await.unwrap().count, count);
}

async fn import(store: &dyn Store, people: &[PopulationRecord]) {
    let mut import = store
        .begin_population_import(ImportMeta {
            source_name: "penduduk.csv".into(),
        })
        .await
        .unwrap();
    import.write_batch(people).await.unwrap();
    let n = people.len() as u64;
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

/// A household through every level into the registry (verified today).
async fn approve(store: &dyn Store, h: &RegistryHousehold, o: &Origin) {
    let v = h.village;
    let code = |s: &str| RegionCode::parse(s).unwrap();
    let op = Actor::for_tests(Role::VillageOperator, Scope::Within(v));
    let district = Actor::for_tests(Role::DistrictOperator, Scope::Within(code("19.02.01")));
    let verifier = Actor::for_tests(Role::Verifier, Scope::Within(code("19.02")));
    let approver = Actor::for_tests(Role::Approver, Scope::Within(code("19.02")));
    let p = op.may::<Propose>(&v).unwrap();
    let r = registry::propose_household(store, &p, h.clone(), "usulan", o)
        .await
        .unwrap();
    let visit = FieldVisit {
        visited_on: o.now.date_naive(),
        survey: SurveyAnswers {
            household: None,
            members: vec![],
        },
        location: None,
    };
    let g = op.may::<VerifyInVillage>(&v).unwrap();
    registry::verify(store, &g, r.id, visit, "dikunjungi", o)
        .await
        .unwrap();
    let g = district.may::<ReviewInDistrict>(&v).unwrap();
    registry::review(store, &g, r.id, "ok", o).await.unwrap();
    let g = verifier.may::<VerifyAtDinas>(&v).unwrap();
    registry::verify_at_dinas(store, &g, r.id, "ok", o)
        .await
        .unwrap();
    let g = approver.may::<Decide>(&v).unwrap();
    registry::approve(store, &g, r.id, "layak", o)
        .await
        .unwrap();
}

async fn an_objection_is_audited_and_the_job_flags_a_stale_household(db: TestDb) {
    let store = db.store.as_ref();
    let listed = sample::households(VILLAGE, 1, 2, 50);
    let neighbour = sample::households(VILLAGE, 1, 1, 60);
    let mut all = listed.clone();
    all.extend(neighbour.iter().cloned());
    import(store, &all).await;
    let h = sample::registry_household(&listed);
    let origin = Origin::now(Some("10.1.2.3:5000".into()));
    approve(store, &h, &origin).await;

    let (nik, kk) = (
        neighbour[0].nik.digits().to_owned(),
        neighbour[0].kk_number.digits().to_owned(),
    );
    let objection = citizen::object(
        store,
        &Limits::default(),
        &Proof { nik: &nik, kk: &kk },
        &village(),
        h.id,
        "punya mobil dan toko",
        &origin,
    )
    .await
    .unwrap();
    let e = log(store).await.pop().unwrap();
    assert_eq!(e.action, AuditAction::Objection);
    assert_eq!((e.actor, e.role), (PUBLIC_ACTOR, Role::Citizen));
    assert_eq!(
        (e.object, e.object_id),
        (ObjectKind::Objection, Some(objection.id))
    );
    assert_eq!(
        (e.region, e.purpose.as_str()),
        (Some(village()), "citizen.objection")
    );
    let text = format!("{e:?}");
    assert!(!text.contains(&nik) && !text.contains(&neighbour[0].full_name));

    // A year on, the job flags the household, through its grant and under its own name.
    let job = Actor::system(Job::Reverification);
    let grant = job.may_anywhere::<FlagStale>().unwrap();
    let later = Origin {
        now: origin.now + Duration::days(366),
        client: None,
    };
    let flagged = registry::flag_for_reverification(store, &grant, Duration::days(365), &later)
        .await
        .unwrap();
    assert_eq!(flagged, 1);
    let tasks = store
        .registry_tasks(TaskState::Open, &Scope::All, 10)
        .await
        .unwrap();
    assert!(tasks
        .iter()
        .any(|t| t.kind == TaskKind::Reverify && t.household == h.id));
    let e = log(store).await.pop().unwrap();
    assert_eq!((e.actor, e.role), (Job::Reverification.id(), Role::System));
    assert_eq!(e.action, AuditAction::Task);
}

/// The smallest JPEG the photo rules accept: SOI, a quantisation table, SOS with "pixels", EOI.
fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8];
    b.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x04, 0x00, 0x01]);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02]);
    b.extend_from_slice(b"PIXELS-OF-THE-HOUSE");
    b.extend_from_slice(&[0xFF, 0xD9]);
    b
}

async fn photo_actions_have_their_own_codes(db: TestDb) {
    let store = db.store.as_ref();
    let people = sample::households(VILLAGE, 1, 2, 90);
    import(store, &people).await;
    let h = sample::registry_household(&people);
    let origin = Origin::now(Some("10.0.0.5:4000".into()));
    approve(store, &h, &origin).await;
    let op = Actor::for_tests(Role::VillageOperator, Scope::Within(village()));
    let adds = op.may::<VerifyInVillage>(&village()).unwrap();
    let reads = op
        .may::<tepat_core::access::ReadHousehold>(&village())
        .unwrap();
    let settings = PhotoSettings::default();
    let before = log(store).await.len();
    let meta = photos::add_photo(
        store,
        &adds,
        h.id,
        PhotoKind::Floor,
        &jpeg(),
        &settings,
        &origin,
    )
    .await
    .unwrap();
    photos::list_photos(store, &reads, h.id, &origin)
        .await
        .unwrap();
    photos::view_photo(store, &reads, meta.id, &origin)
        .await
        .unwrap();
    photos::delete_photo(store, &adds, meta.id, &origin)
        .await
        .unwrap();
    let written: Vec<(AuditAction, String)> = log(store)
        .await
        .split_off(before)
        .into_iter()
        .inspect(|e| {
            assert_eq!(e.actor, op.user());
            assert_eq!((e.object, e.object_id), (ObjectKind::Household, Some(h.id)));
        })
        .map(|e| (e.action, e.purpose))
        .collect();
    let id = meta.id;
    assert_eq!(
        written,
        [
            (AuditAction::PhotoUpload, format!("photo.add:{id}")),
            (AuditAction::PhotoView, "photo.list".into()),
            (AuditAction::PhotoView, format!("photo.view:{id}")),
            (AuditAction::PhotoDelete, format!("photo.delete:{id}")),
        ]
    );
}

async fn citizens_submissions_are_audited_by_the_public_actor(db: TestDb) {
    let store = db.store.as_ref();
    let people = sample::households(VILLAGE, 1, 2, 40);
    import(store, &people).await;
    let (nik, kk) = (
        people[0].nik.digits().to_owned(),
        people[0].kk_number.digits().to_owned(),
    );
    let origin = Origin::now(Some("10.1.2.3:5000".into()));
    let tip = citizen::propose_own(
        store,
        &Limits::default(),
        &Proof { nik: &nik, kk: &kk },
        "suami kena PHK",
        &origin,
    )
    .await
    .unwrap();
    let e = log(store).await.pop().unwrap();
    assert_eq!(e.action, AuditAction::CitizenProposal);
    assert_eq!((e.actor, e.role), (PUBLIC_ACTOR, Role::Citizen));
    assert_eq!(
        (e.object, e.object_id),
        (ObjectKind::CitizenTip, Some(tip.id))
    );
    assert_eq!(e.region, Some(village()));
    assert_eq!(e.purpose, "citizen.own");
    assert_eq!(e.client.as_deref(), Some("10.1.2.3:5000"));
    let text = format!("{e:?}");
    assert!(!text.contains(&nik) && !text.contains(&kk));
    assert!(!text.contains(&people[0].full_name));

    // A refused identification stores nothing and writes nothing.
    let count = store.audit_head().await.unwrap().count;
    let wrong = Proof {
        nik: &nik,
        kk: "1902010000000000",
    };
    assert!(
        citizen::propose_own(store, &Limits::default(), &wrong, "alasan", &origin)
            .await
            .is_err()
    );
    assert_eq!(store.audit_head().await.unwrap().count, count);
}

async fn an_administrator_removes_a_lost_devices_passkeys(db: TestDb) {
    let store = db.store.as_ref();
    let account = officer(store).await;
    let created = log(store).await.pop().unwrap();
    assert_eq!(created.action, AuditAction::AccountChange);
    assert_eq!((created.actor, created.role), (Uuid::nil(), Role::Admin));
    assert_eq!(created.object_id, Some(account.id));
    assert_eq!(created.purpose, "account.create");
    for (id, name) in [(vec![7u8; 16], "HP kantor"), (vec![9u8; 16], "HP pribadi")] {
        store
            .add_passkey(
                &NewPasskey {
                    credential_id: id,
                    account_id: account.id,
                    static_state: vec![1],
                    dynamic_state: vec![2],
                    name: name.into(),
                },
                Utc::now(),
            )
            .await
            .unwrap();
    }
    let admin = Actor::local_admin();
    let grant = admin.may_anywhere::<Administer>().unwrap();
    let (_, keys) = accounts::list_passkeys(store, &grant, "Op.Desa")
        .await
        .unwrap();
    assert_eq!(keys.len(), 2);
    let first = accounts::passkey_id(&keys[0]);
    assert_eq!(first, "BwcHBwcHBwcHBwcHBwcHBw");

    // Too short a prefix, or one matching nothing, removes nothing.
    let count = store.audit_head().await.unwrap().count;
    for bad in ["BwcH", "XXXXXXXXXX"] {
        let err =
            accounts::remove_passkeys(store, &grant, "op.desa", &WhichPasskeys::Id(bad.into()))
                .await
                .unwrap_err();
        assert!(matches!(err, AccountError::PasskeyId(_)), "{err}");
    }
    assert_eq!(store.audit_head().await.unwrap().count, count);

    let removed = accounts::remove_passkeys(
        store,
        &grant,
        "op.desa",
        &WhichPasskeys::Id(first[..10].into()),
    )
    .await
    .unwrap();
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].name, "HP kantor");
    let e = log(store).await.pop().unwrap();
    assert_eq!(e.action, AuditAction::PasskeyRemove);
    assert_eq!((e.actor, e.role), (Uuid::nil(), Role::Admin));
    assert_eq!(
        (e.object, e.object_id),
        (ObjectKind::Account, Some(account.id))
    );
    assert_eq!(e.purpose, "passkey.remove_by_admin");

    let removed = accounts::remove_passkeys(store, &grant, "op.desa", &WhichPasskeys::All)
        .await
        .unwrap();
    assert_eq!(removed.len(), 1);
    assert!(store.passkeys_of(account.id).await.unwrap().is_empty());
    assert!(matches!(
        accounts::list_passkeys(store, &grant, "tidak.ada").await,
        Err(AccountError::NoSuchUser(_))
    ));
    // An administrator of another regency cannot touch this account's passkeys.
    let other = Actor::for_tests(
        Role::Admin,
        Scope::Within(RegionCode::parse("19.01").unwrap()),
    );
    let g = other.may_anywhere::<Administer>().unwrap();
    assert!(matches!(
        accounts::remove_passkeys(store, &g, "op.desa", &WhichPasskeys::All).await,
        Err(AccountError::OutsideScope(_))
    ));
}

async fn the_auditors_period_leaves_out_other_times(db: TestDb) {
    let store = db.store.as_ref();
    let auditor = Actor::for_tests(Role::Auditor, Scope::All);
    let grant = auditor.may_anywhere::<ReadAudit>().unwrap();
    let origin = Origin::now(None);
    officer(store).await;
    let job = Actor::system(Job::Reverification);
    let g = job.may_anywhere::<FlagStale>().unwrap();
    registry::flag_for_reverification(store, &g, Duration::days(365), &origin)
        .await
        .unwrap();
    let now = Utc::now();
    let yesterday = AuditPeriod {
        from: Some(now - Duration::days(2)),
        until: Some(now - Duration::days(1)),
    };
    let found = tepat_core::audit::query_in(store, &grant, &all(), &yesterday, &origin)
        .await
        .unwrap();
    assert!(found.is_empty(), "{found:?}");
    let today = AuditPeriod {
        from: Some(now - Duration::hours(1)),
        until: None,
    };
    let found = tepat_core::audit::query_in(store, &grant, &all(), &today, &origin)
        .await
        .unwrap();
    assert!(found
        .iter()
        .any(|r| r.entry.purpose == "upkeep.reverification"));
    assert!(found.iter().all(|r| today.contains(r.at)));
    // Both queries were themselves audited.
    let reads = log(store)
        .await
        .iter()
        .filter(|e| e.action == AuditAction::ReadAudit)
        .count();
    assert_eq!(reads, 2);
}
