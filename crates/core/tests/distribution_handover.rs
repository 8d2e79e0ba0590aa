//! Cash and goods end to end on both backends: vouchers issued with a point, day and slot within
//! capacity and a notice each, once; the head of family's NIK in the recipient commitment; hand-overs
//! synced from two devices (one accepted, the other flagged as a second redemption, in either order),
//! re-synced without effect, and refused for a bad signature, an expired voucher, a wrong cycle, another
//! region or a merchant's cash voucher; hand-over photos (stored once, a duplicate's kept too, a WebP
//! refused); rescheduling; the household's trail.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use ed25519_dalek::SigningKey;
use tepat_core::access::{Actor, HandOver, ManagePoints, ReadDistribution};
use tepat_core::distribution::handovers::{
    record_handovers, HandoverClaim, HandoverOutcome, HandoverRefusal,
};
use tepat_core::distribution::points::{
    create_point, import_points, list_points, parse_points_csv, PointError, PointInput,
    POINTS_CSV_HEADER,
};
use tepat_core::distribution::trail::household_trail;
use tepat_core::distribution::vouchers::{
    issue_and_assign, reschedule, voucher_text, IssueReport, NO_RECIPIENT,
};
use tepat_domain::distribution::{EntitlementState, Route};
use tepat_domain::registry::{Change, ChangeKind, Request, Submission, Who};
use tepat_domain::{RegionCode, Role, Rupiah, Scope};
use tepat_payments::voucher::{
    recipient_commitment, Voucher, VoucherKeys, VoucherRefusal, VoucherSigner,
};
use tepat_store::testing::{sample, TestDb};
use tepat_store::{
    AuditAction, AuditEntry, DistributionPoint, Entitlement, HouseholdState, NewEnvelope,
    NoticeKind, PointKind, SaveHousehold, Store,
};
use uuid::Uuid;

const VILLAGE: &str = "19.02.01.1001";
const NEIGHBOUR: &str = "19.02.01.1002";

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-02-01T01:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 2, d).unwrap()
}

fn signer() -> VoucherSigner {
    VoucherSigner::new(SigningKey::from_bytes(&[7; 32]))
}

fn keys() -> VoucherKeys {
    let mut keys = VoucherKeys::new();
    keys.insert(signer().verifying_key());
    keys
}

/// A registered household (so that its head's NIK is in the registry); returns its id and the NIK.
async fn registered(store: &dyn Store) -> (Uuid, String) {
    let h = sample::registry_household(&sample::households(VILLAGE, 1, 3, 40));
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
        now(),
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
        verified: false,
    };
    let audit = AuditEntry {
        actor: who.user,
        role: Role::VillageOperator,
        action: AuditAction::Propose,
        object: tepat_store::ObjectKind::Request,
        object_id: Some(request.id),
        region: Some(h.village),
        purpose: "test".into(),
        client: None,
    };
    store
        .registry_propose(&request, &submission, Some(save), &audit)
        .await
        .unwrap();
    (h.id, h.members[0].nik.digits().to_owned())
}

fn entitlement(household: Uuid, route: Route) -> Entitlement {
    Entitlement {
        household,
        village: code(VILLAGE),
        amount: Rupiah::new(if route == Route::Goods {
            200_000
        } else {
            600_000
        }),
        parts: "[]".into(),
        route,
        provider: None,
        state: tepat_domain::distribution::EntitlementState::Pending,
        reason: None,
    }
}

/// A released envelope of `households` (route each), cycle `2027-T1`.
async fn released(store: &dyn Store, households: &[(Uuid, Route)]) -> Uuid {
    let id = Uuid::now_v7();
    let rows: Vec<Entitlement> = households
        .iter()
        .map(|(h, r)| entitlement(*h, *r))
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
                prepared_at: now(),
            },
            &rows,
        )
        .await
        .unwrap();
    store
        .approve_envelope(id, Uuid::now_v7(), now())
        .await
        .unwrap();
    store.release_envelope(id, now()).await.unwrap();
    id
}

fn input(code_: &str, kind: PointKind, village: &str, capacity: u32, slots: u32) -> PointInput {
    PointInput {
        code: code_.into(),
        name: format!("Titik {code_}"),
        kind,
        village: code(village),
        capacity_per_slot: capacity,
        slots_per_day: slots,
        first_slot: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        slot_minutes: 60,
        active: true,
        merchant_account: None,
    }
}

struct World {
    envelope: Uuid,
    /// The registered household (cash) and its head's NIK.
    head: (Uuid, String),
    cash: Vec<Uuid>,
    goods: Vec<Uuid>,
    post: DistributionPoint,
    hall: DistributionPoint,
    warung: DistributionPoint,
    merchant: Actor,
}

/// 8 cash households (one registered) and 2 goods households; a post office (1 × 2 slots a day) in
/// the village, a village hall (1 × 1) in the neighbouring one, an e-Warung with a merchant.
async fn world(store: &dyn Store) -> World {
    let head = registered(store).await;
    let mut cash = vec![head.0];
    cash.extend((0..7).map(|_| Uuid::now_v7()));
    let goods: Vec<Uuid> = (0..2).map(|_| Uuid::now_v7()).collect();
    let mut all: Vec<(Uuid, Route)> = cash.iter().map(|h| (*h, Route::Cash)).collect();
    all.extend(goods.iter().map(|h| (*h, Route::Goods)));
    let envelope = released(store, &all).await;
    let admin = Actor::for_tests(Role::Verifier, Scope::All);
    let grant = admin.may_anywhere::<ManagePoints>().unwrap();
    let merchant = Actor::for_tests(Role::Merchant, Scope::Within(code(VILLAGE)));
    let post = create_point(
        store,
        &grant,
        input("KPOS-1", PointKind::PostOffice, VILLAGE, 1, 2),
    )
    .await
    .unwrap();
    let hall = create_point(
        store,
        &grant,
        input("BALAI-2", PointKind::VillageHall, NEIGHBOUR, 1, 1),
    )
    .await
    .unwrap();
    let warung = create_point(
        store,
        &grant,
        PointInput {
            merchant_account: Some(merchant.user()),
            ..input("EW-1", PointKind::EWarung, VILLAGE, 5, 2)
        },
    )
    .await
    .unwrap();
    World {
        envelope,
        head,
        cash,
        goods,
        post,
        hall,
        warung,
        merchant,
    }
}

async fn schedule_notices(store: &dyn Store, households: &[Uuid]) -> usize {
    let mut n = 0;
    for h in households {
        n += store
            .notices_of_household(*h)
            .await
            .unwrap()
            .iter()
            .filter(|n| n.kind == NoticeKind::Schedule)
            .count();
    }
    n
}

async fn vouchers_within_capacity_once_each(db: TestDb) {
    let store = db.store.as_ref();
    let w = world(store).await;
    let days = [day(2), day(3)];
    let report = issue_and_assign(store, &signer(), w.envelope, &days, now())
        .await
        .unwrap();
    // Cash room: post 1 × 2 slots × 2 days + hall 1 × 1 × 2 = 6 of 8; goods: 2 at the e-Warung.
    let head_placed = store
        .voucher_of(w.envelope, w.head.0)
        .await
        .unwrap()
        .is_some();
    assert_eq!(
        report,
        IssueReport {
            vouchers: 8,
            notices: 8,
            // Release made every cash and goods entitlement `instructed` already.
            instructed: 0,
            without_nik: 8 - u64::from(head_placed),
            no_point: 0,
            all_full: 2,
        }
    );
    let loads = store.point_loads(day(1), day(28)).await.unwrap();
    let capacity: HashMap<Uuid, u32> = [(w.post.id, 1), (w.hall.id, 1), (w.warung.id, 5)].into();
    for load in &loads {
        assert!(load.count <= capacity[&load.point], "{load:?}");
    }
    assert_eq!(loads.iter().map(|l| l.count).sum::<u32>(), 8);

    // The registered household is placed first in its own village (or the next) and its voucher
    // commits to its head's NIK; the others carry no NIK check.
    let mut committed = 0;
    for h in w.cash.iter().chain(&w.goods) {
        if let Some(v) = store.voucher_of(w.envelope, *h).await.unwrap() {
            if *h == w.head.0 {
                assert_eq!(v.recipient, recipient_commitment(v.id, &w.head.1));
                committed += 1;
            } else {
                assert_eq!(v.recipient, NO_RECIPIENT);
            }
            assert_eq!(
                (v.valid_from, v.valid_until),
                (day(2), NaiveDate::from_ymd_opt(2027, 3, 31).unwrap())
            );
            let a = store.assignment(w.envelope, *h).await.unwrap().unwrap();
            assert!(days.contains(&a.day));
        }
    }
    assert_eq!(committed, usize::from(head_placed));
    let goods_voucher = store
        .voucher_of(w.envelope, w.goods[0])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        store
            .assignment(w.envelope, w.goods[0])
            .await
            .unwrap()
            .unwrap()
            .point,
        w.warung.id
    );
    assert!(goods_voucher.goods.is_some());

    // Again: nothing new, no second notice.
    let again = issue_and_assign(store, &signer(), w.envelope, &days, now())
        .await
        .unwrap();
    assert_eq!((again.vouchers, again.notices, again.all_full), (0, 0, 2));
    let everyone: Vec<Uuid> = w.cash.iter().chain(&w.goods).copied().collect();
    assert_eq!(schedule_notices(store, &everyone).await, 8);

    // More room: the two left over are placed, the others untouched.
    let admin = Actor::for_tests(Role::Verifier, Scope::All);
    let grant = admin.may_anywhere::<ManagePoints>().unwrap();
    tepat_core::distribution::points::update_point(
        store,
        &grant,
        w.hall.id,
        input("BALAI-2", PointKind::VillageHall, NEIGHBOUR, 2, 1),
    )
    .await
    .unwrap();
    let third = issue_and_assign(store, &signer(), w.envelope, &days, now())
        .await
        .unwrap();
    assert_eq!((third.vouchers, third.all_full), (2, 0));
    assert_eq!(schedule_notices(store, &everyone).await, 10);
    for load in store.point_loads(day(1), day(28)).await.unwrap() {
        let cap = if load.point == w.hall.id {
            2
        } else {
            capacity[&load.point]
        };
        assert!(load.count <= cap, "{load:?}");
    }
}

fn claim(text: &str, device: &str, at: DateTime<Utc>) -> HandoverClaim {
    HandoverClaim {
        id: Uuid::now_v7(),
        voucher: text.to_owned(),
        handed_at: at,
        device: device.into(),
        point: Some("KPOS-1".into()),
        lat: Some(-2.74),
        lon: Some(107.63),
        photo: None,
    }
}

/// The text with one byte of its signature flipped.
fn tampered(text: &str) -> String {
    let mut bytes = URL_SAFE_NO_PAD
        .decode(text.strip_prefix("TPV1.").unwrap())
        .unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    format!("TPV1.{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// A PNG as small as it gets: signature, header, one data chunk, end (its CRCs are not checked).
fn tiny_png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (&b"IHDR"[..], &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0][..]),
        (b"tEXt", b"Author\0petugas"),
        (b"IDAT", &[0x78, 0x9C, 0x63, 0, 0, 0, 2, 0, 1]),
        (b"IEND", &[]),
    ] {
        b.extend_from_slice(&(data.len() as u32).to_be_bytes());
        b.extend_from_slice(kind);
        b.extend_from_slice(data);
        b.extend_from_slice(&[0; 4]);
    }
    b
}

async fn hand_over_photos_are_kept_once_and_a_duplicates_too(db: TestDb) {
    let store = db.store.as_ref();
    let w = world(store).await;
    issue_and_assign(store, &signer(), w.envelope, &[day(2), day(3)], now())
        .await
        .unwrap();
    let officer = Actor::for_tests(Role::DistributionOfficer, Scope::Within(code("19.02")));
    let grant = officer.may_anywhere::<HandOver>().unwrap();
    // Six places for eight cash households: which two wait depends on their (random) ids.
    let mut found = None;
    for h in &w.cash {
        if let Some(text) = voucher_text(store, &signer(), w.envelope, *h)
            .await
            .unwrap()
        {
            found = Some((*h, text));
            break;
        }
    }
    let (household, text) = found.expect("six of the eight cash households have a voucher");
    let at = now() + Duration::days(1);
    let with_photo = |device: &str| HandoverClaim {
        photo: Some(tiny_png()),
        ..claim(&text, device, at)
    };
    let (first, second) = (with_photo("hp-a"), with_photo("hp-b"));
    let out = record_handovers(store, &grant, &keys(), vec![first.clone()], now())
        .await
        .unwrap();
    assert_eq!(out, [HandoverOutcome::Accepted]);
    let photos = store.photos_of_household(household).await.unwrap();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0].kind, tepat_core::photos::PhotoKind::HandOver);
    assert_eq!(photos[0].content_type, "image/png");
    let opened = store.photo(photos[0].id).await.unwrap().unwrap();
    assert!(
        !opened.bytes.windows(7).any(|w| w == b"petugas"),
        "text chunks stripped"
    );

    // Synced again: the first photo stays the only one. A second redemption keeps its own.
    let again = record_handovers(store, &grant, &keys(), vec![first, second], now())
        .await
        .unwrap();
    assert_eq!(again[0], HandoverOutcome::AlreadySynced);
    assert!(matches!(again[1], HandoverOutcome::Duplicate { .. }));
    let photos = store.photos_of_household(household).await.unwrap();
    assert_eq!(photos.len(), 2);
    let flagged = store.flagged_handovers(10).await.unwrap();
    assert_eq!(flagged[0].first_photo, Some(photos[0].id));
    assert_eq!(flagged[0].photo, Some(photos[1].id));

    // A WebP (not what the page sends) refuses that record, and nothing is stored for it.
    let mut webp = b"RIFF\x10\0\0\0WEBPVP8 ".to_vec();
    webp.extend_from_slice(&[0; 8]);
    let out = record_handovers(
        store,
        &grant,
        &keys(),
        vec![HandoverClaim {
            photo: Some(webp),
            ..claim(&text, "hp-c", at)
        }],
        now(),
    )
    .await
    .unwrap();
    assert_eq!(
        out,
        [HandoverOutcome::Refused(HandoverRefusal::PhotoNotImage)]
    );
    assert_eq!(store.photos_of_household(household).await.unwrap().len(), 2);
}

async fn double_redemption_across_devices_in_either_order(db: TestDb) {
    let store = db.store.as_ref();
    let w = world(store).await;
    issue_and_assign(store, &signer(), w.envelope, &[day(2), day(3)], now())
        .await
        .unwrap();
    let officer = Actor::for_tests(Role::DistributionOfficer, Scope::Within(code("19.02")));
    let grant = officer.may_anywhere::<HandOver>().unwrap();
    let mut texts = Vec::new();
    for h in &w.cash {
        if let Some(t) = voucher_text(store, &signer(), w.envelope, *h)
            .await
            .unwrap()
        {
            texts.push((*h, t));
        }
    }
    let at = now() + Duration::days(1);
    // Voucher 1: device A syncs first. Voucher 2: device B recorded later but syncs first.
    let (a1, b1) = (
        claim(&texts[0].1, "hp-a", at),
        claim(&texts[0].1, "hp-b", at + Duration::hours(1)),
    );
    let (a2, b2) = (
        claim(&texts[1].1, "hp-a", at),
        claim(&texts[1].1, "hp-b", at + Duration::hours(1)),
    );
    let first = record_handovers(store, &grant, &keys(), vec![a1.clone(), b2.clone()], now())
        .await
        .unwrap();
    assert_eq!(
        first,
        [HandoverOutcome::Accepted, HandoverOutcome::Accepted]
    );
    let second = record_handovers(store, &grant, &keys(), vec![b1.clone(), a2.clone()], now())
        .await
        .unwrap();
    assert_eq!(
        second,
        [
            HandoverOutcome::Duplicate {
                first_at: a1.handed_at
            },
            HandoverOutcome::Duplicate {
                first_at: b2.handed_at
            },
        ]
    );
    let resync = record_handovers(store, &grant, &keys(), vec![a1, b1, a2, b2], now())
        .await
        .unwrap();
    assert!(
        resync.iter().all(|o| *o == HandoverOutcome::AlreadySynced),
        "{resync:?}"
    );
    let flagged = store.flagged_handovers(10).await.unwrap();
    assert_eq!(flagged.len(), 2);
    let mut flagged_households: Vec<Uuid> = flagged.iter().map(|f| f.household).collect();
    flagged_households.sort();
    let mut expected = vec![texts[0].0, texts[1].0];
    expected.sort();
    assert_eq!(flagged_households, expected);
    for (h, _) in &texts[..2] {
        let receipts = store
            .notices_of_household(*h)
            .await
            .unwrap()
            .iter()
            .filter(|n| n.kind == NoticeKind::Handover)
            .count();
        assert_eq!(receipts, 1);
        let trail = household_trail(store, *h).await.unwrap();
        assert_eq!(trail[0].state, EntitlementState::HandedOver);
        assert!(trail[0].handed_at.is_some() && trail[0].point_code.is_some());
    }
}

async fn bad_vouchers_are_refused_with_a_reason(db: TestDb) {
    let store = db.store.as_ref();
    let w = world(store).await;
    issue_and_assign(store, &signer(), w.envelope, &[day(2), day(3)], now())
        .await
        .unwrap();
    let officer = Actor::for_tests(Role::DistributionOfficer, Scope::All);
    let grant = officer.may_anywhere::<HandOver>().unwrap();
    // Two of the eight cash households found no room: take one that has a voucher.
    let mut stored = None;
    for h in &w.cash {
        if let Some(v) = store.voucher_of(w.envelope, *h).await.unwrap() {
            stored = Some(v);
            break;
        }
    }
    let stored = stored.unwrap();
    let text = voucher_text(store, &signer(), w.envelope, stored.household)
        .await
        .unwrap()
        .unwrap();
    let wrong_cycle = signer()
        .sign(&Voucher {
            id: stored.id,
            program: "PKH".into(),
            cycle: "2027-T2".into(),
            amount: stored.amount,
            goods: None,
            recipient: stored.recipient,
            valid_from: stored.valid_from,
            valid_until: stored.valid_until,
            key_id: signer().key_id().to_owned(),
        })
        .unwrap();
    let unknown = signer()
        .sign(&Voucher {
            id: Uuid::now_v7(),
            program: "PKH".into(),
            cycle: "2027-T1".into(),
            amount: stored.amount,
            goods: None,
            recipient: stored.recipient,
            valid_from: stored.valid_from,
            valid_until: stored.valid_until,
            key_id: signer().key_id().to_owned(),
        })
        .unwrap();
    let at = now() + Duration::days(1);
    let expired_at = DateTime::parse_from_rfc3339("2027-04-01T03:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let out = record_handovers(
        store,
        &grant,
        &keys(),
        vec![
            claim(&tampered(&text), "hp-a", at),
            claim(&text, "hp-a", expired_at),
            claim(&wrong_cycle, "hp-a", at),
            claim(&unknown, "hp-a", at),
            claim("bukan voucher", "hp-a", at),
        ],
        now(),
    )
    .await
    .unwrap();
    let codes: Vec<&str> = out
        .iter()
        .map(|o| match o {
            HandoverOutcome::Refused(why) => why.code(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        codes,
        [
            "bad_signature",
            "expired",
            "wrong_cycle",
            "unknown_voucher",
            "malformed"
        ]
    );
    assert!(matches!(
        &out[1],
        HandoverOutcome::Refused(HandoverRefusal::Voucher(VoucherRefusal::Expired { .. }))
    ));
    // Nothing was recorded: the entitlement still waits.
    let ctx = store.voucher_context(stored.id).await.unwrap().unwrap();
    assert_eq!(ctx.entitlement_state, EntitlementState::Instructed);

    // Another region's officer, and a merchant with a cash voucher, are refused; the merchant's own
    // goods voucher is accepted.
    let elsewhere = Actor::for_tests(Role::DistributionOfficer, Scope::Within(code("19.01")));
    let far = elsewhere.may_anywhere::<HandOver>().unwrap();
    let out = record_handovers(store, &far, &keys(), vec![claim(&text, "hp-c", at)], now())
        .await
        .unwrap();
    assert_eq!(
        out,
        [HandoverOutcome::Refused(HandoverRefusal::OutsideRegion)]
    );
    let merchant = w.merchant.may_anywhere::<HandOver>().unwrap();
    let goods = voucher_text(store, &signer(), w.envelope, w.goods[0])
        .await
        .unwrap()
        .unwrap();
    let goods_claim = HandoverClaim {
        point: Some("EW-1".into()),
        ..claim(&goods, "ew-1", at)
    };
    let out = record_handovers(
        store,
        &merchant,
        &keys(),
        vec![claim(&text, "ew-1", at), goods_claim],
        now(),
    )
    .await
    .unwrap();
    assert_eq!(
        out,
        [
            HandoverOutcome::Refused(HandoverRefusal::NotYourPoint),
            HandoverOutcome::Accepted
        ]
    );
}

async fn rescheduling_respects_capacity(db: TestDb) {
    let store = db.store.as_ref();
    let w = world(store).await;
    issue_and_assign(store, &signer(), w.envelope, &[day(2), day(3)], now())
        .await
        .unwrap();
    let admin = Actor::for_tests(Role::Verifier, Scope::All);
    let grant = admin.may_anywhere::<ManagePoints>().unwrap();
    let placed: Vec<Uuid> = {
        let mut v = Vec::new();
        for h in &w.cash {
            if store.assignment(w.envelope, *h).await.unwrap().is_some() {
                v.push(*h);
            }
        }
        v
    };
    let h = placed[0];
    let before = store.assignment(w.envelope, h).await.unwrap().unwrap();
    let moved = reschedule(
        store,
        &grant,
        w.envelope,
        h,
        Some(w.post.id),
        day(10),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(
        (moved.point, moved.day, moved.version),
        (w.post.id, day(10), before.version + 1)
    );
    // The post office has 2 places on day 10: one more fits there, the next goes to day 11.
    let second = reschedule(
        store,
        &grant,
        w.envelope,
        placed[1],
        Some(w.post.id),
        day(10),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(second.day, day(10));
    assert_ne!(second.slot, moved.slot);
    let third = reschedule(
        store,
        &grant,
        w.envelope,
        placed[2],
        Some(w.post.id),
        day(10),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(third.day, day(11));
    // Each move told the household once more.
    assert_eq!(schedule_notices(store, &[h]).await, 2);
    // A cash household cannot be moved to the e-Warung.
    assert!(reschedule(
        store,
        &grant,
        w.envelope,
        h,
        Some(w.warung.id),
        day(10),
        now()
    )
    .await
    .is_err());
}

async fn a_cancelled_envelopes_voucher_is_refused(db: TestDb) {
    let store = db.store.as_ref();
    let h = Uuid::now_v7();
    let envelope = Uuid::now_v7();
    store
        .create_envelope(
            &NewEnvelope {
                id: envelope,
                program: "PKH".into(),
                cycle: "2027-T1".into(),
                program_version: 1,
                scheduled_date: day(1),
                prepared_by: Uuid::now_v7(),
                prepared_at: now(),
            },
            &[entitlement(h, Route::Cash)],
        )
        .await
        .unwrap();
    let admin = Actor::for_tests(Role::Verifier, Scope::All);
    let grant = admin.may_anywhere::<ManagePoints>().unwrap();
    create_point(
        store,
        &grant,
        input("KPOS-1", PointKind::PostOffice, VILLAGE, 5, 4),
    )
    .await
    .unwrap();
    // Not approved yet: no vouchers.
    assert!(
        issue_and_assign(store, &signer(), envelope, &[day(2)], now())
            .await
            .is_err()
    );
    store
        .approve_envelope(envelope, Uuid::now_v7(), now())
        .await
        .unwrap();
    let issued = issue_and_assign(store, &signer(), envelope, &[day(2)], now())
        .await
        .unwrap();
    assert_eq!(issued.vouchers, 1);
    let text = voucher_text(store, &signer(), envelope, h)
        .await
        .unwrap()
        .unwrap();
    store
        .cancel_envelope(envelope, Uuid::now_v7(), now(), "salah_hitung")
        .await
        .unwrap();
    let officer = Actor::for_tests(Role::DistributionOfficer, Scope::All);
    let hand = officer.may_anywhere::<HandOver>().unwrap();
    let out = record_handovers(
        store,
        &hand,
        &keys(),
        vec![claim(&text, "hp-a", now() + Duration::days(1))],
        now(),
    )
    .await
    .unwrap();
    assert_eq!(out, [HandoverOutcome::Refused(HandoverRefusal::Cancelled)]);
    assert!(store.flagged_handovers(10).await.unwrap().is_empty());
}

async fn points_stay_in_the_grants_region(db: TestDb) {
    let store = db.store.as_ref();
    let verifier = Actor::for_tests(Role::Verifier, Scope::Within(code("19.02.01")));
    let grant = verifier.may_anywhere::<ManagePoints>().unwrap();
    let post = create_point(
        store,
        &grant,
        input("KPOS-1", PointKind::PostOffice, VILLAGE, 5, 4),
    )
    .await
    .unwrap();
    assert!(matches!(
        create_point(store, &grant, input("KPOS-1", PointKind::VillageHall, NEIGHBOUR, 5, 4)).await,
        Err(PointError::CodeTaken(code)) if code == "KPOS-1"
    ));
    assert!(matches!(
        create_point(
            store,
            &grant,
            input("KPOS-9", PointKind::PostOffice, "19.01.01.2001", 5, 4)
        )
        .await,
        Err(PointError::Denied(_))
    ));
    // A CSV import updates by code and adds the rest.
    let csv = format!(
        "{POINTS_CSV_HEADER}\nKPOS-1,Kantor Pos Baru,post_office,{VILLAGE},9,4,07:30,30,1,\n\
         BALAI-2,Balai Desa,village_hall,{NEIGHBOUR},3,2,08:00,60,0,\n"
    );
    let rows = parse_points_csv(csv.as_bytes()).unwrap();
    let done = import_points(store, &grant, rows).await.unwrap();
    assert_eq!((done.created, done.updated), (1, 1));
    let updated = store.point(post.id).await.unwrap().unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.capacity_per_slot),
        ("Kantor Pos Baru", 9)
    );
    let reader = Actor::for_tests(Role::VillageOperator, Scope::Within(code(NEIGHBOUR)));
    let read = reader.may_anywhere::<ReadDistribution>().unwrap();
    let seen = list_points(store, &read, false).await.unwrap();
    assert_eq!(
        seen.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(),
        ["BALAI-2"]
    );
    assert!(list_points(store, &read, true).await.unwrap().is_empty());
}

macro_rules! both {
    ($($case:ident),+ $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                tepat_store::testing::run_sqlite(super::$case).await;
            })+
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                tepat_store::testing::run_postgres(super::$case).await;
            })+
        }
    };
}

both!(
    a_cancelled_envelopes_voucher_is_refused,
    points_stay_in_the_grants_region,
    vouchers_within_capacity_once_each,
    double_redemption_across_devices_in_either_order,
    bad_vouchers_are_refused_with_a_reason,
    rescheduling_respects_capacity,
    hand_over_photos_are_kept_once_and_a_duplicates_too,
);
