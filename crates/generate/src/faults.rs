//! The faults `--errors` injects, their rates, and the small operations that make them.
//!
//! Two families:
//! - **registry faults** in `persons.csv` (the social-registry list): what matching against the
//!   population registry has to live with — duplicate records of one person with spelling variants,
//!   wrong or missing NIKs, NIKs borrowed from relatives, wrong birth dates, the dead still listed;
//! - **population faults** in `population.csv`: rows an import must reject (about 0.2 % of rows).

use chrono::{Datelike, NaiveDate};

use crate::rng::{below, chance, Rng};

/// Every fault kind written to `persons_truth.csv`, with what it means.
pub const PERSON_FAULTS: &[(&str, &str)] = &[
    ("duplicate", "an extra record of a person already listed (the person's first record does not carry it)"),
    ("name_spelling", "name in the old spelling where the registry has the new, or the reverse (Soeharto/Suharto)"),
    ("name_muhammad", "Muhammad written another way (Muhamad, Mohammad, Moh., M., …)"),
    ("name_title", "a title added or dropped (H., Hj., Drs., S.Pd., Bpk., Ibu)"),
    ("name_nickname", "a nickname instead of the legal name (Hermawan → Wawan)"),
    ("name_typo", "one letter wrong, missing, doubled or swapped"),
    ("name_truncated", "a word of a name of three or more words left out"),
    ("name_order", "the words of the name in another order"),
    ("birth_date_swapped", "day and month of the birth date swapped"),
    ("birth_date_digit", "the birth date off by one digit (day, month or year)"),
    ("nik_missing", "NIK empty"),
    ("nik_wrong_length", "NIK with a digit missing or doubled (15 or 17 digits)"),
    ("nik_invalid_day", "NIK day of birth 32, 72 or 00"),
    ("nik_serial_zero", "NIK serial 0000"),
    ("nik_typo", "one NIK digit wrong or two adjacent digits swapped (may still look valid)"),
    ("nik_borrowed", "the NIK of another member of the same household"),
    ("deceased", "the person has died (population.csv has a death_date) but is still listed"),
    ("moved", "a duplicate registered at another village of the regency"),
    ("kk_old", "a duplicate carrying an older KK number of the family"),
];

/// Every fault kind written to `population_truth.csv`.
pub const POPULATION_FAULTS: &[(&str, &str)] = &[
    (
        "nik_invalid",
        "NIK breaks a structural rule (wrong length, day 32, serial 0000, a letter)",
    ),
    (
        "nik_sex_mismatch",
        "the row's sex disagrees with the sex the NIK encodes",
    ),
    (
        "nik_birth_date_mismatch",
        "the row's birth date disagrees with the date the NIK encodes",
    ),
    (
        "unknown_village",
        "village_code is not a village in the region table",
    ),
    (
        "duplicate_nik",
        "the NIK of an earlier row (the later row is the faulty one)",
    ),
    (
        "household_without_head",
        "the KK has no kepala_keluarga (every row of that KK is listed)",
    ),
];

/// Rates of registry faults for one record.
pub(crate) struct RecordRates {
    pub nik_missing: f64,
    pub nik_wrong_length: f64,
    pub nik_invalid_day: f64,
    pub nik_serial_zero: f64,
    pub nik_typo: f64,
    pub nik_borrowed: f64,
    pub birth_date_swapped: f64,
    pub birth_date_digit: f64,
    /// Probability of one name variant (a second one follows with probability `second_name_variant`).
    pub name_variant: f64,
    pub second_name_variant: f64,
}

/// Rates on a person's first (original) record.
pub(crate) const ORIGINAL: RecordRates = RecordRates {
    nik_missing: 0.04,
    nik_wrong_length: 0.006,
    nik_invalid_day: 0.005,
    nik_serial_zero: 0.004,
    nik_typo: 0.015,
    nik_borrowed: 0.01,
    birth_date_swapped: 0.01,
    birth_date_digit: 0.015,
    name_variant: 0.03,
    second_name_variant: 0.0,
};

/// Rates on a duplicate record (entered again later, by someone else, from other papers).
pub(crate) const DUPLICATE: RecordRates = RecordRates {
    nik_missing: 0.20,
    nik_wrong_length: 0.02,
    nik_invalid_day: 0.01,
    nik_serial_zero: 0.01,
    nik_typo: 0.08,
    nik_borrowed: 0.02,
    birth_date_swapped: 0.04,
    birth_date_digit: 0.05,
    name_variant: 0.85,
    second_name_variant: 0.15,
};

/// Share of listed persons who get a duplicate record, and of those who get a second one.
pub(crate) const DUPLICATE_PERSON: f64 = 0.04;
pub(crate) const SECOND_DUPLICATE: f64 = 0.2;
/// Share of duplicates registered at another village / with an older KK number.
pub(crate) const DUPLICATE_MOVED: f64 = 0.15;
pub(crate) const DUPLICATE_KK_OLD: f64 = 0.25;

/// Population-row fault rates (per row, except the household rate).
pub(crate) const POP_NIK_INVALID: f64 = 0.0004;
pub(crate) const POP_SEX_MISMATCH: f64 = 0.0003;
pub(crate) const POP_BIRTH_MISMATCH: f64 = 0.0003;
pub(crate) const POP_UNKNOWN_VILLAGE: f64 = 0.0003;
pub(crate) const POP_DUPLICATE_NIK: f64 = 0.0003;
/// Per household.
pub(crate) const POP_HOUSEHOLD_WITHOUT_HEAD: f64 = 0.00015;

/// The NIK fault drawn for one record, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NikFault {
    Missing,
    WrongLength,
    InvalidDay,
    SerialZero,
    Typo,
    Borrowed,
}

impl NikFault {
    pub(crate) fn code(self) -> &'static str {
        match self {
            NikFault::Missing => "nik_missing",
            NikFault::WrongLength => "nik_wrong_length",
            NikFault::InvalidDay => "nik_invalid_day",
            NikFault::SerialZero => "nik_serial_zero",
            NikFault::Typo => "nik_typo",
            NikFault::Borrowed => "nik_borrowed",
        }
    }
}

pub(crate) fn draw_nik_fault(rng: &mut Rng, r: &RecordRates) -> Option<NikFault> {
    let table = [
        (NikFault::Missing, r.nik_missing),
        (NikFault::WrongLength, r.nik_wrong_length),
        (NikFault::InvalidDay, r.nik_invalid_day),
        (NikFault::SerialZero, r.nik_serial_zero),
        (NikFault::Typo, r.nik_typo),
        (NikFault::Borrowed, r.nik_borrowed),
    ];
    let mut x: f64 = rand::Rng::random(rng);
    for (fault, p) in table {
        if x < p {
            return Some(fault);
        }
        x -= p;
    }
    None
}

fn text(digits: &[u8]) -> String {
    String::from_utf8(digits.to_vec()).expect("ASCII")
}

/// A digit dropped (15 digits) or doubled (17 digits).
pub(crate) fn nik_wrong_length(rng: &mut Rng, nik: &[u8; 16]) -> String {
    let mut v = nik.to_vec();
    let pos = below(rng, 16);
    if chance(rng, 0.7) {
        v.remove(pos);
    } else {
        v.insert(pos, nik[pos]);
    }
    text(&v)
}

/// Day of birth 32 (72 for a woman's NIK) or 00.
pub(crate) fn nik_invalid_day(rng: &mut Rng, nik: &[u8; 16]) -> String {
    let mut v = *nik;
    let female = nik[6] >= b'4';
    let day: &[u8; 2] = if chance(rng, 0.3) {
        b"00"
    } else if female {
        b"72"
    } else {
        b"32"
    };
    v[6..8].copy_from_slice(day);
    text(&v)
}

pub(crate) fn nik_serial_zero(nik: &[u8; 16]) -> String {
    let mut v = *nik;
    v[12..16].copy_from_slice(b"0000");
    text(&v)
}

/// One digit changed, or two adjacent different digits swapped.
pub(crate) fn nik_typo(rng: &mut Rng, nik: &[u8; 16]) -> String {
    let mut v = *nik;
    if chance(rng, 0.2) {
        // Find adjacent digits that differ, starting from a random place.
        let start = below(rng, 15);
        for k in 0..15 {
            let i = (start + k) % 15;
            if v[i] != v[i + 1] {
                v.swap(i, i + 1);
                return text(&v);
            }
        }
    }
    let pos = 6 + below(rng, 10);
    let old = v[pos];
    let mut new = b'0' + below(rng, 10) as u8;
    if new == old {
        new = b'0' + ((old - b'0' + 1) % 10);
    }
    v[pos] = new;
    text(&v)
}

/// Day and month swapped, if that makes a different real date.
pub(crate) fn date_swapped(d: NaiveDate) -> Option<NaiveDate> {
    if d.day() == d.month() || d.day() > 12 {
        return None;
    }
    NaiveDate::from_ymd_opt(d.year(), d.day(), d.month())
}

/// The date with one digit of its `YYYY-MM-DD` form changed, still a real date not after `today`.
pub(crate) fn date_digit(rng: &mut Rng, d: NaiveDate, today: NaiveDate) -> NaiveDate {
    for _ in 0..20 {
        let (y, m, day) = (d.year(), d.month(), d.day());
        let candidate = match below(rng, 6) {
            0 => NaiveDate::from_ymd_opt(y + 1, m, day),
            1 => NaiveDate::from_ymd_opt(y - 1, m, day),
            2 => NaiveDate::from_ymd_opt(y - 10, m, day),
            3 => NaiveDate::from_ymd_opt(y, m, if day > 1 { day - 1 } else { day + 1 }),
            4 => NaiveDate::from_ymd_opt(y, if m > 1 { m - 1 } else { m + 1 }, day),
            _ => NaiveDate::from_ymd_opt(y, m, if day > 10 { day - 10 } else { day + 10 }),
        };
        if let Some(c) = candidate {
            if c != d && c <= today {
                return c;
            }
        }
    }
    // Always possible: the year one lower.
    NaiveDate::from_ymd_opt(d.year() - 1, d.month(), d.day().min(28)).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{stream, Phase};
    use tepat_domain::{Nik, NikError};

    const NIK: &[u8; 16] = b"1902015708850003";

    #[test]
    fn nik_faults_break_what_they_say() {
        let mut rng = stream(9, Phase::Faults, 0);
        for _ in 0..500 {
            let s = nik_wrong_length(&mut rng, NIK);
            assert!(
                matches!(Nik::parse_structure(&s), Err(NikError::Length(15 | 17))),
                "{s}"
            );
            let s = nik_invalid_day(&mut rng, NIK);
            assert!(
                matches!(Nik::parse_structure(&s), Err(NikError::InvalidDay(_))),
                "{s}"
            );
            let s = nik_typo(&mut rng, NIK);
            assert_eq!(s.len(), 16);
            assert_ne!(s.as_bytes(), NIK);
            let diff = s.bytes().zip(NIK.iter()).filter(|(a, b)| a != *b).count();
            assert!((1..=2).contains(&diff), "{s}");
        }
        assert_eq!(
            Nik::parse_structure(&nik_serial_zero(NIK)),
            Err(NikError::SerialZero)
        );
    }

    #[test]
    fn date_faults_change_the_date() {
        let mut rng = stream(9, Phase::Faults, 1);
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let d = NaiveDate::from_ymd_opt(1985, 5, 12).unwrap();
        assert_eq!(
            date_swapped(d),
            Some(NaiveDate::from_ymd_opt(1985, 12, 5).unwrap())
        );
        assert_eq!(
            date_swapped(NaiveDate::from_ymd_opt(1985, 5, 5).unwrap()),
            None
        );
        assert_eq!(
            date_swapped(NaiveDate::from_ymd_opt(1985, 5, 13).unwrap()),
            None
        );
        for _ in 0..500 {
            let c = date_digit(&mut rng, d, today);
            assert_ne!(c, d);
            assert!(c <= today);
            let a = crate::ids::iso_date(c);
            let b = crate::ids::iso_date(d);
            assert!(a.iter().zip(b.iter()).filter(|(x, y)| x != y).count() <= 2);
        }
    }

    #[test]
    fn draws_follow_rates() {
        let mut rng = stream(9, Phase::Faults, 2);
        let n = 200_000;
        let missing = (0..n)
            .filter(|_| draw_nik_fault(&mut rng, &ORIGINAL) == Some(NikFault::Missing))
            .count();
        let share = missing as f64 / n as f64;
        assert!((share - ORIGINAL.nik_missing).abs() < 0.003, "{share}");
    }
}
