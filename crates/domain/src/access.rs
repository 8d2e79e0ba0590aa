//! Who may act where: a user's [`Role`] (*peran*) and the [`Scope`] (*wilayah kerja*) of regions it covers.
//!
//! The rules that combine the two into a permission live in `tepat-core::access`, which hands out the
//! capability values that data access requires.

use serde::{Deserialize, Serialize};

use crate::person::code_list;
use crate::region::{RegionCode, RegionLevel};
use crate::Lang;

code_list! {
    /// What a user does in tepat. One role per account; a person with two jobs has two accounts.
    Role {
        Citizen => "citizen", "warga", "citizen";
        VillageOperator => "village_operator", "operator desa/kelurahan", "village operator";
        DistrictOperator => "district_operator", "operator kecamatan", "district operator";
        AgencyOfficer => "agency_officer", "petugas OPD", "sector agency officer";
        Verifier => "verifier", "verifikator Dinas Sosial", "Dinas Sosial verifier";
        Approver => "approver", "pejabat pengesah", "approver";
        DistributionOfficer => "distribution_officer", "petugas penyaluran", "distribution officer";
        Merchant => "merchant", "agen e-Warung", "merchant";
        Auditor => "auditor", "auditor", "auditor";
        Admin => "admin", "administrator", "administrator";
        // A scheduled job of the server (re-verification flags, the photo purge): never an account.
        System => "system", "sistem (tugas terjadwal)", "system (scheduled job)";
    }
}

impl Role {
    /// The level of region a user of this role is normally bound to. Operators work in one village or one
    /// kecamatan; everyone else works across the regency (or the whole installation).
    pub fn natural_level(self) -> Option<RegionLevel> {
        match self {
            Role::VillageOperator | Role::Merchant => Some(RegionLevel::DesaKelurahan),
            Role::DistrictOperator => Some(RegionLevel::Kecamatan),
            _ => None,
        }
    }
}

/// The regions a user may act in: everything under one region code, or the whole installation.
///
/// A village operator's scope is their desa/kelurahan; a district operator's their kecamatan; Dinas Sosial
/// staff have their kabupaten/kota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Every region (a national or test installation; admins of a single-regency install use the regency).
    All,
    /// The region and everything inside it.
    Within(RegionCode),
}

impl Scope {
    /// Whether `region` lies inside this scope (a region is inside itself).
    pub fn covers(&self, region: &RegionCode) -> bool {
        match self {
            Scope::All => true,
            Scope::Within(root) => region.is_within(root),
        }
    }

    /// Whether every region of `other` lies inside this scope.
    pub fn contains(&self, other: &Scope) -> bool {
        match other {
            Scope::All => matches!(self, Scope::All),
            Scope::Within(region) => self.covers(region),
        }
    }

    /// The stored form: `*` for everything, otherwise the dotted region code.
    pub fn code(&self) -> String {
        match self {
            Scope::All => "*".into(),
            Scope::Within(region) => region.dotted(),
        }
    }

    /// Parses the stored form ([`Scope::code`]).
    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "*" => Some(Scope::All),
            code => RegionCode::parse(code).ok().map(Scope::Within),
        }
    }

    /// A short description for the user interface.
    pub fn describe(&self, lang: Lang) -> String {
        match (self, lang) {
            (Scope::All, Lang::Id) => "semua wilayah".into(),
            (Scope::All, Lang::En) => "all regions".into(),
            (Scope::Within(region), _) => region.dotted(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn a_village_scope_covers_only_that_village() {
        let scope = Scope::Within(code("19.02.01.2001"));
        assert!(scope.covers(&code("19.02.01.2001")));
        assert!(!scope.covers(&code("19.02.01.2002")));
        assert!(!scope.covers(&code("19.02.01")));
    }

    #[test]
    fn a_district_scope_covers_its_villages_but_not_a_neighbours_with_a_longer_prefix() {
        let scope = Scope::Within(code("19.02.01"));
        assert!(scope.covers(&code("19.02.01.2001")));
        assert!(!scope.covers(&code("19.02.02.2001")));
        let regency = Scope::Within(code("19.02"));
        assert!(!regency.covers(&code("19.03.01")));
    }

    #[test]
    fn scopes_nest() {
        let regency = Scope::Within(code("19.02"));
        let village = Scope::Within(code("19.02.01.2001"));
        assert!(regency.contains(&village));
        assert!(!village.contains(&regency));
        assert!(Scope::All.contains(&regency));
        assert!(!regency.contains(&Scope::All));
    }

    #[test]
    fn scope_codes_round_trip() {
        for s in ["*", "19.02", "19.02.01.2001"] {
            assert_eq!(Scope::parse(s).unwrap().code(), s);
        }
        assert_eq!(Scope::parse("19.99.x"), None);
    }

    #[test]
    fn roles_parse_from_code_and_label() {
        assert_eq!(Role::parse("village_operator"), Some(Role::VillageOperator));
        assert_eq!(
            Role::parse("Operator Kecamatan"),
            Some(Role::DistrictOperator)
        );
        assert_eq!(Role::parse("superuser"), None);
        assert_eq!(
            Role::VillageOperator.natural_level(),
            Some(RegionLevel::DesaKelurahan)
        );
    }
}
