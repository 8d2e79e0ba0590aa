//! What the social registry (*DTKS daerah*, the regency's own welfare registry) holds about a household:
//! its family card, where it lives, the needs survey, contact and payment details, and its members.
//!
//! Households and members carry their ids from the start (a UUIDv7 made by whoever creates the record,
//! e.g. an offline phone), so a change request can name the member it is about and the audit log can name
//! a record without naming the person.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::kk::KkNumber;
use crate::lang::{Lang, Localized};
use crate::nik::Nik;
use crate::person::{Relationship, Sex};
use crate::region::{RegionCode, RegionLevel};
use crate::survey::{HouseholdSurvey, MemberSurvey};

/// Age from which a member counts as elderly (*lansia*), as in the national social-welfare rules.
pub const ELDERLY_AGE: u32 = 60;
/// Longest name accepted (the KK form has room for 60; some names are longer in practice).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest address accepted.
pub const MAX_ADDRESS_CHARS: usize = 200;

/// A household's position from the field visit (WGS 84), inside Indonesia's bounding box. Checked when
/// deserialised too (a stored or submitted value goes through [`Location::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "LocationParts")]
pub struct Location {
    latitude: f64,
    longitude: f64,
}

#[derive(Deserialize)]
struct LocationParts {
    latitude: f64,
    longitude: f64,
}

impl TryFrom<LocationParts> for Location {
    type Error = RecordError;
    fn try_from(p: LocationParts) -> Result<Location, RecordError> {
        Location::new(p.latitude, p.longitude)
    }
}

impl Location {
    /// Indonesia spans about 6°N–11°S and 95°E–141°E; a point outside is a typo (often swapped or
    /// sign-less coordinates), not a household.
    pub fn new(latitude: f64, longitude: f64) -> Result<Location, RecordError> {
        let inside = (-11.5..=6.5).contains(&latitude) && (94.5..=141.5).contains(&longitude);
        if inside {
            Ok(Location {
                latitude,
                longitude,
            })
        } else {
            Err(RecordError::LocationOutsideIndonesia)
        }
    }

    pub fn latitude(&self) -> f64 {
        self.latitude
    }

    pub fn longitude(&self) -> f64 {
        self.longitude
    }
}

/// A mobile phone number (*nomor HP*) in national form (`08…`), 10–13 digits. Personal data: encrypted at
/// rest, never logged (`Debug` shows only the operator prefix).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts `08…`, `+628…` or `628…` with spaces, dots or dashes; stores `08…`.
    pub fn parse(s: &str) -> Result<Phone, RecordError> {
        let digits: String = s
            .trim()
            .trim_start_matches('+')
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .collect();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RecordError::Phone);
        }
        let national = match digits.strip_prefix("62") {
            Some(rest) => format!("0{rest}"),
            None => digits,
        };
        if national.starts_with("08") && (10..=13).contains(&national.len()) {
            Ok(Phone(national))
        } else {
            Err(RecordError::Phone)
        }
    }

    pub fn digits(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = RecordError;
    fn try_from(s: String) -> Result<Phone, RecordError> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({}…)", &self.0[..4])
    }
}

/// A bank or e-wallet account for payments (*rekening*): the provider's code and the account number
/// (6–20 digits). Personal data: encrypted at rest, never logged.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "AccountParts")]
pub struct PaymentAccount {
    /// The bank or e-wallet, e.g. `bri`, `bni`, `bsi`, `pos` (a code the payments crate knows).
    pub provider: String,
    number: String,
}

#[derive(Deserialize)]
struct AccountParts {
    provider: String,
    number: String,
}

impl TryFrom<AccountParts> for PaymentAccount {
    type Error = RecordError;
    fn try_from(p: AccountParts) -> Result<PaymentAccount, RecordError> {
        PaymentAccount::new(&p.provider, &p.number)
    }
}

impl PaymentAccount {
    pub fn new(provider: &str, number: &str) -> Result<PaymentAccount, RecordError> {
        let provider = provider.trim().to_ascii_lowercase();
        let valid_provider = !provider.is_empty()
            && provider.len() <= 20
            && provider
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid_provider {
            return Err(RecordError::AccountProvider);
        }
        let number: String = number
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '.'))
            .collect();
        if !(6..=20).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RecordError::AccountNumber);
        }
        Ok(PaymentAccount { provider, number })
    }

    pub fn number(&self) -> &str {
        &self.number
    }
}

impl fmt::Debug for PaymentAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PaymentAccount({}, ****)", self.provider)
    }
}

/// Whether a member still counts in the household. Members are never deleted: a removal keeps the row
/// (and its history) with the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status", content = "on")]
pub enum MemberStatus {
    Active,
    /// Died on that date (from a change request or the population extract).
    Deceased(NaiveDate),
    /// Moved out of the household (to another KK or region).
    MovedOut,
    /// Removed for another reason (entered by mistake, a duplicate merged into another record).
    Removed,
}

impl MemberStatus {
    pub fn code(&self) -> &'static str {
        match self {
            MemberStatus::Active => "active",
            MemberStatus::Deceased(_) => "deceased",
            MemberStatus::MovedOut => "moved_out",
            MemberStatus::Removed => "removed",
        }
    }

    pub fn is_active(&self) -> bool {
        matches!(self, MemberStatus::Active)
    }
}

/// One member of a registry household.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryMember {
    pub id: Uuid,
    pub nik: Nik,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub relationship: Relationship,
    pub phone: Option<Phone>,
    /// Filled by the village's field visit; absent on a fresh proposal.
    pub survey: Option<MemberSurvey>,
    pub status: MemberStatus,
}

impl fmt::Debug for RegistryMember {
    /// Only ids and codes: names, NIKs and dates are personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryMember")
            .field("id", &self.id)
            .field("nik", &self.nik)
            .field("status", &self.status.code())
            .finish_non_exhaustive()
    }
}

impl RegistryMember {
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        on.years_since(self.birth_date).unwrap_or(0)
    }

    /// Elderly (*lansia*): [`ELDERLY_AGE`] or older on `on`.
    pub fn is_elderly(&self, on: NaiveDate) -> bool {
        self.age_on(on) >= ELDERLY_AGE
    }

    /// The member's own fields. Whether the NIK agrees with the sex and birth date, and with the
    /// population extract, is a check shown to the operator (the extract is the authority, and real
    /// records disagree with their own NIK often enough), not a rule that refuses the record.
    pub fn validate(&self) -> Result<(), RecordError> {
        check_name(&self.full_name)
    }
}

/// One household (one KK) in the registry.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RegistryHousehold {
    pub id: Uuid,
    pub kk_number: KkNumber,
    /// The desa/kelurahan where the household lives: the region that scopes every access to it.
    pub village: RegionCode,
    pub address: String,
    pub rt: String,
    pub rw: String,
    pub location: Option<Location>,
    /// Filled by the village's field visit; absent on a fresh proposal.
    pub survey: Option<HouseholdSurvey>,
    /// Where payments go, once the household is enrolled somewhere.
    pub account: Option<PaymentAccount>,
    pub members: Vec<RegistryMember>,
}

impl fmt::Debug for RegistryHousehold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryHousehold")
            .field("id", &self.id)
            .field("village", &self.village)
            .field("members", &self.members)
            .finish_non_exhaustive()
    }
}

impl RegistryHousehold {
    /// The rules every stored household obeys: a village-level region, a clean address, valid members
    /// with distinct ids and NIKs, and exactly one active head of family.
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.village.level() != RegionLevel::DesaKelurahan {
            return Err(RecordError::NotAVillage);
        }
        check_text(&self.address, MAX_ADDRESS_CHARS, RecordError::Address)?;
        check_rt_rw(&self.rt)?;
        check_rt_rw(&self.rw)?;
        for (i, m) in self.members.iter().enumerate() {
            m.validate()?;
            let earlier = &self.members[..i];
            if earlier.iter().any(|e| e.id == m.id) {
                return Err(RecordError::DuplicateMemberId);
            }
            if earlier.iter().any(|e| e.nik == m.nik) {
                return Err(RecordError::DuplicateNik);
            }
        }
        match self.active_members().filter(|m| is_head(m)).count() {
            0 => Err(RecordError::NoHead),
            1 => Ok(()),
            n => Err(RecordError::SeveralHeads(n)),
        }
    }

    pub fn active_members(&self) -> impl Iterator<Item = &RegistryMember> {
        self.members.iter().filter(|m| m.status.is_active())
    }

    pub fn member(&self, id: Uuid) -> Option<&RegistryMember> {
        self.members.iter().find(|m| m.id == id)
    }

    pub fn member_mut(&mut self, id: Uuid) -> Option<&mut RegistryMember> {
        self.members.iter_mut().find(|m| m.id == id)
    }

    pub fn head(&self) -> Option<&RegistryMember> {
        self.active_members().find(|m| is_head(m))
    }

    /// Active members aged [`ELDERLY_AGE`] or more on `on`.
    pub fn elderly_count(&self, on: NaiveDate) -> usize {
        self.active_members().filter(|m| m.is_elderly(on)).count()
    }
}

/// The key a name is searched by: lower case, Latin letters without accents, digits, single spaces.
/// "Siti  Nur'aini" and "SITI NURAINI" get the same key, so a typed prefix finds both.
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    let mut space = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        if c.is_ascii_alphanumeric() {
            if space && !key.is_empty() {
                key.push(' ');
            }
            space = false;
            key.push(c);
        } else if c != '\'' && c != '`' && c != '\u{2019}' {
            // Apostrophes join (Nur'aini = Nuraini); anything else separates words.
            space = true;
        }
    }
    key
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        other => other,
    }
}

fn is_head(m: &RegistryMember) -> bool {
    m.relationship == Relationship::KepalaKeluarga
}

/// Names: 1–[`MAX_NAME_CHARS`] characters, no markup or control characters (names are shown in web pages
/// and exported to CSV, where `<`, `>` and a leading `=`, `+`, `-` or `@` would be interpreted).
pub fn check_name(name: &str) -> Result<(), RecordError> {
    check_text(name, MAX_NAME_CHARS, RecordError::Name)?;
    if name.trim().is_empty() {
        return Err(RecordError::Name);
    }
    Ok(())
}

fn check_text(s: &str, max: usize, err: RecordError) -> Result<(), RecordError> {
    let markup = s
        .chars()
        .any(|c| c.is_control() || matches!(c, '<' | '>' | '"' | '`'));
    let formula = s.trim_start().starts_with(['=', '+', '-', '@'].as_slice());
    if s.chars().count() > max || markup || formula {
        Err(err)
    } else {
        Ok(())
    }
}

/// RT/RW: one to three digits, as printed on the KK (`003`).
fn check_rt_rw(s: &str) -> Result<(), RecordError> {
    if (1..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(RecordError::RtRw)
    }
}

/// Why a registry record is not acceptable. Names the field, never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum RecordError {
    #[error("location is outside Indonesia: check latitude (south is negative) and longitude")]
    LocationOutsideIndonesia,
    #[error("phone number must be a mobile number such as 0812… or +62812… (10–13 digits)")]
    Phone,
    #[error("account provider must be a short code such as bri, bni, bsi or pos")]
    AccountProvider,
    #[error("account number must have 6–20 digits")]
    AccountNumber,
    #[error("name must be 1–100 characters without <, >, quotes or a leading =, +, - or @")]
    Name,
    #[error(
        "address must be at most 200 characters without <, >, quotes or a leading =, +, - or @"
    )]
    Address,
    #[error("RT and RW must be 1–3 digits, e.g. 003")]
    RtRw,
    #[error("village code must be a desa/kelurahan (10 digits)")]
    NotAVillage,
    #[error("two members have the same id")]
    DuplicateMemberId,
    #[error("the same NIK appears twice in the household")]
    DuplicateNik,
    #[error("household has no head of family (kepala keluarga)")]
    NoHead,
    #[error("household has {0} heads of family; a KK has exactly one")]
    SeveralHeads(usize),
}

impl RecordError {
    /// A stable code for forms and the API.
    pub fn code(&self) -> &'static str {
        match self {
            RecordError::LocationOutsideIndonesia => "location_outside_indonesia",
            RecordError::Phone => "phone_invalid",
            RecordError::AccountProvider => "account_provider_invalid",
            RecordError::AccountNumber => "account_number_invalid",
            RecordError::Name => "name_invalid",
            RecordError::Address => "address_invalid",
            RecordError::RtRw => "rt_rw_invalid",
            RecordError::NotAVillage => "not_a_village",
            RecordError::DuplicateMemberId => "duplicate_member_id",
            RecordError::DuplicateNik => "duplicate_nik",
            RecordError::NoHead => "no_head",
            RecordError::SeveralHeads(_) => "several_heads",
        }
    }
}

impl Localized for RecordError {
    fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            RecordError::LocationOutsideIndonesia => {
                "lokasi di luar Indonesia: periksa lintang (selatan bernilai negatif) dan bujur".into()
            }
            RecordError::Phone => {
                "nomor HP harus nomor seluler seperti 0812… atau +62812… (10–13 angka)".into()
            }
            RecordError::AccountProvider => {
                "penyedia rekening harus kode singkat seperti bri, bni, bsi atau pos".into()
            }
            RecordError::AccountNumber => "nomor rekening harus 6–20 angka".into(),
            RecordError::Name => {
                "nama harus 1–100 karakter tanpa <, >, tanda kutip atau awalan =, +, - atau @".into()
            }
            RecordError::Address => {
                "alamat paling banyak 200 karakter tanpa <, >, tanda kutip atau awalan =, +, - atau @"
                    .into()
            }
            RecordError::RtRw => "RT dan RW harus 1–3 angka, misalnya 003".into(),
            RecordError::NotAVillage => "kode desa/kelurahan harus 10 angka".into(),
            RecordError::DuplicateMemberId => "dua anggota memiliki id yang sama".into(),
            RecordError::DuplicateNik => "NIK yang sama tercantum dua kali dalam keluarga".into(),
            RecordError::NoHead => "keluarga tidak memiliki kepala keluarga".into(),
            RecordError::SeveralHeads(n) => {
                format!("keluarga memiliki {n} kepala keluarga; satu KK hanya boleh satu")
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn member(serial: u16, relationship: Relationship) -> RegistryMember {
        let district = RegionCode::parse("19.02.01").unwrap();
        let sex = if serial % 2 == 1 {
            Sex::LakiLaki
        } else {
            Sex::Perempuan
        };
        let birth_date = NaiveDate::from_ymd_opt(1960 + i32::from(serial % 40), 3, 14).unwrap();
        RegistryMember {
            id: Uuid::now_v7(),
            nik: Nik::from_parts(district, sex, birth_date, serial).unwrap(),
            full_name: format!("Warga {serial}"),
            sex,
            birth_date,
            relationship,
            phone: None,
            survey: None,
            status: MemberStatus::Active,
        }
    }

    pub(crate) fn household() -> RegistryHousehold {
        RegistryHousehold {
            id: Uuid::now_v7(),
            kk_number: KkNumber::parse_structure("1902011203150007").unwrap(),
            village: RegionCode::parse("19.02.01.2001").unwrap(),
            address: "Jl. Pantai No. 4".into(),
            rt: "003".into(),
            rw: "001".into(),
            location: None,
            survey: None,
            account: None,
            members: vec![
                member(1, Relationship::KepalaKeluarga),
                member(2, Relationship::SuamiIstri),
                member(3, Relationship::Anak),
            ],
        }
    }

    #[test]
    fn name_keys_fold_case_accents_apostrophes_and_spaces() {
        assert_eq!(name_key("  Siti  Nur'aini "), "siti nuraini");
        assert_eq!(name_key("SITI NURAINI"), "siti nuraini");
        assert_eq!(name_key("Dédé-Rohmat, S.Pd"), "dede rohmat s pd");
        assert_eq!(name_key("<b>"), "b");
        assert_eq!(name_key("!!"), "");
    }

    #[test]
    fn a_valid_household_passes() {
        assert_eq!(household().validate(), Ok(()));
    }

    #[test]
    fn exactly_one_active_head() {
        let mut h = household();
        h.members[0].status = MemberStatus::Deceased(NaiveDate::from_ymd_opt(2026, 1, 2).unwrap());
        assert_eq!(h.validate(), Err(RecordError::NoHead));
        h.members[1].relationship = Relationship::KepalaKeluarga;
        assert_eq!(h.validate(), Ok(()), "a new head after the death");
        h.members[2].relationship = Relationship::KepalaKeluarga;
        assert_eq!(h.validate(), Err(RecordError::SeveralHeads(2)));
    }

    #[test]
    fn duplicates_inside_a_household_are_refused() {
        let mut h = household();
        h.members[2].nik = h.members[1].nik;
        h.members[2].sex = h.members[1].sex;
        h.members[2].birth_date = h.members[1].birth_date;
        assert_eq!(h.validate(), Err(RecordError::DuplicateNik));
        let mut h = household();
        h.members[2].id = h.members[1].id;
        assert_eq!(h.validate(), Err(RecordError::DuplicateMemberId));
    }

    #[test]
    fn markup_and_formulas_in_text_are_refused() {
        for bad in [
            "<script>x</script>",
            "=HYPERLINK(\"x\")",
            "@SUM(1)",
            "",
            "  ",
            "a\u{7}b",
        ] {
            assert_eq!(check_name(bad), Err(RecordError::Name), "{bad:?}");
        }
        assert_eq!(check_name("Siti Nur'aini"), Ok(()));
        let mut h = household();
        h.address = "+62 Jl. X".into();
        assert_eq!(h.validate(), Err(RecordError::Address));
        let mut h = household();
        h.rt = "12a".into();
        assert_eq!(h.validate(), Err(RecordError::RtRw));
    }

    #[test]
    fn phones_are_normalised_and_hidden_in_debug() {
        let p = Phone::parse("+62 812-3456-7890").unwrap();
        assert_eq!(p.digits(), "081234567890");
        assert_eq!(Phone::parse("62812345678").unwrap().digits(), "0812345678");
        assert!(!format!("{p:?}").contains("3456"));
        for bad in ["", "0212345678", "08123", "0812345678901234", "08x2345678"] {
            assert_eq!(Phone::parse(bad), Err(RecordError::Phone), "{bad:?}");
        }
        let json = serde_json_like(&p);
        assert_eq!(json, "081234567890");
    }

    fn serde_json_like(p: &Phone) -> String {
        String::from(p.clone())
    }

    #[test]
    fn accounts_and_locations_are_checked() {
        let a = PaymentAccount::new(" BRI ", "0123-4567-89").unwrap();
        assert_eq!((a.provider.as_str(), a.number()), ("bri", "0123456789"));
        assert!(!format!("{a:?}").contains("4567"));
        assert_eq!(
            PaymentAccount::new("bri", "12345"),
            Err(RecordError::AccountNumber)
        );
        assert_eq!(
            PaymentAccount::new("b r i", "123456"),
            Err(RecordError::AccountProvider)
        );
        assert!(Location::new(-2.74, 107.65).is_ok(), "Tanjungpandan");
        assert_eq!(
            Location::new(107.65, -2.74),
            Err(RecordError::LocationOutsideIndonesia)
        );
    }

    #[test]
    fn deserialising_checks_locations_and_accounts_too() {
        let bad: Result<Location, _> =
            serde_json::from_str(r#"{"latitude": 107.6, "longitude": -2.7}"#);
        assert!(bad.is_err());
        let good: Location =
            serde_json::from_str(r#"{"latitude": -2.7, "longitude": 107.6}"#).unwrap();
        assert_eq!(good.latitude(), -2.7);
        let bad: Result<PaymentAccount, _> =
            serde_json::from_str(r#"{"provider": "bri", "number": "12"}"#);
        assert!(bad.is_err());
        let a = PaymentAccount::new("bri", "1234567").unwrap();
        let back: PaymentAccount =
            serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn elderly_counts_active_members_of_sixty_and_over() {
        let h = household();
        let on = NaiveDate::from_ymd_opt(2026, 3, 14).unwrap();
        // Birth years 1961, 1962, 1963: 65, 64 and 63 on that day.
        assert_eq!(h.elderly_count(on), 3);
        let on = NaiveDate::from_ymd_opt(2021, 3, 13).unwrap();
        assert_eq!(h.elderly_count(on), 0, "60 only from the birthday on");
        assert!(h.members[0].is_elderly(NaiveDate::from_ymd_opt(2021, 3, 14).unwrap()));
    }

    #[test]
    fn errors_speak_both_languages_without_values() {
        for e in [
            RecordError::Phone,
            RecordError::SeveralHeads(2),
            RecordError::Name,
        ] {
            assert!(!e.message(Lang::Id).is_empty());
            assert_ne!(e.message(Lang::Id), e.message(Lang::En));
        }
        assert!(!format!("{:?}", household()).contains("Warga"));
    }
}
