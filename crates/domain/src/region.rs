//! Kemendagri region codes (*kode wilayah*).
//!
//! | level | digits | example |
//! |---|---|---|
//! | provinsi | 2 | `19` |
//! | kabupaten/kota | 2 more | `19.02` (kabupaten 01–69, kota 71–99) |
//! | kecamatan | 2 more | `19.02.01` |
//! | desa/kelurahan | 4 more | `19.02.01.2001` (1xxx kelurahan, 2xxx desa, 3xxx desa adat) |
//!
//! BPS uses different codes for the same places; never mix them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::lang::{Lang, Localized};

/// The four administrative levels, from the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RegionLevel {
    Provinsi,
    KabupatenKota,
    Kecamatan,
    DesaKelurahan,
}

impl RegionLevel {
    /// Number of digits of a code at this level, without dots.
    pub const fn digits(self) -> usize {
        match self {
            RegionLevel::Provinsi => 2,
            RegionLevel::KabupatenKota => 4,
            RegionLevel::Kecamatan => 6,
            RegionLevel::DesaKelurahan => 10,
        }
    }

    pub const fn as_number(self) -> u8 {
        match self {
            RegionLevel::Provinsi => 1,
            RegionLevel::KabupatenKota => 2,
            RegionLevel::Kecamatan => 3,
            RegionLevel::DesaKelurahan => 4,
        }
    }

    pub fn from_number(n: u8) -> Option<RegionLevel> {
        match n {
            1 => Some(RegionLevel::Provinsi),
            2 => Some(RegionLevel::KabupatenKota),
            3 => Some(RegionLevel::Kecamatan),
            4 => Some(RegionLevel::DesaKelurahan),
            _ => None,
        }
    }

    fn from_digits(n: usize) -> Option<RegionLevel> {
        [
            RegionLevel::Provinsi,
            RegionLevel::KabupatenKota,
            RegionLevel::Kecamatan,
            RegionLevel::DesaKelurahan,
        ]
        .into_iter()
        .find(|l| l.digits() == n)
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (RegionLevel::Provinsi, Lang::Id) => "provinsi",
            (RegionLevel::Provinsi, Lang::En) => "province",
            (RegionLevel::KabupatenKota, Lang::Id) => "kabupaten/kota",
            (RegionLevel::KabupatenKota, Lang::En) => "regency/city",
            (RegionLevel::Kecamatan, Lang::Id) => "kecamatan",
            (RegionLevel::Kecamatan, Lang::En) => "district",
            (RegionLevel::DesaKelurahan, Lang::Id) => "desa/kelurahan",
            (RegionLevel::DesaKelurahan, Lang::En) => "village",
        }
    }
}

/// A syntactically valid region code at one of the four levels. Whether it exists is a question for the
/// region table ([`KnownRegions`]).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode {
    digits: [u8; 10],
    len: u8,
}

/// Why a string is not a region code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("region code is empty")]
    Empty,
    #[error("region code may contain only digits and dots")]
    BadCharacter,
    #[error("region code must have 2, 4, 6 or 10 digits (PP, PP.KK, PP.KK.CC or PP.KK.CC.DDDD)")]
    BadLength,
    #[error("region code has dots in the wrong places (expected PP.KK.CC.DDDD)")]
    BadDots,
}

impl Localized for RegionCodeError {
    fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Id => match self {
                RegionCodeError::Empty => "kode wilayah kosong".into(),
                RegionCodeError::BadCharacter => "kode wilayah hanya boleh berisi angka dan titik".into(),
                RegionCodeError::BadLength => {
                    "kode wilayah harus 2, 4, 6 atau 10 angka (PP, PP.KK, PP.KK.CC atau PP.KK.CC.DDDD)".into()
                }
                RegionCodeError::BadDots => "letak titik pada kode wilayah salah (contoh: 19.02.01.2001)".into(),
            },
        }
    }
}

impl RegionCode {
    /// Parses the dotted (`19.02.01.2001`) or the plain (`1902012001`) form.
    pub fn parse(s: &str) -> Result<RegionCode, RegionCodeError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(RegionCodeError::Empty);
        }
        if !s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(RegionCodeError::BadCharacter);
        }
        let plain: Vec<u8> = s.bytes().filter(u8::is_ascii_digit).collect();
        if RegionLevel::from_digits(plain.len()).is_none() {
            return Err(RegionCodeError::BadLength);
        }
        if s.contains('.') {
            let parts: Vec<usize> = s.split('.').map(str::len).collect();
            let expected = [2usize, 2, 2, 4];
            if parts.len() > 4 || parts.iter().zip(expected).any(|(a, b)| *a != b) {
                return Err(RegionCodeError::BadDots);
            }
        }
        Ok(Self::from_digits_unchecked(&plain))
    }

    /// Builds a code from ASCII digits whose count is 2, 4, 6 or 10 (checked by callers).
    fn from_digits_unchecked(plain: &[u8]) -> RegionCode {
        let mut digits = [b'0'; 10];
        digits[..plain.len()].copy_from_slice(plain);
        RegionCode {
            digits,
            len: plain.len() as u8,
        }
    }

    /// The code of the kecamatan (district) from the first six digits of a NIK or KK number.
    pub(crate) fn district_prefix(sixteen: &[u8; 16]) -> RegionCode {
        Self::from_digits_unchecked(&sixteen[..6])
    }

    pub fn level(&self) -> RegionLevel {
        RegionLevel::from_digits(self.len as usize).expect("length checked at construction")
    }

    /// The region one level up, or `None` for a province.
    pub fn parent(&self) -> Option<RegionCode> {
        let up = match self.level() {
            RegionLevel::Provinsi => return None,
            RegionLevel::KabupatenKota => 2,
            RegionLevel::Kecamatan => 4,
            RegionLevel::DesaKelurahan => 6,
        };
        Some(Self::from_digits_unchecked(&self.digits[..up]))
    }

    /// The ancestor (or self) at `level`, if `level` is not below this code's level.
    pub fn ancestor(&self, level: RegionLevel) -> Option<RegionCode> {
        (level <= self.level()).then(|| Self::from_digits_unchecked(&self.digits[..level.digits()]))
    }

    /// True when `self` is `other` or lies inside it.
    pub fn is_within(&self, other: &RegionCode) -> bool {
        self.len >= other.len
            && self.digits[..other.len as usize] == other.digits[..other.len as usize]
    }

    /// The digits without dots, e.g. `1902012001`.
    pub fn plain(&self) -> &str {
        std::str::from_utf8(&self.digits[..self.len as usize]).expect("ASCII digits")
    }

    /// The dotted form, e.g. `19.02.01.2001`.
    pub fn dotted(&self) -> String {
        let p = self.plain();
        let cuts = [0usize, 2, 4, 6, 10];
        cuts.windows(2)
            .take_while(|w| w[1] <= p.len())
            .map(|w| &p[w[0]..w[1]])
            .collect::<Vec<_>>()
            .join(".")
    }

    /// For a regency or city: true for a kota (71–99), false for a kabupaten (01–69).
    pub fn is_kota(&self) -> bool {
        self.level() >= RegionLevel::KabupatenKota && self.digits[2] >= b'7'
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dotted())
    }
}

impl fmt::Debug for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegionCode({})", self.dotted())
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(s)
    }
}

impl Serialize for RegionCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.dotted())
    }
}

impl<'de> Deserialize<'de> for RegionCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RegionCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The region table, as far as validation needs it: does a code exist?
pub trait KnownRegions {
    fn contains(&self, code: &RegionCode) -> bool;
}

impl<T: KnownRegions + ?Sized> KnownRegions for &T {
    fn contains(&self, code: &RegionCode) -> bool {
        (**self).contains(code)
    }
}

impl KnownRegions for std::collections::HashSet<RegionCode> {
    fn contains(&self, code: &RegionCode) -> bool {
        std::collections::HashSet::contains(self, code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_both_forms_and_knows_its_level() {
        let v = RegionCode::parse("31.75.07.1001").unwrap();
        assert_eq!(v, RegionCode::parse("3175071001").unwrap());
        assert_eq!(v.level(), RegionLevel::DesaKelurahan);
        assert_eq!(v.parent().unwrap().dotted(), "31.75.07");
        assert_eq!(v.parent().unwrap().parent().unwrap().dotted(), "31.75");
        assert_eq!(RegionCode::parse("31").unwrap().parent(), None);
        assert!(v.is_within(&RegionCode::parse("31.75").unwrap()));
        assert!(!v.is_within(&RegionCode::parse("31.74").unwrap()));
        assert!(RegionCode::parse("31.75").unwrap().is_kota());
        assert!(!RegionCode::parse("19.02").unwrap().is_kota());
    }

    #[test]
    fn rejects_malformed_codes() {
        assert_eq!(RegionCode::parse(""), Err(RegionCodeError::Empty));
        assert_eq!(
            RegionCode::parse("19.0a"),
            Err(RegionCodeError::BadCharacter)
        );
        assert_eq!(RegionCode::parse("190"), Err(RegionCodeError::BadLength));
        assert_eq!(
            RegionCode::parse("1902012001234"),
            Err(RegionCodeError::BadLength)
        );
        assert_eq!(RegionCode::parse("190.2"), Err(RegionCodeError::BadDots));
        assert_eq!(
            RegionCode::parse("19.02.0120.01"),
            Err(RegionCodeError::BadDots)
        );
    }

    proptest! {
        #[test]
        fn dotted_and_plain_round_trip(digits in "[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{10}") {
            let code = RegionCode::parse(&digits).unwrap();
            prop_assert_eq!(code.plain(), digits.as_str());
            prop_assert_eq!(RegionCode::parse(&code.dotted()).unwrap(), code);
            prop_assert_eq!(code.dotted().replace('.', ""), digits);
        }

        #[test]
        fn wrong_lengths_are_rejected(digits in "[0-9]{1,16}") {
            prop_assume!(![2, 4, 6, 10].contains(&digits.len()));
            prop_assert_eq!(RegionCode::parse(&digits), Err(RegionCodeError::BadLength));
        }
    }
}
