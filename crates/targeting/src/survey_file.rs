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
