//! Reading the records of a sync batch: each record is read on its own, so one malformed record is
//! refused by itself while the others go through.
//!
//! ```json
//! {"records": [
//!   {"id": "<UUIDv7>", "kind": "new_household", "reason": "…",
//!    "household": {"id": "<UUIDv7>", "kk": "16 digits", "village": "19.02.01.1001", "address": "…",
//!                  "rt": "001", "rw": "002",
//!                  "members": [{"id": "<UUIDv7>", "nik": "16 digits", "name": "…", "sex": "L",
//!                               "birth_date": "1975-04-02", "relationship": "kepala_keluarga"}]}},
//!   {"id": "<UUIDv7>", "kind": "survey_update", "reason": "…", "household": "<id>",
//!    "survey": {"floor": "tanah", …, "floor_area_m2": 36, "owns_house": true, …},
//!    "members": [{"id": "<member id>", "sector": "nelayan", "disability": "tidak",
//!                 "chronic_illness": false, "pregnant": false, "school_level": "sd"}],
//!    "task": "<open re-verification task id, optional>"}
//! ]}
//! ```

use chrono::NaiveDate;
use serde_json::{Map, Value};
use tepat_core::offline::{Entry, Record};
use tepat_domain::registry::{MemberStatus, RegistryHousehold, RegistryMember};
use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, HouseholdSurvey, IncomeBand, MemberSurvey, Roof,
    Sanitation, SchoolLevel, Sector, Wall, Water,
};
use tepat_domain::{KkNumber, Lang, Nik, RegionCode, Relationship, Sex};
use uuid::Uuid;

/// Most members one record may carry (a KK rarely has more than a dozen).
const MAX_MEMBERS: usize = 30;

/// Why a record could not be read: the field, for the phone to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub field: &'static str,
}

impl Malformed {
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Id => format!(
                "catatan tidak lengkap atau salah bentuk (kolom {}); periksa lalu simpan lagi",
                self.field
            ),
            Lang::En => format!(
                "the record is incomplete or malformed (field {}); check it and save it again",
                self.field
            ),
        }
    }
}

fn bad(field: &'static str) -> Malformed {
    Malformed { field }
}

/// The record's own id as sent, if it is a string (for the answer, even when the rest is malformed).
pub fn id_of(value: &Value) -> Option<String> {
    value
        .get("id")
        .and_then(Value::as_str)
        .map(|s| s.chars().take(36).collect())
}

/// One record of the batch.
pub fn read(value: &Value) -> Result<Entry, Malformed> {
    let o = value.as_object().ok_or(bad("record"))?;
    let client_id = uuid(o, "id")?;
    let reason = text(o, "reason")?.to_owned();
    let record = match text(o, "kind")? {
        "new_household" => Record::NewHousehold {
            household: household(o.get("household").ok_or(bad("household"))?)?,
            reason,
        },
        "survey_update" => Record::SurveyUpdate {
            household: uuid(o, "household")?,
            survey: survey(o.get("survey").ok_or(bad("survey"))?)?,
            members: member_answers(o.get("members"))?,
            task: match o.get("task") {
                None | Some(Value::Null) => None,
                Some(_) => Some(uuid(o, "task")?),
            },
            reason,
        },
        _ => return Err(bad("kind")),
    };
    Ok(Entry { client_id, record })
}

fn text<'a>(o: &'a Map<String, Value>, field: &'static str) -> Result<&'a str, Malformed> {
    o.get(field).and_then(Value::as_str).ok_or(bad(field))
}

fn uuid(o: &Map<String, Value>, field: &'static str) -> Result<Uuid, Malformed> {
    Uuid::parse_str(text(o, field)?).map_err(|_| bad(field))
}

fn number(o: &Map<String, Value>, field: &'static str) -> Result<u32, Malformed> {
    o.get(field)
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(bad(field))
}

fn flag(o: &Map<String, Value>, field: &'static str) -> Result<bool, Malformed> {
    match o.get(field) {
        None => Ok(false),
        Some(v) => v.as_bool().ok_or(bad(field)),
    }
}

fn household(value: &Value) -> Result<RegistryHousehold, Malformed> {
    let o = value.as_object().ok_or(bad("household"))?;
    let kk = KkNumber::parse_structure(text(o, "kk")?.trim()).map_err(|_| bad("kk"))?;
    let village = RegionCode::parse(text(o, "village")?.trim()).map_err(|_| bad("village"))?;
    let members = o
        .get("members")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty() && m.len() <= MAX_MEMBERS)
        .ok_or(bad("members"))?;
    Ok(RegistryHousehold {
        id: uuid(o, "id")?,
        kk_number: kk,
        village,
        address: text(o, "address")?.trim().to_owned(),
        rt: text(o, "rt")?.trim().to_owned(),
        rw: text(o, "rw")?.trim().to_owned(),
        location: None,
        survey: None,
        account: None,
        members: members.iter().map(member).collect::<Result<_, _>>()?,
    })
}

fn member(value: &Value) -> Result<RegistryMember, Malformed> {
    let o = value.as_object().ok_or(bad("members"))?;
    Ok(RegistryMember {
        id: uuid(o, "id")?,
        nik: Nik::parse_structure(text(o, "nik")?.trim()).map_err(|_| bad("nik"))?,
        full_name: text(o, "name")?.trim().to_owned(),
        sex: Sex::parse(text(o, "sex")?).ok_or(bad("sex"))?,
        birth_date: NaiveDate::parse_from_str(text(o, "birth_date")?, "%Y-%m-%d")
            .map_err(|_| bad("birth_date"))?,
        relationship: Relationship::parse(text(o, "relationship")?).ok_or(bad("relationship"))?,
        phone: None,
        survey: None,
        status: MemberStatus::Active,
    })
}

/// Each member's answers; absent means none (the household's answers alone).
fn member_answers(value: Option<&Value>) -> Result<Vec<(Uuid, MemberSurvey)>, Malformed> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let list = value
        .as_array()
        .filter(|m| m.len() <= MAX_MEMBERS)
        .ok_or(bad("members"))?;
    let mut out: Vec<(Uuid, MemberSurvey)> = Vec::with_capacity(list.len());
    for v in list {
        let o = v.as_object().ok_or(bad("members"))?;
        let id = uuid(o, "id")?;
        if out.iter().any(|(seen, _)| *seen == id) {
            return Err(bad("members"));
        }
        out.push((id, member_survey(o)?));
    }
    Ok(out)
}

fn member_survey(o: &Map<String, Value>) -> Result<MemberSurvey, Malformed> {
    Ok(MemberSurvey {
        sector: Sector::parse(text(o, "sector")?).ok_or(bad("sector"))?,
        disability: Disability::parse(text(o, "disability")?).ok_or(bad("disability"))?,
        chronic_illness: flag(o, "chronic_illness")?,
        pregnant: flag(o, "pregnant")?,
        school_level: SchoolLevel::parse(text(o, "school_level")?).ok_or(bad("school_level"))?,
    })
}

fn survey(value: &Value) -> Result<HouseholdSurvey, Malformed> {
    let o = value.as_object().ok_or(bad("survey"))?;
    macro_rules! code {
        ($ty:ty, $field:literal) => {
            <$ty>::parse(text(o, $field)?).ok_or(bad($field))?
        };
    }
    Ok(HouseholdSurvey {
        floor: code!(Floor, "floor"),
        wall: code!(Wall, "wall"),
        roof: code!(Roof, "roof"),
        floor_area_m2: number(o, "floor_area_m2")?,
        water: code!(Water, "water"),
        sanitation: code!(Sanitation, "sanitation"),
        electricity: code!(Electricity, "electricity"),
        cooking_fuel: code!(CookingFuel, "cooking_fuel"),
        income_band: code!(IncomeBand, "income_band"),
        owns_house: flag(o, "owns_house")?,
        has_motorcycle: flag(o, "has_motorcycle")?,
        has_car: flag(o, "has_car")?,
        has_refrigerator: flag(o, "has_refrigerator")?,
        has_boat: flag(o, "has_boat")?,
        livestock_units: number(o, "livestock_units")?,
        land_m2: number(o, "land_m2")?,
        consumption_per_capita: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_malformed_record_names_its_field() {
        let id = Uuid::now_v7().to_string();
        let r = json!({"id": id, "kind": "survey_update", "reason": "x", "household": "nope"});
        assert_eq!(read(&r).unwrap_err(), bad("household"));
        let r = json!({"id": id, "kind": "teleport", "reason": "x"});
        assert_eq!(read(&r).unwrap_err(), bad("kind"));
        assert_eq!(id_of(&r).as_deref(), Some(id.as_str()));
        assert!(bad("nik").message(Lang::Id).contains("kolom nik"));
    }

    #[test]
    fn member_answers_are_read_per_member() {
        let m = Uuid::now_v7().to_string();
        let one = json!({"id": m, "sector": "nelayan", "disability": "tidak",
                         "chronic_illness": true, "school_level": "tidak_sekolah"});
        let read = member_answers(Some(&json!([one]))).unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(read[0].1.sector, Sector::Nelayan);
        assert!(read[0].1.chronic_illness && !read[0].1.pregnant);
        assert!(member_answers(None).unwrap().is_empty());
        let twice = json!([one.clone(), one]);
        assert_eq!(member_answers(Some(&twice)).unwrap_err(), bad("members"));
        let wrong = json!([{"id": m, "sector": "astronot", "disability": "tidak",
                            "school_level": "sd"}]);
        assert_eq!(member_answers(Some(&wrong)).unwrap_err(), bad("sector"));
    }
}
