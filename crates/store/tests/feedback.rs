//! Complaints and ratings, on every backend (SQLite always; PostgreSQL when `TEPAT_TEST_POSTGRES_URL` is
//! set, required in CI): round trips, tickets found only through their index, sealing at rest, the
//! compare-and-set of a change, filters, one rating per entitlement and the summaries.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::Connection as _;
use tepat_domain::{RegionCode, Role, Scope};
use tepat_store::testing::TestDb;
use tepat_store::{
    Complaint, ComplaintCategory, ComplaintChange, ComplaintEvent, ComplaintFilter, ComplaintState,
    Contact, EventKind, Level, NewComplaint, Rating, StoreError, Ticket, PUBLIC_ACTOR,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    a_complaint_round_trips_and_is_found_by_its_ticket,
    complaint_text_ticket_and_contact_are_sealed_at_rest,
    a_change_applies_only_from_the_state_it_expects,
    the_list_filters_by_scope_level_state_category_abuse_and_deadline,
    a_ticket_in_use_is_a_conflict,
    an_entitlement_is_rated_once_and_summarised,
);

const VILLAGE: &str = "19.02.01.2003";
const OTHER_DISTRICT: &str = "19.02.02.2001";
const MARKER: &str = "PUNGLI-OLEH-PAK-CONTOH";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 123_456_000).unwrap()
}

fn complaint(village: &str, category: ComplaintCategory, level: Level, minute: i64) -> Complaint {
    let at = t0() + Duration::minutes(minute);
    Complaint {
        id: Uuid::now_v7(),
        village: code(village),
        ticket: Ticket::random(),
        category,
        level,
        state: ComplaintState::Open,
        person: Some(Uuid::now_v7()),
        household: Some(Uuid::now_v7()),
        text: format!("Bantuan dipotong Rp50.000 {MARKER}"),
        has_contact: false,
        submitted_at: at,
        due_on: NaiveDate::from_ymd_opt(2026, 9, 30).unwrap() + Duration::days(minute),
        updated_at: at,
    }
}

fn submitted(c: &Complaint) -> ComplaintEvent {
    ComplaintEvent {
        id: Uuid::now_v7(),
        complaint: c.id,
        kind: EventKind::Submitted,
        actor: PUBLIC_ACTOR,
        role: Role::Citizen,
        level: c.level,
        state: c.state,
        note: None,
        at: c.submitted_at,
    }
}

async fn add(db: &TestDb, c: &Complaint, contact: Option<Contact>) {
    db.store
        .insert_complaint(
            &NewComplaint {
                complaint: c.clone(),
                contact,
            },
            &submitted(c),
        )
        .await
        .unwrap();
}

async fn a_complaint_round_trips_and_is_found_by_its_ticket(db: TestDb) {
    let mut c = complaint(VILLAGE, ComplaintCategory::NotReceived, Level::Regency, 0);
    add(&db, &c, Some(Contact::Phone("6281234567890".into()))).await;
    c.has_contact = true;
    assert_eq!(db.store.complaint(c.id).await.unwrap(), Some(c.clone()));
    assert_eq!(
        db.store.complaint_by_ticket(&c.ticket).await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(
        db.store
            .complaint_by_ticket(&Ticket::random())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        db.store.complaint_contact(c.id).await.unwrap(),
        Some(Contact::Phone("6281234567890".into()))
    );
    let events = db.store.complaint_events(c.id).await.unwrap();
    assert_eq!(events, vec![submitted_like(&events[0], &c)]);

    let mut anonymous = complaint(VILLAGE, ComplaintCategory::Extortion, Level::Regency, 1);
    anonymous.person = None;
    anonymous.household = None;
    add(&db, &anonymous, None).await;
    let back = db.store.complaint(anonymous.id).await.unwrap().unwrap();
    assert!(back.is_anonymous() && !back.has_contact);
    assert_eq!(
        db.store.complaint_contact(anonymous.id).await.unwrap(),
        None
    );
}

/// The stored event equals what was written (its id is the one [`submitted`] drew).
fn submitted_like(stored: &ComplaintEvent, c: &Complaint) -> ComplaintEvent {
    ComplaintEvent {
        id: stored.id,
        ..submitted(c)
    }
}

async fn complaint_text_ticket_and_contact_are_sealed_at_rest(db: TestDb) {
    let c = complaint(VILLAGE, ComplaintCategory::Extortion, Level::Regency, 0);
    add(
        &db,
        &c,
        Some(Contact::Email("warga.contoh@example.org".into())),
    )
    .await;
    let mut change = ComplaintChange {
        village: c.village,
        from_state: ComplaintState::Open,
        from_level: Level::Regency,
        event: ComplaintEvent {
            id: Uuid::now_v7(),
            complaint: c.id,
            kind: EventKind::Answered,
            actor: Uuid::now_v7(),
            role: Role::Verifier,
            level: Level::Regency,
            state: ComplaintState::Answered,
            note: Some(format!("Sudah diperiksa {MARKER}")),
            at: t0() + Duration::hours(1),
        },
    };
    assert!(db.store.change_complaint(&change).await.unwrap());
    let rating = Rating {
        id: Uuid::now_v7(),
        village: code(VILLAGE),
        envelope: Uuid::now_v7(),
        household: Uuid::now_v7(),
        program: "PKH".into(),
        cycle: "2026-T3".into(),
        stars: 2,
        comment: Some(format!("Antre lama {MARKER}")),
        rated_at: t0(),
    };
    assert!(db.store.insert_rating(&rating).await.unwrap());
    let dump = raw_dump(&db).await;
    for needle in [
        MARKER,
        "warga.contoh",
        c.ticket.body(),
        &c.ticket.to_string(),
    ] {
        assert!(!dump.contains(needle), "{needle} is stored in plain text");
    }
    // A sealed value only opens in its own row: the note moved to another event does not.
    change.event.id = Uuid::now_v7();
    change.from_state = ComplaintState::Answered;
    change.event.note = None;
    assert!(db.store.change_complaint(&change).await.unwrap());
    copy_note(&db).await;
    assert!(matches!(
        db.store.complaint_events(c.id).await,
        Err(StoreError::Undecryptable { .. })
    ));
}

/// Every text and blob of the three tables, as one lossy string.
async fn raw_dump(db: &TestDb) -> String {
    let mut out = String::new();
    for table in ["complaint", "complaint_event", "rating"] {
        let q = format!("SELECT * FROM {table}");
        let rows: Vec<Vec<Vec<u8>>> = match &db.sqlite_path {
            Some(_) => {
                let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                let rows = sqlx::query(&q).fetch_all(&mut conn).await.unwrap();
                rows.iter().map(columns_sqlite).collect()
            }
            None => {
                let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
                let rows = sqlx::query(&q).fetch_all(&mut conn).await.unwrap();
                rows.iter().map(columns_pg).collect()
            }
        };
        for row in rows {
            for col in row {
                out.push_str(&String::from_utf8_lossy(&col));
                out.push('|');
            }
        }
    }
    out
}

fn columns_sqlite(row: &sqlx::sqlite::SqliteRow) -> Vec<Vec<u8>> {
    use sqlx::Row;
    (0..row.columns().len())
        .map(|i| {
            row.try_get::<Vec<u8>, _>(i)
                .or_else(|_| row.try_get::<String, _>(i).map(String::into_bytes))
                .unwrap_or_default()
        })
        .collect()
}

fn columns_pg(row: &sqlx::postgres::PgRow) -> Vec<Vec<u8>> {
    use sqlx::Row;
    (0..row.columns().len())
        .map(|i| {
            row.try_get::<Vec<u8>, _>(i)
                .or_else(|_| row.try_get::<String, _>(i).map(String::into_bytes))
                .unwrap_or_default()
        })
        .collect()
}

/// Copies the first event's sealed note over every other event's (an attacker with the database).
async fn copy_note(db: &TestDb) {
    let q = "UPDATE complaint_event SET note_sealed = \
             (SELECT note_sealed FROM complaint_event WHERE kind = 'answered' \
             ORDER BY id LIMIT 1)";
    match &db.sqlite_path {
        Some(_) => {
            let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
            sqlx::query(q).execute(&mut conn).await.unwrap();
        }
        None => {
            let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
            sqlx::query(q).execute(&mut conn).await.unwrap();
        }
    }
}

fn change(
    c: &Complaint,
    from: ComplaintState,
    kind: EventKind,
    to: ComplaintState,
) -> ComplaintChange {
    ComplaintChange {
        village: c.village,
        from_state: from,
        from_level: c.level,
        event: ComplaintEvent {
            id: Uuid::now_v7(),
            complaint: c.id,
            kind,
            actor: Uuid::now_v7(),
            role: Role::VillageOperator,
            level: c.level,
            state: to,
            note: None,
            at: t0() + Duration::hours(2),
        },
    }
}

async fn a_change_applies_only_from_the_state_it_expects(db: TestDb) {
    let c = complaint(VILLAGE, ComplaintCategory::DataError, Level::Village, 0);
    add(&db, &c, None).await;
    let ack = change(
        &c,
        ComplaintState::Open,
        EventKind::Acknowledged,
        ComplaintState::Acknowledged,
    );
    assert!(db.store.change_complaint(&ack).await.unwrap());
    // The same step again (a second officer, a double click): the complaint is no longer open.
    let again = change(
        &c,
        ComplaintState::Open,
        EventKind::Acknowledged,
        ComplaintState::Acknowledged,
    );
    assert!(!db.store.change_complaint(&again).await.unwrap());
    // Forwarding moves the level; a change that still expects the old level is refused.
    let mut forward = change(
        &c,
        ComplaintState::Acknowledged,
        EventKind::Forwarded,
        ComplaintState::Open,
    );
    forward.event.level = Level::District;
    forward.event.note = Some("perlu kecamatan".into());
    assert!(db.store.change_complaint(&forward).await.unwrap());
    let stale = change(
        &c,
        ComplaintState::Open,
        EventKind::Resolved,
        ComplaintState::Resolved,
    );
    assert!(!db.store.change_complaint(&stale).await.unwrap());
    let stored = db.store.complaint(c.id).await.unwrap().unwrap();
    assert_eq!(
        (stored.state, stored.level),
        (ComplaintState::Open, Level::District)
    );
    assert_eq!(stored.updated_at, t0() + Duration::hours(2));
    let kinds: Vec<EventKind> = db
        .store
        .complaint_events(c.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            EventKind::Submitted,
            EventKind::Acknowledged,
            EventKind::Forwarded
        ]
    );
    let events = db.store.complaint_events(c.id).await.unwrap();
    assert_eq!(events[2].note.as_deref(), Some("perlu kecamatan"));
    assert_eq!(events[1].note, None);
}

async fn the_list_filters_by_scope_level_state_category_abuse_and_deadline(db: TestDb) {
    let data = complaint(VILLAGE, ComplaintCategory::DataError, Level::Village, 0);
    let money = complaint(VILLAGE, ComplaintCategory::WrongAmount, Level::Regency, 1);
    let abuse = complaint(VILLAGE, ComplaintCategory::Extortion, Level::Regency, 2);
    let elsewhere = complaint(
        OTHER_DISTRICT,
        ComplaintCategory::NotListed,
        Level::Village,
        3,
    );
    for c in [&data, &money, &abuse, &elsewhere] {
        add(&db, c, None).await;
    }
    let ids = |found: Vec<Complaint>| found.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let all = ComplaintFilter::within(Scope::All);
    assert_eq!(
        ids(db.store.complaints(&all, 10).await.unwrap()),
        vec![elsewhere.id, abuse.id, money.id, data.id],
        "newest first"
    );
    assert_eq!(ids(db.store.complaints(&all, 2).await.unwrap()).len(), 2);
    let district = ComplaintFilter::within(Scope::Within(code("19.02.01")));
    assert_eq!(
        ids(db.store.complaints(&district, 10).await.unwrap()),
        vec![abuse.id, money.id, data.id]
    );
    let village_desk = ComplaintFilter {
        levels: vec![Level::Village],
        abuse: false,
        ..district.clone()
    };
    assert_eq!(
        ids(db.store.complaints(&village_desk, 10).await.unwrap()),
        vec![data.id]
    );
    let no_abuse = ComplaintFilter {
        abuse: false,
        ..district.clone()
    };
    assert_eq!(
        ids(db.store.complaints(&no_abuse, 10).await.unwrap()),
        vec![money.id, data.id]
    );
    let extortion = ComplaintFilter {
        category: Some(ComplaintCategory::Extortion),
        ..all.clone()
    };
    assert_eq!(
        ids(db.store.complaints(&extortion, 10).await.unwrap()),
        vec![abuse.id]
    );
    // Deadlines: data's is day 0, money's day 1 (after the epoch day); on day 1, only data's is past.
    let day0 = data.due_on;
    let overdue = ComplaintFilter {
        overdue_on: Some(day0 + Duration::days(1)),
        ..district.clone()
    };
    assert_eq!(
        ids(db.store.complaints(&overdue, 10).await.unwrap()),
        vec![data.id]
    );
    // An answered complaint is no longer overdue, and no longer open.
    let answered = change(
        &data,
        ComplaintState::Open,
        EventKind::Answered,
        ComplaintState::Answered,
    );
    assert!(db.store.change_complaint(&answered).await.unwrap());
    assert!(db.store.complaints(&overdue, 10).await.unwrap().is_empty());
    let open = ComplaintFilter {
        state: Some(ComplaintState::Open),
        ..district
    };
    assert_eq!(
        ids(db.store.complaints(&open, 10).await.unwrap()),
        vec![abuse.id, money.id]
    );
}

async fn a_ticket_in_use_is_a_conflict(db: TestDb) {
    let first = complaint(VILLAGE, ComplaintCategory::Other, Level::Regency, 0);
    add(&db, &first, None).await;
    let mut second = complaint(VILLAGE, ComplaintCategory::Other, Level::Regency, 1);
    second.ticket = first.ticket.clone();
    let err = db
        .store
        .insert_complaint(
            &NewComplaint {
                complaint: second.clone(),
                contact: None,
            },
            &submitted(&second),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err:?}");
    assert_eq!(db.store.complaint(second.id).await.unwrap(), None);
    assert!(db
        .store
        .complaint_events(second.id)
        .await
        .unwrap()
        .is_empty());
}

async fn an_entitlement_is_rated_once_and_summarised(db: TestDb) {
    let envelope = Uuid::now_v7();
    let rating = |household: Uuid, village: &str, stars: u8, minute: i64| Rating {
        id: Uuid::now_v7(),
        village: code(village),
        envelope,
        household,
        program: "SEMBAKO".into(),
        cycle: "2026-T3".into(),
        stars,
        comment: (stars < 3).then(|| "antre lama".to_owned()),
        rated_at: t0() + Duration::minutes(minute),
    };
    let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let first = rating(a, VILLAGE, 5, 0);
    assert!(db.store.insert_rating(&first).await.unwrap());
    assert!(
        !db.store
            .insert_rating(&rating(a, VILLAGE, 1, 1))
            .await
            .unwrap(),
        "a second rating of the same entitlement changes nothing"
    );
    assert!(db
        .store
        .insert_rating(&rating(b, VILLAGE, 2, 2))
        .await
        .unwrap());
    assert!(db
        .store
        .insert_rating(&rating(c, OTHER_DISTRICT, 4, 3))
        .await
        .unwrap());
    assert_eq!(
        db.store.ratings_of_household(a).await.unwrap(),
        vec![first.clone()]
    );
    let in_district = db
        .store
        .ratings(&Scope::Within(code("19.02.01")), None, 10)
        .await
        .unwrap();
    assert_eq!(in_district.len(), 2);
    assert_eq!(in_district[0].household, b, "newest first");
    assert_eq!(in_district[0].comment.as_deref(), Some("antre lama"));
    assert!(db
        .store
        .ratings(&Scope::All, Some(Uuid::now_v7()), 10)
        .await
        .unwrap()
        .is_empty());
    let groups = db.store.rating_groups(&Scope::All, None).await.unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].village, code(VILLAGE));
    assert_eq!((groups[0].count, groups[0].stars), (2, 7));
    assert_eq!(groups[0].by_stars, [0, 1, 0, 0, 1]);
    assert_eq!((groups[1].count, groups[1].stars), (1, 4));
    assert!(db
        .store
        .rating_groups(&Scope::All, Some("PKH"))
        .await
        .unwrap()
        .is_empty());
    let here = db
        .store
        .rating_groups(&Scope::Within(code("19.02.02")), Some("SEMBAKO"))
        .await
        .unwrap();
    assert_eq!(here.len(), 1);
    assert_eq!(here[0].village, code(OTHER_DISTRICT));
}
