//! The embedded data: official totals (Kepmendagri 300.2.2-2138/2025) and known rows.

use tepat_domain::{KnownRegions, RegionCode, RegionLevel};
use tepat_regions::RegionTable;

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

fn table() -> &'static RegionTable {
    RegionTable::embedded()
}

fn names<'a>(regions: impl Iterator<Item = &'a tepat_regions::Region>) -> Vec<(String, &'a str)> {
    regions
        .map(|r| (r.code.dotted(), r.name.as_str()))
        .collect()
}

#[test]
fn counts_match_the_official_totals() {
    let t = table();
    assert_eq!(t.count(RegionLevel::Provinsi), 38);
    assert_eq!(t.count(RegionLevel::KabupatenKota), 514);
    assert_eq!(t.count(RegionLevel::Kecamatan), 7_285);
    assert_eq!(t.count(RegionLevel::DesaKelurahan), 83_762);
    assert_eq!(t.len(), 38 + 514 + 7_285 + 83_762);
    assert_eq!(t.iter().count(), 91_599);
    assert_eq!(t.provinces().len(), 38);
    assert_eq!(t.at_level(RegionLevel::Kecamatan).count(), 7_285);
}

#[test]
fn kabupaten_and_kota() {
    let regencies: Vec<_> = table().at_level(RegionLevel::KabupatenKota).collect();
    let kota: Vec<_> = regencies.iter().filter(|r| r.code.is_kota()).collect();
    assert_eq!(kota.len(), 98);
    assert_eq!(regencies.len() - kota.len(), 416);
    // The code range and the name agree for every row (kabupaten 01–69, kota 71–99).
    for r in &regencies {
        assert_eq!(
            r.code.is_kota(),
            r.name.starts_with("Kota "),
            "{} {}",
            r.code,
            r.name
        );
        assert_eq!(
            !r.code.is_kota(),
            r.name.starts_with("Kabupaten "),
            "{} {}",
            r.code,
            r.name
        );
    }
}

#[test]
fn villages_by_first_digit_kelurahan_desa_desa_adat() {
    let mut by_digit = [0usize; 10];
    for v in table().at_level(RegionLevel::DesaKelurahan) {
        by_digit[usize::from(v.code.plain().as_bytes()[6] - b'0')] += 1;
    }
    assert_eq!(by_digit[1], 8_496, "kelurahan");
    assert_eq!(by_digit[2], 75_252, "desa");
    assert_eq!(by_digit[3], 14, "desa adat");
    assert_eq!(by_digit.iter().sum::<usize>(), 83_762);
    // All 14 desa adat are in 91.03 (Jayapura) and named so.
    let adat: Vec<_> = table()
        .at_level(RegionLevel::DesaKelurahan)
        .filter(|v| v.code.plain().as_bytes()[6] == b'3')
        .collect();
    assert!(adat
        .iter()
        .all(|v| v.code.is_within(&code("91.03")) && v.name.starts_with("Desa Adat ")));
}

#[test]
fn belitung_districts() {
    let t = table();
    assert_eq!(t.get(&code("19.02")).unwrap().name, "Kabupaten Belitung");
    assert_eq!(
        names(t.children(&code("19.02"))),
        [
            ("19.02.01".to_string(), "Tanjungpandan"),
            ("19.02.02".to_string(), "Membalong"),
            ("19.02.03".to_string(), "Selat Nasik"),
            ("19.02.04".to_string(), "Sijuk"),
            ("19.02.05".to_string(), "Badau"),
        ]
    );
    assert_eq!(
        t.name_path(&code("19.02.01")),
        "Tanjungpandan, Kabupaten Belitung, Kepulauan Bangka Belitung"
    );
    assert!(t.children(&code("19.02.01.1001")).next().is_none());
}

#[test]
fn duren_sawit() {
    let t = table();
    let district = code("31.75.07");
    assert_eq!(t.get(&district).unwrap().name, "Duren Sawit");
    assert_eq!(t.get(&code("31.75.07.1001")).unwrap().name, "Duren Sawit");
    assert_eq!(
        names(t.children(&district)),
        [
            ("31.75.07.1001".to_string(), "Duren Sawit"),
            ("31.75.07.1002".to_string(), "Pondok Bambu"),
            ("31.75.07.1003".to_string(), "Klender"),
            ("31.75.07.1004".to_string(), "Pondok Kelapa"),
            ("31.75.07.1005".to_string(), "Malaka Sari"),
            ("31.75.07.1006".to_string(), "Malaka Jaya"),
            ("31.75.07.1007".to_string(), "Pondok Kopi"),
        ]
    );
    assert_eq!(
        t.name_path(&code("31.75.07.1003")),
        "Klender, Duren Sawit, Kota Administrasi Jakarta Timur, Daerah Khusus Ibukota Jakarta"
    );
    // The subtree is the district and its seven kelurahan.
    assert_eq!(t.subtree(&district).len(), 8);
    assert_eq!(t.subtree(&district)[0].code, district);
}

#[test]
fn quoted_names_parse() {
    let t = table();
    assert_eq!(t.get(&code("35.29.22")).unwrap().name, "Ra\"as");
    assert_eq!(t.get(&code("35.13.15.2017")).unwrap().name, "Soka\"an");
    assert_eq!(
        t.get(&code("12.07.28.1007")).unwrap().name,
        "Lubuk Pakam I,II"
    );
    assert_eq!(
        t.get(&code("14.02.09.2010")).unwrap().name,
        "Lambang Sari I, II, III"
    );
    assert_eq!(t.get(&code("94.04.10.2004")).unwrap().name, "T\"Singa");
    // No name kept a CSV quote character at its ends or a doubled quote.
    assert!(t
        .iter()
        .all(|r| !r.name.starts_with('"') && !r.name.ends_with('"') && !r.name.contains("\"\"")));
}

#[test]
fn names_with_u2019_are_found_without_the_apostrophe() {
    let t = table();
    for (query, code_, name) in [
        ("Regapuu", "53.07.01.2021", "Regapu’u"),
        ("udek duen", "53.07.08.2019", "Udek Du’en"),
        ("Bu Nuapu'u", "53.07.17.2010", "Bu Nuapu’u"),
    ] {
        let found = t.find_by_name(query, Some(RegionLevel::DesaKelurahan));
        assert_eq!(
            names(found.into_iter()),
            [(code_.to_string(), name)],
            "{query}"
        );
    }
    // Doubled quotes stand for apostrophes too.
    let found = t.find_by_name("Soka'an", None);
    assert_eq!(
        names(found.into_iter()),
        [("35.13.15.2017".to_string(), "Soka\"an")]
    );
}

#[test]
fn find_by_name_prefixes_are_optional_but_must_fit() {
    let t = table();
    let codes = |name: &str, level| {
        t.find_by_name(name, level)
            .into_iter()
            .map(|r| r.code.dotted())
            .collect::<Vec<_>>()
    };
    let regency = Some(RegionLevel::KabupatenKota);
    for q in [
        "Belitung",
        "belitung",
        "Kabupaten Belitung",
        "Kab. Belitung",
        "KAB.BELITUNG",
        "  kabupaten   belitung ",
    ] {
        assert_eq!(codes(q, regency), ["19.02"], "{q}");
    }
    assert_eq!(codes("Belitung Timur", regency), ["19.06"]);
    assert!(codes("Kota Belitung", None).is_empty());
    for q in [
        "Jakarta Timur",
        "Kota Jakarta Timur",
        "Kota Administrasi Jakarta Timur",
    ] {
        assert_eq!(codes(q, None), ["31.75"], "{q}");
    }
    assert_eq!(codes("Kepulauan Seribu", regency), ["31.01"]);
    assert_eq!(codes("Provinsi Jawa Barat", None), ["32"]);
    assert_eq!(codes("jawa barat", None), ["32"]);
    // Kabupaten Bandung (32.04) and Kota Bandung (32.73) share the base name; a prefix picks one.
    assert_eq!(codes("Bandung", regency), ["32.04", "32.73"]);
    assert_eq!(codes("Kota Bandung", regency), ["32.73"]);
    assert_eq!(codes("Kabupaten Bandung", regency), ["32.04"]);
    // Without a level, districts and villages of that exact name come too, in code order.
    assert_eq!(
        codes("Tanjungpandan", Some(RegionLevel::Kecamatan)),
        ["19.02.01"]
    );
    let all = codes("Duren Sawit", None);
    assert_eq!(all, ["31.75.07", "31.75.07.1001"]);
    assert!(codes("", None).is_empty());
    assert!(codes("No Such Place Anywhere", None).is_empty());
}

#[test]
fn every_region_has_its_parent_and_known_regions_agrees() {
    let t = table();
    let mut previous: Option<RegionCode> = None;
    for r in t.iter() {
        if let Some(p) = r.parent() {
            assert!(t.contains(&p), "{} has no parent", r.code);
        }
        if let Some(prev) = previous {
            assert!(prev < r.code, "not in code order at {}", r.code);
            assert!(
                prev.dotted() < r.code.dotted(),
                "code order differs from dotted order at {}",
                r.code
            );
        }
        previous = Some(r.code);
    }
    assert!(t.contains(&code("19.02.01")));
    assert!(!t.contains(&code("19.02.99")));
    assert!(!t.contains(&code("99")));
    let children_total: usize = t.iter().map(|r| t.children(&r.code).len()).sum();
    assert_eq!(children_total, t.len() - 38);
}

#[test]
fn debug_shows_counts_not_rows() {
    assert_eq!(
        format!("{:?}", table()),
        "RegionTable { provinsi: 38, kabupaten_kota: 514, kecamatan: 7285, desa_kelurahan: 83762, .. }"
    );
}
