//! Reading a needs survey with observed consumption, in the files `tepat generate` writes
//! (`survey_households.csv`, `survey_members.csv`, and `population.csv` for members' birth dates, sex and
//! relationship; joined by KK number and NIK), into [`HouseholdFacts`] for fitting the proxy-means test
//! and for simulations where the truth is known.
//!
//! Household ids are derived from a hash of the KK number, so the same file always gives the same ids
//! and no KK number or NIK is kept in the result or in an error.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use tepat_domain::survey::{
    CookingFuel, Disability, Electricity, Floor, IncomeBand, Roof, Sanitation, SchoolLevel, Sector,
    Wall, Water,
};
use tepat_domain::{
    HouseholdFacts, HouseholdSurvey, MemberFacts, MemberSurvey, RegionCode, Relationship, Rupiah,
    Sex,
};

pub const HOUSEHOLDS: &str = "survey_households.csv";
pub const MEMBERS: &str = "survey_members.csv";
pub const POPULATION: &str = "population.csv";

/// A fault in one of the files, naming the file and the 1-based line (the header is line 1).
#[derive(Debug, thiserror::Error)]
pub enum SurveyFileError {
    #[error("{}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}, line {line}: {message}", path.display())]
    Line {
        path: PathBuf,
        line: u64,
        message: String,
    },
}

/// A household's stable id: a UUID (version 8, custom) from the SHA-256 of its KK number under a fixed
/// label, so ids repeat across runs while the KK number cannot be read back from them.
pub fn household_id(kk_number: &str) -> Uuid {
    let digest = Sha256::new()
        .chain_update(b"tepat survey household\0")
        .chain_update(kk_number.trim().as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// One CSV file read as records with named columns.
struct Table {
    path: PathBuf,
    reader: csv::Reader<std::fs::File>,
    columns: HashMap<String, usize>,
}

/// One record of a [`Table`], with the line it came from for errors.
struct Row<'a> {
    table: &'a Table,
    record: csv::StringRecord,
    line: u64,
}

impl Table {
    fn open(dir: &Path, name: &str) -> Result<Table, SurveyFileError> {
        let path = dir.join(name);
        let mut reader = csv::Reader::from_path(&path).map_err(|e| SurveyFileError::Open {
            path: path.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let headers = reader.headers().map_err(|e| SurveyFileError::Line {
            path: path.clone(),
            line: 1,
            message: e.to_string(),
        })?;
        let columns = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.trim().to_string(), i))
            .collect();
        Ok(Table {
            path,
            reader,
            columns,
        })
    }

    fn error(&self, line: u64, message: String) -> SurveyFileError {
        SurveyFileError::Line {
            path: self.path.clone(),
            line,
            message,
        }
    }

    /// Calls `each` for every record.
    fn for_each(
        &mut self,
        mut each: impl FnMut(&Row) -> Result<(), SurveyFileError>,
    ) -> Result<(), SurveyFileError> {
        let mut record = csv::StringRecord::new();
        loop {
            let more = match self.reader.read_record(&mut record) {
                Ok(more) => more,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Err(self.error(line, e.to_string()));
                }
            };
            if !more {
                return Ok(());
            }
            let line = record.position().map_or(0, |p| p.line());
            let row = Row {
                table: self,
                record: std::mem::take(&mut record),
                line,
            };
            each(&row)?;
            record = row.record;
        }
    }
}

impl Row<'_> {
    fn error(&self, message: String) -> SurveyFileError {
        self.table.error(self.line, message)
    }

    fn get(&self, column: &str) -> Result<&str, SurveyFileError> {
        let i = *self
            .table
            .columns
            .get(column)
            .ok_or_else(|| self.error(format!("the header has no column {column}")))?;
        self.record
            .get(i)
            .map(str::trim)
            .ok_or_else(|| self.error(format!("missing column {column}")))
    }

    fn parse<T>(
        &self,
        column: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, SurveyFileError> {
        let raw = self.get(column)?;
        // The value itself is not echoed: in some columns it is personal data.
        parse(raw)
            .ok_or_else(|| self.error(format!("column {column} has a value that is not valid")))
    }

    fn number(&self, column: &str) -> Result<u32, SurveyFileError> {
        self.parse(column, |s| s.parse().ok())
    }

    fn flag(&self, column: &str) -> Result<bool, SurveyFileError> {
        self.parse(column, |s| match s {
            "true" | "1" | "ya" => Some(true),
            "false" | "0" | "tidak" => Some(false),
            _ => None,
        })
    }
}

/// Reads the three files in `dir`. Each surveyed household comes with its observed consumption per
/// capita (None when the file has 0 or an empty cell: no consumption module). Members are the living
/// persons of the KK in `population.csv`, head first, with their survey answers when the member file
/// has them. Households come in file order.
pub fn read_dir(dir: &Path) -> Result<Vec<(HouseholdFacts, Option<Rupiah>)>, SurveyFileError> {
    let mut member_surveys = read_member_surveys(dir)?;
    let mut members = read_population(dir, &mut member_surveys)?;
    let mut out = Vec::new();
    let mut table = Table::open(dir, HOUSEHOLDS)?;
    table.for_each(|row| {
        let kk = row.get("kk_number")?;
        let id = household_id(kk);
        let village = row.parse("village_code", |s| RegionCode::parse(s).ok())?;
        let (survey, consumption) = household_survey(row)?;
        let mut ms = members.remove(&id).unwrap_or_default();
        ms.sort_by_key(|m| m.relationship != Relationship::KepalaKeluarga);
        out.push((
            HouseholdFacts {
                id,
                village,
                survey: Some(survey),
                members: ms,
                desil: None,
                welfare: None,
                enrolled: Vec::new(),
            },
            consumption,
        ));
        Ok(())
    })?;
    Ok(out)
}

fn household_survey(row: &Row) -> Result<(HouseholdSurvey, Option<Rupiah>), SurveyFileError> {
    let consumption = row.get("consumption_per_capita")?;
    let consumption = if consumption.is_empty() {
        None
    } else {
        let c: i64 = row.parse("consumption_per_capita", |s| s.parse().ok())?;
        (c != 0).then_some(Rupiah::new(c))
    };
    let survey = HouseholdSurvey {
        floor: row.parse("floor", Floor::parse)?,
        wall: row.parse("wall", Wall::parse)?,
        roof: row.parse("roof", Roof::parse)?,
        floor_area_m2: row.number("floor_area_m2")?,
        water: row.parse("water", Water::parse)?,
        sanitation: row.parse("sanitation", Sanitation::parse)?,
        electricity: row.parse("electricity", Electricity::parse)?,
        cooking_fuel: row.parse("cooking_fuel", CookingFuel::parse)?,
        income_band: row.parse("income_band", IncomeBand::parse)?,
        owns_house: row.flag("owns_house")?,
        has_motorcycle: row.flag("has_motorcycle")?,
        has_car: row.flag("has_car")?,
        has_refrigerator: row.flag("has_refrigerator")?,
        has_boat: row.flag("has_boat")?,
        livestock_units: row.number("livestock_units")?,
        land_m2: row.number("land_m2")?,
        consumption_per_capita: consumption.filter(|c| c.amount() > 0),
    };
    Ok((survey, consumption))
}

/// Member survey answers keyed by a hash of the NIK (the NIK itself is not kept).
fn read_member_surveys(dir: &Path) -> Result<HashMap<Uuid, MemberSurvey>, SurveyFileError> {
    let mut out = HashMap::new();
    Table::open(dir, MEMBERS)?.for_each(|row| {
        let survey = MemberSurvey {
            sector: row.parse("sector", Sector::parse)?,
            disability: row.parse("disability", Disability::parse)?,
            chronic_illness: row.flag("chronic_illness")?,
            pregnant: row.flag("pregnant")?,
            school_level: row.parse("school_level", SchoolLevel::parse)?,
        };
        out.insert(household_id(row.get("nik")?), survey);
        Ok(())
    })?;
    Ok(out)
}

/// Living members per household id.
fn read_population(
    dir: &Path,
    surveys: &mut HashMap<Uuid, MemberSurvey>,
) -> Result<HashMap<Uuid, Vec<MemberFacts>>, SurveyFileError> {
    let mut out: HashMap<Uuid, Vec<MemberFacts>> = HashMap::new();
    Table::open(dir, POPULATION)?.for_each(|row| {
        if !row.get("death_date")?.is_empty() {
            return Ok(());
        }
        let member = MemberFacts {
            birth_date: row.parse("birth_date", |s| {
                chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
            })?,
            sex: row.parse("sex", Sex::parse)?,
            relationship: row.parse("relationship", Relationship::parse)?,
            survey: surveys.remove(&household_id(row.get("nik")?)),
        };
        out.entry(household_id(row.get("kk_number")?))
            .or_default()
            .push(member);
        Ok(())
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HH: &str = "kk_number,village_code,members,floor,wall,roof,floor_area_m2,water,sanitation,electricity,cooking_fuel,income_band,owns_house,has_motorcycle,has_car,has_refrigerator,has_boat,livestock_units,land_m2,consumption_per_capita\n\
        1902010508210001,19.02.01.1001,2,semen,tembok,genteng,51,kemasan,sendiri,pln_900,lpg_besar,gt_4jt,true,true,false,true,false,0,0,2239123\n\
        1902010508210002,19.02.01.1001,1,tanah,bambu,ijuk,20,sungai,tidak_ada,tidak_ada,kayu,lt_1jt,false,false,false,false,false,2,300,0\n";
    const MEMBERS: &str = "nik,kk_number,sector,disability,chronic_illness,pregnant,school_level\n\
        1902014101900001,1902010508210001,karyawan,tidak,false,false,tidak_sekolah\n";
    const POP: &str = "nik,kk_number,full_name,sex,birth_place,birth_date,religion,marital_status,relationship,address,rt,rw,village_code,occupation,death_date\n\
        1902015203150002,1902010508210001,A,P,X,2015-03-12,islam,belum_kawin,anak,J,001,001,19.02.01.1001,,\n\
        1902014101900001,1902010508210001,B,L,X,1990-01-01,islam,kawin,kepala_keluarga,J,001,001,19.02.01.1001,,\n\
        1902014101500003,1902010508210001,C,L,X,1950-01-01,islam,kawin,orang_tua,J,001,001,19.02.01.1001,,2024-05-01\n\
        1902014101800004,1902010508210002,D,P,X,1980-01-01,islam,kawin,kepala_keluarga,J,001,001,19.02.01.1001,,\n";

    fn dir_with(name: &str, hh: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tepat-survey-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(HOUSEHOLDS), hh).unwrap();
        std::fs::write(dir.join(super::MEMBERS), MEMBERS).unwrap();
        std::fs::write(dir.join(POPULATION), POP).unwrap();
        dir
    }

    #[test]
    fn joins_the_three_files_head_first_living_members_only() {
        let dir = dir_with("ok", HH);
        let rows = read_dir(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(rows.len(), 2);
        let (first, c) = &rows[0];
        assert_eq!(*c, Some(Rupiah::new(2_239_123)));
        assert_eq!(first.id, household_id("1902010508210001"));
        assert_eq!(first.members.len(), 2, "the dead parent is not a member");
        assert_eq!(first.members[0].relationship, Relationship::KepalaKeluarga);
        assert_eq!(
            first.members[0].survey.as_ref().unwrap().sector,
            Sector::Karyawan
        );
        assert!(first.members[1].survey.is_none());
        assert_eq!(rows[1].1, None, "0 means no consumption module");
        assert_eq!(rows[1].0.survey.as_ref().unwrap().land_m2, 300);
    }

    #[test]
    fn a_bad_value_names_file_line_and_column_but_not_the_value() {
        let bad = HH.replace(",lt_1jt,false,", ",lt_1jt,maybe,");
        let dir = dir_with("bad", &bad);
        let err = read_dir(&dir).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            err.contains("survey_households.csv, line 3: column owns_house"),
            "{err}"
        );
        assert!(
            !err.contains("maybe") && !err.contains("1902010508210002"),
            "{err}"
        );
    }

    #[test]
    fn ids_are_stable_and_do_not_contain_the_kk_number() {
        let a = household_id("1902010508210001");
        assert_eq!(a, household_id(" 1902010508210001 "));
        assert_ne!(a, household_id("1902010508210002"));
        assert!(!a.simple().to_string().contains("190201050821"));
    }
}
