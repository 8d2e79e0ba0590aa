//! The row-level report of an upload: every problem with its line, column, stable code and reason in
//! Indonesian and English, and what happened to every household. [`UploadReport::to_csv`] is the file the
//! operator downloads.
//!
//! The report echoes the offending cell so that the operator finds it, except identity numbers (NIK, KK,
//! phone), which appear masked (`190201******0007`). A cell a spreadsheet would run as a formula (`=`, `+`,
//! `-`, `@`, tab or carriage return first) is echoed with an apostrophe in front (CSV injection).

use tepat_domain::Lang;
use uuid::Uuid;

/// How much a line of the report matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing: the household was proposed anyway.
    Info,
    /// Look again: the household was proposed, the verifiers see the same finding.
    Warning,
    /// The row (and so its household) was refused.
    Error,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem or finding, on one line of the file.
#[derive(Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: u64,
    /// The column at fault (`row` for the whole row, `household` for the whole KK).
    pub column: &'static str,
    pub code: &'static str,
    pub severity: Severity,
    pub reason_id: String,
    pub reason_en: String,
    /// The cell as it was (identity numbers masked, formulas neutralised).
    pub value: String,
}

impl std::fmt::Debug for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowProblem")
            .field("line", &self.line)
            .field("column", &self.column)
            .field("code", &self.code)
            .field("severity", &self.severity)
            .finish_non_exhaustive()
    }
}

impl RowProblem {
    pub fn reason(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.reason_id,
            Lang::En => &self.reason_en,
        }
    }
}

/// What happened to one household (one KK number of the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Proposed now: a new request (in [`Mode::Propose`](super::Mode)), or would be (in `Check`).
    Proposed {
        request: Option<Uuid>,
        household: Uuid,
    },
    /// The KK number is already in the registry (proposed or registered): nothing created. This is
    /// what a second upload of the same file reports.
    AlreadyInRegistry,
    /// Refused: see the problems on its lines.
    Refused,
}

impl Outcome {
    pub fn code(&self) -> &'static str {
        match self {
            Outcome::Proposed { .. } => "proposed",
            Outcome::AlreadyInRegistry => "already_in_registry",
            Outcome::Refused => "refused",
        }
    }
}

/// One household of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdOutcome {
    /// The line of its first row.
    pub line: u64,
    pub rows: usize,
    pub outcome: Outcome,
}

/// Everything an upload did and found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadReport {
    /// Data rows read (blank lines not counted).
    pub rows: usize,
    pub households: Vec<HouseholdOutcome>,
    /// Problems and findings, by line.
    pub problems: Vec<RowProblem>,
    /// Whether anything was written (false for a check).
    pub written: bool,
}

impl UploadReport {
    pub fn count(&self, code: &str) -> usize {
        self.households
            .iter()
            .filter(|h| h.outcome.code() == code)
            .count()
    }

    pub fn proposed(&self) -> usize {
        self.count("proposed")
    }

    pub fn refused(&self) -> usize {
        self.count("refused")
    }

    pub fn already(&self) -> usize {
        self.count("already_in_registry")
    }

    /// Problems of at least `severity`.
    pub fn at_least(&self, severity: Severity) -> impl Iterator<Item = &RowProblem> {
        self.problems.iter().filter(move |p| p.severity >= severity)
    }

    /// The report as CSV (UTF-8 with a byte-order mark, so that spreadsheets read it right): one line per
    /// problem or finding, then one per household with its outcome.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
        let header = [
            "line",
            "column",
            "code",
            "severity",
            "reason_id",
            "reason_en",
            "value",
        ];
        // Writing to memory cannot fail.
        let _ = w.write_record(header);
        for p in &self.problems {
            let _ = w.write_record([
                p.line.to_string().as_str(),
                p.column,
                p.code,
                p.severity.code(),
                &neutralise(&p.reason_id),
                &neutralise(&p.reason_en),
                &neutralise(&p.value),
            ]);
        }
        for h in &self.households {
            let (id, en, value) = match h.outcome {
                Outcome::Proposed { request, household } => (
                    "keluarga diusulkan",
                    "household proposed",
                    request.map_or_else(|| household.to_string(), |r| r.to_string()),
                ),
                Outcome::AlreadyInRegistry => (
                    "KK sudah ada di registri; tidak dibuat lagi",
                    "KK already in the registry; nothing created",
                    String::new(),
                ),
                Outcome::Refused => (
                    "keluarga ditolak; lihat baris-barisnya",
                    "household refused; see its lines",
                    String::new(),
                ),
            };
            let _ = w.write_record([
                h.line.to_string().as_str(),
                "household",
                h.outcome.code(),
                "outcome",
                id,
                en,
                &value,
            ]);
        }
        w.into_inner().unwrap_or_default()
    }
}

/// A cell a spreadsheet would run as a formula, with an apostrophe in front.
pub(crate) fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// An identity number as the report shows it: its region prefix and last four characters.
pub(crate) fn mask_identifier(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 10 {
        "*".repeat(chars.len())
    } else {
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_masked() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("Siti"), "Siti");
        assert_eq!(mask_identifier("1902010101850001"), "190201******0001");
        assert_eq!(mask_identifier("0812"), "****");
    }
}
