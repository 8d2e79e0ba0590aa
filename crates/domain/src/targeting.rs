//! What targeting knows of a household (*fakta penargetan*): the survey answers, the members' ages and
//! situations, the welfare rank ([`Desil`]) and current enrolments — and nothing that identifies anyone
//! (no NIK, KK number, name, phone or account). Program rules are written over these [`Field`]s.
//!
//! The same facts are kept in the database as plain columns (the store's targeting tables, one column per
//! field, named by [`Field::column`]) so that a rule compiled to SQL runs where the data is, and in Rust as
//! [`HouseholdFacts`] (a [`crate::rules::Subject`]) so that the two can be checked against each other.
//!
//! **Age** is whole years on the run's reference date, computed as `(on − birth) / 10000` over dates
//! written as the integers `yyyymmdd`: the same integer arithmetic in Rust, SQLite and PostgreSQL, and the
//! same answer as counting birthdays (someone born on 29 February turns a year older on 1 March).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::person::{Relationship, Sex};
use crate::region::RegionCode;
use crate::registry::RegistryHousehold;
use crate::rules::{FieldDef, FieldType, Schema, Scope, Subject, Value};
use crate::rupiah::Rupiah;
use crate::survey::{
    CookingFuel, Disability, Electricity, Floor, HouseholdSurvey, IncomeBand, MemberSurvey, Roof,
    Sanitation, SchoolLevel, Sector, Wall, Water,
};

/// A welfare decile (*desil*) within the regency: 1 is the poorest tenth of households, 10 the richest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Desil(u8);

impl Desil {
    pub fn new(n: u8) -> Option<Desil> {
        (1..=10).contains(&n).then_some(Desil(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Desil {
    type Error = String;
    fn try_from(n: u8) -> Result<Desil, String> {
        Desil::new(n).ok_or_else(|| format!("desil {n} is not between 1 and 10"))
    }
}

impl From<Desil> for u8 {
    fn from(d: Desil) -> u8 {
        d.0
    }
}

/// National programs a rule can ask about directly (`not receives_pkh`): the household has a current
/// enrolment in the program with this code. Exclusivity between any two programs is part of each program's
/// definition; these fields are for rules that need more than that.
pub const NATIONAL_PROGRAMS: [(&str, &str); 4] = [
    ("receives_pkh", "PKH"),
    ("receives_sembako", "SEMBAKO"),
    ("receives_pbi", "PBI-JK"),
    ("receives_blt_dd", "BLT-DD"),
];

const SEXES: &[&str] = &["L", "P"];

macro_rules! fields {
    ($($variant:ident => $name:literal, $scope:ident, $ty:expr, $id:literal, $en:literal;)+) => {
        /// A field program rules may name. The order is the schema's: a field's position is its index.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Field { $($variant,)+ }

        impl Field {
            pub const ALL: &'static [Field] = &[$(Field::$variant,)+];

            /// The name in rules, which is also the column in the store's targeting tables.
            pub fn column(self) -> &'static str {
                match self { $(Field::$variant => $name,)+ }
            }

            pub fn scope(self) -> Scope {
                match self { $(Field::$variant => Scope::$scope,)+ }
            }

            fn def(self) -> FieldDef {
                match self {
                    $(Field::$variant => FieldDef {
                        name: $name,
                        scope: Scope::$scope,
                        ty: $ty,
                        about_id: $id,
                        about_en: $en,
                    },)+
                }
            }
        }
    };
}

fields! {
    Desil => "desil", Household, FieldType::Int,
        "desil kesejahteraan 1–10 (1 termiskin) di kabupaten/kota", "welfare decile 1–10 (1 poorest) in the regency";
    Welfare => "welfare", Household, FieldType::Int,
        "perkiraan pengeluaran per kapita per bulan (Rp) dari PMT", "predicted monthly consumption per capita (Rp) from the PMT";
    Size => "size", Household, FieldType::Int,
        "jumlah anggota keluarga yang aktif", "number of active members";
    HouseholdSector => "sector", Household, FieldType::Code(Sector::CODES),
        "sektor pekerjaan kepala keluarga", "sector of work of the head of family";
    FloorMaterial => "floor", Household, FieldType::Code(Floor::CODES),
        "jenis lantai terluas", "main floor material";
    WallMaterial => "wall", Household, FieldType::Code(Wall::CODES),
        "jenis dinding terluas", "main wall material";
    RoofMaterial => "roof", Household, FieldType::Code(Roof::CODES),
        "jenis atap terluas", "main roof material";
    FloorArea => "floor_area", Household, FieldType::Int,
        "luas lantai rumah (m²)", "floor area of the house (m²)";
    DrinkingWater => "water", Household, FieldType::Code(Water::CODES),
        "sumber air minum", "source of drinking water";
    Toilet => "sanitation", Household, FieldType::Code(Sanitation::CODES),
        "fasilitas buang air besar", "toilet facility";
    Lighting => "electricity", Household, FieldType::Code(Electricity::CODES),
        "sumber penerangan", "lighting and PLN connection";
    Fuel => "cooking_fuel", Household, FieldType::Code(CookingFuel::CODES),
        "bahan bakar memasak", "cooking fuel";
    Income => "income_band", Household, FieldType::Code(IncomeBand::CODES),
        "rentang pendapatan keluarga per bulan", "monthly household income band";
    OwnsHouse => "owns_house", Household, FieldType::Bool,
        "rumah milik sendiri", "owns the house";
    HasMotorcycle => "has_motorcycle", Household, FieldType::Bool,
        "memiliki sepeda motor", "has a motorcycle";
    HasCar => "has_car", Household, FieldType::Bool,
        "memiliki mobil", "has a car";
    HasRefrigerator => "has_refrigerator", Household, FieldType::Bool,
        "memiliki kulkas", "has a refrigerator";
    HasBoat => "has_boat", Household, FieldType::Bool,
        "memiliki perahu", "has a boat";
    Livestock => "livestock", Household, FieldType::Int,
        "jumlah ternak (satuan ternak)", "livestock units";
    Land => "land", Household, FieldType::Int,
        "luas lahan (m²)", "land owned (m²)";
    ReceivesPkh => "receives_pkh", Household, FieldType::Bool,
        "sedang menerima PKH", "currently enrolled in PKH";
    ReceivesSembako => "receives_sembako", Household, FieldType::Bool,
        "sedang menerima Sembako/BPNT", "currently enrolled in Sembako/BPNT";
    ReceivesPbi => "receives_pbi", Household, FieldType::Bool,
        "sedang menerima PBI-JK", "currently enrolled in PBI-JK";
    ReceivesBltDd => "receives_blt_dd", Household, FieldType::Bool,
        "sedang menerima BLT Dana Desa", "currently enrolled in BLT Dana Desa";
    Age => "age", Member, FieldType::Int,
        "umur anggota (tahun penuh) pada tanggal acuan", "member's age in whole years on the reference date";
    MemberSex => "sex", Member, FieldType::Code(SEXES),
        "jenis kelamin anggota (L/P)", "member's sex (L/P)";
    MemberRelationship => "relationship", Member, FieldType::Code(Relationship::CODES),
        "hubungan dengan kepala keluarga", "relationship to the head of family";
    MemberSector => "sector", Member, FieldType::Code(Sector::CODES),
        "sektor pekerjaan anggota", "member's sector of work";
    MemberDisability => "disability", Member, FieldType::Code(Disability::CODES),
        "disabilitas anggota", "member's disability";
    ChronicIllness => "chronic_illness", Member, FieldType::Bool,
        "anggota berpenyakit kronis", "member has a chronic illness";
    Pregnant => "pregnant", Member, FieldType::Bool,
        "anggota sedang hamil", "member is pregnant";
    School => "school", Member, FieldType::Code(SchoolLevel::CODES),
        "jenjang sekolah yang sedang diikuti", "school level attended";
}

impl Field {
    /// The field at a schema index (the inverse of the schema's order).
    pub fn at(index: usize) -> Option<Field> {
        Field::ALL.get(index).copied()
    }

    pub fn index(self) -> usize {
        Field::ALL
            .iter()
            .position(|f| *f == self)
            .expect("every field is in ALL")
    }
}

/// The schema program rules are checked against.
pub fn schema() -> Schema {
    Schema::new(Field::ALL.iter().map(|f| f.def()).collect())
}

/// A date as the integer `yyyymmdd`, the form targeting stores and computes ages with.
pub fn date_number(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 10_000 + i64::from(d.month()) * 100 + i64::from(d.day())
}

/// Whole years from `birth` to `on` by the `yyyymmdd` arithmetic (see the module documentation).
pub fn age_years(birth: NaiveDate, on: NaiveDate) -> i64 {
    (date_number(on) - date_number(birth)) / 10_000
}

/// One active member as targeting sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberFacts {
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub relationship: Relationship,
    pub survey: Option<MemberSurvey>,
}

/// One registry household as targeting sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HouseholdFacts {
    pub id: Uuid,
    pub village: RegionCode,
    pub survey: Option<HouseholdSurvey>,
    /// Active members only, head first when there is one.
    pub members: Vec<MemberFacts>,
    pub desil: Option<Desil>,
    /// The proxy-means test's predicted monthly consumption per capita.
    pub welfare: Option<Rupiah>,
    /// Codes of the programs the household is currently enrolled in.
    pub enrolled: Vec<String>,
}

impl HouseholdFacts {
    /// The facts of a registry household: its survey and active members. The rank and enrolments are
    /// kept elsewhere (they come from ranking and approval, not from the record) and start empty.
    pub fn from_registry(h: &RegistryHousehold) -> HouseholdFacts {
        let mut members: Vec<MemberFacts> = h
            .active_members()
            .map(|m| MemberFacts {
                birth_date: m.birth_date,
                sex: m.sex,
                relationship: m.relationship,
                survey: m.survey.clone(),
            })
            .collect();
        // Head first, so that "the head" is the first member in SQL as in Rust.
        members.sort_by_key(|m| m.relationship != Relationship::KepalaKeluarga);
        HouseholdFacts {
            id: h.id,
            village: h.village,
            survey: h.survey.clone(),
            members,
            desil: None,
            welfare: None,
            enrolled: Vec::new(),
        }
    }

    /// The head's member facts: the member recorded as head, else the first.
    pub fn head(&self) -> Option<&MemberFacts> {
        self.members
            .iter()
            .find(|m| m.relationship == Relationship::KepalaKeluarga)
            .or_else(|| self.members.first())
    }

    /// The household as a rule's subject on reference date `on` (which ages are counted to).
    pub fn on(&self, on: NaiveDate) -> FactsOn<'_> {
        FactsOn {
            facts: self,
            on: date_number(on),
        }
    }

    fn enrolled_in(&self, code: &str) -> bool {
        self.enrolled.iter().any(|c| c == code)
    }
}

/// [`HouseholdFacts`] on a reference date: what rules are evaluated against in Rust.
#[derive(Debug, Clone, Copy)]
pub struct FactsOn<'a> {
    facts: &'a HouseholdFacts,
    on: i64,
}

impl Subject for FactsOn<'_> {
    fn value(&self, index: usize) -> Option<Value<'_>> {
        let f = self.facts;
        let s = f.survey.as_ref();
        let int = |n: u32| Value::Int(i64::from(n));
        Some(match Field::at(index)? {
            Field::Desil => Value::Int(i64::from(f.desil?.get())),
            Field::Welfare => Value::Int(f.welfare?.amount()),
            Field::Size => Value::Int(f.members.len() as i64),
            Field::HouseholdSector => Value::Text(f.head()?.survey.as_ref()?.sector.code()),
            Field::FloorMaterial => Value::Text(s?.floor.code()),
            Field::WallMaterial => Value::Text(s?.wall.code()),
            Field::RoofMaterial => Value::Text(s?.roof.code()),
            Field::FloorArea => int(s?.floor_area_m2),
            Field::DrinkingWater => Value::Text(s?.water.code()),
            Field::Toilet => Value::Text(s?.sanitation.code()),
            Field::Lighting => Value::Text(s?.electricity.code()),
            Field::Fuel => Value::Text(s?.cooking_fuel.code()),
            Field::Income => Value::Text(s?.income_band.code()),
            Field::OwnsHouse => Value::Bool(s?.owns_house),
            Field::HasMotorcycle => Value::Bool(s?.has_motorcycle),
            Field::HasCar => Value::Bool(s?.has_car),
            Field::HasRefrigerator => Value::Bool(s?.has_refrigerator),
            Field::HasBoat => Value::Bool(s?.has_boat),
            Field::Livestock => int(s?.livestock_units),
            Field::Land => int(s?.land_m2),
            Field::ReceivesPkh => Value::Bool(f.enrolled_in(NATIONAL_PROGRAMS[0].1)),
            Field::ReceivesSembako => Value::Bool(f.enrolled_in(NATIONAL_PROGRAMS[1].1)),
            Field::ReceivesPbi => Value::Bool(f.enrolled_in(NATIONAL_PROGRAMS[2].1)),
            Field::ReceivesBltDd => Value::Bool(f.enrolled_in(NATIONAL_PROGRAMS[3].1)),
            _ => return None,
        })
    }

    fn members(&self) -> usize {
        self.facts.members.len()
    }

    fn member_value(&self, member: usize, index: usize) -> Option<Value<'_>> {
        let m = self.facts.members.get(member)?;
        let s = m.survey.as_ref();
        Some(match Field::at(index)? {
            Field::Age => Value::Int((self.on - date_number(m.birth_date)) / 10_000),
            Field::MemberSex => Value::Text(m.sex.letter()),
            Field::MemberRelationship => Value::Text(m.relationship.code()),
            Field::MemberSector => Value::Text(s?.sector.code()),
            Field::MemberDisability => Value::Text(s?.disability.code()),
            Field::ChronicIllness => Value::Bool(s?.chronic_illness),
            Field::Pregnant => Value::Bool(s?.pregnant),
            Field::School => Value::Text(s?.school_level.code()),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Rule;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn member(birth: NaiveDate, relationship: Relationship, sector: Option<Sector>) -> MemberFacts {
        MemberFacts {
            birth_date: birth,
            sex: Sex::Perempuan,
            relationship,
            survey: sector.map(|sector| MemberSurvey {
                sector,
                disability: Disability::Tidak,
                chronic_illness: false,
                pregnant: false,
                school_level: SchoolLevel::TidakSekolah,
            }),
        }
    }

    fn household() -> HouseholdFacts {
        HouseholdFacts {
            id: Uuid::nil(),
            village: RegionCode::parse("3201010001").unwrap(),
            survey: None,
            members: vec![
                member(
                    date(1980, 5, 1),
                    Relationship::KepalaKeluarga,
                    Some(Sector::Nelayan),
                ),
                member(date(2021, 2, 28), Relationship::Anak, None),
            ],
            desil: Desil::new(3),
            welfare: None,
            enrolled: vec!["SEMBAKO".into()],
        }
    }

    #[test]
    fn every_field_has_one_place_in_the_schema() {
        let schema = schema();
        assert_eq!(schema.fields().len(), Field::ALL.len());
        for (i, f) in Field::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(schema.fields()[i].name, f.column());
            assert_eq!(schema.fields()[i].scope, f.scope());
        }
    }

    #[test]
    fn ages_count_birthdays_like_chrono() {
        for (birth, on) in [
            (date(2020, 2, 29), date(2021, 2, 28)),
            (date(2020, 2, 29), date(2021, 3, 1)),
            (date(2000, 12, 31), date(2026, 12, 30)),
            (date(2000, 12, 31), date(2026, 12, 31)),
            (date(1960, 1, 1), date(2026, 11, 23)),
        ] {
            assert_eq!(
                age_years(birth, on),
                i64::from(on.years_since(birth).unwrap()),
                "{birth} → {on}"
            );
        }
    }

    #[test]
    fn rules_read_the_facts() {
        let schema = schema();
        let h = household();
        let on = date(2026, 11, 23);
        let selects = |text: &str| Rule::compile(text, &schema).unwrap().selects(&h.on(on));
        assert!(selects("desil <= 4 and any(member, age < 6)"));
        assert!(selects(
            r#"sector == "nelayan" and receives_sembako and not receives_pkh"#
        ));
        assert!(selects("size == 2 and count(member, age >= 40) == 1"));
        // Survey answers not given are missing: neither true nor false.
        assert!(!selects("owns_house"));
        assert!(!selects("not owns_house"));
        assert!(!selects(
            "any(member, age < 6 and sector == \"tidak_bekerja\")"
        ));
        // The child (born 28 February 2021) turns six on 28 February 2027.
        let later = Rule::compile("any(member, age < 6 and age > 0)", &schema).unwrap();
        assert!(later.selects(&h.on(date(2027, 2, 27))));
        assert!(!later.selects(&h.on(date(2027, 2, 28))));
    }

    #[test]
    fn desil_is_one_to_ten() {
        assert!(Desil::new(0).is_none() && Desil::new(11).is_none());
        assert_eq!(Desil::new(10).unwrap().get(), 10);
        assert!(serde_json::from_str::<Desil>("11").is_err());
    }
}
