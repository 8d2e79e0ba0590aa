//! Registry search speed on the embedded store: loads N persons (households of four) into a fresh SQLite
//! file through `RegistryStore::registry_propose`, then times searches by NIK, KK number and name prefix,
//! each scoped to a village, a kecamatan or the regency, and prints p50 / p99 / max per kind.
//!
//! ```sh
//! cargo run --release -p tepat-store --example registry_search -- 1000000
//! ```
//!
//! Names are drawn from lists of common Indonesian given and family names with a skewed (Zipf-like)
//! choice, so prefixes such as "siti" or "muhammad" match tens of thousands of people, as they do in a
//! real regency.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tepat_crypto::Keyring;
use tepat_domain::registry::{
    name_key, Change, ChangeKind, MemberStatus, RegistryHousehold, RegistryMember, Request,
    Submission, Who,
};
use tepat_domain::{KkNumber, Nik, RegionCode, Relationship, Role, Scope, Sex};
use tepat_store::{AuditAction, AuditEntry, HouseholdState, ObjectKind, SaveHousehold, Store};
use uuid::Uuid;

const GIVEN: &[&str] = &[
    "siti", "muhammad", "nur", "ahmad", "dewi", "sri", "agus", "budi", "rina", "yusuf", "fitri",
    "hendra", "wahyu", "eko", "indah", "rizki", "putri", "dedi", "ani", "joko", "lestari",
    "bambang", "ratna", "andi", "yanti", "hasan", "aminah", "rahmat", "suryani", "taufik", "wati",
    "irwan", "fatimah", "arif", "novi", "slamet", "rudi", "maya", "iwan", "kartini",
];
const FAMILY: &[&str] = &[
    "saputra",
    "hidayat",
    "wijaya",
    "santoso",
    "rahman",
    "kurniawan",
    "lestari",
    "susanto",
    "setiawan",
    "pratama",
    "nugroho",
    "hasibuan",
    "siregar",
    "nasution",
    "harahap",
    "simanjuntak",
    "sitompul",
    "aminah",
    "rohmah",
    "yulianti",
    "fauzi",
    "hakim",
    "syahputra",
    "ramadhan",
    "maulana",
    "permana",
    "gunawan",
    "halim",
    "sulaiman",
    "ismail",
];

/// A skewed index into a list of `n`: small indexes far more often (roughly Zipf).
fn skewed(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.random();
    ((n as f64).powf(u) - 1.0) as usize % n
}

fn name(rng: &mut StdRng) -> String {
    let first = GIVEN[skewed(rng, GIVEN.len())];
    let second = GIVEN[rng.random_range(0..GIVEN.len())];
    let family = FAMILY[skewed(rng, FAMILY.len())];
    match rng.random_range(0..3) {
        0 => format!("{first} {family}"),
        1 => format!("{first} {second} {family}"),
        _ => format!("{first} {second}"),
    }
}

fn villages(regency: &str) -> Vec<RegionCode> {
    let root = RegionCode::parse(regency).unwrap();
    tepat_regions::RegionTable::embedded()
        .iter()
        .map(|r| r.code)
        .filter(|c| c.level() == tepat_domain::RegionLevel::DesaKelurahan && c.is_within(&root))
        .collect()
}

/// Household `i`: four members with NIKs unique across the run.
fn household(i: u64, village: RegionCode, rng: &mut StdRng) -> RegistryHousehold {
    let district = village.parent().unwrap();
    let kk = KkNumber::parse_structure(&format!("{}{:010}", district.plain(), i)).unwrap();
    let relationships = [
        Relationship::KepalaKeluarga,
        Relationship::SuamiIstri,
        Relationship::Anak,
        Relationship::Anak,
    ];
    let members = relationships
        .iter()
        .enumerate()
        .map(|(j, rel)| {
            let n = i * 4 + j as u64;
            let sex = if j % 2 == 0 {
                Sex::LakiLaki
            } else {
                Sex::Perempuan
            };
            // 9,000 serials per birth date and sex: every NIK differs.
            let birth = NaiveDate::from_ymd_opt(1945, 1, 1).unwrap()
                + chrono::Duration::days((n / 9000) as i64 % 25_000);
            let serial = (n % 9000) as u16 + 1;
            RegistryMember {
                id: Uuid::now_v7(),
                nik: Nik::from_parts(district, sex, birth, serial).unwrap(),
                full_name: name(rng),
                sex,
                birth_date: birth,
                relationship: *rel,
                phone: None,
                survey: None,
                status: MemberStatus::Active,
            }
        })
        .collect();
    RegistryHousehold {
        id: Uuid::now_v7(),
        kk_number: kk,
        village,
        address: format!("Jl. Contoh No. {}", i % 200),
        rt: "001".into(),
        rw: "002".into(),
        location: None,
        survey: None,
        account: None,
        members,
    }
}

async fn load(store: &dyn Store, households: &[RegistryHousehold]) {
    let who = Who {
        user: Uuid::now_v7(),
        role: Role::VillageOperator,
    };
    let started = Instant::now();
    for (i, h) in households.iter().enumerate() {
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
            purpose: "bench".into(),
            client: None,
        };
        store
            .registry_propose(&request, &submission, Some(save), &audit)
            .await
            .unwrap();
        if (i + 1) % 25_000 == 0 {
            let s = started.elapsed().as_secs_f64();
            eprintln!("loaded {} households ({:.0}/s)", i + 1, (i + 1) as f64 / s);
        }
    }
    let s = started.elapsed().as_secs_f64();
    println!(
        "load: {} households, {} persons in {:.1} s ({:.0} households/s)",
        households.len(),
        households.len() * 4,
        s,
        households.len() as f64 / s
    );
}

fn report(kind: &str, mut times: Vec<Duration>, hits: usize) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{kind:<34} n={:<5} p50 {:>7.3} ms  p99 {:>7.3} ms  max {:>7.3} ms  (hits {hits})",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let persons: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("persons: a number"))
        .unwrap_or(1_000_000);
    let queries = 3_000;
    // REGISTRY_BENCH_DB=FILE keeps the database (and reuses it when it exists: the households are
    // generated from a fixed seed, so they are the same).
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var("REGISTRY_BENCH_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("registry.db"));
    let existed = path.exists();
    let store = tepat_store::connect(
        &format!("sqlite://{}", path.display()),
        Arc::new(Keyring::load_or_create(&path.with_extension("keys")).unwrap()),
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let villages = villages("19.02");
    let mut rng = StdRng::seed_from_u64(7);
    let households: Vec<_> = (0..persons / 4)
        .map(|i| {
            let v = villages[rng.random_range(0..villages.len())];
            household(i, v, &mut rng)
        })
        .collect();
    if existed {
        println!("reusing {}", path.display());
    } else {
        load(store.as_ref(), &households).await;
    }
    let size = std::fs::metadata(&path).map_or(0, |m| m.len());
    println!(
        "database file: {:.0} MB; {} villages",
        size as f64 / 1e6,
        villages.len()
    );

    let regency = Scope::Within(RegionCode::parse("19.02").unwrap());
    let scope_of = |h: &RegistryHousehold, kind: usize| match kind {
        0 => Scope::Within(h.village),
        1 => Scope::Within(h.village.parent().unwrap()),
        _ => regency,
    };
    // Warm-up: the first queries after opening read the index pages from disk.
    for h in households.iter().step_by(households.len() / 500 + 1) {
        let _ = store.registry_search_nik(&h.members[0].nik, &regency).await;
    }
    // Kinds and scopes interleaved at random, so that cache and machine load affect all alike.
    let labels = ["village", "kecamatan", "regency"];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); 9];
    let mut hits = [0usize; 9];
    for _ in 0..queries * 3 {
        let h = &households[rng.random_range(0..households.len())];
        let m = &h.members[rng.random_range(0..4)];
        let scope_kind = rng.random_range(0..3);
        let scope = scope_of(h, scope_kind);
        let t = Instant::now();
        let found = match rng.random_range(0..3) {
            0 => (0, store.registry_search_nik(&m.nik, &scope).await.unwrap()),
            1 => (
                1,
                store
                    .registry_search_kk(&h.kk_number, &scope)
                    .await
                    .unwrap(),
            ),
            _ => {
                // What an operator types: the first word, or it and part of the second.
                let key = name_key(&m.full_name);
                let first = key.find(' ').unwrap_or(key.len());
                let cut = if rng.random_bool(0.5) {
                    first
                } else {
                    (first + 3).min(key.len())
                };
                let prefix = &key[..cut.max(3).min(key.len())];
                (
                    2,
                    store
                        .registry_search_name(prefix, &scope, 20)
                        .await
                        .unwrap(),
                )
            }
        };
        let slot = found.0 * 3 + scope_kind;
        times[slot].push(t.elapsed());
        hits[slot] += found.1.len();
    }
    let kinds = ["NIK", "KK number", "name prefix (20 hits)"];
    for (slot, t) in times.into_iter().enumerate() {
        let label = format!("{}, scope {}", kinds[slot / 3], labels[slot % 3]);
        report(&label, t, hits[slot]);
    }
}
