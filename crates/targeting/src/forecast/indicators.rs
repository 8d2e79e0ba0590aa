//! Economic indicators per district (kecamatan) or regency (kabupaten/kota) and quarter, from a CSV file
//! with the header `period,region_code,indicator,value` — for example the poverty rate, the open
//! unemployment rate, a food price index or the rice price. Units are the file's; the model's coefficients
//! are per unit of the indicator as given.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;

use tepat_domain::{RegionCode, RegionLevel};

use super::period::Period;

/// The indicator values, looked up by region, indicator and quarter.
#[derive(Debug, Clone, Default)]
pub struct Indicators {
    values: HashMap<(RegionCode, String, Period), f64>,
    names: BTreeSet<String>,
}

/// Why an indicator file could not be read. Lines count from 1, the header being line 1.
#[derive(Debug, thiserror::Error)]
pub enum IndicatorError {
    #[error("the header must be period,region_code,indicator,value (found {found:?})")]
    Header { found: String },
    #[error("line {line}: field {field}: {problem}")]
    Field {
        line: u64,
        field: &'static str,
        problem: String,
    },
    #[error("line {line}: expected 4 fields (period,region_code,indicator,value), found {found}")]
    FieldCount { line: u64, found: usize },
    #[error("line {line}: the file is not readable CSV: {message}")]
    Csv { line: u64, message: String },
}

const HEADER: [&str; 4] = ["period", "region_code", "indicator", "value"];

impl Indicators {
    pub fn new() -> Indicators {
        Indicators::default()
    }

    /// Sets one value; a district's value takes precedence over its regency's when both are given.
    pub fn insert(&mut self, period: Period, region: RegionCode, indicator: &str, value: f64) {
        self.names.insert(indicator.to_string());
        self.values
            .insert((region, indicator.to_string(), period), value);
    }

    /// The indicator names, sorted: the order of the model's coefficients.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The value for a district, from the district's own row or else its regency's.
    pub fn value_for_district(
        &self,
        district: &RegionCode,
        indicator: &str,
        period: Period,
    ) -> Option<f64> {
        let own = self.values.get(&(*district, indicator.to_string(), period));
        let regency = || {
            let regency = district.ancestor(RegionLevel::KabupatenKota)?;
            self.values.get(&(regency, indicator.to_string(), period))
        };
        own.or_else(regency).copied()
    }
}

/// Reads an indicator CSV. Every problem names its line and field; duplicate rows are errors, not
/// silently overwritten.
pub fn read_indicators<R: Read>(reader: R) -> Result<Indicators, IndicatorError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let header = csv.headers().map_err(|e| IndicatorError::Csv {
        line: 1,
        message: e.to_string(),
    })?;
    if header
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .ne(HEADER.iter().map(|h| h.to_string()))
    {
        return Err(IndicatorError::Header {
            found: header.iter().collect::<Vec<_>>().join(","),
        });
    }
    let mut indicators = Indicators::new();
    let mut first_seen: HashMap<(RegionCode, String, Period), u64> = HashMap::new();
    for record in csv.records() {
        let record = record.map_err(|e| IndicatorError::Csv {
            line: e.position().map_or(0, |p| p.line()),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != 4 {
            return Err(IndicatorError::FieldCount {
                line,
                found: record.len(),
            });
        }
        let (period, region, name, value) = parse_row(&record, line)?;
        if let Some(earlier) = first_seen.insert((region, name.clone(), period), line) {
            return Err(field_error(
                line,
                "indicator",
                format!("{name} for {region} in {period} was already given on line {earlier}"),
            ));
        }
        indicators.insert(period, region, &name, value);
    }
    Ok(indicators)
}

fn parse_row(
    record: &csv::StringRecord,
    line: u64,
) -> Result<(Period, RegionCode, String, f64), IndicatorError> {
    let period =
        Period::parse(&record[0]).map_err(|e| field_error(line, "period", e.to_string()))?;
    let region = RegionCode::parse(&record[1])
        .map_err(|e| field_error(line, "region_code", e.to_string()))?;
    if !matches!(
        region.level(),
        RegionLevel::Kecamatan | RegionLevel::KabupatenKota
    ) {
        return Err(field_error(
            line,
            "region_code",
            "indicators are given per district (PP.KK.CC) or regency (PP.KK)".into(),
        ));
    }
    let name = record[2].to_string();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(field_error(
            line,
            "indicator",
            "indicator names use letters, digits and _ only (e.g. poverty_rate)".into(),
        ));
    }
    let value: f64 = record[3]
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| {
            field_error(
                line,
                "value",
                "not a number (use a dot for decimals, e.g. 9.75)".into(),
            )
        })?;
    Ok((period, region, name, value))
}

fn field_error(line: u64, field: &'static str, problem: String) -> IndicatorError {
    IndicatorError::Field {
        line,
        field,
        problem,
    }
}
