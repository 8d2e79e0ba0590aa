//! Targeting at scale (issue 6's speed goal): bulk-loads N generated households into the targeting facts
//! of a fresh database, then times three realistic program rules compiled to SQL
//! (`tepat_domain::targeting_sql::TargetingColumns`) and run by `TargetingFactsStore::select_households`
//! (every selected row decoded into an `EligibleRow`) and `count_households`, and prints the median of 3.
//!
//! ```sh
//! cargo run --release -p tepat-store --example bench_targeting -- 1000000 sqlite:///tmp/t.db
//! cargo run --release -p tepat-store --example bench_targeting -- 10000000 postgres://u:p@host/db
//! ```
//!
//! The database must be new (an empty file or database). Households are spread over the villages of
//! Kabupaten Belitung (19.02); sizes 1–7 (mean 3.2), ages, survey answers, sectors, ranks and enrolments
//! follow rough national shares, from a seeded generator so runs are comparable.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tepat_crypto::Keyring;
use tepat_domain::rules::Rule;
use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, IncomeBand, Roof, Sanitation, SchoolLevel, Sector,
    Wall, Water,
};
use tepat_domain::targeting_sql::TargetingColumns;
use tepat_domain::{
    Desil, HouseholdFacts, HouseholdSurvey, MemberFacts, MemberSurvey, RegionCode, RegionLevel,
    Relationship, Rupiah, Sex,
};
use tepat_regions::RegionTable;
use uuid::Uuid;

const RULES: &[&str] = &[
    "desil <= 4 and any(member, age < 6)",
    r#"sector in ["nelayan", "kukm"] and count(member, age >= 60) >= 1"#,
    r#"not has_car and floor == "tanah""#,
];
const BATCH: usize = 50_000;
const RUNS: usize = 3;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args
        .get(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let url = args
        .get(2)
        .cloned()
        .unwrap_or_else(|| "sqlite:///tmp/tepat-bench-targeting.db".into());
    let store = tepat_store::connect(&url, Arc::new(Keyring::generate())).await?;
    store.migrate().await?;
    let villages = villages("19.02");
    let mut rng = StdRng::seed_from_u64(6);
    let started = Instant::now();
    let (mut households, mut persons) = (0usize, 0usize);
    while households < n {
        let batch: Vec<HouseholdFacts> = (0..BATCH.min(n - households))
            .map(|_| household(&mut rng, &villages))
            .collect();
        persons += batch.iter().map(|f| f.members.len()).sum::<usize>();
        households += store.load_targeting_facts(&batch).await? as usize;
    }
    println!(
        "loaded {households} households, {persons} persons in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let on = NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date");
    let schema = tepat_domain::targeting::schema();
    for text in RULES {
        let sql = Rule::compile(text, &schema)?.to_sql(&TargetingColumns::new(on))?;
        let (mut select, mut count, mut rows) = (Vec::new(), Vec::new(), 0);
        for _ in 0..RUNS {
            let t = Instant::now();
            rows = store.select_households(&sql).await?.len();
            select.push(t.elapsed());
            let t = Instant::now();
            store.count_households(&sql).await?;
            count.push(t.elapsed());
        }
        println!(
            "{text}\n  {rows} households; select median {:.2} s, count median {:.2} s",
            median(&mut select),
            median(&mut count)
        );
    }
    Ok(())
}

fn median(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64()
}

fn villages(regency: &str) -> Vec<RegionCode> {
    let table = RegionTable::embedded();
    let code = RegionCode::parse(regency).expect("a regency code");
    table
        .subtree(&code)
        .iter()
        .filter(|r| r.level() == RegionLevel::DesaKelurahan)
        .map(|r| r.code)
        .collect()
}

/// Draws from `choices` with the given weights (percent, summing to 100).
fn weighted<T: Copy>(rng: &mut StdRng, choices: &[(T, u32)]) -> T {
    let mut roll = rng.random_range(0..100);
    for &(v, w) in choices {
        if roll < w {
            return v;
        }
        roll -= w;
    }
    choices[choices.len() - 1].0
}

fn birth(rng: &mut StdRng, years: std::ops::Range<i32>) -> NaiveDate {
    NaiveDate::from_ymd_opt(
        rng.random_range(years),
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    )
    .expect("a valid date")
}

fn household(rng: &mut StdRng, villages: &[RegionCode]) -> HouseholdFacts {
    let size = weighted(
        rng,
        &[(1, 14), (2, 22), (3, 24), (4, 21), (5, 11), (6, 5), (7, 3)],
    );
    let surveyed = rng.random_range(0..100) < 85;
    let head_sector = weighted(
        rng,
        &[
            (Sector::Petani, 25),
            (Sector::Buruh, 20),
            (Sector::Nelayan, 8),
            (Sector::Kukm, 12),
            (Sector::Karyawan, 15),
            (Sector::TidakBekerja, 10),
            (Sector::Asn, 4),
            (Sector::Lainnya, 6),
        ],
    );
    let mut members = Vec::with_capacity(size);
    for i in 0..size {
        let (relationship, born) = match i {
            0 => (Relationship::KepalaKeluarga, birth(rng, 1940..2000)),
            1 => (Relationship::SuamiIstri, birth(rng, 1945..2002)),
            _ => (Relationship::Anak, birth(rng, 2000..2027)),
        };
        let sector = if i == 0 {
            head_sector
        } else {
            Sector::TidakBekerja
        };
        members.push(MemberFacts {
            birth_date: born,
            sex: if i == 0 {
                Sex::LakiLaki
            } else {
                Sex::Perempuan
            },
            relationship,
            survey: surveyed.then(|| MemberSurvey {
                sector,
                disability: weighted(rng, &[(Disability::Tidak, 95), (Disability::Ringan, 4)]),
                chronic_illness: rng.random_range(0..100) < 8,
                pregnant: false,
                school_level: SchoolLevel::TidakSekolah,
            }),
        });
    }
    let consumption = rng.random_range(250_000..2_500_000);
    HouseholdFacts {
        id: Uuid::now_v7(),
        village: villages[rng.random_range(0..villages.len())],
        survey: surveyed.then(|| survey(rng, consumption)),
        members,
        desil: Desil::new(rng.random_range(1..=10)),
        welfare: Some(Rupiah::new(consumption * rng.random_range(80..120) / 100)),
        enrolled: [("PKH", 10), ("SEMBAKO", 18), ("PBI-JK", 35)]
            .iter()
            .filter(|(_, share)| rng.random_range(0..100) < *share)
            .map(|(code, _)| (*code).to_owned())
            .collect(),
    }
}

fn survey(rng: &mut StdRng, consumption: i64) -> HouseholdSurvey {
    HouseholdSurvey {
        floor: weighted(
            rng,
            &[
                (Floor::Tanah, 10),
                (Floor::Bambu, 4),
                (Floor::KayuMurah, 10),
                (Floor::Semen, 36),
                (Floor::Keramik, 40),
            ],
        ),
        wall: any(rng, Wall::ALL),
        roof: any(rng, Roof::ALL),
        floor_area_m2: rng.random_range(15..150),
        water: any(rng, Water::ALL),
        sanitation: any(rng, Sanitation::ALL),
        electricity: any(rng, Electricity::ALL),
        cooking_fuel: any(rng, CookingFuel::ALL),
        income_band: any(rng, IncomeBand::ALL),
        owns_house: rng.random_range(0..100) < 80,
        has_motorcycle: rng.random_range(0..100) < 70,
        has_car: rng.random_range(0..100) < 6,
        has_refrigerator: rng.random_range(0..100) < 55,
        has_boat: rng.random_range(0..100) < 3,
        livestock_units: rng.random_range(0..4),
        land_m2: rng.random_range(0..5_000),
        consumption_per_capita: Some(Rupiah::new(consumption)),
    }
}

fn any<T: Copy>(rng: &mut StdRng, all: &[T]) -> T {
    all[rng.random_range(0..all.len())]
}
