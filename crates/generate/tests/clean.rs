//! A clean run (no `--errors`): every identifier valid and consistent, households plausible, the
//! registry and survey consistent with the population, the population realistic.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use common::{age, date, regions, today, Generated, Table};
use tepat_domain::{KkNumber, Nik, RegionCode, RegionLevel, Sex};
use tepat_generate::*;

const PERSONS_N: usize = 30_000;

fn data() -> &'static Generated {
    static DATA: OnceLock<Generated> = OnceLock::new();
    DATA.get_or_init(|| Generated::new(PERSONS_N, 11, false))
}

fn population() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| data().table(POPULATION))
}

/// Rows grouped by KK number, in file order.
fn households() -> &'static Vec<(String, Vec<usize>)> {
    static H: OnceLock<Vec<(String, Vec<usize>)>> = OnceLock::new();
    H.get_or_init(|| {
        let t = population();
        let kk = t.col("kk_number");
        let mut out: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, r) in t.rows.iter().enumerate() {
            match out.last_mut() {
                Some((k, rows)) if *k == r[kk] => rows.push(i),
                _ => out.push((r[kk].clone(), vec![i])),
            }
        }
        out
    })
}

#[test]
fn headers_are_exact_and_files_complete() {
    let d = data();
    let expected = [
        (POPULATION, POPULATION_HEADER),
        (POPULATION_TRUTH, POPULATION_TRUTH_HEADER),
        (PERSONS, PERSONS_HEADER),
        (PERSONS_TRUTH, PERSONS_TRUTH_HEADER),
        (SURVEY_HOUSEHOLDS, SURVEY_HOUSEHOLDS_HEADER),
        (SURVEY_MEMBERS, SURVEY_MEMBERS_HEADER),
    ];
    assert_eq!(
        PERSONS_HEADER,
        "record_id,nik,kk_number,full_name,sex,birth_place,birth_date,address,village_code"
    );
    assert_eq!(
        POPULATION_HEADER,
        "nik,kk_number,full_name,sex,birth_place,birth_date,religion,marital_status,relationship,address,rt,rw,village_code,occupation,death_date"
    );
    for (name, header) in expected {
        let text = std::fs::read_to_string(d.path(name)).unwrap();
        assert_eq!(text.lines().next(), Some(header), "{name}");
        assert!(text.ends_with('\n'), "{name} ends with a newline");
    }
    assert_eq!(d.summary.files.len(), 6);
    let leftovers: Vec<_> = std::fs::read_dir(&d.opts.out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(population().rows.len(), PERSONS_N);
    assert_eq!(d.summary.persons as usize, PERSONS_N);
    assert_eq!(households().len(), d.summary.households as usize);
}

#[test]
fn every_nik_is_valid_and_agrees_with_its_row() {
    let t = population();
    let mut seen = HashSet::new();
    for r in &t.rows {
        let nik = Nik::parse(t.get(r, "nik"), regions())
            .unwrap_or_else(|e| panic!("{}: {e}", t.get(r, "nik")));
        let sex = Sex::parse(t.get(r, "sex")).unwrap();
        let born = date(t.get(r, "birth_date"));
        assert!(nik.check_record(sex, born).is_empty(), "{r:?}");
        assert_eq!(nik.birth_date(today()), born, "century recoverable");
        assert!(seen.insert(nik), "NIK twice: {}", nik.digits());
    }
    // Serials start at 0001 and 0001 is the most common.
    let mut serials: HashMap<&str, usize> = HashMap::new();
    for r in &t.rows {
        *serials.entry(&t.get(r, "nik")[12..]).or_default() += 1;
    }
    let top = serials.iter().max_by_key(|(_, n)| **n).unwrap();
    assert_eq!(*top.0, "0001");
    assert!(*top.1 as f64 > 0.5 * t.rows.len() as f64);
    // Most are born in the district they live in; some elsewhere in the regency; some in another province.
    let same = t
        .rows
        .iter()
        .filter(|r| t.get(r, "nik")[..6] == t.get(r, "village_code").replace('.', "")[..6])
        .count() as f64
        / t.rows.len() as f64;
    let outside = t
        .rows
        .iter()
        .filter(|r| !t.get(r, "nik").starts_with("19"))
        .count() as f64
        / t.rows.len() as f64;
    assert!((0.65..0.9).contains(&same), "{same}");
    assert!((0.01..0.1).contains(&outside), "{outside}");
}

#[test]
fn kk_numbers_are_valid_unique_and_one_head_each() {
    let t = population();
    let mut seen = HashSet::new();
    for (kk, rows) in households() {
        assert!(seen.insert(kk.clone()), "KK {kk} appears in two places");
        let parsed = KkNumber::parse(kk, regions()).unwrap();
        let village = t.get(&t.rows[rows[0]], "village_code");
        assert_eq!(
            parsed.district().dotted(),
            village[..8],
            "KK issued in the household's district"
        );
        let heads = rows
            .iter()
            .filter(|&&i| t.get(&t.rows[i], "relationship") == "kepala_keluarga")
            .count();
        assert_eq!(heads, 1, "KK {kk}");
        assert_eq!(t.get(&t.rows[rows[0]], "relationship"), "kepala_keluarga");
        for &i in rows {
            let r = &t.rows[i];
            assert_eq!(t.get(r, "village_code"), village, "one village per KK");
            assert_eq!(t.get(r, "address"), t.get(&t.rows[rows[0]], "address"));
        }
    }
}

#[test]
fn villages_exist_and_lie_in_the_regency() {
    let t = population();
    let regency = RegionCode::parse("19.02").unwrap();
    let mut used = HashSet::new();
    for r in &t.rows {
        let code = RegionCode::parse(t.get(r, "village_code")).unwrap();
        assert_eq!(code.level(), RegionLevel::DesaKelurahan);
        assert!(code.is_within(&regency));
        assert!(regions().get(&code).is_some(), "{code}");
        used.insert(code);
        let (rt, rw) = (t.get(r, "rt"), t.get(r, "rw"));
        assert!(rt.len() == 3 && rt.bytes().all(|b| b.is_ascii_digit()) && rt != "000");
        assert!(rw.len() == 3 && rw.bytes().all(|b| b.is_ascii_digit()) && rw != "000");
        let a = t.get(r, "address");
        assert!(a.starts_with("JL. ") || a.starts_with("DUSUN "), "{a}");
    }
    assert!(used.len() > 40, "most of Belitung's 49 villages are used");
}

#[test]
fn ages_and_relationships_are_plausible() {
    let t = population();
    for (kk, rows) in households() {
        let head = &t.rows[rows[0]];
        let head_age = age(t.get(head, "birth_date"));
        assert!(head_age >= 16, "head aged {head_age} in {kk}");
        let spouse_age = rows
            .iter()
            .map(|&i| &t.rows[i])
            .find(|r| t.get(r, "relationship") == "suami_istri")
            .map(|r| age(t.get(r, "birth_date")));
        if let Some(s) = spouse_age {
            assert!(s >= 16, "spouse aged {s}");
            assert_eq!(t.get(head, "marital_status"), "kawin");
        }
        for &i in &rows[1..] {
            let r = &t.rows[i];
            let a = age(t.get(r, "birth_date"));
            match t.get(r, "relationship") {
                "anak" => {
                    assert!(a + 15 <= head_age, "child {a} vs head {head_age} in {kk}");
                    if let Some(s) = spouse_age {
                        assert!(a + 15 <= s, "child {a} vs mother {s} in {kk}");
                    }
                }
                "cucu" => assert!(a + 30 <= head_age, "grandchild {a} vs head {head_age}"),
                "orang_tua" | "mertua" => {
                    assert!(a >= head_age + 16, "parent {a} vs head {head_age}")
                }
                "suami_istri" | "menantu" | "famili_lain" => {}
                other => panic!("unexpected relationship {other}"),
            }
        }
    }
    let mut dead = 0;
    for r in &t.rows {
        let born = date(t.get(r, "birth_date"));
        assert!(born <= today() && age(t.get(r, "birth_date")) < 100);
        let d = t.get(r, "death_date");
        if !d.is_empty() {
            dead += 1;
            let d = date(d);
            assert!(d >= born && d <= today() && (today() - d).num_days() <= 731);
        }
    }
    let share = dead as f64 / t.rows.len() as f64;
    assert!((0.002..0.01).contains(&share), "deaths {share}");
    // Some single-person elderly households, widows among them.
    let elderly_alone = households()
        .iter()
        .filter(|(_, rows)| {
            rows.len() == 1
                && age(t.get(&t.rows[rows[0]], "birth_date")) >= 60
                && t.get(&t.rows[rows[0]], "marital_status") == "cerai_mati"
        })
        .count();
    assert!(
        elderly_alone as f64 > 0.03 * households().len() as f64,
        "{elderly_alone}"
    );
}

#[test]
fn occupations_fit_ages() {
    let t = population();
    let mut fishers = 0;
    for r in &t.rows {
        let a = age(t.get(r, "birth_date"));
        let occ = t.get(r, "occupation");
        assert!(occupation::ALL.contains(&occ), "{occ}");
        match occ {
            "BELUM/TIDAK BEKERJA" => {}
            "PELAJAR/MAHASISWA" => assert!((5..=25).contains(&a), "pupil aged {a}"),
            "PENSIUNAN" => assert!(a >= 45, "pensioner aged {a}"),
            "PEGAWAI NEGERI SIPIL" | "TENTARA NASIONAL INDONESIA" | "KEPOLISIAN RI" => {
                assert!((15..58).contains(&a), "{occ} aged {a}")
            }
            _ => assert!(a >= 15, "{occ} aged {a}"),
        }
        if a < 5 {
            assert_eq!(occ, "BELUM/TIDAK BEKERJA");
        }
        if occ == "NELAYAN/PERIKANAN" {
            fishers += 1;
        }
    }
    assert!(
        fishers as f64 > 0.02 * t.rows.len() as f64,
        "{fishers} fishers"
    );
    // Fishers are concentrated on the coast: Selat Nasik (islands) far above the town kelurahan.
    let share = |pred: &dyn Fn(&str) -> bool| {
        let adults: Vec<&Vec<String>> = t
            .rows
            .iter()
            .filter(|r| {
                pred(t.get(r, "village_code"))
                    && t.get(r, "sex") == "L"
                    && age(t.get(r, "birth_date")) >= 25
            })
            .collect();
        adults
            .iter()
            .filter(|r| t.get(r, "occupation") == "NELAYAN/PERIKANAN")
            .count() as f64
            / adults.len() as f64
    };
    let islands = share(&|v| v.starts_with("19.02.03."));
    let town = share(&|v| v.starts_with("19.02.01.1"));
    assert!(islands > 2.0 * town, "islands {islands} town {town}");
}

#[test]
fn names_are_indonesian_in_their_variety() {
    let t = population();
    let names: Vec<&str> = t.rows.iter().map(|r| t.get(r, "full_name")).collect();
    let n = names.len() as f64;
    for name in &names {
        assert!(!name.is_empty() && name.len() <= 60, "{name}");
        assert_eq!(*name, name.to_uppercase());
        assert!(!name.contains("  "));
    }
    let share = |pred: &dyn Fn(&str) -> bool| names.iter().filter(|x| pred(x)).count() as f64 / n;
    let single = share(&|x| !x.contains(' '));
    let muhammad = share(&|x| {
        [
            "MUHAMMAD ",
            "MUHAMAD ",
            "MOHAMMAD ",
            "MOHAMAD ",
            "MOCHAMAD ",
            "MOH. ",
            "M. ",
            "MUH. ",
        ]
        .iter()
        .any(|m| x.starts_with(m) || x.contains(&format!(" {m}")))
    });
    let hajj = share(&|x| x.starts_with("H. ") || x.starts_with("HJ. "));
    let degree = share(&|x| {
        x.contains(", S.")
            || x.starts_with("DRS. ")
            || x.contains(" DRS. ")
            || x.starts_with("DRA. ")
    });
    let old = share(&|x| x.contains("OE") || x.contains("DJ") || x.contains("TJ"));
    let chinese = share(&|x| {
        ["TJHIN ", "LIE ", "BONG ", " LIE", " BONG", " TJHIN"]
            .iter()
            .any(|s| x.contains(s))
    });
    let batak = share(&|x| x.contains(" BR "));
    assert!((0.03..0.25).contains(&single), "single {single}");
    assert!((0.01..0.12).contains(&muhammad), "muhammad {muhammad}");
    assert!(hajj > 0.002, "hajj {hajj}");
    assert!(degree > 0.002, "degree {degree}");
    assert!(old > 0.005, "old spellings {old}");
    assert!(chinese > 0.003, "chinese {chinese}");
    assert!(batak > 0.0005, "batak {batak}");
    // Names repeat (Siti, Muhammad…) but are not dominated by a few.
    let distinct: HashSet<&&str> = names.iter().collect();
    assert!(
        distinct.len() as f64 > 0.5 * n,
        "{} distinct",
        distinct.len()
    );
}

#[test]
fn religions_are_plausible_for_belitung() {
    let t = population();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for r in &t.rows {
        *counts.entry(t.get(r, "religion")).or_default() += 1;
        assert!(tepat_domain::Religion::parse(t.get(r, "religion")).is_some());
        assert!(tepat_domain::MaritalStatus::parse(t.get(r, "marital_status")).is_some());
        assert!(tepat_domain::Relationship::parse(t.get(r, "relationship")).is_some());
    }
    let n = t.rows.len() as f64;
    let s = |k: &str| *counts.get(k).unwrap_or(&0) as f64 / n;
    assert!((0.8..0.95).contains(&s("islam")), "{counts:?}");
    assert!(
        s("buddha") > 0.02 && s("kristen") > 0.005 && s("khonghucu") > 0.003,
        "{counts:?}"
    );
}

#[test]
fn registry_lists_poorer_households_without_faults() {
    let d = data();
    let p = d.table(PERSONS);
    let truth = d.table(PERSONS_TRUTH);
    let pop = population();
    assert_eq!(p.rows.len(), truth.rows.len());
    assert_eq!(p.rows.len() as u64, d.summary.registry_records);
    assert_eq!(d.summary.duplicate_records, 0);
    assert!(d.summary.person_faults.is_empty() && d.summary.population_faults.is_empty());
    assert!(d.table(POPULATION_TRUTH).rows.is_empty());
    let mut kks = HashSet::new();
    for (i, (r, t)) in p.rows.iter().zip(&truth.rows).enumerate() {
        assert_eq!(p.get(r, "record_id"), format!("R{:08}", i + 1));
        assert_eq!(truth.get(t, "record_id"), p.get(r, "record_id"));
        assert_eq!(truth.get(t, "fault"), "");
        let row: usize = truth.get(t, "person_id")[1..].parse().unwrap();
        let person = &pop.rows[row - 1];
        for col in [
            "nik",
            "kk_number",
            "full_name",
            "sex",
            "birth_place",
            "birth_date",
            "village_code",
        ] {
            assert_eq!(p.get(r, col), pop.get(person, col), "{col}");
        }
        assert!(p.get(r, "address").starts_with(pop.get(person, "address")));
        assert!(p
            .get(r, "address")
            .contains(&format!("RT {}", pop.get(person, "rt"))));
        assert_eq!(pop.get(person, "death_date"), "", "the dead are not listed");
        kks.insert(p.get(r, "kk_number").to_string());
    }
    let share = kks.len() as f64 / households().len() as f64;
    assert!(
        (0.35..0.45).contains(&share),
        "registry holds {share} of households"
    );

    // Poorer: registry households consume less.
    let s = d.table(SURVEY_HOUSEHOLDS);
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    for r in &s.rows {
        let c: i64 = s.get(r, "consumption_per_capita").parse().unwrap();
        if kks.contains(s.get(r, "kk_number")) {
            inside.push(c);
        } else {
            outside.push(c);
        }
    }
    inside.sort();
    outside.sort();
    let (mi, mo) = (inside[inside.len() / 2], outside[outside.len() / 2]);
    assert!(
        (mi as f64) < 0.75 * mo as f64,
        "registry median {mi}, others {mo}"
    );
}

#[test]
fn survey_matches_the_population_and_tracks_welfare() {
    let d = data();
    let s = d.table(SURVEY_HOUSEHOLDS);
    let m = d.table(SURVEY_MEMBERS);
    let pop = population();
    let living: HashMap<&str, usize> = households()
        .iter()
        .map(|(kk, rows)| {
            (
                kk.as_str(),
                rows.iter()
                    .filter(|&&i| pop.get(&pop.rows[i], "death_date").is_empty())
                    .count(),
            )
        })
        .collect();
    let with_living = living.values().filter(|&&n| n > 0).count();
    assert_eq!(s.rows.len(), with_living);
    let mut consumption = Vec::new();
    for r in &s.rows {
        let kk = s.get(r, "kk_number");
        assert_eq!(s.get(r, "members").parse::<usize>().unwrap(), living[kk]);
        use tepat_domain::survey::*;
        assert!(Floor::parse(s.get(r, "floor")).is_some());
        assert!(Wall::parse(s.get(r, "wall")).is_some());
        assert!(Roof::parse(s.get(r, "roof")).is_some());
        assert!(Water::parse(s.get(r, "water")).is_some());
        assert!(Sanitation::parse(s.get(r, "sanitation")).is_some());
        assert!(Electricity::parse(s.get(r, "electricity")).is_some());
        assert!(CookingFuel::parse(s.get(r, "cooking_fuel")).is_some());
        assert!(IncomeBand::parse(s.get(r, "income_band")).is_some());
        for b in [
            "owns_house",
            "has_motorcycle",
            "has_car",
            "has_refrigerator",
            "has_boat",
        ] {
            assert!(["true", "false"].contains(&s.get(r, b)));
        }
        let area: u32 = s.get(r, "floor_area_m2").parse().unwrap();
        assert!((9..=500).contains(&area));
        consumption.push((
            s.get(r, "consumption_per_capita").parse::<i64>().unwrap(),
            s.get(r, "floor").to_string(),
            s.get(r, "has_car") == "true",
        ));
    }
    let mut c: Vec<i64> = consumption.iter().map(|x| x.0).collect();
    c.sort();
    let median = c[c.len() / 2];
    assert!((1_050_000..1_350_000).contains(&median), "median {median}");
    let med = |pred: &dyn Fn(&(i64, String, bool)) -> bool| {
        let mut v: Vec<i64> = consumption
            .iter()
            .filter(|x| pred(x))
            .map(|x| x.0)
            .collect();
        v.sort();
        v[v.len() / 2]
    };
    assert!(med(&|x| x.1 == "tanah") < med(&|x| x.1 == "keramik"));
    assert!(med(&|x| !x.2) < med(&|x| x.2), "car owners are richer");

    // One member row per living person, with NIKs from the population.
    let alive: HashSet<&str> = pop
        .rows
        .iter()
        .filter(|r| pop.get(r, "death_date").is_empty())
        .map(|r| pop.get(r, "nik"))
        .collect();
    assert_eq!(m.rows.len(), alive.len());
    let mut sectors: HashMap<&str, usize> = HashMap::new();
    for r in &m.rows {
        assert!(alive.contains(m.get(r, "nik")));
        use tepat_domain::survey::*;
        assert!(Sector::parse(m.get(r, "sector")).is_some());
        assert!(Disability::parse(m.get(r, "disability")).is_some());
        assert!(SchoolLevel::parse(m.get(r, "school_level")).is_some());
        *sectors.entry(m.get(r, "sector")).or_default() += 1;
    }
    for needed in [
        "nelayan",
        "kukm",
        "phk",
        "dirumahkan",
        "petani",
        "buruh",
        "asn",
        "pelajar",
    ] {
        assert!(
            sectors.get(needed).copied().unwrap_or(0) > 10,
            "{needed}: {sectors:?}"
        );
    }
}

#[test]
fn progress_reaches_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = GenerateOptions::new(dir.path(), 3, today());
    opts.persons = Some(500);
    let calls = std::cell::RefCell::new(Vec::new());
    generate(&opts, regions(), &|done, total| {
        calls.borrow_mut().push((done, total))
    })
    .unwrap();
    assert_eq!(calls.borrow().last(), Some(&(500, 500)));
}
