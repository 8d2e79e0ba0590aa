//! The columns of a proposals CSV (`docs/proposals-csv.md`): one row per member, grouped by KK number.

/// A column of the proposals file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    KkNumber,
    VillageCode,
    Address,
    Rt,
    Rw,
    Nik,
    FullName,
    Sex,
    BirthDate,
    Relationship,
    Phone,
    Sector,
    Reason,
}

/// Every column, in the order the documentation lists them.
pub const COLUMNS: [Column; 13] = [
    Column::KkNumber,
    Column::VillageCode,
    Column::Address,
    Column::Rt,
    Column::Rw,
    Column::Nik,
    Column::FullName,
    Column::Sex,
    Column::BirthDate,
    Column::Relationship,
    Column::Phone,
    Column::Sector,
    Column::Reason,
];

/// The columns a file must have (the others may be left out of the header).
pub const REQUIRED: [Column; 9] = [
    Column::KkNumber,
    Column::VillageCode,
    Column::Rt,
    Column::Rw,
    Column::Nik,
    Column::FullName,
    Column::Sex,
    Column::BirthDate,
    Column::Relationship,
];

impl Column {
    pub fn name(self) -> &'static str {
        match self {
            Column::KkNumber => "kk_number",
            Column::VillageCode => "village_code",
            Column::Address => "address",
            Column::Rt => "rt",
            Column::Rw => "rw",
            Column::Nik => "nik",
            Column::FullName => "full_name",
            Column::Sex => "sex",
            Column::BirthDate => "birth_date",
            Column::Relationship => "relationship",
            Column::Phone => "phone",
            Column::Sector => "sector",
            Column::Reason => "reason",
        }
    }

    /// The column named `name` (compared without surrounding spaces and case).
    pub fn from_name(name: &str) -> Option<Column> {
        let name = name.trim().to_ascii_lowercase();
        COLUMNS.into_iter().find(|c| c.name() == name)
    }

    /// Columns whose value is an identity number: never echoed whole in a report.
    pub fn is_identifier(self) -> bool {
        matches!(self, Column::Nik | Column::KkNumber | Column::Phone)
    }
}
