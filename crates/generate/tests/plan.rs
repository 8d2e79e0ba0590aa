//! The size and spread of a run, checked through the plan (no files written), and option errors.

mod common;

use common::{regions, today};
use tepat_domain::RegionCode;
use tepat_generate::{generate, plan, GenerateError, GenerateOptions, PERSONS_PER_VILLAGE};

fn belitung() -> GenerateOptions {
    GenerateOptions::new("/nonexistent/never-written", 42, today())
}

#[test]
fn default_is_belitung_at_its_real_size() {
    let p = plan(&belitung(), regions()).unwrap();
    assert_eq!(p.regency.dotted(), "19.02");
    assert!(
        (185_000..=195_000).contains(&p.persons),
        "{} persons",
        p.persons
    );
    assert!(
        (55_000..=65_000).contains(&p.households),
        "{} households",
        p.households
    );
    assert_eq!(
        p.villages.iter().map(|v| v.persons).sum::<usize>(),
        p.persons
    );
    assert_eq!(
        p.villages.iter().map(|v| v.households).sum::<usize>(),
        p.households
    );
    // Every village of the regency is populated.
    let table_villages: usize = regions()
        .children(&RegionCode::parse("19.02").unwrap())
        .map(|d| regions().children(&d.code).len())
        .sum();
    assert_eq!(p.villages.len(), table_villages);
    assert!(p.villages.iter().all(|v| v.households > 0));
}

#[test]
fn the_default_run_writes_what_the_plan_says() {
    let dir = tempfile::tempdir().unwrap();
    let opts = GenerateOptions::new(dir.path(), 42, today());
    let p = plan(&opts, regions()).unwrap();
    let s = generate(&opts, regions(), &|_, _| {}).unwrap();
    assert_eq!(
        (s.persons as usize, s.households as usize),
        (p.persons, p.households)
    );
    assert!((185_000..=195_000).contains(&s.persons), "{}", s.persons);
    assert!(
        (55_000..=65_000).contains(&s.households),
        "{}",
        s.households
    );
    let text = std::fs::read_to_string(dir.path().join(tepat_generate::POPULATION)).unwrap();
    let mut lines = text.lines();
    lines.next();
    let mut kks = std::collections::HashSet::new();
    let mut rows = 0;
    for line in lines {
        // nik and kk_number come before any quoted field.
        kks.insert(line.split(',').nth(1).unwrap().to_string());
        rows += 1;
    }
    assert_eq!(rows, p.persons);
    assert_eq!(kks.len(), p.households);
}

#[test]
fn tiny_runs_work_and_are_exact() {
    let dir = tempfile::tempdir().unwrap();
    for n in [1usize, 2, 7, 31] {
        let mut opts = GenerateOptions::new(dir.path().join(n.to_string()), 9, today());
        opts.persons = Some(n);
        opts.errors = true;
        let s = generate(&opts, regions(), &|_, _| {}).unwrap();
        assert_eq!(s.persons as usize, n);
        let text = std::fs::read_to_string(&s.files[0]).unwrap();
        assert_eq!(text.lines().count(), n + 1, "{n} persons");
    }
}

#[test]
fn belitung_districts_are_shaped_like_reality() {
    let p = plan(&belitung(), regions()).unwrap();
    let d: std::collections::HashMap<String, usize> = p
        .district_persons()
        .into_iter()
        .map(|(c, n)| (c.dotted(), n))
        .collect();
    let (tanjungpandan, membalong, selat_nasik, sijuk, badau) = (
        d["19.02.01"],
        d["19.02.02"],
        d["19.02.03"],
        d["19.02.04"],
        d["19.02.05"],
    );
    assert!(
        tanjungpandan > 2 * sijuk.max(membalong),
        "Tanjungpandan largest by far"
    );
    assert!(
        sijuk > badau && membalong > badau,
        "then Sijuk and Membalong"
    );
    assert!(badau > selat_nasik, "Selat Nasik smallest");
    assert!(tanjungpandan as f64 / p.persons as f64 > 0.5);

    // Villages within a district have uneven sizes.
    let tp: Vec<usize> = p
        .villages
        .iter()
        .filter(|v| v.code.dotted().starts_with("19.02.01."))
        .map(|v| v.persons)
        .collect();
    let (min, max) = (tp.iter().min().unwrap(), tp.iter().max().unwrap());
    assert!(*max as f64 > 2.0 * *min as f64, "min {min} max {max}");
}

#[test]
fn persons_sets_the_exact_size_and_the_seed_moves_households() {
    let mut o = belitung();
    o.persons = Some(12_345);
    let a = plan(&o, regions()).unwrap();
    assert_eq!(a.persons, 12_345);
    let b = plan(&o, regions()).unwrap();
    assert_eq!(a.households, b.households);
    assert_eq!(a.villages, b.villages);
    o.seed = 43;
    let c = plan(&o, regions()).unwrap();
    assert_eq!(c.persons, 12_345);
    assert_ne!(
        a.villages.iter().map(|v| v.persons).collect::<Vec<_>>(),
        c.villages.iter().map(|v| v.persons).collect::<Vec<_>>()
    );
    o.persons = Some(1);
    let one = plan(&o, regions()).unwrap();
    assert_eq!((one.persons, one.households), (1, 1));
}

#[test]
fn any_regency_by_code() {
    let mut o = belitung();
    o.regency = RegionCode::parse("31.75").unwrap(); // Kota Jakarta Timur
    let p = plan(&o, regions()).unwrap();
    assert_eq!(p.persons, PERSONS_PER_VILLAGE * p.villages.len());
    assert!(p
        .villages
        .iter()
        .all(|v| v.code.dotted().starts_with("31.75.")));
    let districts = p.district_persons();
    let (min, max) = (
        districts.iter().map(|d| d.1).min().unwrap(),
        districts.iter().map(|d| d.1).max().unwrap(),
    );
    assert!(
        min > 0 && (max as f64) < 6.0 * min as f64,
        "uniform-ish: {districts:?}"
    );
}

#[test]
fn bad_options_are_refused_with_a_reason() {
    let mut o = belitung();
    o.regency = RegionCode::parse("19.99").unwrap();
    assert!(matches!(plan(&o, regions()), Err(GenerateError::UnknownRegency(c)) if c == "19.99"));
    o.regency = RegionCode::parse("19.02.01").unwrap();
    assert!(matches!(
        plan(&o, regions()),
        Err(GenerateError::NotARegency(_))
    ));
    o.regency = RegionCode::parse("19").unwrap();
    assert!(matches!(
        plan(&o, regions()),
        Err(GenerateError::NotARegency(_))
    ));
    let mut o = belitung();
    o.persons = Some(0);
    assert!(matches!(plan(&o, regions()), Err(GenerateError::NoPersons)));
    o.persons = Some(usize::MAX);
    assert!(matches!(
        plan(&o, regions()),
        Err(GenerateError::TooManyPersons(_))
    ));
    let msg = tepat_domain::Localized::message(&GenerateError::NoPersons, tepat_domain::Lang::Id);
    assert!(msg.contains("penduduk"), "{msg}");
}

#[test]
fn an_unwritable_directory_is_an_io_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let mut o = belitung();
    o.out = file.join("sub");
    o.persons = Some(10);
    let err = generate(&o, regions(), &|_, _| {}).unwrap_err();
    assert!(matches!(err, GenerateError::Io { .. }), "{err}");
    assert!(err.to_string().contains("a-file"), "{err}");
}
