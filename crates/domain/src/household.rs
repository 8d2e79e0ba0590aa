//! A household: the members of one family card (KK).

use serde::{Deserialize, Serialize};

use crate::kk::KkNumber;
use crate::lang::{Lang, Localized};
use crate::person::{Person, Relationship};
use crate::region::RegionCode;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    pub kk_number: KkNumber,
    /// Street address without RT/RW.
    pub address: String,
    /// Neighbourhood unit (*rukun tetangga*), e.g. "003".
    pub rt: String,
    /// Community unit (*rukun warga*), e.g. "001".
    pub rw: String,
    /// The desa/kelurahan where the household lives now.
    pub village: RegionCode,
    pub members: Vec<Person>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HouseholdError {
    #[error("household has no head of family (kepala keluarga)")]
    NoHead,
    #[error("household has {0} heads of family; a KK has exactly one")]
    SeveralHeads(usize),
    #[error("village code must be a desa/kelurahan (10 digits)")]
    NotAVillage,
}

impl Localized for HouseholdError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (HouseholdError::NoHead, Lang::Id) => "keluarga tidak memiliki kepala keluarga".into(),
            (HouseholdError::SeveralHeads(n), Lang::Id) => {
                format!("keluarga memiliki {n} kepala keluarga; satu KK hanya boleh satu")
            }
            (HouseholdError::NotAVillage, Lang::Id) => "kode desa/kelurahan harus 10 angka".into(),
        }
    }
}

impl Household {
    /// Checks the rules every KK obeys: one head, and a village-level region code.
    pub fn validate(&self) -> Result<(), HouseholdError> {
        if self.village.level() != crate::region::RegionLevel::DesaKelurahan {
            return Err(HouseholdError::NotAVillage);
        }
        match self
            .members
            .iter()
            .filter(|m| m.relationship == Relationship::KepalaKeluarga)
            .count()
        {
            0 => Err(HouseholdError::NoHead),
            1 => Ok(()),
            n => Err(HouseholdError::SeveralHeads(n)),
        }
    }

    pub fn head(&self) -> Option<&Person> {
        self.members
            .iter()
            .find(|m| m.relationship == Relationship::KepalaKeluarga)
    }

    pub fn living_members(&self) -> impl Iterator<Item = &Person> {
        self.members.iter().filter(|m| m.is_alive())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::person::Sex;
    use chrono::NaiveDate;

    fn member(name: &str, relationship: Relationship) -> Person {
        Person {
            nik: None,
            full_name: name.into(),
            sex: Sex::LakiLaki,
            birth_place: "Membalong".into(),
            birth_date: NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
            religion: None,
            marital_status: None,
            relationship,
            occupation: String::new(),
            death_date: None,
        }
    }

    fn household(members: Vec<Person>) -> Household {
        Household {
            kk_number: KkNumber::parse_structure("1902021203150007").unwrap(),
            address: "Jl. Pantai".into(),
            rt: "001".into(),
            rw: "002".into(),
            village: RegionCode::parse("19.02.02.2001").unwrap(),
            members,
        }
    }

    #[test]
    fn exactly_one_head() {
        let h = household(vec![
            member("Ahmad", Relationship::KepalaKeluarga),
            member("Budi", Relationship::Anak),
        ]);
        assert_eq!(h.validate(), Ok(()));
        assert_eq!(h.head().unwrap().full_name, "Ahmad");
        let h = household(vec![member("Budi", Relationship::Anak)]);
        assert_eq!(h.validate(), Err(HouseholdError::NoHead));
        let h = household(vec![
            member("A", Relationship::KepalaKeluarga),
            member("B", Relationship::KepalaKeluarga),
        ]);
        assert_eq!(h.validate(), Err(HouseholdError::SeveralHeads(2)));
        let mut h = household(vec![member("A", Relationship::KepalaKeluarga)]);
        h.village = RegionCode::parse("19.02.02").unwrap();
        assert_eq!(h.validate(), Err(HouseholdError::NotAVillage));
    }
}
