//! The columns of the population CSV and the header that names them.

use csv::ByteRecord;

use super::error::ImportError;

/// The fifteen columns, in the order the documentation lists them (a file may order them differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Nik,
    KkNumber,
    FullName,
    Sex,
    BirthPlace,
    BirthDate,
    Religion,
    MaritalStatus,
    Relationship,
    Address,
    Rt,
    Rw,
    VillageCode,
    Occupation,
    DeathDate,
}

pub const COLUMNS: [Column; 15] = [
    Column::Nik,
    Column::KkNumber,
    Column::FullName,
    Column::Sex,
    Column::BirthPlace,
    Column::BirthDate,
    Column::Religion,
    Column::MaritalStatus,
    Column::Relationship,
    Column::Address,
    Column::Rt,
    Column::Rw,
    Column::VillageCode,
    Column::Occupation,
    Column::DeathDate,
];

impl Column {
    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            Column::Nik => "nik",
            Column::KkNumber => "kk_number",
            Column::FullName => "full_name",
            Column::Sex => "sex",
            Column::BirthPlace => "birth_place",
            Column::BirthDate => "birth_date",
            Column::Religion => "religion",
            Column::MaritalStatus => "marital_status",
            Column::Relationship => "relationship",
            Column::Address => "address",
            Column::Rt => "rt",
            Column::Rw => "rw",
            Column::VillageCode => "village_code",
            Column::Occupation => "occupation",
            Column::DeathDate => "death_date",
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// Where each column sits in the file's records.
#[derive(Debug, Clone)]
pub(crate) struct ColumnMap {
    position: [usize; 15],
    /// The header as written, for echoing rejected rows in the report.
    pub header: Vec<String>,
}

/// One record's fields as text, addressed by [`Column`].
pub(crate) struct Fields<'r>([&'r str; 15]);

impl<'r> Fields<'r> {
    pub fn get(&self, c: Column) -> &'r str {
        self.0[c.slot()]
    }
}

impl ColumnMap {
    /// Reads the header: every column exactly once, no others; names compared without surrounding spaces
    /// and case.
    pub fn from_header(header: &ByteRecord, file: &str) -> Result<ColumnMap, ImportError> {
        let mut position = [usize::MAX; 15];
        let mut names = Vec::with_capacity(header.len());
        for (i, raw) in header.iter().enumerate() {
            let name = std::str::from_utf8(raw).map_err(|_| ImportError::NotUtf8 {
                file: file.to_owned(),
                line: 1,
                field: format!("header column {}", i + 1),
            })?;
            let wanted = name.trim().to_ascii_lowercase();
            let column = COLUMNS.iter().find(|c| c.name() == wanted).ok_or_else(|| {
                ImportError::UnknownColumn {
                    file: file.to_owned(),
                    column: name.trim().chars().take(40).collect(),
                }
            })?;
            if position[column.slot()] != usize::MAX {
                return Err(ImportError::DuplicateColumn {
                    file: file.to_owned(),
                    column: column.name(),
                });
            }
            position[column.slot()] = i;
            names.push(name.trim().to_owned());
        }
        let missing: Vec<&'static str> = COLUMNS
            .iter()
            .filter(|c| position[c.slot()] == usize::MAX)
            .map(|c| c.name())
            .collect();
        if !missing.is_empty() {
            return Err(ImportError::MissingColumns {
                file: file.to_owned(),
                columns: missing.join(", "),
            });
        }
        Ok(ColumnMap {
            position,
            header: names,
        })
    }

    pub fn width(&self) -> usize {
        self.header.len()
    }

    /// The record's fields as UTF-8 text (trimmed), or the first column that is not UTF-8. A record with
    /// too few fields reads the missing ones as empty (the caller rejects it for its field count).
    pub fn fields<'r>(&self, record: &'r ByteRecord) -> Result<Fields<'r>, Column> {
        let mut out = [""; 15];
        for c in COLUMNS {
            let raw = record.get(self.position[c.slot()]).unwrap_or_default();
            out[c.slot()] = std::str::from_utf8(raw).map_err(|_| c)?.trim();
        }
        Ok(Fields(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(names: &[&str]) -> ByteRecord {
        ByteRecord::from(names.to_vec())
    }

    #[test]
    fn any_order_exactly_once() {
        let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.name()).collect();
        names.reverse();
        names[0] = " Death_Date ";
        let map = ColumnMap::from_header(&header(&names), "f.csv").unwrap();
        let record = ByteRecord::from((0..15).map(|i| i.to_string()).collect::<Vec<_>>());
        let fields = map.fields(&record).unwrap();
        assert_eq!(fields.get(Column::DeathDate), "0");
        assert_eq!(fields.get(Column::Nik), "14");

        let err = ColumnMap::from_header(&header(&names[1..]), "f.csv").unwrap_err();
        assert!(err.to_string().contains("death_date"), "{err}");
        let mut extra = names.clone();
        extra.push("phone");
        let err = ColumnMap::from_header(&header(&extra), "f.csv").unwrap_err();
        assert!(err.to_string().contains("`phone`"), "{err}");
        let mut twice = names.clone();
        twice.push("nik");
        let err = ColumnMap::from_header(&header(&twice), "f.csv").unwrap_err();
        assert!(err.to_string().contains("twice"), "{err}");
    }
}
