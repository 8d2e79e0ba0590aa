//! Assignment to points, days and slots: capacity, nearness tiers, evenness, the NIK-digit skew it
//! avoids, determinism, and rescheduling.

use std::collections::HashMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use tepat_payments::schedule::{
    assign, assign_onto, reschedule, Loads, Point, Recipient, ScheduleError, Slot, Tier, Unplaced,
};

fn days(n: u32) -> Vec<NaiveDate> {
    let start = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    (0..n)
        .map(|i| start + chrono::Days::new(u64::from(i)))
        .collect()
}

fn point(village: &str, capacity_per_slot: u32, slots_per_day: u32) -> Point {
    Point {
        village: village.into(),
        capacity_per_slot,
        slots_per_day,
    }
}

/// A keyed hash, as the caller computes it from the household id.
fn key(i: u64) -> u64 {
    let digest = Sha256::digest([b"test-key".as_slice(), &i.to_be_bytes()].concat());
    u64::from_be_bytes(digest[..8].try_into().unwrap())
}

fn recipients(village: &str, n: u64, first: u64) -> Vec<Recipient> {
    (first..first + n)
        .map(|i| Recipient {
            village: village.into(),
            key: key(i),
        })
        .collect()
}

/// Every slot's count, recounted from the result.
fn recount(slots: &[Option<Slot>]) -> HashMap<Slot, u32> {
    let mut counts = HashMap::new();
    for s in slots.iter().flatten() {
        *counts.entry(*s).or_default() += 1;
    }
    counts
}

#[test]
fn capacity_is_never_exceeded_and_overflow_is_reported() {
    let points = [point("19.02.01.2001", 3, 2), point("19.02.01.2002", 2, 1)];
    // Room: 3×2×2 + 2×1×2 = 16 over two days; 20 recipients.
    let people = recipients("19.02.01.2001", 20, 0);
    let schedule = assign(&points, &people, &days(2)).unwrap();
    for (slot, count) in recount(&schedule.slots) {
        assert!(
            count <= points[slot.point as usize].capacity_per_slot,
            "{slot:?}"
        );
        assert_eq!(schedule.loads.slot_load(slot), count);
    }
    assert_eq!(schedule.summary.assigned, 16);
    assert_eq!(schedule.summary.unplaced(Unplaced::AllFull), 4);
    assert_eq!(schedule.summary.placed_in(Tier::Village), 12);
    assert_eq!(schedule.summary.placed_in(Tier::Kecamatan), 4);
    for (i, why) in &schedule.summary.unassigned {
        assert_eq!(schedule.slots[*i], None);
        assert_eq!(*why, Unplaced::AllFull);
    }
}

#[test]
fn nearer_tiers_are_filled_first() {
    let points = [
        point("19.02.01.2001", 5, 1),  // village A
        point("19.02.01.2009", 5, 1),  // same kecamatan as A
        point("19.02.03.2001", 5, 1),  // same regency only
        point("19.05.01.2001", 50, 1), // another regency: never used for A
    ];
    let d = days(1);
    let mut people = recipients("19.02.01.2001", 12, 0); // village A
    people.extend(recipients("19.02.01.2005", 4, 100)); // A's kecamatan, no point of its own
    people.extend(recipients("19.09.01.2001", 2, 200)); // a regency without points
    let schedule = assign(&points, &people, &d).unwrap();
    let at = |i: usize| schedule.slots[i].map(|s| s.point);
    let count =
        |range: std::ops::Range<usize>, p: Option<u32>| range.filter(|&i| at(i) == p).count();
    // Village A's own point holds only A's households; the kecamatan point and then the regency
    // point take the rest of the kecamatan, A's overflow and the pointless village alike.
    assert_eq!(count(0..12, Some(0)), 5);
    assert_eq!(count(12..16, Some(0)), 0);
    assert_eq!(count(0..16, Some(1)), 5);
    assert_eq!(count(0..16, Some(2)), 5);
    assert_eq!(count(0..16, Some(3)), 0);
    assert_eq!(count(0..16, None), 1);
    assert_eq!(at(16), None);
    assert_eq!(at(17), None);
    assert_eq!(
        schedule.summary.unplaced(Unplaced::NoPointInRegency),
        2,
        "{:?}",
        schedule.summary
    );
    assert_eq!(schedule.summary.unplaced(Unplaced::AllFull), 1);
    assert_eq!(schedule.summary.placed_in(Tier::Village), 5);
    assert_eq!(schedule.summary.placed_in(Tier::Kecamatan), 5);
    assert_eq!(schedule.summary.placed_in(Tier::Regency), 5);
}

#[test]
fn within_a_tier_the_point_with_most_room_is_taken() {
    let points = [
        point("19.02.01.2001", 2, 1),
        point("19.02.01.2001", 6, 1),
        point("19.02.01.2001", 4, 1),
    ];
    let schedule = assign(&points, &recipients("19.02.01.2001", 6, 0), &days(1)).unwrap();
    let loads: Vec<u64> = (0..3).map(|p| schedule.loads.point_load(p)).collect();
    // Free 2/6/4: the 6 takes until it ties the 4, then they alternate; the 2 is not needed yet.
    assert_eq!(loads, vec![0, 4, 2]);
}

#[test]
fn days_and_slots_are_filled_evenly() {
    let points = [point("19.02.01.2001", 10, 8), point("19.02.01.2002", 7, 5)];
    let d = days(10);
    for n in [1, 9, 10, 11, 79, 333, 799, 1000] {
        let schedule = assign(&points, &recipients("19.02.01.2001", n, 0), &d).unwrap();
        for p in 0..2u32 {
            let per_day: Vec<u32> = (0..10).map(|day| schedule.loads.day_load(p, day)).collect();
            let spread = per_day.iter().max().unwrap() - per_day.iter().min().unwrap();
            assert!(spread <= 1, "n={n} point {p}: {per_day:?}");
            for day in 0..10 {
                let slots = points[p as usize].slots_per_day as u16;
                let per_slot: Vec<u32> = (0..slots)
                    .map(|slot| {
                        schedule.loads.slot_load(Slot {
                            point: p,
                            day,
                            slot,
                        })
                    })
                    .collect();
                let spread = per_slot.iter().max().unwrap() - per_slot.iter().min().unwrap();
                assert!(spread <= 1, "n={n} point {p} day {day}: {per_slot:?}");
            }
        }
        assert_eq!(
            schedule.summary.assigned as u64,
            n.min(10 * 10 * 8 + 10 * 7 * 5)
        );
    }
}

/// The last four NIK digits are a serial per kecamatan, birth date and sex that starts at 0001:
/// most people are the first or second born on their day in their kecamatan.
fn nik_serials(n: usize) -> Vec<u64> {
    (0..n as u64)
        .map(|i| match key(i) % 100 {
            0..=69 => 1,
            70..=89 => 2,
            90..=96 => 3,
            _ => 4 + key(i) % 20,
        })
        .collect()
}

#[test]
fn the_spread_does_not_depend_on_nik_digits() {
    let n = 2_000;
    let d = days(10);
    // What the issue warns against: the day chosen from the last NIK digit.
    let serials = nik_serials(n);
    let mut by_last_digit = [0u32; 10];
    for s in &serials {
        by_last_digit[(s % 10) as usize] += 1;
    }
    let busiest = *by_last_digit.iter().max().unwrap();
    let quietest = *by_last_digit.iter().min().unwrap();
    assert!(
        busiest > 10 * (n as u32 / 10) / 2 && quietest == 0,
        "{by_last_digit:?}"
    );

    let points = [point("19.02.01.2001", 30, 8)];
    let keyed = recipients("19.02.01.2001", n as u64, 0);
    let schedule = assign(&points, &keyed, &d).unwrap();
    let per_day: Vec<u32> = (0..10).map(|day| schedule.loads.day_load(0, day)).collect();
    assert_eq!(per_day, vec![200; 10]);

    // Even a caller that passes NIK serials as keys gets even days: the rank, not the value, sets
    // the day ...
    let by_serial: Vec<Recipient> = serials
        .iter()
        .map(|s| Recipient {
            village: "19.02.01.2001".into(),
            key: *s,
        })
        .collect();
    let from_serials = assign(&points, &by_serial, &d).unwrap();
    let per_day: Vec<u32> = (0..10)
        .map(|day| from_serials.loads.day_load(0, day))
        .collect();
    assert_eq!(per_day, vec![200; 10]);

    // ... but the order decides who gets the near point when it is short: by serial, households
    // numbered 0001 take all of it; by a keyed hash, every serial gets its share.
    let points = [
        point("19.02.01.2001", 10, 10),
        point("19.02.01.2002", 100, 10),
    ];
    let others_at_home = |people: &[Recipient]| {
        let schedule = assign(&points, people, &d).unwrap();
        assert_eq!(schedule.loads.point_load(0), 1_000);
        schedule
            .slots
            .iter()
            .zip(&serials)
            .filter(|(s, serial)| s.is_some_and(|s| s.point == 0) && **serial != 1)
            .count()
    };
    assert_eq!(others_at_home(&by_serial), 0);
    let share = others_at_home(&keyed);
    assert!((240..=360).contains(&share), "{share}");
}

#[test]
fn assignment_is_deterministic_and_independent_of_input_order() {
    let points = [
        point("19.02.01.2001", 4, 3),
        point("19.02.01.2002", 3, 2),
        point("19.02.02.2001", 5, 2),
    ];
    let mut people = recipients("19.02.01.2001", 150, 0);
    people.extend(recipients("19.02.02.2003", 60, 1000));
    let d = days(5);
    let first = assign(&points, &people, &d).unwrap();
    let again = assign(&points, &people, &d).unwrap();
    assert_eq!(first.slots, again.slots);
    assert_eq!(first.summary, again.summary);

    let mut reversed = people.clone();
    reversed.reverse();
    let other = assign(&points, &reversed, &d).unwrap();
    let mut back = other.slots.clone();
    back.reverse();
    assert_eq!(back, first.slots);
}

#[test]
fn reschedule_moves_to_the_next_free_slot_on_or_after_a_day() {
    let points = [point("19.02.01.2001", 1, 2), point("19.02.01.2002", 1, 2)];
    let d = days(3);
    // Fill point 0 except day 2 slot 1.
    let mut loads = Loads::new(&points, d.len()).unwrap();
    for (day, slot) in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)] {
        loads
            .add(Slot {
                point: 0,
                day,
                slot,
            })
            .unwrap();
    }
    let who = Recipient {
        village: "19.02.01.2001".into(),
        key: 7,
    };
    let from = Slot {
        point: 0,
        day: 0,
        slot: 0,
    };
    let moved = reschedule(&points, &mut loads, &who, Some(from), Some(0), 1).unwrap();
    assert_eq!(
        moved,
        Slot {
            point: 0,
            day: 2,
            slot: 1
        }
    );
    assert_eq!(loads.slot_load(from), 0);
    assert_eq!(loads.slot_load(moved), 1);
    assert_eq!(loads.point_load(0), 5);

    // Point 0 is now full from day 1: another recipient cannot go there, and nothing changes.
    let before = loads.clone();
    assert_eq!(
        reschedule(&points, &mut loads, &who, None, Some(0), 1),
        Err(ScheduleError::NoRoom)
    );
    assert_eq!(loads, before);
    // Moving the same recipient again finds its own slot the next free one.
    assert_eq!(
        reschedule(&points, &mut loads, &who, Some(moved), Some(0), 1),
        Ok(moved)
    );
    assert_eq!(loads, before);

    // Any near point: the freed day-0 slot at point 0 is earliest.
    let near = reschedule(&points, &mut loads, &who, Some(moved), None, 0).unwrap();
    assert_eq!(near, from);
    // From day 1 the own village's point still has day 2 (just freed) ...
    let near = reschedule(&points, &mut loads, &who, Some(near), None, 1).unwrap();
    assert_eq!(near, moved);
    // ... and then it is full from day 1: the next household goes to the kecamatan's other point.
    let next = reschedule(&points, &mut loads, &who, None, None, 1).unwrap();
    assert_eq!(
        next,
        Slot {
            point: 1,
            day: 1,
            slot: 0
        }
    );

    let far = Recipient {
        village: "31.71.01.1001".into(),
        key: 1,
    };
    assert_eq!(
        reschedule(&points, &mut loads, &far, None, None, 0),
        Err(ScheduleError::NoPointInRegency)
    );
    assert_eq!(
        reschedule(&points, &mut loads, &who, None, Some(9), 0),
        Err(ScheduleError::UnknownPoint { point: 9 })
    );
    assert_eq!(
        reschedule(&points, &mut loads, &who, None, None, 3),
        Err(ScheduleError::DayOutOfRange { day: 3 })
    );
}

#[test]
fn loads_refuse_to_overfill_and_assign_onto_respects_them() {
    let points = [point("19.02.01.2001", 2, 1)];
    let mut loads = Loads::new(&points, 2).unwrap();
    let s = Slot {
        point: 0,
        day: 0,
        slot: 0,
    };
    loads.add(s).unwrap();
    loads.add(s).unwrap();
    assert_eq!(loads.add(s), Err(ScheduleError::SlotFull { slot: s }));
    let outside = Slot {
        point: 0,
        day: 2,
        slot: 0,
    };
    assert_eq!(
        loads.add(outside),
        Err(ScheduleError::SlotOutOfRange { slot: outside })
    );
    let more = assign_onto(&points, &recipients("19.02.01.2001", 3, 0), loads);
    assert_eq!(more.summary.assigned, 2);
    assert!(more.slots.iter().flatten().all(|s| s.day == 1));
    assert_eq!(more.loads.day_load(0, 0), 2);
}

#[test]
fn no_days_or_no_capacity_places_no_one() {
    let points = [point("19.02.01.2001", 0, 4)];
    let people = recipients("19.02.01.2001", 3, 0);
    let none = assign(&points, &people, &days(3)).unwrap();
    assert_eq!(none.summary.unplaced(Unplaced::AllFull), 3);
    let no_days = assign(&[point("19.02.01.2001", 5, 4)], &people, &[]).unwrap();
    assert_eq!(no_days.summary.assigned, 0);
}

fn arb_case() -> impl Strategy<Value = (Vec<Point>, Vec<Recipient>, u32)> {
    let village = (0u8..2, 0u8..3, 0u8..3).prop_map(|(r, k, v)| format!("19.0{r}.0{k}.200{v}"));
    let points = proptest::collection::vec(
        (village.clone(), 0u32..4, 1u32..4).prop_map(|(v, c, s)| point(&v, c, s)),
        0..8,
    );
    let people = proptest::collection::vec(
        (village, any::<u64>()).prop_map(|(village, key)| Recipient { village, key }),
        0..200,
    );
    (points, people, 0u32..5)
}

proptest! {
    #[test]
    fn any_assignment_respects_capacity_and_counts(case in arb_case()) {
        let (points, people, n) = case;
        let schedule = assign(&points, &people, &days(n)).unwrap();
        let counts = recount(&schedule.slots);
        for (slot, count) in &counts {
            prop_assert!(*count <= points[slot.point as usize].capacity_per_slot);
            prop_assert!(u32::from(slot.day) < n);
            prop_assert!(u32::from(slot.slot) < points[slot.point as usize].slots_per_day);
            prop_assert_eq!(schedule.loads.slot_load(*slot), *count);
        }
        let placed = schedule.slots.iter().flatten().count();
        prop_assert_eq!(placed, schedule.summary.assigned);
        prop_assert_eq!(placed + schedule.summary.unassigned.len(), people.len());
        prop_assert_eq!(schedule.summary.by_tier.iter().sum::<usize>(), placed);
        for (i, slot) in schedule.slots.iter().enumerate() {
            if let Some(s) = slot {
                let regency = |v: &str| v[..5].to_owned();
                prop_assert_eq!(regency(&points[s.point as usize].village), regency(&people[i].village));
            }
        }
    }
}

#[test]
fn reschedule_errors_speak_to_the_officer() {
    use tepat_domain::{Lang, Localized};
    let no_room = ScheduleError::NoRoom;
    assert!(no_room.message(Lang::Id).contains("slot kosong"));
    assert!(no_room.message(Lang::En).contains("no free slot"));
    let no_point = ScheduleError::NoPointInRegency;
    assert!(no_point.message(Lang::Id).contains("kabupaten/kota"));
    let full = ScheduleError::SlotFull {
        slot: Slot {
            point: 0,
            day: 0,
            slot: 0,
        },
    };
    assert_eq!(full.message(Lang::Id), "Slot itu sudah penuh.");
    assert!(full.message(Lang::En).starts_with("Slot "));
    assert!(full.message(Lang::En).ends_with('.'));
}
