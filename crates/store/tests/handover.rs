//! Distribution points, vouchers, assignments, hand-overs and notices on every backend: points by code,
//! an issue written whole or not at all, rescheduling by version, hand-over sync that is idempotent on
//! the device's id and flags a second redemption, and a household's trail.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::{RegionCode, Rupiah};
use tepat_store::testing::TestDb;
use tepat_store::{
    Assignment, DistributionPoint, Entitlement, HandoverStatus, HandoverWrite, IssueBatch,
    NewEnvelope, NewHandover, Notice, NoticeKind, PointKind, Store, StoreError, StoredVoucher,
};
use uuid::Uuid;

tepat_store::on_every_backend!(
    points_by_code,
    an_issue_is_written_whole_or_not_at_all,
    reschedule_moves_by_version,
    a_second_redemption_is_flagged_and_a_resync_changes_nothing,
    the_trail_shows_place_time_and_hand_over,
    notices_are_delivered_once,
    two_devices_syncing_at_once_give_one_acceptance,
);

const VILLAGE: &str = "19.02.01.2001";

fn t0() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 250_000_000).unwrap()
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 2, d).unwrap()
}

fn village() -> RegionCode {
    RegionCode::parse(VILLAGE).unwrap()
}

fn point(code: &str, kind: PointKind) -> DistributionPoint {
    DistributionPoint {
        id: Uuid::now_v7(),
        code: code.into(),
        name: format!("Titik {code}"),
        kind,
        village: village(),
        capacity_per_slot: 2,
        slots_per_day: 4,
        first_slot: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        slot_minutes: 30,
        active: true,
        merchant_account: None,
    }
}

fn entitlement(household: Uuid, route: Route, amount: i64) -> Entitlement {
    Entitlement {
        household,
        village: village(),
        amount: Rupiah::new(amount),
        parts: "[]".into(),
        route,
        provider: None,
        state: EntitlementState::Pending,
        reason: None,
    }
}

/// A released envelope of `households` (cash), with a second verifier approving.
async fn released(store: &dyn Store, households: &[Uuid]) -> Uuid {
    let id = Uuid::now_v7();
    let rows: Vec<Entitlement> = households
        .iter()
        .map(|h| entitlement(*h, Route::Cash, 600_000))
        .collect();
    store
        .create_envelope(
            &NewEnvelope {
                id,
                program: "PKH".into(),
                cycle: "2027-T1".into(),
                program_version: 1,
                scheduled_date: day(1),
                prepared_by: Uuid::now_v7(),
                prepared_at: t0(),
            },
            &rows,
        )
        .await
        .unwrap();
    store
        .approve_envelope(id, Uuid::now_v7(), t0())
        .await
        .unwrap();
    store.release_envelope(id, t0()).await.unwrap();
    id
}

fn voucher(envelope: Uuid, household: Uuid) -> StoredVoucher {
    StoredVoucher {
        id: Uuid::now_v7(),
        envelope,
        household,
        amount: Rupiah::new(600_000),
        goods: None,
        recipient: [7; 32],
        valid_from: day(1),
        valid_until: day(28),
        key_id: "0123456789abcdef".into(),
        issued_at: t0(),
    }
}

fn notice(household: Uuid, kind: NoticeKind) -> Notice {
    Notice {
        id: Uuid::now_v7(),
        household,
        kind,
        program: "PKH".into(),
        cycle: "2027-T1".into(),
        body: r#"{"point_code":"KPOS-1"}"#.into(),
        created_at: t0(),
        delivered_at: None,
    }
}

fn assignment(envelope: Uuid, household: Uuid, point: Uuid, slot: u16) -> Assignment {
    Assignment {
        envelope,
        household,
        point,
        day: day(3),
        slot,
        assigned_at: t0(),
        version: 1,
    }
}

/// Vouchers, assignments at `point` (slots 0, 1, …) and schedule notices for `households`.
fn batch(envelope: Uuid, households: &[Uuid], point: Uuid) -> IssueBatch {
    let mut b = IssueBatch::default();
    for (i, h) in households.iter().enumerate() {
        b.vouchers.push(voucher(envelope, *h));
        b.assignments
            .push(assignment(envelope, *h, point, i as u16));
        b.notices.push(notice(*h, NoticeKind::Schedule));
    }
    b
}

async fn points_by_code(db: TestDb) {
    let store = &db.store;
    let post = point("KPOS-1", PointKind::PostOffice);
    let mut warung = point("EW-1", PointKind::EWarung);
    warung.merchant_account = Some(Uuid::now_v7());
    store.insert_point(&post).await.unwrap();
    store.insert_point(&warung).await.unwrap();
    let again = point("KPOS-1", PointKind::VillageHall);
    assert!(matches!(
        store.insert_point(&again).await,
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(
        store.point_by_code("EW-1").await.unwrap(),
        Some(warung.clone())
    );
    let mut closed = post.clone();
    closed.active = false;
    closed.capacity_per_slot = 9;
    assert!(store.update_point(&closed).await.unwrap());
    assert_eq!(store.point(post.id).await.unwrap(), Some(closed.clone()));
    let codes = |ps: Vec<DistributionPoint>| ps.into_iter().map(|p| p.code).collect::<Vec<_>>();
    assert_eq!(
        codes(store.points(false).await.unwrap()),
        ["EW-1", "KPOS-1"]
    );
    assert_eq!(codes(store.points(true).await.unwrap()), ["EW-1"]);
    let mut taken = warung.clone();
    taken.code = "KPOS-1".into();
    assert!(matches!(
        store.update_point(&taken).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(!store
        .update_point(&point("NONE", PointKind::PostOffice))
        .await
        .unwrap());
    assert_eq!(
        closed.slot_time(3),
        NaiveTime::from_hms_opt(9, 30, 0).unwrap()
    );
}

async fn an_issue_is_written_whole_or_not_at_all(db: TestDb) {
    let store = &db.store;
    let households: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    let envelope = released(store.as_ref(), &households).await;
    let head = store.voucher_envelope(envelope).await.unwrap().unwrap();
    assert_eq!(
        (head.program.as_str(), head.cycle.as_str()),
        ("PKH", "2027-T1")
    );
    let candidates = store.voucher_candidates(envelope).await.unwrap();
    assert_eq!(candidates.len(), 3);
    assert!(candidates
        .iter()
        .all(|c| c.head_nik.is_none() && c.route == Route::Cash));
    let post = point("KPOS-1", PointKind::PostOffice);
    store.insert_point(&post).await.unwrap();

    let first = batch(envelope, &households[..2], post.id);
    let counts = store.issue_vouchers(&first).await.unwrap();
    assert_eq!(
        (counts.vouchers, counts.assignments, counts.notices),
        (2, 2, 2)
    );
    let left = store.voucher_candidates(envelope).await.unwrap();
    assert_eq!(
        left.iter().map(|c| c.household).collect::<Vec<_>>(),
        [households[2]]
    );
    let stored = store.voucher(first.vouchers[0].id).await.unwrap().unwrap();
    assert_eq!(stored, first.vouchers[0]);
    assert_eq!(
        store.voucher_of(envelope, households[0]).await.unwrap(),
        Some(first.vouchers[0].clone())
    );

    // A second run that overlaps the first (a concurrent issue) writes nothing at all.
    let overlapping = batch(envelope, &households, post.id);
    assert!(matches!(
        store.issue_vouchers(&overlapping).await,
        Err(StoreError::Conflict { .. })
    ));
    assert!(store
        .voucher_of(envelope, households[2])
        .await
        .unwrap()
        .is_none());
    assert!(store
        .assignment(envelope, households[2])
        .await
        .unwrap()
        .is_none());
    let notices: usize = {
        let mut n = 0;
        for h in &households {
            n += store.notices_of_household(*h).await.unwrap().len();
        }
        n
    };
    assert_eq!(notices, 2);

    let loads = store.point_loads(day(1), day(28)).await.unwrap();
    assert_eq!(loads.len(), 2);
    assert!(loads
        .iter()
        .all(|l| l.point == post.id && l.day == day(3) && l.count == 1));
    assert!(store.point_loads(day(4), day(28)).await.unwrap().is_empty());
}

async fn reschedule_moves_by_version(db: TestDb) {
    let store = &db.store;
    let h = Uuid::now_v7();
    let envelope = released(store.as_ref(), &[h]).await;
    let post = point("KPOS-1", PointKind::PostOffice);
    let hall = point("BALAI-1", PointKind::VillageHall);
    store.insert_point(&post).await.unwrap();
    store.insert_point(&hall).await.unwrap();
    store
        .issue_vouchers(&batch(envelope, &[h], post.id))
        .await
        .unwrap();
    let moved = Assignment {
        point: hall.id,
        day: day(5),
        slot: 3,
        assigned_at: t0() + Duration::hours(1),
        ..assignment(envelope, h, post.id, 0)
    };
    let got = store
        .reschedule(&moved, 1, &notice(h, NoticeKind::Schedule))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got,
        Assignment {
            version: 2,
            ..moved.clone()
        }
    );
    // A stale version (someone moved it meanwhile) changes nothing, and sends no notice.
    assert!(store
        .reschedule(&moved, 1, &notice(h, NoticeKind::Schedule))
        .await
        .unwrap()
        .is_none());
    assert_eq!(store.notices_of_household(h).await.unwrap().len(), 2);
}

async fn a_second_redemption_is_flagged_and_a_resync_changes_nothing(db: TestDb) {
    let store = &db.store;
    let h = Uuid::now_v7();
    let envelope = released(store.as_ref(), &[h]).await;
    let post = point("KPOS-1", PointKind::PostOffice);
    store.insert_point(&post).await.unwrap();
    let b = batch(envelope, &[h], post.id);
    store.issue_vouchers(&b).await.unwrap();
    let ctx = store
        .voucher_context(b.vouchers[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ctx.entitlement_state, EntitlementState::Instructed);
    assert_eq!(ctx.point, Some(post.id));
    assert_eq!((ctx.route, ctx.village), (Route::Cash, village()));

    let claim = |device: &str, minutes: i64| NewHandover {
        id: Uuid::now_v7(),
        voucher: b.vouchers[0].id,
        officer: Uuid::now_v7(),
        device: device.into(),
        handed_at: t0() + Duration::minutes(minutes),
        point: Some(post.id),
        lat: Some(-2.75),
        lon: Some(107.65),
        photo: None,
        synced_at: t0() + Duration::hours(2),
    };
    let (a, second) = (claim("hp-a", 10), claim("hp-b", 20));
    let receipt = notice(h, NoticeKind::Handover);
    assert_eq!(
        store.record_handover(&a, &receipt).await.unwrap(),
        HandoverWrite::Accepted
    );
    let after = store.voucher_context(a.voucher).await.unwrap().unwrap();
    assert_eq!(after.entitlement_state, EntitlementState::HandedOver);
    assert_eq!(
        store
            .record_handover(&a, &notice(h, NoticeKind::Handover))
            .await
            .unwrap(),
        HandoverWrite::AlreadySynced {
            status: HandoverStatus::Accepted
        }
    );
    assert_eq!(
        store
            .record_handover(&second, &notice(h, NoticeKind::Handover))
            .await
            .unwrap(),
        HandoverWrite::Duplicate {
            first: a.id,
            first_at: a.handed_at
        }
    );
    assert_eq!(
        store
            .record_handover(&second, &notice(h, NoticeKind::Handover))
            .await
            .unwrap(),
        HandoverWrite::AlreadySynced {
            status: HandoverStatus::Duplicate
        }
    );
    let flagged = store.flagged_handovers(10).await.unwrap();
    assert_eq!(flagged.len(), 1);
    assert_eq!(
        (
            flagged[0].id,
            flagged[0].first_handover,
            flagged[0].household
        ),
        (second.id, Some(a.id), h)
    );
    let receipts = store
        .notices_of_household(h)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == NoticeKind::Handover)
        .count();
    assert_eq!(receipts, 1);
}

async fn the_trail_shows_place_time_and_hand_over(db: TestDb) {
    let store = &db.store;
    let h = Uuid::now_v7();
    let envelope = released(store.as_ref(), &[h]).await;
    let post = point("KPOS-1", PointKind::PostOffice);
    store.insert_point(&post).await.unwrap();
    let b = batch(envelope, &[h], post.id);
    store.issue_vouchers(&b).await.unwrap();
    let trail = store.household_trail(h).await.unwrap();
    assert_eq!(trail.len(), 1);
    let row = &trail[0];
    assert_eq!(
        (
            row.program.as_str(),
            row.cycle.as_str(),
            row.amount,
            row.route,
            row.state
        ),
        (
            "PKH",
            "2027-T1",
            Rupiah::new(600_000),
            Route::Cash,
            EntitlementState::Instructed
        )
    );
    assert_eq!(row.point_code.as_deref(), Some("KPOS-1"));
    assert_eq!(
        (row.day, row.slot_time),
        (Some(day(3)), NaiveTime::from_hms_opt(8, 0, 0))
    );
    assert_eq!(
        (row.voucher, row.handed_at, row.payment_state),
        (Some(b.vouchers[0].id), None, None)
    );
    let handed = NewHandover {
        id: Uuid::now_v7(),
        voucher: b.vouchers[0].id,
        officer: Uuid::now_v7(),
        device: "hp-a".into(),
        handed_at: t0() + Duration::days(2),
        point: None,
        lat: None,
        lon: None,
        photo: None,
        synced_at: t0() + Duration::days(2),
    };
    store
        .record_handover(&handed, &notice(h, NoticeKind::Handover))
        .await
        .unwrap();
    let row = store.household_trail(h).await.unwrap().remove(0);
    assert_eq!(
        (row.state, row.handed_at),
        (EntitlementState::HandedOver, Some(handed.handed_at))
    );
    assert!(store
        .household_trail(Uuid::now_v7())
        .await
        .unwrap()
        .is_empty());
}

async fn notices_are_delivered_once(db: TestDb) {
    let store = &db.store;
    let h = Uuid::now_v7();
    let (a, b) = (
        notice(h, NoticeKind::Schedule),
        notice(h, NoticeKind::FixAccount),
    );
    assert_eq!(
        store.insert_notices(&[a.clone(), b.clone()]).await.unwrap(),
        2
    );
    // The same notice again (a retried job) is stored once.
    assert_eq!(
        store
            .insert_notices(std::slice::from_ref(&a))
            .await
            .unwrap(),
        0
    );
    let open = store.undelivered_notices(10).await.unwrap();
    assert_eq!(open.iter().map(|n| n.id).collect::<Vec<_>>(), [a.id, b.id]);
    let at = t0() + Duration::minutes(5);
    assert_eq!(store.mark_notices_delivered(&[a.id], at).await.unwrap(), 1);
    assert_eq!(store.mark_notices_delivered(&[a.id], at).await.unwrap(), 0);
    let open = store.undelivered_notices(10).await.unwrap();
    assert_eq!(open.iter().map(|n| n.id).collect::<Vec<_>>(), [b.id]);
    let all = store.notices_of_household(h).await.unwrap();
    assert_eq!(all[0].delivered_at, Some(at));
}

async fn two_devices_syncing_at_once_give_one_acceptance(db: TestDb) {
    let store = db.store.clone();
    let households: Vec<Uuid> = (0..8).map(|_| Uuid::now_v7()).collect();
    let envelope = released(store.as_ref(), &households).await;
    let post = point("KPOS-1", PointKind::PostOffice);
    store.insert_point(&post).await.unwrap();
    let b = batch(envelope, &households, post.id);
    store.issue_vouchers(&b).await.unwrap();
    // Every voucher redeemed by two devices at the same moment.
    let mut tasks = Vec::new();
    for v in &b.vouchers {
        for device in ["hp-a", "hp-b"] {
            let store = store.clone();
            let record = NewHandover {
                id: Uuid::now_v7(),
                voucher: v.id,
                officer: Uuid::now_v7(),
                device: device.into(),
                handed_at: t0(),
                point: None,
                lat: None,
                lon: None,
                photo: None,
                synced_at: t0(),
            };
            let receipt = notice(v.household, NoticeKind::Handover);
            tasks.push(tokio::spawn(async move {
                store.record_handover(&record, &receipt).await
            }));
        }
    }
    let mut accepted = 0;
    let mut duplicates = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            HandoverWrite::Accepted => accepted += 1,
            HandoverWrite::Duplicate { .. } => duplicates += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((accepted, duplicates), (8, 8));
    assert_eq!(store.flagged_handovers(100).await.unwrap().len(), 8);
}
