//! NIK and KK numbers.
//!
//! - NIK = district of birth (6) + DDMMYY of birth (day + 40 for women) + serial (4). The serial counts
//!   from 0001 within each district and encoded birth date, so it is unique by construction and serial
//!   0001 is the most common (most district-and-date groups are small).
//! - KK number = district where the card was issued (the household's) + registration date DDMMYY +
//!   serial (4), counting from 0001 per district and date.
//!
//! Serials are handed out in one sequential pass in output order (households in plan order, members in
//! KK order), so they depend on the seed only, never on which thread generated what.

use chrono::{Datelike, NaiveDate};
use tepat_domain::{Nik, RegionCode, Sex};

use crate::family::{Home, Member};
use crate::geo::Geo;
use crate::rng::FxMap;
use crate::GenerateError;

#[derive(Default)]
pub(crate) struct Numbering {
    nik: FxMap<u64, u16>,
    kk: FxMap<u64, u16>,
}

fn district_number(code: &RegionCode) -> u64 {
    code.plain()
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + (b - b'0') as u64)
}

fn date_key(date: NaiveDate, day_offset: u32) -> u64 {
    ((date.day() + day_offset) as u64) * 10_000
        + date.month() as u64 * 100
        + date.year().rem_euclid(100) as u64
}

/// The counting key of a NIK: district digits, then DDMMYY with the day as encoded (+40 for women).
/// Computed while households are generated (in parallel), so the sequential pass only counts.
pub(crate) fn nik_key(district: &RegionCode, sex: Sex, birth: NaiveDate) -> u64 {
    let offset = if sex == Sex::Perempuan { 40 } else { 0 };
    district_number(district) * 1_000_000 + date_key(birth, offset)
}

/// The counting key of a KK number: district digits, then the registration date DDMMYY.
pub(crate) fn kk_key(district: &RegionCode, date: NaiveDate) -> u64 {
    district_number(district) * 1_000_000 + date_key(date, 0)
}

impl Numbering {
    /// Gives every household in `homes` its KK serial and every member their NIK serial, in order.
    pub(crate) fn assign(&mut self, homes: &mut [Home]) -> Result<(), GenerateError> {
        for h in homes {
            h.kk_serial = next(&mut self.kk, h.kk_key)?;
            for m in &mut h.members {
                m.serial = next(&mut self.nik, m.nik_key)?;
            }
        }
        Ok(())
    }
}

fn next(map: &mut FxMap<u64, u16>, key: u64) -> Result<u16, GenerateError> {
    let serial = map.entry(key).or_insert(0);
    if *serial == 9999 {
        let district = key / 1_000_000;
        return Err(GenerateError::SerialsExhausted(format!(
            "{:02}.{:02}.{:02}",
            district / 10_000,
            district / 100 % 100,
            district % 100
        )));
    }
    *serial += 1;
    Ok(*serial)
}

/// The member's NIK (built by the domain's own constructor, so it obeys every rule `Nik::parse` checks).
pub(crate) fn nik_of(m: &Member) -> [u8; 16] {
    let nik = Nik::from_parts(m.birth_district, m.sex, m.birth, m.serial)
        .expect("generated NIK parts are valid: real date, serial 1-9999");
    let mut out = [0u8; 16];
    out.copy_from_slice(nik.digits().as_bytes());
    out
}

/// The KK number of a household.
pub(crate) fn kk_of(home: &Home, geo: &Geo) -> [u8; 16] {
    let district = geo.districts[geo.villages[home.village as usize].district].code;
    kk_digits(&district, home.kk_date, home.kk_serial)
}

pub(crate) fn kk_digits(district: &RegionCode, date: NaiveDate, serial: u16) -> [u8; 16] {
    let mut out = [b'0'; 16];
    out[..6].copy_from_slice(district.plain().as_bytes());
    put2(&mut out[6..8], date.day());
    put2(&mut out[8..10], date.month());
    put2(&mut out[10..12], date.year().rem_euclid(100) as u32);
    put4(&mut out[12..16], serial as u32);
    out
}

fn put2(buf: &mut [u8], n: u32) {
    buf[0] = b'0' + (n / 10 % 10) as u8;
    buf[1] = b'0' + (n % 10) as u8;
}

fn put4(buf: &mut [u8], n: u32) {
    put2(&mut buf[..2], n / 100);
    put2(&mut buf[2..], n % 100);
}

/// `YYYY-MM-DD`.
pub(crate) fn iso_date(d: NaiveDate) -> [u8; 10] {
    let mut out = *b"0000-00-00";
    put4(&mut out[..4], d.year().clamp(0, 9999) as u32);
    put2(&mut out[5..7], d.month());
    put2(&mut out[8..10], d.day());
    out
}

/// A three-digit RT or RW number: `003`.
pub(crate) fn three(n: u16) -> [u8; 3] {
    let n = n.min(999) as u32;
    [
        b'0' + (n / 100) as u8,
        b'0' + (n / 10 % 10) as u8,
        b'0' + (n % 10) as u8,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let d = NaiveDate::from_ymd_opt(1985, 8, 17).unwrap();
        assert_eq!(&iso_date(d), b"1985-08-17");
        assert_eq!(&three(3), b"003");
        assert_eq!(&three(12), b"012");
        let district = RegionCode::parse("19.02.01").unwrap();
        let kk = kk_digits(&district, NaiveDate::from_ymd_opt(2015, 3, 12).unwrap(), 7);
        assert_eq!(&kk, b"1902011203150007");
    }

    #[test]
    fn serials_count_per_district_and_encoded_date() {
        let mut map = FxMap::default();
        let d = RegionCode::parse("19.02.01").unwrap();
        let born = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        let k = nik_key(&d, Sex::LakiLaki, born);
        assert_eq!(next(&mut map, k).unwrap(), 1);
        assert_eq!(next(&mut map, k).unwrap(), 2);
        assert_eq!(
            next(&mut map, nik_key(&d, Sex::Perempuan, born)).unwrap(),
            1
        );
        map.insert(k, 9999);
        assert!(matches!(
            next(&mut map, k),
            Err(GenerateError::SerialsExhausted(d)) if d == "19.02.01"
        ));
        // A man and a woman born the same day in the same district have different keys.
        let born = NaiveDate::from_ymd_opt(1990, 1, 1).unwrap();
        assert_ne!(date_key(born, 0), date_key(born, 40));
        // 1925 and 2025 share YY: the same key, so their serials differ and the NIKs stay unique.
        assert_eq!(
            date_key(NaiveDate::from_ymd_opt(1925, 3, 1).unwrap(), 0),
            date_key(NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(), 0)
        );
    }
}
