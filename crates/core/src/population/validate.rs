//! The rules for one row on its own. Rules across rows (duplicate NIKs, a household's head) are applied
//! by the readers, which see the whole file.

use std::sync::Arc;

use chrono::NaiveDate;
use tepat_domain::{
    KkNumber, MaritalStatus, Nik, RegionCode, RegionLevel, Relationship, Religion, Sex,
};
use tepat_store::PopulationRecord;

use super::columns::{Column, Fields};
use super::problem::Problem;
use super::regions::KnownCodes;

/// No field may be longer than this (characters). Names are at most 60 by regulation; addresses are
/// longer, but a field of thousands of characters is a broken file, not data.
pub(crate) const MAX_FIELD_CHARS: usize = 255;

/// Validates rows against the region table and today's date (for birth and death dates).
#[derive(Clone)]
pub(crate) struct Validator {
    regions: Arc<KnownCodes>,
    today: NaiveDate,
}

impl Validator {
    pub fn new(regions: Arc<KnownCodes>, today: NaiveDate) -> Validator {
        Validator { regions, today }
    }

    /// The NIK alone (the readers key duplicates on it, even in rows rejected for other reasons).
    pub fn nik(&self, f: &Fields<'_>) -> Option<Nik> {
        Nik::parse(f.get(Column::Nik), &*self.regions).ok()
    }

    /// Whether the row says it is the head of its family.
    pub fn is_head(f: &Fields<'_>) -> bool {
        relationship(f.get(Column::Relationship)) == Some(Relationship::KepalaKeluarga)
    }

    /// Every rule for one row: the record, or all that is wrong with it.
    pub fn record(&self, f: &Fields<'_>) -> Result<PopulationRecord, Vec<Problem>> {
        let p = &mut Vec::new();
        let lengths_ok = keep(p, field_lengths(f)).is_some();
        let nik = keep(
            p,
            Nik::parse(f.get(Column::Nik), &*self.regions)
                .map_err(|e| Problem::from_domain(Column::Nik, e.code(), &e)),
        );
        let kk_number = keep(
            p,
            KkNumber::parse(f.get(Column::KkNumber), &*self.regions)
                .map_err(|e| Problem::from_domain(Column::KkNumber, e.code(), &e)),
        );
        let full_name = keep(p, required(f, Column::FullName, "full_name_missing"));
        let sex = keep(p, self.sex(f));
        let birth_date = keep(p, self.birth_date(f));
        let religion = keep(
            p,
            optional_code(f, Column::Religion, religion, "religion_invalid"),
        );
        let marital_status = keep(
            p,
            optional_code(
                f,
                Column::MaritalStatus,
                marital_status,
                "marital_status_invalid",
            ),
        );
        let relationship = keep(p, self.relationship(f));
        let village = keep(p, self.village(f));
        let death_date = keep(p, self.death_date(f, birth_date));
        if let (Some(nik), Some(sex), Some(birth)) = (nik, sex, birth_date) {
            p.extend(
                nik.check_record(sex, birth)
                    .into_iter()
                    .map(|finding| Problem::from_domain(Column::Nik, finding.code(), &finding)),
            );
        }
        let record = (|| {
            Some(PopulationRecord {
                nik: nik?,
                kk_number: kk_number?,
                full_name: full_name?,
                sex: sex?,
                birth_place: f.get(Column::BirthPlace).to_owned(),
                birth_date: birth_date?,
                religion: religion?,
                marital_status: marital_status?,
                relationship: relationship?,
                address: f.get(Column::Address).to_owned(),
                rt: f.get(Column::Rt).to_owned(),
                rw: f.get(Column::Rw).to_owned(),
                village: village?,
                occupation: f.get(Column::Occupation).to_owned(),
                death_date: death_date?,
            })
        })();
        match record {
            Some(record) if lengths_ok && p.is_empty() => Ok(record),
            _ => Err(std::mem::take(p)),
        }
    }

    fn sex(&self, f: &Fields<'_>) -> Result<Sex, Problem> {
        let s = f.get(Column::Sex);
        if s.is_empty() {
            return Err(Problem::new(
                Column::Sex,
                "sex_missing",
                "sex is empty (L or P)",
            ));
        }
        match s {
            "L" => Ok(Sex::LakiLaki),
            "P" => Ok(Sex::Perempuan),
            _ => Sex::parse(s).ok_or_else(|| {
                Problem::new(
                    Column::Sex,
                    "sex_invalid",
                    "sex must be L (laki-laki) or P (perempuan)",
                )
            }),
        }
    }

    fn birth_date(&self, f: &Fields<'_>) -> Result<NaiveDate, Problem> {
        let s = f.get(Column::BirthDate);
        if s.is_empty() {
            return Err(Problem::new(
                Column::BirthDate,
                "birth_date_missing",
                "birth date is empty",
            ));
        }
        let date = date(s).ok_or_else(|| {
            Problem::new(
                Column::BirthDate,
                "birth_date_invalid",
                "birth date must be a real date written YYYY-MM-DD",
            )
        })?;
        if date > self.today {
            return Err(Problem::new(
                Column::BirthDate,
                "birth_date_future",
                "birth date is in the future",
            ));
        }
        Ok(date)
    }

    fn relationship(&self, f: &Fields<'_>) -> Result<Relationship, Problem> {
        let s = f.get(Column::Relationship);
        if s.is_empty() {
            return Err(Problem::new(
                Column::Relationship,
                "relationship_missing",
                "relationship to the head of the family is empty",
            ));
        }
        relationship(s).ok_or_else(|| {
            Problem::new(
                Column::Relationship,
                "relationship_invalid",
                "relationship must be one of kepala_keluarga, suami_istri, anak, menantu, cucu, \
                 orang_tua, mertua, famili_lain, lainnya",
            )
        })
    }

    fn village(&self, f: &Fields<'_>) -> Result<RegionCode, Problem> {
        let s = f.get(Column::VillageCode);
        if s.is_empty() {
            return Err(Problem::new(
                Column::VillageCode,
                "village_code_missing",
                "village code is empty",
            ));
        }
        let code = RegionCode::parse(s)
            .map_err(|e| Problem::from_domain(Column::VillageCode, "village_code_invalid", &e))?;
        if code.level() != RegionLevel::DesaKelurahan {
            return Err(Problem::new(
                Column::VillageCode,
                "village_code_not_a_village",
                "village code must name a desa/kelurahan (PP.KK.CC.DDDD, 10 digits), not a larger region",
            ));
        }
        if !tepat_domain::KnownRegions::contains(&*self.regions, &code) {
            return Err(Problem::new(
                Column::VillageCode,
                "village_code_unknown",
                "village code is not in the Kemendagri region table",
            ));
        }
        Ok(code)
    }

    fn death_date(
        &self,
        f: &Fields<'_>,
        birth: Option<NaiveDate>,
    ) -> Result<Option<NaiveDate>, Problem> {
        let s = f.get(Column::DeathDate);
        if s.is_empty() {
            return Ok(None);
        }
        let date = date(s).ok_or_else(|| {
            Problem::new(
                Column::DeathDate,
                "death_date_invalid",
                "death date must be empty (alive) or a real date written YYYY-MM-DD",
            )
        })?;
        if date > self.today {
            return Err(Problem::new(
                Column::DeathDate,
                "death_date_future",
                "death date is in the future",
            ));
        }
        if birth.is_some_and(|b| date < b) {
            return Err(Problem::new(
                Column::DeathDate,
                "death_date_before_birth",
                "death date is before the birth date",
            ));
        }
        Ok(Some(date))
    }
}

/// The value, or `None` with the problem recorded.
fn keep<T>(problems: &mut Vec<Problem>, result: Result<T, Problem>) -> Option<T> {
    result.map_err(|p| problems.push(p)).ok()
}

fn field_lengths(f: &Fields<'_>) -> Result<(), Problem> {
    for c in super::columns::COLUMNS {
        let s = f.get(c);
        // Bytes first: only a long field pays for counting characters.
        if s.len() > MAX_FIELD_CHARS && s.chars().count() > MAX_FIELD_CHARS {
            return Err(Problem::new(
                c,
                "field_too_long",
                format!("{} is longer than {MAX_FIELD_CHARS} characters", c.name()),
            ));
        }
    }
    Ok(())
}

fn required(f: &Fields<'_>, c: Column, code: &'static str) -> Result<String, Problem> {
    let s = f.get(c);
    if s.is_empty() {
        return Err(Problem::new(c, code, format!("{} is empty", c.name())));
    }
    Ok(s.to_owned())
}

fn optional_code<T>(
    f: &Fields<'_>,
    c: Column,
    parse: fn(&str) -> Option<T>,
    code: &'static str,
) -> Result<Option<T>, Problem> {
    let s = f.get(c);
    if s.is_empty() {
        return Ok(None);
    }
    parse(s).map(Some).ok_or_else(|| {
        Problem::new(
            c,
            code,
            format!(
                "{} is not a known code or label (see docs/population-csv.md)",
                c.name()
            ),
        )
    })
}

/// The codes as the documentation writes them are matched directly; anything else goes to the domain's
/// lenient parser (labels, case, spaces), which allocates.
fn relationship(s: &str) -> Option<Relationship> {
    Relationship::ALL
        .iter()
        .copied()
        .find(|v| v.code() == s)
        .or_else(|| Relationship::parse(s))
}

fn religion(s: &str) -> Option<Religion> {
    Religion::ALL
        .iter()
        .copied()
        .find(|v| v.code() == s)
        .or_else(|| Religion::parse(s))
}

fn marital_status(s: &str) -> Option<MaritalStatus> {
    MaritalStatus::ALL
        .iter()
        .copied()
        .find(|v| v.code() == s)
        .or_else(|| MaritalStatus::parse(s))
}

/// `YYYY-MM-DD`, strictly (no other separators, no missing zeros), and a real calendar date.
fn date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(date("1985-08-17"), NaiveDate::from_ymd_opt(1985, 8, 17));
        for bad in [
            "1985-8-17",
            "17-08-1985",
            "1985/08/17",
            "1985-02-30",
            "",
            "1985-08-1x",
        ] {
            assert_eq!(date(bad), None, "{bad}");
        }
    }

    #[test]
    fn codes_and_labels() {
        assert_eq!(
            relationship("kepala_keluarga"),
            Some(Relationship::KepalaKeluarga)
        );
        assert_eq!(
            relationship("Kepala Keluarga"),
            Some(Relationship::KepalaKeluarga)
        );
        assert_eq!(religion("Katolik"), Some(Religion::Katolik));
        assert_eq!(
            marital_status("cerai hidup"),
            Some(MaritalStatus::CeraiHidup)
        );
        assert_eq!(relationship("tetangga"), None);
    }
}
