//! Announcements on every backend: stored and read back whole, listed by region (covering and inside)
//! and program, only once published, newest first; a released envelope's schedule grouped by point and
//! day, and published once.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::{RegionCode, Rupiah};
use tepat_store::testing::TestDb;
use tepat_store::{
    Announcement, AnnouncementFilter, Assignment, DistributionPoint, Entitlement, IssueBatch,
    NewEnvelope, PointKind, Store, StoredVoucher,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    stored_and_read_back,
    listed_by_region_program_and_time,
    a_schedule_is_grouped_and_published_once,
);

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 2, d).unwrap()
}

fn announcement(title: &str, region: Option<&str>, program: Option<&str>) -> Announcement {
    Announcement {
        id: Uuid::now_v7(),
        region: region.map(code),
        program: program.map(str::to_owned),
        title: title.into(),
        body: format!("Isi {title}"),
        title_en: None,
        body_en: None,
        publish_at: t0(),
        created_by: Uuid::now_v7(),
        created_at: t0(),
        source: None,
    }
}

fn everything() -> AnnouncementFilter {
    AnnouncementFilter {
        region: None,
        program: None,
        published_by: t0() + Duration::days(1),
        limit: 50,
    }
}

fn titles(list: &[Announcement]) -> Vec<&str> {
    list.iter().map(|a| a.title.as_str()).collect()
}

async fn stored_and_read_back(db: TestDb) {
    let store = db.store.as_ref();
    let mut a = announcement("Rapat warga", Some("19.02.01.2001"), Some("PKH"));
    a.title_en = Some("Residents' meeting".into());
    a.body_en = Some("Body".into());
    // Stored to the whole second.
    a.publish_at = t0() + Duration::milliseconds(1500);
    store.insert_announcement(&a).await.unwrap();
    let back = store.announcement(a.id).await.unwrap().unwrap();
    assert_eq!(back.publish_at, t0() + Duration::seconds(1));
    assert_eq!(
        Announcement {
            publish_at: a.publish_at,
            ..back
        },
        a
    );
    assert!(store.announcement(Uuid::now_v7()).await.unwrap().is_none());
}

async fn listed_by_region_program_and_time(db: TestDb) {
    let store = db.store.as_ref();
    let mut everywhere = announcement("everywhere", None, None);
    everywhere.publish_at = t0() - Duration::hours(3);
    let mut regency = announcement("regency", Some("19.02"), None);
    regency.publish_at = t0() - Duration::hours(2);
    let mut village = announcement("village", Some("19.02.01.2001"), Some("PKH"));
    village.publish_at = t0() - Duration::hours(1);
    let other_village = announcement("other village", Some("19.02.01.2002"), Some("SEMBAKO"));
    let mut later = announcement("later", None, None);
    later.publish_at = t0() + Duration::days(2);
    for a in [&everywhere, &regency, &village, &other_village, &later] {
        store.insert_announcement(a).await.unwrap();
    }

    let all = store.announcements(&everything()).await.unwrap();
    assert_eq!(
        titles(&all),
        ["other village", "village", "regency", "everywhere"],
        "newest first, nothing before its time"
    );

    let in_village = store
        .announcements(&AnnouncementFilter {
            region: Some(code("19.02.01.2001")),
            ..everything()
        })
        .await
        .unwrap();
    assert_eq!(titles(&in_village), ["village", "regency", "everywhere"]);

    let in_district = store
        .announcements(&AnnouncementFilter {
            region: Some(code("19.02.01")),
            ..everything()
        })
        .await
        .unwrap();
    assert_eq!(
        titles(&in_district),
        ["other village", "village", "regency", "everywhere"],
        "a district sees its villages' and its regency's"
    );

    let elsewhere = store
        .announcements(&AnnouncementFilter {
            region: Some(code("19.03")),
            ..everything()
        })
        .await
        .unwrap();
    assert_eq!(titles(&elsewhere), ["everywhere"]);

    let sembako = store
        .announcements(&AnnouncementFilter {
            program: Some("SEMBAKO".into()),
            ..everything()
        })
        .await
        .unwrap();
    assert_eq!(titles(&sembako), ["other village", "regency", "everywhere"]);

    let two = store
        .announcements(&AnnouncementFilter {
            limit: 2,
            ..everything()
        })
        .await
        .unwrap();
    assert_eq!(titles(&two), ["other village", "village"]);
}

fn point(code_: &str) -> DistributionPoint {
    DistributionPoint {
        id: Uuid::now_v7(),
        code: code_.into(),
        name: format!("Balai {code_}"),
        kind: PointKind::VillageHall,
        village: code("19.02.01.2001"),
        capacity_per_slot: 2,
        slots_per_day: 8,
        first_slot: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        slot_minutes: 30,
        active: true,
        merchant_account: None,
    }
}

/// A cash envelope of `households`, approved by a second person, released when `release`.
async fn envelope(store: &dyn Store, households: &[Uuid], release: bool) -> Uuid {
    let id = Uuid::now_v7();
    let rows: Vec<Entitlement> = households
        .iter()
        .map(|h| Entitlement {
            household: *h,
            village: code("19.02.01.2001"),
            amount: Rupiah::new(600_000),
            parts: "[]".into(),
            route: Route::Cash,
            provider: None,
            state: EntitlementState::Pending,
            reason: None,
        })
        .collect();
    let new = NewEnvelope {
        id,
        program: "PKH".into(),
        cycle: if release { "2027-T1" } else { "2027-T2" }.into(),
        program_version: 1,
        scheduled_date: day(1),
        prepared_by: Uuid::now_v7(),
        prepared_at: t0(),
    };
    store.create_envelope(&new, &rows).await.unwrap();
    store
        .approve_envelope(id, Uuid::now_v7(), t0())
        .await
        .unwrap();
    if release {
        store.release_envelope(id, t0()).await.unwrap();
    }
    id
}

/// Vouchers and assignments: household i at `points[i % 2]`, day 3 for the first three, day 4 after.
fn batch(envelope: Uuid, households: &[Uuid], points: &[Uuid]) -> IssueBatch {
    let mut b = IssueBatch::default();
    for (i, h) in households.iter().enumerate() {
        b.vouchers.push(StoredVoucher {
            id: Uuid::now_v7(),
            envelope,
            household: *h,
            amount: Rupiah::new(600_000),
            goods: None,
            recipient: [7; 32],
            valid_from: day(1),
            valid_until: day(28),
            key_id: "0123456789abcdef".into(),
            issued_at: t0(),
        });
        b.assignments.push(Assignment {
            envelope,
            household: *h,
            point: points[i % 2],
            day: if i < 3 { day(3) } else { day(4) },
            slot: i as u16,
            assigned_at: t0(),
            version: 1,
        });
    }
    b
}

async fn a_schedule_is_grouped_and_published_once(db: TestDb) {
    let store = db.store.as_ref();
    let (a, b) = (point("A"), point("B"));
    store.insert_point(&a).await.unwrap();
    store.insert_point(&b).await.unwrap();
    let households: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    let released = envelope(store, &households, true).await;
    store
        .issue_vouchers(&batch(released, &households, &[a.id, b.id]))
        .await
        .unwrap();
    // An envelope only approved is not announced, whatever its assignments.
    let pending: Vec<Uuid> = (0..2).map(|_| Uuid::now_v7()).collect();
    let approved = envelope(store, &pending, false).await;
    let mut early = batch(approved, &pending, &[a.id, b.id]);
    early.vouchers.clear();
    assert_eq!(store.issue_vouchers(&early).await.unwrap().assignments, 2);

    let days = store.unannounced_schedules().await.unwrap();
    assert!(days.iter().all(|d| d.envelope != approved));
    let ours: Vec<_> = days.iter().filter(|d| d.envelope == released).collect();
    // A: households 0, 2 (day 3), 4 (day 4); B: 1 (day 3), 3 (day 4).
    let summary: Vec<(Uuid, NaiveDate, u64, NaiveTime, NaiveTime)> = ours
        .iter()
        .map(|d| (d.point, d.day, d.households, d.from, d.until))
        .collect();
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let mut expected = vec![
        (a.id, day(3), 2, hm(8, 0), hm(9, 30)),
        (a.id, day(4), 1, hm(10, 0), hm(10, 30)),
        (b.id, day(3), 1, hm(8, 30), hm(9, 0)),
        (b.id, day(4), 1, hm(9, 30), hm(10, 0)),
    ];
    expected.sort_by_key(|e| (e.0, e.1));
    assert_eq!(summary, expected);
    assert!(ours.iter().all(|d| d.program == "PKH"
        && d.cycle == "2027-T1"
        && d.point_kind == PointKind::VillageHall));

    let mut first = announcement("Jadwal A", Some("19.02.01.2001"), Some("PKH"));
    first.source = Some((released, a.id));
    let mut second = announcement("Jadwal B", Some("19.02.01.2001"), Some("PKH"));
    second.source = Some((released, b.id));
    assert!(store
        .publish_schedule(released, t0(), &[first.clone(), second])
        .await
        .unwrap());
    // Once: a second run writes nothing, and the envelope is no longer offered.
    let mut again = announcement("Jadwal A lagi", Some("19.02.01.2001"), Some("PKH"));
    again.source = Some((released, a.id));
    assert!(!store
        .publish_schedule(released, t0(), &[again])
        .await
        .unwrap());
    assert!(store
        .unannounced_schedules()
        .await
        .unwrap()
        .iter()
        .all(|d| d.envelope != released));
    let listed = store.announcements(&everything()).await.unwrap();
    let mut got = titles(&listed);
    got.sort();
    assert_eq!(got, ["Jadwal A", "Jadwal B"]);
    assert_eq!(
        store.announcement(first.id).await.unwrap().unwrap().source,
        Some((released, a.id))
    );
}
