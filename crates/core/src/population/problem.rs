//! What is wrong with a rejected row: the column, a stable code and a reason in English.

use tepat_domain::{Lang, Localized};

use super::columns::Column;

/// One thing wrong with one row. A row can have several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The column at fault; `None` when the row as a whole is (wrong number of fields).
    pub column: Option<Column>,
    /// Stable, machine-readable (e.g. `nik_invalid_day`), listed in `docs/population-csv.md`.
    pub code: &'static str,
    /// English explanation; never contains the rejected value.
    pub reason: String,
}

impl Problem {
    pub(crate) fn new(column: Column, code: &'static str, reason: impl Into<String>) -> Problem {
        Problem {
            column: Some(column),
            code,
            reason: reason.into(),
        }
    }

    pub(crate) fn row(code: &'static str, reason: impl Into<String>) -> Problem {
        Problem {
            column: None,
            code,
            reason: reason.into(),
        }
    }

    /// A domain error on `column`, with its own code and English message.
    pub(crate) fn from_domain(
        column: Column,
        code: &'static str,
        error: &impl Localized,
    ) -> Problem {
        Problem::new(column, code, error.message(Lang::En))
    }

    /// The column name as the report shows it (`row` for the whole row).
    pub fn field(&self) -> &'static str {
        self.column.map_or("row", Column::name)
    }
}
