//! A calendar quarter. The national social-welfare data (DTSEN) is re-ranked quarterly, so a quarter is
//! the forecast's unit of time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A quarter of a year, written `2026Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: u16,
    quarter: u8,
}

/// Why a string is not a quarter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("period must look like 2026Q3 (a year, Q, a quarter 1-4)")]
    Format,
    #[error("period year must be between 1900 and 9999")]
    Year,
}

impl Period {
    pub fn new(year: u16, quarter: u8) -> Result<Period, PeriodError> {
        if !(1..=4).contains(&quarter) {
            return Err(PeriodError::Format);
        }
        if !(1900..=9999).contains(&year) {
            return Err(PeriodError::Year);
        }
        Ok(Period { year, quarter })
    }

    pub fn parse(s: &str) -> Result<Period, PeriodError> {
        let s = s.trim();
        let (year, quarter) = s.split_once(['Q', 'q']).ok_or(PeriodError::Format)?;
        if year.len() != 4 || quarter.len() != 1 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PeriodError::Format);
        }
        let year: u16 = year.parse().map_err(|_| PeriodError::Format)?;
        let quarter: u8 = quarter.parse().map_err(|_| PeriodError::Format)?;
        Period::new(year, quarter)
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn quarter(self) -> u8 {
        self.quarter
    }

    pub fn next(self) -> Period {
        self.plus(1)
    }

    pub fn previous(self) -> Period {
        self.plus(-1)
    }

    /// The quarter `n` quarters later (earlier when negative).
    pub fn plus(self, n: i64) -> Period {
        let index = self.index() + n;
        Period {
            year: index.div_euclid(4) as u16,
            quarter: (index.rem_euclid(4) + 1) as u8,
        }
    }

    /// Quarters from `earlier` to `self` (negative when `earlier` is later).
    pub fn since(self, earlier: Period) -> i64 {
        self.index() - earlier.index()
    }

    fn index(self) -> i64 {
        i64::from(self.year) * 4 + i64::from(self.quarter) - 1
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}Q{}", self.year, self.quarter)
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Period, PeriodError> {
        Period::parse(s)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Period, D::Error> {
        let s = String::deserialize(d)?;
        Period::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_displays_and_steps() {
        let p = Period::parse("2026Q4").unwrap();
        assert_eq!(p.to_string(), "2026Q4");
        assert_eq!(p.next().to_string(), "2027Q1");
        assert_eq!(p.next().previous(), p);
        assert_eq!(
            Period::parse("2026Q1").unwrap().previous().to_string(),
            "2025Q4"
        );
        assert_eq!(p.plus(-8).to_string(), "2024Q4");
        assert_eq!(p.since(Period::parse("2025Q3").unwrap()), 5);
    }

    proptest::proptest! {
        #[test]
        fn display_parses_back_and_steps_invert(year in 1900u16..=9998, quarter in 1u8..=4, n in -400i64..400) {
            let p = Period::new(year, quarter).unwrap();
            proptest::prop_assert_eq!(Period::parse(&p.to_string()).unwrap(), p);
            proptest::prop_assert_eq!(p.plus(n).since(p), n);
            proptest::prop_assert_eq!(p.next().previous(), p);
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "2026Q5", "2026Q0", "26Q1", "2026-Q1", "2026", "Q1", "2026Q12", "0999Q1",
        ] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }
}
