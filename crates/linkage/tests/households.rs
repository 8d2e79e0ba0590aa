//! Part 5 of issue 3 on Indonesian-shaped data: families share a KK number, an address, a village and
//! often a name word; duplicates carry the usual faults. One false pair must not merge a family, and the
//! cannot-link rules hold.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tepat_linkage::*;

const GIVEN: &[&str] = &[
    "Budi", "Siti", "Agus", "Sri", "Dewi", "Joko", "Rina", "Wayan", "Made", "Ketut", "Nur",
    "Ahmad", "Hendra", "Yusuf", "Fitri", "Rudi", "Indah", "Bambang", "Slamet", "Wahyu", "Putri",
    "Eko", "Dian", "Rizki", "Ayu", "Hasan", "Aminah", "Fatimah", "Teguh", "Lestari", "Suharto",
    "Sumiyem", "Samijan", "Kartini", "Bayu",
];
const FAMILY: &[&str] = &[
    "Santoso",
    "Nababan",
    "Situmorang",
    "Wijaya",
    "Hidayat",
    "Saputra",
    "Lubis",
    "Siregar",
    "Pratama",
    "Kurniawan",
    "Setiawan",
    "Hasibuan",
    "Rahman",
    "Susanto",
    "Gunawan",
    "",
    "",
    "",
];

struct Person {
    person: usize,
    record: PersonRecord,
}

fn nik(district: &str, day: u32, month: u32, year: i32, female: bool, serial: u32) -> String {
    format!(
        "{district}{:02}{:02}{:02}{:04}",
        day + if female { 40 } else { 0 },
        month,
        year % 100,
        serial
    )
}

/// Households of 2–6 members; 8 % of persons get a duplicate record with faults.
fn generate(households: usize, seed: u64) -> Vec<Person> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    let mut person = 0;
    let mut serial = 1;
    for h in 0..households {
        let district = format!("1902{:02}", 1 + h % 5);
        let village = format!("19.02.{:02}.{}", 1 + h % 5, 2001 + (h / 5) % 12);
        let kk = format!(
            "{district}{:02}{:02}{:02}{:04}",
            1 + h % 28,
            1 + h % 12,
            10 + h % 15,
            h % 9000 + 1
        );
        let family = FAMILY[rng.random_range(0..FAMILY.len())];
        let address = format!(
            "Jl. {} No. {} RT {:03} RW {:03}",
            GIVEN[h % GIVEN.len()],
            1 + h % 97,
            1 + h % 9,
            1 + h % 4
        );
        let size = rng.random_range(2..=6);
        for _ in 0..size {
            let female = rng.random_bool(0.5);
            let (y, m, d) = (
                rng.random_range(1940..2020),
                rng.random_range(1..=12),
                rng.random_range(1..=28),
            );
            let given = GIVEN[rng.random_range(0..GIVEN.len())];
            let name = if family.is_empty() {
                given.to_string()
            } else {
                format!("{given} {family}")
            };
            serial += 1;
            let record = PersonRecord {
                record_id: format!("p{person}"),
                nik: nik(&district, d, m, y, female, serial % 9999 + 1),
                kk_number: kk.clone(),
                full_name: name,
                sex: if female { "P" } else { "L" }.into(),
                birth_place: "Tanjungpandan".into(),
                birth_date: format!("{y:04}-{m:02}-{d:02}"),
                address: address.clone(),
                village_code: village.clone(),
            };
            if rng.random_bool(0.08) {
                let mut dup = record.clone();
                dup.record_id = format!("p{person}d");
                match rng.random_range(0..6) {
                    0 => dup.full_name = format!("H. {}", dup.full_name),
                    1 => dup.full_name = dup.full_name.replace('u', "oe"),
                    2 => {
                        let mut c: Vec<char> = dup.full_name.chars().collect();
                        let i = rng.random_range(1..c.len() - 1);
                        c.swap(i, i + 1);
                        dup.full_name = c.into_iter().collect();
                    }
                    3 => dup.nik.clear(),
                    4 => dup.birth_date = format!("{y:04}-{d:02}-{m:02}"),
                    _ => {
                        let mut c: Vec<char> = dup.nik.chars().collect();
                        c[14] = if c[14] == '9' { '0' } else { '9' };
                        dup.nik = c.into_iter().collect();
                    }
                }
                if rng.random_bool(0.3) {
                    dup.address = format!("{} Tanjungpandan", dup.address.to_uppercase());
                }
                out.push(Person {
                    person,
                    record: dup,
                });
            }
            out.push(Person { person, record });
            person += 1;
        }
    }
    out
}

#[test]
fn families_do_not_chain_and_duplicates_are_found() {
    let people = generate(1500, 7);
    let records: Vec<PersonRecord> = people.iter().map(|p| p.record.clone()).collect();
    let truth: febrl::TruePairs = {
        let mut by: std::collections::HashMap<usize, Vec<&str>> = Default::default();
        for p in &people {
            by.entry(p.person).or_default().push(&p.record.record_id);
        }
        by.values()
            .flat_map(|v| {
                let mut out = Vec::new();
                for i in 0..v.len() {
                    for j in i + 1..v.len() {
                        out.push(eval::pair_key(&v[i].to_string(), &v[j].to_string()));
                    }
                }
                out
            })
            .collect()
    };
    let data = Dataset::from_records(&records, &NormaliseOptions::default());
    let d = deduplicate(
        &data,
        &LinkageOptions::default(),
        &Decisions::new(),
        None,
        &NoProgress,
    );
    let assignment = || {
        d.clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (data.ids[i].clone(), data.ids[*c as usize].clone()))
    };
    let c = eval::clusters(assignment(), &truth);
    eprintln!(
        "synthetic households: {} records, {} true pairs, clusters {c:?}",
        records.len(),
        truth.len()
    );
    assert!(c.precision >= 0.99, "{c:?}");
    assert!(c.recall >= 0.95, "{c:?}");
    // No cluster holds two people of one KK with different birth dates or sexes.
    for (i, &ci) in d.clusters.iter().enumerate() {
        let j = ci as usize;
        if i != j {
            assert!(
                pipeline::constraint(&data.prepared[i], &data.prepared[j], None).is_none(),
                "{} and {} violate a cannot-link rule",
                data.ids[i],
                data.ids[j]
            );
        }
    }
}

#[test]
fn cannot_link_rules() {
    let base = PersonRecord {
        record_id: "a".into(),
        nik: "1902010101900001".into(),
        kk_number: "1902010101100001".into(),
        full_name: "Budi Santoso".into(),
        sex: "L".into(),
        birth_date: "1990-01-01".into(),
        ..Default::default()
    };
    let p = |r: &PersonRecord| Prepared::from_record(r, &NormaliseOptions::default());
    let mut other = base.clone();
    other.sex = "P".into();
    other.nik = String::new();
    assert_eq!(
        pipeline::constraint(&p(&base), &p(&other), None),
        Some(Constraint::SexDiffers)
    );
    // A record whose own NIK says male while it says P: the sex is suspect, no constraint.
    other.nik = base.nik.clone();
    assert_eq!(pipeline::constraint(&p(&base), &p(&other), None), None);
    let mut child = base.clone();
    child.nik = "1902011505150002".into();
    child.birth_date = "2015-05-15".into();
    assert_eq!(
        pipeline::constraint(&p(&base), &p(&child), None),
        Some(Constraint::SameKkDifferentBirthDate)
    );
    let mut typo = base.clone();
    typo.birth_date = "1990-01-02".into();
    assert_eq!(
        pipeline::constraint(&p(&base), &p(&typo), None),
        None,
        "a one-digit date typo is not a different person"
    );
    let mut second = base.clone();
    second.kk_number.clear();
    second.nik = "1902010101900007".into();
    let extract: std::collections::HashSet<String> =
        [base.nik.clone(), second.nik.clone()].into_iter().collect();
    assert_eq!(pipeline::constraint(&p(&base), &p(&second), None), None);
    assert_eq!(
        pipeline::constraint(&p(&base), &p(&second), Some(&extract)),
        Some(Constraint::DifferentKnownNiks)
    );
}
