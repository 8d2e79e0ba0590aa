//! Records: a row of `persons.csv` as written ([`PersonRecord`]) and its normalised form ([`Prepared`]).

use std::fmt;

use serde::{Deserialize, Serialize};
use tepat_domain::{Nik, RegionCode, Sex};

use crate::normalise::{normalise_address, normalise_name, normalise_place, Nicknames};

/// The header of `persons.csv`, exactly.
pub const PERSONS_HEADER: [&str; 9] = [
    "record_id",
    "nik",
    "kk_number",
    "full_name",
    "sex",
    "birth_place",
    "birth_date",
    "address",
    "village_code",
];

/// One row of `persons.csv` as written. Any field other than `record_id` may be empty or malformed: that is
/// input to match on, not an error. `Debug` does not print personal data.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub record_id: String,
    pub nik: String,
    pub kk_number: String,
    pub full_name: String,
    /// `L` or `P` (other spellings are understood, anything else is treated as unknown).
    pub sex: String,
    pub birth_place: String,
    /// `YYYY-MM-DD` (also understood: `DD-MM-YYYY`, `DD/MM/YYYY`, `YYYYMMDD`).
    pub birth_date: String,
    pub address: String,
    /// Kemendagri dotted code `PP.KK.CC.DDDD` (shorter codes and the plain form are understood).
    pub village_code: String,
}

impl fmt::Debug for PersonRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonRecord")
            .field("record_id", &self.record_id)
            .finish_non_exhaustive()
    }
}

impl PersonRecord {
    /// The fields in `persons.csv` column order.
    pub fn fields(&self) -> [&str; 9] {
        [
            &self.record_id,
            &self.nik,
            &self.kk_number,
            &self.full_name,
            &self.sex,
            &self.birth_place,
            &self.birth_date,
            &self.address,
            &self.village_code,
        ]
    }
}

/// Settings of normalisation.
#[derive(Debug, Clone, Default)]
pub struct NormaliseOptions {
    pub nicknames: Option<Nicknames>,
}

/// A record normalised once for comparison and blocking. `Debug` does not print personal data.
#[derive(Clone, Default)]
pub struct Prepared {
    /// Canonical name tokens joined by a space.
    pub name: Box<str>,
    /// The same tokens sorted.
    pub name_sorted: Box<str>,
    /// Birth date as the eight digits `YYYYMMDD` (not necessarily a real date).
    pub dob: Option<[u8; 8]>,
    pub sex: Option<Sex>,
    /// The NIK without spaces, dots or dashes (digits if it was digits; kept as written otherwise).
    pub nik: Box<str>,
    /// The NIK passed every structural rule.
    pub nik_valid: bool,
    /// The NIK's embedded sex and birth date agree with the record's (`None`: cannot be checked).
    pub nik_consistent: Option<bool>,
    pub kk: Box<str>,
    pub place: Box<str>,
    pub address: Box<str>,
    /// Region code digits without dots, or the folded text when it is not a code.
    pub village: Box<str>,
    /// Number of digits when `village` is a code (2, 4, 6 or 10), 0 otherwise.
    pub village_digits: u8,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("nik_valid", &self.nik_valid)
            .field("nik_consistent", &self.nik_consistent)
            .field("village_digits", &self.village_digits)
            .finish_non_exhaustive()
    }
}

impl Prepared {
    pub fn from_record(r: &PersonRecord, opts: &NormaliseOptions) -> Prepared {
        let name = normalise_name(&r.full_name, opts.nicknames.as_ref());
        let dob = parse_dob(&r.birth_date);
        let sex = Sex::parse(&r.sex);
        let nik = clean_identifier(&r.nik);
        let parsed = Nik::parse_structure(&nik).ok();
        let nik_consistent = match (&parsed, sex, dob) {
            (Some(n), Some(s), Some(d)) => {
                let (dd, mm, yy) = n.birth_ddmmyy();
                let (rd, rm, ry) = dob_parts(&d);
                Some(n.sex() == s && (dd as u32, mm as u32, yy as u32) == (rd, rm, ry % 100))
            }
            (Some(n), Some(s), None) => Some(n.sex() == s),
            (Some(n), None, Some(d)) => {
                let (dd, mm, yy) = n.birth_ddmmyy();
                let (rd, rm, ry) = dob_parts(&d);
                Some((dd as u32, mm as u32, yy as u32) == (rd, rm, ry % 100))
            }
            _ => None,
        };
        let (village, village_digits) = match RegionCode::parse(&r.village_code) {
            Ok(code) => (code.plain().into(), code.plain().len() as u8),
            Err(_) => (crate::normalise::fold(&r.village_code).into(), 0),
        };
        Prepared {
            name: name.canonical().into(),
            name_sorted: name.sorted().into(),
            dob,
            sex,
            nik_valid: parsed.is_some(),
            nik: nik.into(),
            nik_consistent,
            kk: clean_identifier(&r.kk_number).into(),
            place: normalise_place(&r.birth_place).into(),
            address: normalise_address(&r.address).into(),
            village,
            village_digits,
        }
    }

    /// Name tokens in written order.
    pub fn name_tokens(&self) -> impl Iterator<Item = &str> {
        self.name.split(' ').filter(|t| !t.is_empty())
    }
}

/// Removes spaces, dots, dashes and slashes from an identifier; upper-cases anything else.
pub fn clean_identifier(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '/' | '\''))
        .flat_map(char::to_uppercase)
        .collect()
}

/// Reads a birth date written as `YYYY-MM-DD`, `DD-MM-YYYY`, `DD/MM/YYYY` or `YYYYMMDD` into its eight
/// digits `YYYYMMDD`. Out-of-range parts are kept (a typo is still evidence); anything else is `None`.
pub fn parse_dob(s: &str) -> Option<[u8; 8]> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let groups: Vec<&str> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    let (y, m, d) = match groups.as_slice() {
        [one] if one.len() == 8 => (&one[0..4], &one[4..6], &one[6..8]),
        [a, b, c] if a.len() == 4 && b.len() <= 2 && c.len() <= 2 => (*a, *b, *c),
        [a, b, c] if c.len() == 4 && a.len() <= 2 && b.len() <= 2 => (*c, *b, *a),
        _ => return None,
    };
    let mut out = [b'0'; 8];
    out[0..4].copy_from_slice(y.as_bytes());
    out[4 + 2 - m.len()..6].copy_from_slice(m.as_bytes());
    out[6 + 2 - d.len()..8].copy_from_slice(d.as_bytes());
    Some(out)
}

/// (day, month, year) of eight dob digits.
pub(crate) fn dob_parts(d: &[u8; 8]) -> (u32, u32, u32) {
    let n = |r: &[u8]| r.iter().fold(0u32, |a, b| a * 10 + (b - b'0') as u32);
    (n(&d[6..8]), n(&d[4..6]), n(&d[0..4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dob_forms() {
        assert_eq!(parse_dob("1985-08-17"), Some(*b"19850817"));
        assert_eq!(parse_dob("17-08-1985"), Some(*b"19850817"));
        assert_eq!(parse_dob("17/8/1985"), Some(*b"19850817"));
        assert_eq!(parse_dob("19850817"), Some(*b"19850817"));
        assert_eq!(parse_dob("1985-02-30"), Some(*b"19850230"));
        assert_eq!(parse_dob("1985"), None);
        assert_eq!(parse_dob("tidak tahu"), None);
        assert_eq!(parse_dob(""), None);
    }

    #[test]
    fn prepared_reads_nik_facts() {
        let r = PersonRecord {
            record_id: "1".into(),
            nik: "1902 0157 0885 0003".into(),
            full_name: "Hj. Siti Aminah".into(),
            sex: "P".into(),
            birth_date: "1985-08-17".into(),
            village_code: "19.02.01.2001".into(),
            ..Default::default()
        };
        let p = Prepared::from_record(&r, &NormaliseOptions::default());
        assert_eq!(&*p.nik, "1902015708850003");
        assert!(p.nik_valid);
        assert_eq!(p.nik_consistent, Some(true));
        assert_eq!(&*p.name, "siti aminah");
        assert_eq!(&*p.village, "1902012001");
        assert_eq!(p.village_digits, 10);
        let mut borrowed = r.clone();
        borrowed.sex = "L".into();
        let p = Prepared::from_record(&borrowed, &NormaliseOptions::default());
        assert_eq!(p.nik_consistent, Some(false));
        assert!(!format!("{r:?}").contains("1902"));
        assert!(!format!("{p:?}").contains("1902") && !format!("{p:?}").contains("siti"));
    }
}
