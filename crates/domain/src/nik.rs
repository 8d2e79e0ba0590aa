//! NIK (*Nomor Induk Kependudukan*), the 16-digit national identity number.
//!
//! ```text
//! P P K K C C  D D M M Y Y  S S S S
//! └─ region ─┘ └─ birth ──┘ └serial┘
//! ```
//! The region is the kecamatan where the NIK was first issued; the day of birth has 40 added for women; the
//! century of the birth year is not encoded; the serial starts at 0001. There is no check digit, so these
//! rules are all the validation there is. A NIK whose embedded birth date or sex disagrees with the record it
//! sits on is a separate finding ([`NikFinding`]): it is how borrowed and mistyped NIKs show up.
//!
//! A `Nik` never prints its digits through `Debug`, so it cannot leak into logs by accident.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::lang::{Lang, Localized};
use crate::person::Sex;
use crate::region::{KnownRegions, RegionCode};

/// A NIK that passed every structural rule and whose district exists in the region table.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Nik([u8; 16]);

/// Why a string is not a valid NIK. Messages never repeat the NIK itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NikError {
    #[error("NIK is empty")]
    Empty,
    #[error("NIK must have 16 digits, found {0} characters")]
    Length(usize),
    #[error("NIK may contain only digits (position {0} is not a digit)")]
    NonDigit(usize),
    #[error("NIK region (first 6 digits) is not a known kecamatan")]
    UnknownDistrict,
    #[error("NIK day of birth (digits 7-8) must be 01-31, or 41-71 for women; found {0:02}")]
    InvalidDay(u8),
    #[error("NIK month of birth (digits 9-10) must be 01-12; found {0:02}")]
    InvalidMonth(u8),
    #[error("NIK birth date (digits 7-12) is not a real calendar date")]
    ImpossibleDate,
    #[error("NIK serial (last 4 digits) must not be 0000")]
    SerialZero,
}

impl Localized for NikError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            NikError::Empty => "NIK kosong".into(),
            NikError::Length(n) => format!("NIK harus 16 angka, yang diisi {n} karakter"),
            NikError::NonDigit(p) => {
                format!("NIK hanya boleh berisi angka (karakter ke-{p} bukan angka)")
            }
            NikError::UnknownDistrict => {
                "kode wilayah NIK (6 angka pertama) bukan kecamatan yang dikenal".into()
            }
            NikError::InvalidDay(d) => {
                format!("tanggal lahir pada NIK (angka ke-7 dan ke-8) harus 01-31, atau 41-71 untuk perempuan; tertulis {d:02}")
            }
            NikError::InvalidMonth(m) => {
                format!("bulan lahir pada NIK (angka ke-9 dan ke-10) harus 01-12; tertulis {m:02}")
            }
            NikError::ImpossibleDate => {
                "tanggal lahir pada NIK (angka ke-7 s.d. ke-12) bukan tanggal yang ada".into()
            }
            NikError::SerialZero => "nomor urut NIK (4 angka terakhir) tidak boleh 0000".into(),
        }
    }
}

impl NikError {
    /// A stable machine-readable code, for reports and APIs.
    pub fn code(&self) -> &'static str {
        match self {
            NikError::Empty => "nik_empty",
            NikError::Length(_) => "nik_length",
            NikError::NonDigit(_) => "nik_non_digit",
            NikError::UnknownDistrict => "nik_unknown_district",
            NikError::InvalidDay(_) => "nik_invalid_day",
            NikError::InvalidMonth(_) => "nik_invalid_month",
            NikError::ImpossibleDate => "nik_impossible_date",
            NikError::SerialZero => "nik_serial_zero",
        }
    }
}

/// A disagreement between a valid NIK and the record it is written on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NikFinding {
    /// The NIK says one sex (day > 40 means female), the record the other.
    SexMismatch { nik: Sex, record: Sex },
    /// The NIK's day and month are the record's month and day: a typing error, not a borrowed NIK.
    BirthDateDayMonthSwapped,
    /// The NIK's DDMMYY differs from the record's birth date in another way.
    BirthDateMismatch,
}

impl NikFinding {
    pub fn code(&self) -> &'static str {
        match self {
            NikFinding::SexMismatch { .. } => "nik_sex_mismatch",
            NikFinding::BirthDateDayMonthSwapped => "nik_birth_date_swapped",
            NikFinding::BirthDateMismatch => "nik_birth_date_mismatch",
        }
    }
}

impl Localized for NikFinding {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (NikFinding::SexMismatch { nik, record }, Lang::Id) => format!(
                "jenis kelamin pada NIK ({}) berbeda dengan data ({})",
                nik.label(lang),
                record.label(lang)
            ),
            (NikFinding::SexMismatch { nik, record }, Lang::En) => format!(
                "the NIK encodes sex {} but the record says {}",
                nik.label(lang),
                record.label(lang)
            ),
            (NikFinding::BirthDateDayMonthSwapped, Lang::Id) => {
                "tanggal dan bulan lahir pada NIK tertukar dengan data".into()
            }
            (NikFinding::BirthDateDayMonthSwapped, Lang::En) => {
                "the NIK's day and month of birth are swapped compared with the record".into()
            }
            (NikFinding::BirthDateMismatch, Lang::Id) => {
                "tanggal lahir pada NIK berbeda dengan data".into()
            }
            (NikFinding::BirthDateMismatch, Lang::En) => {
                "the NIK's birth date differs from the record's".into()
            }
        }
    }
}

/// Checks that `s` is exactly 16 ASCII digits (after trimming) and returns them.
pub(crate) fn sixteen_digits(s: &str) -> Result<[u8; 16], (Option<usize>, usize)> {
    let s = s.trim();
    if let Some(i) = s.bytes().position(|b| !b.is_ascii_digit()) {
        return Err((Some(i + 1), s.chars().count()));
    }
    <[u8; 16]>::try_from(s.as_bytes()).map_err(|_| (None, s.len()))
}

fn two(d: &[u8]) -> u8 {
    (d[0] - b'0') * 10 + (d[1] - b'0')
}

/// Leap years for a two-digit year: 2000 was a leap year, so `yy % 4 == 0` is right for both centuries
/// a living person can be born in.
fn is_real_date(day: u8, month: u8, yy: u8) -> bool {
    NaiveDate::from_ymd_opt(2000 + yy as i32, month as u32, day as u32).is_some()
}

impl Nik {
    /// Parses and validates a NIK against every rule that can be checked without the population registry.
    pub fn parse(s: &str, regions: &impl KnownRegions) -> Result<Nik, NikError> {
        let nik = Self::parse_structure(s)?;
        if !regions.contains(&nik.district()) {
            return Err(NikError::UnknownDistrict);
        }
        Ok(nik)
    }

    /// Every rule except the region-table lookup (for callers without the table, such as linkage).
    pub fn parse_structure(s: &str) -> Result<Nik, NikError> {
        if s.trim().is_empty() {
            return Err(NikError::Empty);
        }
        let d = sixteen_digits(s).map_err(|e| match e {
            (Some(pos), 16) => NikError::NonDigit(pos),
            (_, len) => NikError::Length(len),
        })?;
        let raw_day = two(&d[6..8]);
        let day = if raw_day > 40 { raw_day - 40 } else { raw_day };
        if !(1..=31).contains(&day) || raw_day == 40 || raw_day > 71 {
            return Err(NikError::InvalidDay(raw_day));
        }
        let month = two(&d[8..10]);
        if !(1..=12).contains(&month) {
            return Err(NikError::InvalidMonth(month));
        }
        if !is_real_date(day, month, two(&d[10..12])) {
            return Err(NikError::ImpossibleDate);
        }
        if &d[12..16] == b"0000" {
            return Err(NikError::SerialZero);
        }
        Ok(Nik(d))
    }

    /// The kecamatan where the NIK was first issued (not necessarily where the person lives now).
    pub fn district(&self) -> RegionCode {
        RegionCode::district_prefix(&self.0)
    }

    pub fn sex(&self) -> Sex {
        if two(&self.0[6..8]) > 40 {
            Sex::Perempuan
        } else {
            Sex::LakiLaki
        }
    }

    /// Day, month and two-digit year exactly as encoded (day without the +40).
    pub fn birth_ddmmyy(&self) -> (u8, u8, u8) {
        let raw = two(&self.0[6..8]);
        let day = if raw > 40 { raw - 40 } else { raw };
        (day, two(&self.0[8..10]), two(&self.0[10..12]))
    }

    /// The birth date, with the century chosen so that the date is not after `today`.
    pub fn birth_date(&self, today: NaiveDate) -> NaiveDate {
        let (day, month, yy) = self.birth_ddmmyy();
        let in_century = |c: i32| NaiveDate::from_ymd_opt(c + yy as i32, month as u32, day as u32);
        match in_century(2000) {
            Some(d) if d <= today => d,
            _ => in_century(1900)
                .or_else(|| in_century(2000))
                .expect("date validated at parse"),
        }
    }

    pub fn serial(&self) -> u16 {
        self.0[12..16]
            .iter()
            .fold(0u16, |acc, b| acc * 10 + (b - b'0') as u16)
    }

    /// The 16 digits. Handle with care: this is personal data (never log it, never put it in a URL).
    pub fn digits(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    /// Builds a NIK from its parts (for generators and tests). Returns an error if the parts break a rule.
    pub fn from_parts(
        district: RegionCode,
        sex: Sex,
        birth: NaiveDate,
        serial: u16,
    ) -> Result<Nik, NikError> {
        let day = birth.day() + if sex == Sex::Perempuan { 40 } else { 0 };
        let s = format!(
            "{}{:02}{:02}{:02}{:04}",
            district.plain(),
            day,
            birth.month(),
            birth.year().rem_euclid(100),
            serial
        );
        Self::parse_structure(&s)
    }

    /// Compares the NIK's embedded sex and birth date with the record it is written on.
    pub fn check_record(&self, sex: Sex, birth_date: NaiveDate) -> Vec<NikFinding> {
        let mut findings = Vec::new();
        if self.sex() != sex {
            findings.push(NikFinding::SexMismatch {
                nik: self.sex(),
                record: sex,
            });
        }
        let (day, month, yy) = self.birth_ddmmyy();
        let record = (
            birth_date.day() as u8,
            birth_date.month() as u8,
            birth_date.year().rem_euclid(100) as u8,
        );
        if (day, month, yy) != record {
            if (month, day, yy) == record {
                findings.push(NikFinding::BirthDateDayMonthSwapped);
            } else {
                findings.push(NikFinding::BirthDateMismatch);
            }
        }
        findings
    }
}

impl fmt::Debug for Nik {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only the public region prefix; the rest is personal data.
        write!(f, "Nik({}**********)", &self.digits()[..6])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn regions() -> HashSet<RegionCode> {
        ["19.02.01", "31.75.07"]
            .iter()
            .map(|c| RegionCode::parse(c).unwrap())
            .collect()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn reference_examples() {
        let nik = Nik::parse("1902015708850003", &regions()).unwrap();
        assert_eq!(nik.district().dotted(), "19.02.01");
        assert_eq!(nik.sex(), Sex::Perempuan);
        assert_eq!(
            nik.birth_date(today()),
            NaiveDate::from_ymd_opt(1985, 8, 17).unwrap()
        );
        assert_eq!(nik.serial(), 3);

        let nik = Nik::parse("3175070101900001", &regions()).unwrap();
        assert_eq!(nik.sex(), Sex::LakiLaki);
        assert_eq!(
            nik.birth_date(today()),
            NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()
        );

        assert_eq!(
            Nik::parse("3175073201900001", &regions()),
            Err(NikError::InvalidDay(32))
        );
        assert_eq!(
            Nik::parse("3175070001900001", &regions()),
            Err(NikError::InvalidDay(0))
        );
        assert_eq!(
            Nik::parse("3175070101900000", &regions()),
            Err(NikError::SerialZero)
        );
    }

    #[test]
    fn each_rule_rejects() {
        let r = regions();
        assert_eq!(Nik::parse("", &r), Err(NikError::Empty));
        assert_eq!(Nik::parse("317507010190001", &r), Err(NikError::Length(15)));
        assert_eq!(
            Nik::parse("31750701019000011", &r),
            Err(NikError::Length(17))
        );
        assert_eq!(
            Nik::parse("31750701019o0001", &r),
            Err(NikError::NonDigit(12))
        );
        assert_eq!(
            Nik::parse("3175080101900001", &r),
            Err(NikError::UnknownDistrict)
        );
        assert_eq!(
            Nik::parse("3175074001900001", &r),
            Err(NikError::InvalidDay(40))
        );
        assert_eq!(
            Nik::parse("3175077201900001", &r),
            Err(NikError::InvalidDay(72))
        );
        assert_eq!(
            Nik::parse("3175070113900001", &r),
            Err(NikError::InvalidMonth(13))
        );
        assert_eq!(
            Nik::parse("3175073102900001", &r),
            Err(NikError::ImpossibleDate)
        );
        assert_eq!(
            Nik::parse("3175072902010001", &r),
            Err(NikError::ImpossibleDate)
        );
        assert!(
            Nik::parse("3175072902000001", &r).is_ok(),
            "29 Feb 2000 existed"
        );
        assert!(
            Nik::parse("3175076902040001", &r).is_ok(),
            "a woman born 29 Feb 2004"
        );
    }

    #[test]
    fn century_never_in_the_future() {
        let nik = Nik::parse("3175070101250001", &regions()).unwrap();
        assert_eq!(nik.birth_date(today()).year(), 2025);
        let nik = Nik::parse("3175070112260001", &regions()).unwrap();
        assert_eq!(
            nik.birth_date(today()).year(),
            1926,
            "December 2026 has not happened yet"
        );
    }

    #[test]
    fn findings_catch_borrowed_and_mistyped_niks() {
        let nik = Nik::parse("1902015708850003", &regions()).unwrap();
        let born = NaiveDate::from_ymd_opt(1985, 8, 17).unwrap();
        assert!(nik.check_record(Sex::Perempuan, born).is_empty());
        assert_eq!(
            nik.check_record(Sex::LakiLaki, born),
            vec![NikFinding::SexMismatch {
                nik: Sex::Perempuan,
                record: Sex::LakiLaki
            }]
        );
        let nik = Nik::parse("3175070512900001", &regions()).unwrap();
        assert_eq!(
            nik.check_record(Sex::LakiLaki, NaiveDate::from_ymd_opt(1990, 5, 12).unwrap()),
            vec![NikFinding::BirthDateDayMonthSwapped]
        );
        assert_eq!(
            nik.check_record(Sex::LakiLaki, NaiveDate::from_ymd_opt(1991, 12, 5).unwrap()),
            vec![NikFinding::BirthDateMismatch]
        );
    }

    #[test]
    fn debug_does_not_leak_digits() {
        let nik = Nik::parse("1902015708850003", &regions()).unwrap();
        let shown = format!("{nik:?}");
        assert!(!shown.contains("5708850003"), "{shown}");
        assert!(NikError::ImpossibleDate.message(Lang::Id).contains("NIK"));
    }

    fn district() -> impl Strategy<Value = RegionCode> {
        prop_oneof![Just("19.02.01"), Just("31.75.07")].prop_map(|c| RegionCode::parse(c).unwrap())
    }

    fn birth() -> impl Strategy<Value = NaiveDate> {
        (1927i32..=2026, 1u32..=366).prop_filter_map("real date", |(y, doy)| {
            NaiveDate::from_yo_opt(y, doy)
                .filter(|d| *d <= NaiveDate::from_ymd_opt(2026, 11, 22).unwrap())
        })
    }

    fn sex() -> impl Strategy<Value = Sex> {
        prop_oneof![Just(Sex::LakiLaki), Just(Sex::Perempuan)]
    }

    proptest! {
        #[test]
        fn parts_round_trip(d in district(), s in sex(), b in birth(), serial in 1u16..=9999) {
            let nik = Nik::from_parts(d, s, b, serial).unwrap();
            let again = Nik::parse(nik.digits(), &regions()).unwrap();
            prop_assert_eq!(again, nik);
            prop_assert_eq!(nik.district(), d);
            prop_assert_eq!(nik.sex(), s);
            prop_assert_eq!(nik.birth_date(today()), b);
            prop_assert_eq!(nik.serial(), serial);
            prop_assert!(nik.check_record(s, b).is_empty());
        }

        #[test]
        fn any_non_digit_is_rejected(digits in "[0-9]{16}", pos in 0usize..16, bad in "[a-zA-Z .-]") {
            let mut s: Vec<char> = digits.chars().collect();
            s[pos] = bad.chars().next().unwrap();
            let s: String = s.into_iter().collect();
            prop_assume!(s.trim().len() == 16);
            prop_assert!(matches!(Nik::parse_structure(&s), Err(NikError::NonDigit(_))));
        }

        #[test]
        fn wrong_lengths_are_rejected(digits in "[0-9]{1,30}") {
            prop_assume!(digits.len() != 16);
            prop_assert_eq!(Nik::parse_structure(&digits), Err(NikError::Length(digits.len())));
        }

        #[test]
        fn day_rule(day in 0u8..=99) {
            let s = format!("317507{day:02}0190{:04}", 1);
            let ok = (1..=31).contains(&day) || (41..=71).contains(&day);
            prop_assert_eq!(Nik::parse_structure(&s).is_ok(), ok);
            if !ok { prop_assert_eq!(Nik::parse_structure(&s), Err(NikError::InvalidDay(day))); }
        }

        #[test]
        fn month_rule(month in 0u8..=99) {
            let s = format!("31750701{month:02}90{:04}", 1);
            let ok = (1..=12).contains(&month);
            prop_assert_eq!(Nik::parse_structure(&s).is_ok(), ok);
            if !ok { prop_assert_eq!(Nik::parse_structure(&s), Err(NikError::InvalidMonth(month))); }
        }

        #[test]
        fn unknown_district_rule(prefix in "[0-9]{6}") {
            let s = format!("{prefix}0101900001");
            let known = ["190201", "317507"].contains(&prefix.as_str());
            prop_assert_eq!(Nik::parse(&s, &regions()).is_ok(), known);
            if !known { prop_assert_eq!(Nik::parse(&s, &regions()), Err(NikError::UnknownDistrict)); }
        }
    }
}

/// Serde support for the 16-digit identifiers: serialised as their digits, deserialised with the structural
/// rules only (the region table is not available to serde; callers that have it should re-check).
macro_rules! serde_as_digits {
    ($t:ty) => {
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.digits())
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$t>::parse_structure(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use serde_as_digits;
serde_as_digits!(Nik);
