//! A person as the population registry (Dukcapil) records them, and the code lists that go with it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::lang::Lang;
use crate::nik::Nik;

/// Sex as recorded: `L` (laki-laki, male) or `P` (perempuan, female), the letters Dukcapil uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    #[serde(rename = "L")]
    LakiLaki,
    #[serde(rename = "P")]
    Perempuan,
}

impl Sex {
    pub fn parse(s: &str) -> Option<Sex> {
        match s.trim().to_ascii_uppercase().as_str() {
            "L" | "LAKI-LAKI" | "LAKI LAKI" | "M" | "MALE" => Some(Sex::LakiLaki),
            "P" | "PEREMPUAN" | "F" | "FEMALE" | "W" | "WANITA" => Some(Sex::Perempuan),
            _ => None,
        }
    }

    pub fn letter(self) -> &'static str {
        match self {
            Sex::LakiLaki => "L",
            Sex::Perempuan => "P",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Sex::LakiLaki, Lang::Id) => "laki-laki",
            (Sex::Perempuan, Lang::Id) => "perempuan",
            (Sex::LakiLaki, Lang::En) => "male",
            (Sex::Perempuan, Lang::En) => "female",
        }
    }
}

/// Defines a code list: an enum whose variants have a stable snake_case code (used in CSV files and the
/// database) and labels in both languages. One definition keeps the three in step.
macro_rules! code_list {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $code:literal, $id:literal, $en:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];
            /// The codes, in the order of [`Self::ALL`]: the code list a rule's field is checked against.
            pub const CODES: &'static [&'static str] = &[$($code,)+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// Accepts the code, or either label, in any case and with spaces or dashes for underscores.
            pub fn parse(s: &str) -> Option<$name> {
                let wanted = s.trim().to_lowercase().replace([' ', '-', '/'], "_");
                Self::ALL.iter().copied().find(|v| {
                    v.code() == wanted
                        || v.label(Lang::Id).to_lowercase().replace([' ', '-', '/'], "_") == wanted
                        || v.label(Lang::En).to_lowercase().replace([' ', '-', '/'], "_") == wanted
                })
            }

            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(($name::$variant, Lang::Id) => $id, ($name::$variant, Lang::En) => $en,)+
                }
            }
        }
    };
}
pub(crate) use code_list;

code_list! {
    /// Relationship to the head of the family (*hubungan dalam keluarga*), as printed on the KK.
    Relationship {
        KepalaKeluarga => "kepala_keluarga", "kepala keluarga", "head of family";
        SuamiIstri => "suami_istri", "suami/istri", "spouse";
        Anak => "anak", "anak", "child";
        Menantu => "menantu", "menantu", "child-in-law";
        Cucu => "cucu", "cucu", "grandchild";
        OrangTua => "orang_tua", "orang tua", "parent";
        Mertua => "mertua", "mertua", "parent-in-law";
        FamiliLain => "famili_lain", "famili lain", "other relative";
        Lainnya => "lainnya", "lainnya", "other";
    }
}

code_list! {
    /// Religion (*agama*) as recorded by Dukcapil.
    Religion {
        Islam => "islam", "islam", "islam";
        Kristen => "kristen", "kristen", "protestant";
        Katolik => "katolik", "katolik", "catholic";
        Hindu => "hindu", "hindu", "hindu";
        Buddha => "buddha", "buddha", "buddhist";
        Khonghucu => "khonghucu", "khonghucu", "confucian";
        Kepercayaan => "kepercayaan", "kepercayaan terhadap tuhan yme", "indigenous belief";
    }
}

code_list! {
    /// Marital status (*status perkawinan*).
    MaritalStatus {
        BelumKawin => "belum_kawin", "belum kawin", "single";
        Kawin => "kawin", "kawin", "married";
        CeraiHidup => "cerai_hidup", "cerai hidup", "divorced";
        CeraiMati => "cerai_mati", "cerai mati", "widowed";
    }
}

/// One person as the population registry knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Missing for records that never had one (real registries hold millions of these).
    pub nik: Option<Nik>,
    pub full_name: String,
    pub sex: Sex,
    pub birth_place: String,
    pub birth_date: NaiveDate,
    pub religion: Option<Religion>,
    pub marital_status: Option<MaritalStatus>,
    pub relationship: Relationship,
    /// Free text as Dukcapil records it (e.g. "NELAYAN/PERIKANAN", "WIRASWASTA").
    pub occupation: String,
    pub death_date: Option<NaiveDate>,
}

impl Person {
    pub fn is_alive(&self) -> bool {
        self.death_date.is_none()
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        on.years_since(self.birth_date).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_lists_parse_codes_and_labels() {
        assert_eq!(
            Relationship::parse("Kepala Keluarga"),
            Some(Relationship::KepalaKeluarga)
        );
        assert_eq!(
            Relationship::parse("suami/istri"),
            Some(Relationship::SuamiIstri)
        );
        assert_eq!(Relationship::parse("grandchild"), Some(Relationship::Cucu));
        assert_eq!(Relationship::parse("tetangga"), None);
        assert_eq!(
            MaritalStatus::parse("CERAI MATI"),
            Some(MaritalStatus::CeraiMati)
        );
        for r in Relationship::ALL {
            assert_eq!(Relationship::parse(r.code()), Some(*r));
        }
        assert_eq!(Sex::parse("p"), Some(Sex::Perempuan));
        assert_eq!(Sex::parse("x"), None);
    }

    #[test]
    fn age_counts_whole_years() {
        let p = Person {
            nik: None,
            full_name: "Siti Aminah".into(),
            sex: Sex::Perempuan,
            birth_place: "Tanjungpandan".into(),
            birth_date: NaiveDate::from_ymd_opt(2000, 11, 23).unwrap(),
            religion: Some(Religion::Islam),
            marital_status: Some(MaritalStatus::BelumKawin),
            relationship: Relationship::Anak,
            occupation: "PELAJAR/MAHASISWA".into(),
            death_date: None,
        };
        assert_eq!(p.age_on(NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()), 25);
        assert_eq!(p.age_on(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()), 26);
        assert!(p.is_alive());
    }
}
