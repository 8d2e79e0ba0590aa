//! `RegionTable::from_csv_readers` on small inputs: what it accepts and what it rejects, and where.

use proptest::prelude::*;
use tepat_domain::{RegionCode, RegionLevel};
use tepat_regions::{CsvFile, LoadError, LoadErrorKind, RegionTable};

const PROVINCES: &str = "code,name\n19,Kepulauan Bangka Belitung\n35,Jawa Timur\n";
const REGENCIES: &str =
    "code,province_code,name\n19.02,19,Kabupaten Belitung\n35.29,35,Kabupaten Sumenep\n";
const DISTRICTS: &str =
    "code,regency_code,name\n19.02.01,19.02,Tanjungpandan\n35.29.22,35.29,\"Ra\"\"as\"\n";
const VILLAGES: &str = "code,district_code,name\n\
    19.02.01.1001,19.02.01,\"Lubuk Pakam I,II\"\n\
    19.02.01.2001,19.02.01,\"Soka\"\"an\"\n\
    35.29.22.2001,35.29.22,Regapu’u\n";

fn load(p: &str, r: &str, d: &str, v: &str) -> Result<RegionTable, LoadError> {
    RegionTable::from_csv_readers(p.as_bytes(), r.as_bytes(), d.as_bytes(), v.as_bytes())
}

fn code(s: &str) -> RegionCode {
    RegionCode::parse(s).unwrap()
}

#[test]
fn small_valid_input() {
    let t = load(PROVINCES, REGENCIES, DISTRICTS, VILLAGES).unwrap();
    assert_eq!(t.len(), 9);
    assert_eq!(t.count(RegionLevel::DesaKelurahan), 3);
    assert_eq!(t.get(&code("35.29.22")).unwrap().name, "Ra\"as");
    assert_eq!(
        t.get(&code("19.02.01.1001")).unwrap().name,
        "Lubuk Pakam I,II"
    );
    assert_eq!(t.get(&code("19.02.01.2001")).unwrap().name, "Soka\"an");
    let order: Vec<String> = t.iter().map(|r| r.code.dotted()).collect();
    assert_eq!(
        order,
        [
            "19",
            "19.02",
            "19.02.01",
            "19.02.01.1001",
            "19.02.01.2001",
            "35",
            "35.29",
            "35.29.22",
            "35.29.22.2001"
        ]
    );
    assert_eq!(
        t.find_by_name("regapuu", None)[0].code,
        code("35.29.22.2001")
    );
    assert_eq!(
        t.name_path(&code("35.29.22.2001")),
        "Regapu’u, Ra\"as, Kabupaten Sumenep, Jawa Timur"
    );
    // A code not in the table shows as itself.
    assert_eq!(
        t.name_path(&code("35.29.23")),
        "35.29.23, Kabupaten Sumenep, Jawa Timur"
    );
    assert_eq!(
        t.children(&code("19")).map(|r| r.code).collect::<Vec<_>>(),
        [code("19.02")]
    );
    assert_eq!(t.children(&code("21")).len(), 0);
}

#[test]
fn crlf_line_endings_are_accepted() {
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let t = load(
        &crlf(PROVINCES),
        &crlf(REGENCIES),
        &crlf(DISTRICTS),
        &crlf(VILLAGES),
    )
    .unwrap();
    assert_eq!(t.get(&code("35.29.22")).unwrap().name, "Ra\"as");
}

/// `villages.csv` with its header and these rows.
fn villages(rows: &[&str]) -> String {
    let mut csv = String::from("code,district_code,name\n");
    for row in rows {
        csv.push_str(row);
        csv.push('\n');
    }
    csv
}

/// Loads with `villages` replaced and returns the error.
fn villages_error(villages: &str) -> LoadError {
    load(PROVINCES, REGENCIES, DISTRICTS, villages).expect_err("should be rejected")
}

#[test]
fn malformed_csv_names_the_line() {
    // Line 3 lacks the name.
    let err = villages_error(&villages(&[
        "19.02.01.1001,19.02.01,Ok",
        "19.02.01.1002,19.02.01",
    ]));
    assert_eq!((err.file, err.line), (CsvFile::Villages, 3), "{err}");
    assert!(
        matches!(
            err.kind,
            LoadErrorKind::FieldCount {
                expected: 3,
                found: 2
            }
        ),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "region data, villages.csv line 3: 2 fields, expected 3"
    );

    // A quoted field spanning lines: the line counted is where the bad record starts.
    let err = villages_error(&villages(&[
        "19.02.01.1001,19.02.01,\"Two\nlines\"",
        "19.02.01.1002,19.02.01,Ok,extra",
    ]));
    assert_eq!(err.line, 4, "{err}");
}

#[test]
fn bad_code_and_bad_header_and_invalid_utf8() {
    let err = villages_error(&villages(&[
        "19.02.01.1001,19.02.01,Ok",
        "19.02.01.10x1,19.02.01,Bad",
    ]));
    assert_eq!(err.line, 3, "{err}");
    assert!(
        matches!(&err.kind, LoadErrorKind::BadCode { code, .. } if code == "19.02.01.10x1"),
        "{err}"
    );

    let err = villages_error("kode,kecamatan,nama\n19.02.01.1001,19.02.01,Ok\n");
    assert_eq!(err.line, 1, "{err}");
    assert!(matches!(err.kind, LoadErrorKind::BadHeader { .. }), "{err}");

    let err = villages_error("");
    assert!(
        matches!(err.kind, LoadErrorKind::MissingHeader { .. }),
        "{err}"
    );

    let bytes =
        b"code,district_code,name\n19.02.01.1001,19.02.01,Ok\n19.02.01.1002,19.02.01,\xff\xfe\n";
    let err = RegionTable::from_csv_readers(
        PROVINCES.as_bytes(),
        REGENCIES.as_bytes(),
        DISTRICTS.as_bytes(),
        &bytes[..],
    )
    .unwrap_err();
    assert_eq!((err.file, err.line), (CsvFile::Villages, 3), "{err}");
    assert!(matches!(err.kind, LoadErrorKind::Csv(_)), "{err}");
}

#[test]
fn code_at_the_wrong_level_or_outside_its_row_parent() {
    let err = villages_error(&villages(&["19.02.01,19.02,Not a village"]));
    assert!(
        matches!(err.kind, LoadErrorKind::WrongLevel { .. }),
        "{err}"
    );
    assert_eq!(err.line, 2);

    let err = villages_error(&villages(&["19.02.01.1001,35.29.22,Elsewhere"]));
    assert!(
        matches!(err.kind, LoadErrorKind::ParentMismatch { .. }),
        "{err}"
    );

    let err = villages_error(&villages(&["19.02.01.1001,19.02.01,  "]));
    assert!(matches!(err.kind, LoadErrorKind::EmptyName { .. }), "{err}");
}

#[test]
fn orphan_row_is_rejected() {
    // 19.02.02 is not in districts.csv.
    let err = villages_error(&villages(&[
        "19.02.01.1001,19.02.01,Ok",
        "19.02.02.2001,19.02.02,Orphan",
    ]));
    assert_eq!((err.file, err.line), (CsvFile::Villages, 3), "{err}");
    let LoadErrorKind::Orphan {
        code: orphan,
        parent,
    } = err.kind
    else {
        panic!("expected an orphan: {err}");
    };
    assert_eq!((orphan, parent), (code("19.02.02.2001"), code("19.02.02")));

    // A village whose district is missing, listed after another district's villages.
    let err = villages_error(&villages(&[
        "19.02.01.1001,19.02.01,Ok",
        "35.29.22.2001,35.29.22,Ok",
        "35.29.23.2001,35.29.23,Orphan",
    ]));
    assert_eq!(err.line, 4, "{err}");
    assert!(matches!(err.kind, LoadErrorKind::Orphan { .. }), "{err}");

    // A regency whose province is missing.
    let err = load(
        PROVINCES,
        "code,province_code,name\n21.01,21,Kabupaten Karimun\n",
        "code,regency_code,name\n",
        "code,district_code,name\n",
    )
    .unwrap_err();
    assert_eq!((err.file, err.line), (CsvFile::Regencies, 2), "{err}");
    assert!(matches!(err.kind, LoadErrorKind::Orphan { .. }), "{err}");
}

#[test]
fn duplicate_code_is_rejected_with_both_places() {
    let err = villages_error(&villages(&[
        "19.02.01.1001,19.02.01,A",
        "19.02.01.2001,19.02.01,B",
        "19.02.01.1001,19.02.01,C",
    ]));
    assert_eq!(err.line, 4, "{err}");
    assert!(
        matches!(
            err.kind,
            LoadErrorKind::Duplicate {
                first_file: CsvFile::Villages,
                first_line: 2,
                ..
            }
        ),
        "{err}"
    );
}

/// One to 42 printable characters, not starting or ending with a space.
const NAME: &str = "[^\\s\\x00-\\x1f][^\\x00-\\x1f]{0,40}[^\\s\\x00-\\x1f]";

proptest! {
    /// Whatever a name contains (commas, quotes, apostrophes, spaces inside), writing it as RFC 4180 CSV and
    /// reading it back gives it unchanged.
    #[test]
    fn any_name_survives_the_csv_round_trip(name in NAME) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["code", "district_code", "name"]).unwrap();
        w.write_record(["19.02.01.2001", "19.02.01", name.as_str()]).unwrap();
        let villages = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let t = load(PROVINCES, REGENCIES, DISTRICTS, &villages).unwrap();
        prop_assert_eq!(&t.get(&code("19.02.01.2001")).unwrap().name, &name);
    }
}
