//! KK number (*Nomor Kartu Keluarga*): the 16-digit number of a family card.
//!
//! Only the first six digits (the kecamatan of issue) are documented; the rest is read as a registration
//! date and a serial by convention but is not validated. A new card (and number) is issued when a household
//! splits or changes, so a person's KK number changes over life.

use std::fmt;

use crate::lang::{Lang, Localized};
use crate::nik::sixteen_digits;
use crate::region::{KnownRegions, RegionCode};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KkNumber([u8; 16]);

/// Why a string is not a valid KK number. Messages never repeat the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KkError {
    #[error("KK number is empty")]
    Empty,
    #[error("KK number must have 16 digits, found {0} characters")]
    Length(usize),
    #[error("KK number may contain only digits (position {0} is not a digit)")]
    NonDigit(usize),
    #[error("KK number region (first 6 digits) is not a known kecamatan")]
    UnknownDistrict,
}

impl KkError {
    pub fn code(&self) -> &'static str {
        match self {
            KkError::Empty => "kk_empty",
            KkError::Length(_) => "kk_length",
            KkError::NonDigit(_) => "kk_non_digit",
            KkError::UnknownDistrict => "kk_unknown_district",
        }
    }
}

impl Localized for KkError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (KkError::Empty, Lang::Id) => "nomor KK kosong".into(),
            (KkError::Length(n), Lang::Id) => {
                format!("nomor KK harus 16 angka, yang diisi {n} karakter")
            }
            (KkError::NonDigit(p), Lang::Id) => {
                format!("nomor KK hanya boleh berisi angka (karakter ke-{p} bukan angka)")
            }
            (KkError::UnknownDistrict, Lang::Id) => {
                "kode wilayah nomor KK (6 angka pertama) bukan kecamatan yang dikenal".into()
            }
        }
    }
}

impl KkNumber {
    pub fn parse(s: &str, regions: &impl KnownRegions) -> Result<KkNumber, KkError> {
        let kk = Self::parse_structure(s)?;
        if !regions.contains(&kk.district()) {
            return Err(KkError::UnknownDistrict);
        }
        Ok(kk)
    }

    /// Length and digits only, without the region-table lookup.
    pub fn parse_structure(s: &str) -> Result<KkNumber, KkError> {
        if s.trim().is_empty() {
            return Err(KkError::Empty);
        }
        sixteen_digits(s).map(KkNumber).map_err(|e| match e {
            (Some(pos), 16) => KkError::NonDigit(pos),
            (_, len) => KkError::Length(len),
        })
    }

    pub fn district(&self) -> RegionCode {
        RegionCode::district_prefix(&self.0)
    }

    /// The 16 digits. Personal data: never log it, never put it in a URL.
    pub fn digits(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }
}

impl fmt::Debug for KkNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KkNumber({}**********)", &self.digits()[..6])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn regions() -> HashSet<RegionCode> {
        [RegionCode::parse("19.02.01").unwrap()]
            .into_iter()
            .collect()
    }

    #[test]
    fn rules() {
        let kk = KkNumber::parse("1902011203150007", &regions()).unwrap();
        assert_eq!(kk.district().dotted(), "19.02.01");
        assert_eq!(KkNumber::parse(" ", &regions()), Err(KkError::Empty));
        assert_eq!(
            KkNumber::parse("19020112031500", &regions()),
            Err(KkError::Length(14))
        );
        assert_eq!(
            KkNumber::parse("19020112031500x7", &regions()),
            Err(KkError::NonDigit(15))
        );
        assert_eq!(
            KkNumber::parse("1902021203150007", &regions()),
            Err(KkError::UnknownDistrict)
        );
        assert!(!format!("{kk:?}").contains("1203150007"));
    }

    proptest! {
        #[test]
        fn round_trip(rest in "[0-9]{10}") {
            let s = format!("190201{rest}");
            let kk = KkNumber::parse(&s, &regions()).unwrap();
            prop_assert_eq!(kk.digits(), s.as_str());
        }

        #[test]
        fn other_lengths_rejected(s in "[0-9]{0,40}") {
            prop_assume!(s.len() != 16);
            prop_assert!(KkNumber::parse(&s, &regions()).is_err());
        }
    }
}

crate::nik::serde_as_digits!(KkNumber);
