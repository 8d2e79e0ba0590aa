//! Speed of `tepat_payments::schedule::assign` on a regency-sized cycle: 1,000,000 recipients in
//! 1,000 villages (15 kecamatan), 1,500 distribution points (a tenth of the villages have none),
//! 10 days × 8 slots. Prints the median of 3 runs.
//!
//! `cargo run --release -p tepat-payments --example schedule_bench`

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use tepat_payments::schedule::{assign, Point, Recipient, Tier, Unplaced};

const RECIPIENTS: usize = 1_000_000;
const VILLAGES: usize = 1_000;
const KECAMATAN: usize = 15;
const DAYS: u64 = 10;
const SLOTS: u32 = 8;

/// SplitMix64: a fixed, dependency-free stream so every run places the same people.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn village(i: usize) -> String {
    format!("19.02.{:02}.{}", i % KECAMATAN + 1, 2001 + i)
}

fn main() {
    let mut mix = Mix(7);
    // Villages 0..900 have one to three points (1,500 in all); the last 100 have none.
    let mut points = Vec::new();
    for v in 0..VILLAGES {
        let count = match v {
            _ if v >= 900 => 0,
            _ if v % 3 == 0 => 2,
            _ => 1,
        } + usize::from(v < 900 && v % 3 == 1);
        for _ in 0..count {
            points.push(Point {
                village: village(v),
                capacity_per_slot: 6 + (mix.next() % 9) as u32,
                slots_per_day: SLOTS,
            });
        }
    }
    // Village sizes vary about fourfold: the square of a uniform draw picks the village.
    let recipients: Vec<Recipient> = (0..RECIPIENTS)
        .map(|_| {
            let u = (mix.next() % 1_000_000) as f64 / 1_000_000.0;
            Recipient {
                village: village((u * u * VILLAGES as f64) as usize),
                key: mix.next(),
            }
        })
        .collect();
    let start = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let days: Vec<NaiveDate> = (0..DAYS).map(|d| start + chrono::Days::new(d)).collect();
    let room: u64 = points
        .iter()
        .map(|p| u64::from(p.capacity_per_slot) * u64::from(p.slots_per_day) * DAYS)
        .sum();
    println!(
        "{} recipients, {VILLAGES} villages, {} points (room {room}), {DAYS} days x {SLOTS} slots",
        recipients.len(),
        points.len()
    );

    let mut times: Vec<Duration> = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let t = Instant::now();
        let schedule = assign(&points, &recipients, &days).expect("valid input");
        times.push(t.elapsed());
        last = Some(schedule);
    }
    times.sort();
    let schedule = last.expect("three runs");
    let s = &schedule.summary;
    println!(
        "assigned {} (village {}, kecamatan {}, regency {}), all full {}, no point {}",
        s.assigned,
        s.placed_in(Tier::Village),
        s.placed_in(Tier::Kecamatan),
        s.placed_in(Tier::Regency),
        s.unplaced(Unplaced::AllFull),
        s.unplaced(Unplaced::NoPointInRegency),
    );
    println!(
        "assign: median {:.3} s (runs {:.3} / {:.3} / {:.3} s)",
        times[1].as_secs_f64(),
        times[0].as_secs_f64(),
        times[1].as_secs_f64(),
        times[2].as_secs_f64()
    );
}
