//! Money: an integer number of rupiah. Never a float; every operation is checked.

use std::fmt;
use std::iter::Sum;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::lang::{Lang, Localized};

/// An amount of rupiah. Serialises as a plain integer.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rupiah(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RupiahError {
    #[error("amount overflows")]
    Overflow,
    #[error("amount is empty")]
    Empty,
    #[error("amount must be whole rupiah written with digits, optionally as Rp1.234.567")]
    Malformed,
}

impl Localized for RupiahError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (RupiahError::Overflow, Lang::Id) => "jumlah uang terlalu besar".into(),
            (RupiahError::Empty, Lang::Id) => "jumlah uang kosong".into(),
            (RupiahError::Malformed, Lang::Id) => {
                "jumlah uang harus rupiah bulat dengan angka, boleh ditulis Rp1.234.567".into()
            }
        }
    }
}

impl Rupiah {
    pub const ZERO: Rupiah = Rupiah(0);

    pub const fn new(amount: i64) -> Rupiah {
        Rupiah(amount)
    }

    pub const fn amount(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Rupiah) -> Result<Rupiah, RupiahError> {
        self.0
            .checked_add(other.0)
            .map(Rupiah)
            .ok_or(RupiahError::Overflow)
    }

    pub fn checked_sub(self, other: Rupiah) -> Result<Rupiah, RupiahError> {
        self.0
            .checked_sub(other.0)
            .map(Rupiah)
            .ok_or(RupiahError::Overflow)
    }

    pub fn checked_mul(self, factor: i64) -> Result<Rupiah, RupiahError> {
        self.0
            .checked_mul(factor)
            .map(Rupiah)
            .ok_or(RupiahError::Overflow)
    }

    /// Sums amounts, failing on overflow instead of wrapping.
    pub fn checked_sum<I: IntoIterator<Item = Rupiah>>(items: I) -> Result<Rupiah, RupiahError> {
        items
            .into_iter()
            .try_fold(Rupiah::ZERO, Rupiah::checked_add)
    }

    /// Parses `1234567`, `Rp1.234.567`, `Rp 1.234.567` or `-Rp1.234`. Thousands separators must be dots in
    /// groups of three; decimals are refused (there are no sen in practice).
    pub fn parse(s: &str) -> Result<Rupiah, RupiahError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(RupiahError::Empty);
        }
        let (negative, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let body = s
            .strip_prefix("Rp")
            .or_else(|| s.strip_prefix("rp"))
            .map(str::trim_start)
            .unwrap_or(s);
        let groups: Vec<&str> = body.split('.').collect();
        let well_grouped = groups.len() == 1
            || (!groups[0].is_empty()
                && groups[0].len() <= 3
                && groups[1..].iter().all(|g| g.len() == 3));
        if body.is_empty()
            || !well_grouped
            || !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(RupiahError::Malformed);
        }
        let digits: String = groups.concat();
        let value: i64 = digits.parse().map_err(|_| RupiahError::Overflow)?;
        Ok(Rupiah(if negative { -value } else { value }))
    }
}

impl fmt::Display for Rupiah {
    /// `Rp1.234.567`, the Indonesian way (dots group thousands).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push('.');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}Rp{grouped}")
    }
}

impl FromStr for Rupiah {
    type Err = RupiahError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rupiah::parse(s)
    }
}

impl<'a> Sum<&'a Rupiah> for Option<Rupiah> {
    fn sum<I: Iterator<Item = &'a Rupiah>>(iter: I) -> Self {
        Rupiah::checked_sum(iter.copied()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_the_indonesian_way() {
        assert_eq!(Rupiah::new(1_234_567).to_string(), "Rp1.234.567");
        assert_eq!(Rupiah::new(200_000).to_string(), "Rp200.000");
        assert_eq!(Rupiah::new(0).to_string(), "Rp0");
        assert_eq!(Rupiah::new(999).to_string(), "Rp999");
        assert_eq!(Rupiah::new(-1_000).to_string(), "-Rp1.000");
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!(Rupiah::parse("Rp 600.000"), Ok(Rupiah::new(600_000)));
        assert_eq!(Rupiah::parse("2400000"), Ok(Rupiah::new(2_400_000)));
        assert_eq!(Rupiah::parse(""), Err(RupiahError::Empty));
        assert_eq!(Rupiah::parse("Rp1.23.456"), Err(RupiahError::Malformed));
        assert_eq!(Rupiah::parse("1,5"), Err(RupiahError::Malformed));
        assert_eq!(Rupiah::parse("Rp"), Err(RupiahError::Malformed));
        assert_eq!(
            Rupiah::parse("99999999999999999999"),
            Err(RupiahError::Overflow)
        );
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(
            Rupiah::new(i64::MAX).checked_add(Rupiah::new(1)),
            Err(RupiahError::Overflow)
        );
        assert_eq!(
            Rupiah::new(i64::MIN).checked_sub(Rupiah::new(1)),
            Err(RupiahError::Overflow)
        );
        assert_eq!(
            Rupiah::new(i64::MAX / 2 + 1).checked_mul(2),
            Err(RupiahError::Overflow)
        );
        assert_eq!(
            Rupiah::new(750_000).checked_mul(4),
            Ok(Rupiah::new(3_000_000))
        );
        assert_eq!(
            Rupiah::checked_sum([Rupiah::new(1), Rupiah::new(2)]),
            Ok(Rupiah::new(3))
        );
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(n in any::<i64>().prop_filter("not MIN", |n| *n != i64::MIN)) {
            let r = Rupiah::new(n);
            prop_assert_eq!(Rupiah::parse(&r.to_string()), Ok(r));
        }

        #[test]
        fn display_groups_by_three(n in 0i64..i64::MAX) {
            let s = Rupiah::new(n).to_string();
            let body = s.strip_prefix("Rp").unwrap();
            let groups: Vec<&str> = body.split('.').collect();
            prop_assert!(groups[0].len() <= 3 && !groups[0].is_empty());
            prop_assert!(groups[1..].iter().all(|g| g.len() == 3));
            prop_assert_eq!(groups.concat(), n.to_string());
        }
    }
}
