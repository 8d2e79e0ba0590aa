//! The monitoring dashboard's reads and anomaly rules, on every backend (SQLite always; PostgreSQL when
//! `TEPAT_TEST_POSTGRES_URL` is set, required in CI), on crafted rows written straight into the base
//! tables: each rule flags what crosses its threshold and nothing just below it, and every read stays
//! inside its area.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::Connection as _;
use tepat_store::testing::TestDb;
use tepat_store::{Area, FlagItem, FlagRule, FlagRules};
use uuid::Uuid;

tepat_store::on_every_backend!(
    households_sharing_an_account_are_flagged_from_the_threshold,
    households_at_a_crowded_address_are_flagged,
    dead_members_of_enrolled_households_are_flagged_after_the_grace,
    a_device_handing_over_too_fast_is_flagged,
    an_officer_far_from_the_median_rejection_rate_is_flagged,
    pipeline_ratings_backlog_and_complaints_group_by_region_inside_the_area,
);

/// Two villages of one district and one of another district (codes of the embedded region table).
const V1: &str = "1902012003";
const V2: &str = "1902012004";
const V3: &str = "1902022001";

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

fn everywhere(digits: u8) -> Area {
    Area {
        within: None,
        group_digits: digits,
    }
}

fn within(prefix: &str, digits: u8) -> Area {
    Area {
        within: Some(prefix.into()),
        group_digits: digits,
    }
}

/// A value bound to a crafted row.
enum V {
    U(Uuid),
    T(String),
    B(Vec<u8>),
    D(NaiveDate),
    At(DateTime<Utc>),
    I(i64),
    NullDate,
}

fn t(s: &str) -> V {
    V::T(s.into())
}

/// A raw connection to the test database, to write rows no store method writes this way.
enum Raw {
    Lite(sqlx::SqliteConnection),
    Pg(sqlx::PgConnection),
}

macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                V::U(u) => q.bind(*u),
                V::T(s) => q.bind(s.clone()),
                V::B(b) => q.bind(b.clone()),
                V::D(d) => q.bind(*d),
                V::At(at) => q.bind(*at),
                V::I(i) => q.bind(*i),
                V::NullDate => q.bind(None::<NaiveDate>),
            };
        }
        q
    }};
}

impl Raw {
    async fn open(db: &TestDb) -> Raw {
        if db.sqlite_path.is_some() {
            Raw::Lite(sqlx::SqliteConnection::connect(&db.url).await.unwrap())
        } else {
            Raw::Pg(sqlx::PgConnection::connect(&db.url).await.unwrap())
        }
    }

    async fn run(&mut self, sql: &str, args: &[V]) {
        match self {
            Raw::Lite(c) => {
                bind_all!(sqlx::query(sql), args)
                    .execute(&mut *c)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            Raw::Pg(c) => {
                bind_all!(sqlx::query(sql), args)
                    .execute(&mut *c)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
        }
    }

    async fn household(&mut self, village: &str, id: Uuid, account: Option<&[u8]>) {
        self.run(
            "INSERT INTO registry_household (village_code, id, state, kk_index, kk_sealed, \
             account_index, details_sealed, version, verified_at, created_at, updated_at) \
             VALUES ($1, $2, 'active', $3, $4, $5, $4, 1, NULL, $6, $6)",
            &[
                t(village),
                V::U(id),
                V::B(Uuid::now_v7().as_bytes().to_vec()),
                V::B(vec![0]),
                V::B(account.map(<[u8]>::to_vec).unwrap_or_default()),
                V::At(now()),
            ],
        )
        .await;
    }

    async fn member(&mut self, village: &str, household: Uuid, nik_index: &[u8], state: &str) {
        self.run(
            "INSERT INTO registry_member (village_code, id, household_id, position, state, \
             nik_index, nik_sealed, phone_index, full_name, name_key, sex, birth_date, relationship, \
             details_sealed) VALUES ($1, $2, $3, 0, $4, $5, $6, NULL, 'X', 'x', 'L', $7, 'head', $6)",
            &[
                t(village),
                V::U(Uuid::now_v7()),
                V::U(household),
                t(state),
                V::B(nik_index.to_vec()),
                V::B(vec![0]),
                V::D(NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()),
            ],
        )
        .await;
    }

    /// A person of the population extract; returns their NIK's (fake) blind index.
    async fn person(&mut self, village: &str, address: &str, died: Option<NaiveDate>) -> Vec<u8> {
        let nik_index = Uuid::now_v7().as_bytes().repeat(2);
        let died = died.map(V::D).unwrap_or(V::NullDate);
        self.run(
            "INSERT INTO population_person (village_code, id, nik_index, nik_sealed, kk_index, \
             kk_sealed, full_name, sex, birth_place, birth_date, relationship, address, rt, rw, \
             occupation, death_date, content_hash, import_run_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $4, 'X', 'L', 'X', $6, 'head', $7, '001', '002', 'x', $8, \
             $4, $2, $9, $9)",
            &[
                t(village),
                V::U(Uuid::now_v7()),
                V::B(nik_index.clone()),
                V::B(vec![0]),
                V::B(Uuid::now_v7().as_bytes().to_vec()),
                V::D(NaiveDate::from_ymd_opt(1980, 1, 1).unwrap()),
                t(address),
                died,
                V::At(now()),
            ],
        )
        .await;
        nik_index
    }

    async fn account(&mut self, id: Uuid, role: &str, scope: &str) {
        self.run(
            "INSERT INTO account (id, username, display_name, role, scope_region, password_hash, \
             created_at, updated_at) VALUES ($1, $2, 'X', $3, $4, 'x', $5, $5)",
            &[
                V::U(id),
                V::T(id.simple().to_string()),
                t(role),
                t(scope),
                V::At(now()),
            ],
        )
        .await;
    }
}

fn flags_of(items: &[FlagItem]) -> Vec<(String, i64, i64)> {
    let mut v: Vec<(String, i64, i64)> = items
        .iter()
        .map(|f| (f.region.clone(), f.value, f.extra))
        .collect();
    v.sort();
    v
}

async fn households_sharing_an_account_are_flagged_from_the_threshold(db: TestDb) {
    let mut raw = Raw::open(&db).await;
    let shared = vec![7u8; 32];
    let below = vec![8u8; 32];
    let link = |village: &'static str, index: Vec<u8>, state: &'static str| {
        (village, Uuid::now_v7(), index, state)
    };
    let links = [
        link(V1, shared.clone(), "verified"),
        link(V1, shared.clone(), "verified"),
        link(V2, shared.clone(), "pending"),
        link(V3, shared.clone(), "verified"),
        // Found invalid: not paid into, not counted.
        link(V3, shared.clone(), "invalid"),
        link(V1, below.clone(), "verified"),
        link(V1, below.clone(), "verified"),
        link(V2, below.clone(), "verified"),
    ];
    for (village, id, index, state) in &links {
        raw.run(
            "INSERT INTO account_link (id, village_code, address_sealed, address_index, kind, \
             provider, state, source, requested_at) VALUES ($1, $2, $3, $4, 'account', 'bri', $5, \
             'officer', $6)",
            &[
                V::U(*id),
                t(village),
                V::B(vec![0]),
                V::B(index.clone()),
                t(state),
                V::At(now()),
            ],
        )
        .await;
    }
    db.store
        .refresh_monitoring(&FlagRules::default(), now())
        .await
        .unwrap();
    let all = db
        .store
        .monitor_flags(FlagRule::SharedAccount, &everywhere(2), 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 4, "the four valid links of one account");
    assert!(all.iter().all(|f| f.value == 4));
    assert_eq!(
        all.iter()
            .map(|f| f.group)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        1
    );
    let district = within("190201", 10);
    let inside = db
        .store
        .monitor_flags(FlagRule::SharedAccount, &district, 100)
        .await
        .unwrap();
    assert_eq!(inside.len(), 3, "the other district's household is outside");
    let counts = db.store.monitor_flag_counts(&district).await.unwrap();
    assert_eq!(counts, vec![(FlagRule::SharedAccount, 3)]);
    // The threshold is the rule's, not fixed.
    let rules = FlagRules {
        shared_account_households: 3,
        ..FlagRules::default()
    };
    db.store.refresh_monitoring(&rules, now()).await.unwrap();
    let all = db
        .store
        .monitor_flags(FlagRule::SharedAccount, &everywhere(2), 100)
        .await
        .unwrap();
    assert_eq!(all.len(), 7);
}

async fn households_at_a_crowded_address_are_flagged(db: TestDb) {
    let mut raw = Raw::open(&db).await;
    let long_ago = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let mut crowded = Vec::new();
    for _ in 0..20 {
        crowded.push(raw.person(V1, "Jl. Melati 1", None).await);
    }
    // The dead do not count: 19 living persons are below the threshold of 20.
    let mut busy = Vec::new();
    for _ in 0..19 {
        busy.push(raw.person(V1, "Jl. Mawar 2", None).await);
    }
    raw.person(V1, "Jl. Mawar 2", Some(long_ago)).await;
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for h in [a, b, c] {
        raw.household(V1, h, None).await;
    }
    raw.member(V1, a, &crowded[0], "active").await;
    raw.member(V1, a, &crowded[1], "active").await;
    raw.member(V1, b, &crowded[2], "active").await;
    raw.member(V1, c, &busy[0], "active").await;
    db.store
        .refresh_monitoring(&FlagRules::default(), now())
        .await
        .unwrap();
    let flags = db
        .store
        .monitor_flags(FlagRule::CrowdedAddress, &everywhere(2), 100)
        .await
        .unwrap();
    let mut subjects: Vec<Uuid> = flags.iter().map(|f| f.subject).collect();
    subjects.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(subjects, expected, "one row per household, not per member");
    assert!(flags.iter().all(|f| f.value == 20 && f.region == V1));
    assert_eq!(flags[0].group, flags[1].group);
}

async fn dead_members_of_enrolled_households_are_flagged_after_the_grace(db: TestDb) {
    let mut raw = Raw::open(&db).await;
    let today = now().date_naive();
    let long_ago = today - Duration::days(60);
    let lately = today - Duration::days(10);
    // (died, member state, enrolled, flagged?)
    let cases = [
        (long_ago, "active", true, true),
        (lately, "active", true, false),
        (long_ago, "deceased", true, false),
        (long_ago, "active", false, false),
    ];
    let mut expected = Vec::new();
    for (died, state, is_enrolled, flagged) in cases {
        let h = Uuid::now_v7();
        raw.household(V2, h, None).await;
        let nik = raw.person(V2, "Jl. Kenanga", Some(died)).await;
        raw.member(V2, h, &nik, state).await;
        if is_enrolled {
            raw.run(
                "INSERT INTO targeting_enrolment (village_code, program, household_id, state, since) \
                 VALUES ($1, 'PKH', $2, 'active', $3)",
                &[t(V2), V::U(h), V::D(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap())],
            )
            .await;
        }
        if flagged {
            expected.push(h);
        }
    }
    db.store
        .refresh_monitoring(&FlagRules::default(), now())
        .await
        .unwrap();
    let flags = db
        .store
        .monitor_flags(FlagRule::DeadEnrolled, &everywhere(2), 100)
        .await
        .unwrap();
    assert_eq!(
        flags.iter().map(|f| f.subject).collect::<Vec<_>>(),
        expected
    );
    assert_eq!(flags[0].value, 1);
}

async fn a_device_handing_over_too_fast_is_flagged(db: TestDb) {
    let mut raw = Raw::open(&db).await;
    let (fast, steady) = (Uuid::now_v7(), Uuid::now_v7());
    raw.account(fast, "merchant", "1902012003").await;
    raw.account(steady, "merchant", "1902022001").await;
    // The start of a clock minute, a day ago.
    let minute = DateTime::from_timestamp(now().timestamp() / 60 * 60 - 86_400, 0).unwrap();
    // Seven in one minute from one device, twice; five in a minute from the other (below six).
    let mut handovers = Vec::new();
    for i in 0..7 {
        handovers.push((fast, "hp-1", minute + Duration::seconds(i * 8)));
        handovers.push((
            fast,
            "hp-1",
            minute + Duration::minutes(30) + Duration::seconds(i),
        ));
    }
    for i in 0..5 {
        handovers.push((steady, "hp-2", minute + Duration::seconds(i * 8)));
    }
    // Long ago: outside the window.
    for i in 0..9 {
        handovers.push((
            steady,
            "hp-2",
            now() - Duration::days(200) + Duration::seconds(i),
        ));
    }
    for (officer, device, at) in handovers {
        raw.run(
            "INSERT INTO handover (id, voucher_id, officer, device, handed_at, synced_at, status) \
             VALUES ($1, $2, $3, $4, $5, $5, 'accepted')",
            &[
                V::U(Uuid::now_v7()),
                V::U(Uuid::now_v7()),
                V::U(officer),
                t(device),
                V::At(at),
            ],
        )
        .await;
    }
    db.store
        .refresh_monitoring(&FlagRules::default(), now())
        .await
        .unwrap();
    let flags = db
        .store
        .monitor_flags(FlagRule::FastMerchant, &everywhere(2), 100)
        .await
        .unwrap();
    assert_eq!(flags_of(&flags), vec![(V1.to_owned(), 7, 2)]);
    assert_eq!((flags[0].subject, flags[0].label.as_str()), (fast, "hp-1"));
    let elsewhere = db
        .store
        .monitor_flags(FlagRule::FastMerchant, &within("190202", 10), 100)
        .await
        .unwrap();
    assert!(elsewhere.is_empty());
}

async fn an_officer_far_from_the_median_rejection_rate_is_flagged(db: TestDb) {
    let mut raw = Raw::open(&db).await;
    let officers: Vec<(Uuid, i64)> = vec![
        (Uuid::now_v7(), 2),
        (Uuid::now_v7(), 3),
        (Uuid::now_v7(), 2),
        (Uuid::now_v7(), 15),
    ];
    for (officer, rejections) in &officers {
        raw.account(*officer, "verifier", "1902").await;
        for i in 0..20 {
            let event = if i < *rejections {
                "reject"
            } else {
                "verify_at_dinas"
            };
            raw.run(
                "INSERT INTO registry_transition (village_code, request_id, seq, from_stage, \
                 to_stage, event, actor_user, actor_role, at, reason, visited_on) \
                 VALUES ($1, $2, 2, 'district_reviewed', 'x', $3, $4, 'verifier', $5, '', NULL)",
                &[
                    t(V1),
                    V::U(Uuid::now_v7()),
                    t(event),
                    V::U(*officer),
                    V::At(now() - Duration::days(3)),
                ],
            )
            .await;
        }
    }
    db.store
        .refresh_monitoring(&FlagRules::default(), now())
        .await
        .unwrap();
    let flags = db
        .store
        .monitor_flags(FlagRule::OfficerRejections, &within("19", 4), 100)
        .await
        .unwrap();
    assert_eq!(flags.len(), 1);
    let f = &flags[0];
    assert_eq!(
        (
            f.subject,
            f.label.as_str(),
            f.value,
            f.group,
            f.extra,
            f.region.as_str()
        ),
        (officers[3].0, "verifier", 750, 125, 20, "1902")
    );
    // A district officer does not see the regency's officers.
    assert!(db
        .store
        .monitor_flags(FlagRule::OfficerRejections, &within("190201", 10), 100)
        .await
        .unwrap()
        .is_empty());
}

async fn pipeline_ratings_backlog_and_complaints_group_by_region_inside_the_area(db: TestDb) {
    let mut raw = Raw::open(&db).await;
    let envelope = Uuid::now_v7();
    let preparer = Uuid::now_v7();
    raw.run(
        "INSERT INTO envelope (id, program, cycle, program_version, state, count, amount, \
         scheduled_date, prepared_by, prepared_at) \
         VALUES ($1, 'PKH', '2027-T1', 1, 'paying', 6, 1800000, $2, $3, $4)",
        &[
            V::U(envelope),
            V::D(NaiveDate::from_ymd_opt(2027, 1, 5).unwrap()),
            V::U(preparer),
            V::At(now()),
        ],
    )
    .await;
    // (village, route, state, payment accepted?)
    let rows = [
        (V1, "bank", "pending", false),
        (V1, "bank", "instructed", false),
        (V1, "bank", "instructed", true),
        (V1, "bank", "paid", false),
        (V2, "cash", "handed_over", false),
        (V2, "cash", "failed", false),
        (V3, "cash", "cancelled", false),
        (V3, "cash", "instructed", false),
    ];
    for (i, (village, route, state, accepted)) in rows.iter().enumerate() {
        let household = Uuid::now_v7();
        raw.run(
            "INSERT INTO entitlement (envelope_id, household_id, village_code, amount, parts, route, \
             provider, state) VALUES ($1, $2, $3, $4, '[]', $5, NULL, $6)",
            &[
                V::U(envelope),
                V::U(household),
                t(village),
                V::I(300_000),
                t(route),
                t(state),
            ],
        )
        .await;
        if *accepted {
            raw.run(
                "INSERT INTO payment (id, envelope_id, household_id, attempt, route, provider, \
                 amount, state, created_at, updated_at) \
                 VALUES ($1, $2, $3, 1, 'bank', 'bri', $4, 'accepted', $5, $5)",
                &[
                    V::U(Uuid::now_v7()),
                    V::U(envelope),
                    V::U(household),
                    V::I(300_000),
                    V::At(now()),
                ],
            )
            .await;
        }
        if i < 3 {
            let stars = i + 1;
            raw.run(
                &format!(
                    "INSERT INTO rating (village_code, id, envelope_id, household_id, program, \
                     cycle, stars, comment_sealed, rated_at) \
                     VALUES ($1, $2, $3, $4, 'PKH', '2027-T1', {stars}, $5, $6)"
                ),
                &[
                    t(village),
                    V::U(Uuid::now_v7()),
                    V::U(envelope),
                    V::U(household),
                    V::B(vec![0]),
                    V::At(now()),
                ],
            )
            .await;
        }
    }
    // Registration backlog: two waiting in V1 (the oldest a week old), one in V3, one closed.
    for (village, stage, age) in [
        (V1, "proposed", 7),
        (V1, "proposed", 2),
        (V1, "approved", 30),
        (V3, "dinas_verified", 1),
    ] {
        raw.run(
            "INSERT INTO registry_request (village_code, id, household_id, kind, stage, \
             submission_sealed, created_at, updated_at) VALUES ($1, $2, $3, 'new', $4, $5, $6, $6)",
            &[
                t(village),
                V::U(Uuid::now_v7()),
                V::U(Uuid::now_v7()),
                t(stage),
                V::B(vec![0]),
                V::At(now() - Duration::days(age)),
            ],
        )
        .await;
    }
    // Complaints: overdue, due tomorrow, answered, resolved (not counted), and a report of extortion
    // (counted only for those whose desk shows abuse reports).
    let today = now().date_naive();
    for (village, state, due, category) in [
        (V1, "open", today - Duration::days(1), "other"),
        (V2, "acknowledged", today + Duration::days(1), "other"),
        (V2, "answered", today - Duration::days(5), "other"),
        (V1, "resolved", today - Duration::days(5), "other"),
        (V1, "open", today + Duration::days(2), "extortion"),
    ] {
        raw.run(
            "INSERT INTO complaint (village_code, id, ticket_index, ticket_sealed, category, level, \
             state, person_id, household_id, text_sealed, contact_sealed, contact_kind, \
             submitted_at, due_on, updated_at) \
             VALUES ($1, $2, $3, $4, $8, 'village', $5, NULL, NULL, $4, $4, NULL, $6, $7, $6)",
            &[
                t(village),
                V::U(Uuid::now_v7()),
                V::B(Uuid::now_v7().as_bytes().to_vec()),
                V::B(vec![0]),
                t(state),
                V::At(now()),
                V::D(due),
                t(category),
            ],
        )
        .await;
    }
    let refreshed = db
        .store
        .refresh_monitoring(&FlagRules::default(), now())
        .await
        .unwrap();
    assert_eq!(refreshed.len(), 2 + FlagRule::ALL.len());
    assert_eq!(
        db.store.monitor_refreshed().await.unwrap().len(),
        refreshed.len()
    );
    assert_eq!(
        db.store.monitor_cycles().await.unwrap(),
        vec![("PKH".to_owned(), "2027-T1".to_owned())]
    );

    let by_district = db
        .store
        .monitor_pipeline(&within("1902", 6), "PKH", "2027-T1")
        .await
        .unwrap();
    let rp = |n: i64| n * 300_000;
    let shown: Vec<_> = by_district
        .iter()
        .map(|r| {
            (
                r.region.as_str(),
                r.planned,
                r.sent,
                r.confirmed,
                r.received,
                r.failed,
            )
        })
        .collect();
    assert_eq!(
        shown,
        vec![
            (
                "190201",
                (6, rp(6)),
                (5, rp(5)),
                (3, rp(3)),
                (2, rp(2)),
                (1, rp(1))
            ),
            ("190202", (1, rp(1)), (1, rp(1)), (0, 0), (0, 0), (0, 0)),
        ]
    );
    let one_village = db
        .store
        .monitor_pipeline(&within(V2, 10), "PKH", "2027-T1")
        .await
        .unwrap();
    assert_eq!(one_village.len(), 1);
    assert_eq!(one_village[0].planned, (2, rp(2)));

    let ratings = db
        .store
        .monitor_ratings(&within("19", 6), "PKH", "2027-T1")
        .await
        .unwrap();
    assert_eq!(ratings.len(), 1);
    assert_eq!(
        (ratings[0].ratings, ratings[0].stars, ratings[0].low),
        (3, 6, 2)
    );

    let backlog = db.store.monitor_backlog(&within("1902", 6)).await.unwrap();
    let shown: Vec<_> = backlog
        .iter()
        .map(|b| (b.region.as_str(), b.stage.as_str(), b.waiting))
        .collect();
    assert_eq!(
        shown,
        vec![("190201", "proposed", 2), ("190202", "dinas_verified", 1)]
    );
    assert_eq!(
        backlog[0].oldest.timestamp(),
        (now() - Duration::days(7)).timestamp()
    );
    assert!(db
        .store
        .monitor_backlog(&within("1903", 6))
        .await
        .unwrap()
        .is_empty());

    let complaints = db
        .store
        .monitor_complaints(
            &within("190201", 10),
            today,
            today + Duration::days(2),
            true,
        )
        .await
        .unwrap();
    let shown = |rows: &[tepat_store::ComplaintRow]| -> Vec<(String, u64, u64, u64, u64)> {
        rows.iter()
            .map(|c| {
                (
                    c.region.clone(),
                    c.awaiting,
                    c.overdue,
                    c.due_soon,
                    c.answered,
                )
            })
            .collect()
    };
    // V1 (…2003) sorts before V2 (…2004).
    assert_eq!(
        shown(&complaints),
        vec![(V1.into(), 2, 1, 1, 0), (V2.into(), 1, 0, 1, 1)]
    );
    let without_abuse = db
        .store
        .monitor_complaints(
            &within("190201", 10),
            today,
            today + Duration::days(2),
            false,
        )
        .await
        .unwrap();
    assert_eq!(
        shown(&without_abuse),
        vec![(V1.into(), 1, 1, 0, 0), (V2.into(), 1, 0, 1, 1)]
    );
    assert_eq!(complaints[0].earliest_due, Some(today - Duration::days(1)));
    assert_eq!(complaints[1].earliest_due, Some(today + Duration::days(1)));
}
