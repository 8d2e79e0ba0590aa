//! What is wrong with a program, where, in English and Bahasa Indonesia.

use std::fmt;

use crate::lang::{Lang, Localized};
use crate::rules::RuleError;
use crate::rupiah::Rupiah;

/// A program that cannot be loaded or saved: which program, which field, which line, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgramError {
    /// The program's code, when it is known.
    pub program: Option<String>,
    /// The field, as a path such as `benefit.component[2].condition`.
    pub field: String,
    /// 1-based line in the file, when the program came from one.
    pub line: Option<usize>,
    pub kind: ProgramErrorKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ProgramErrorKind {
    /// The file is not TOML or does not have the program format; the message is the TOML reader's.
    Format(String),
    BadCode,
    DuplicateCode,
    UnknownProgram(String),
    ExclusiveWithItself,
    EndBeforeStart,
    /// A count or amount that must be at least 1.
    NotPositive,
    /// More cycles than the period has room for.
    CyclesExceedPeriod,
    /// Component amounts are annual, so a one-off program cannot have them.
    ComponentsNeedRegularCycle,
    NoComponents,
    /// An annual amount that does not split into whole rupiah per cycle.
    Indivisible {
        annual: Rupiah,
        cycles_per_year: u32,
    },
    /// A rule or member condition that does not check, with its text.
    Rule {
        text: String,
        error: Box<RuleError>,
    },
    /// A saved edit of a program under another code.
    CodeChanged,
}

impl ProgramError {
    pub(super) fn new(
        program: &str,
        field: impl Into<String>,
        kind: ProgramErrorKind,
    ) -> ProgramError {
        ProgramError {
            program: Some(program.to_owned()).filter(|p| !p.is_empty()),
            field: field.into(),
            line: None,
            kind,
        }
    }

    fn what(&self, lang: Lang) -> String {
        use ProgramErrorKind::*;
        let en = lang == Lang::En;
        match &self.kind {
            Format(m) if en => m.clone(),
            Format(m) => format!("berkas program tidak sesuai format: {m}"),
            BadCode if en => {
                "a program code is upper-case letters, digits and '-', such as BLT-DD".into()
            }
            BadCode => "kode program berupa huruf besar, angka dan '-', misalnya BLT-DD".into(),
            DuplicateCode if en => "another program has the same code".into(),
            DuplicateCode => "ada program lain dengan kode yang sama".into(),
            UnknownProgram(c) if en => format!("there is no program {c}"),
            UnknownProgram(c) => format!("tidak ada program {c}"),
            ExclusiveWithItself if en => "a program cannot exclude itself".into(),
            ExclusiveWithItself => "program tidak dapat mengecualikan dirinya sendiri".into(),
            EndBeforeStart if en => "the period ends before it starts".into(),
            EndBeforeStart => "periode berakhir sebelum dimulai".into(),
            NotPositive if en => "must be more than zero".into(),
            NotPositive => "harus lebih dari nol".into(),
            CyclesExceedPeriod if en => "more cycles than the period has room for".into(),
            CyclesExceedPeriod => "jumlah siklus melebihi periode".into(),
            ComponentsNeedRegularCycle if en => {
                "component amounts are per year: use a monthly, quarterly or yearly cycle".into()
            }
            ComponentsNeedRegularCycle => {
                "nilai komponen per tahun: gunakan siklus bulanan, triwulan atau tahunan".into()
            }
            NoComponents if en => "a component benefit needs at least one component".into(),
            NoComponents => "manfaat berkomponen memerlukan paling sedikit satu komponen".into(),
            Indivisible {
                annual,
                cycles_per_year,
            } if en => format!(
                "{annual} a year does not divide into {cycles_per_year} payments of whole rupiah"
            ),
            Indivisible {
                annual,
                cycles_per_year,
            } => format!(
                "{annual} per tahun tidak habis dibagi {cycles_per_year} pembayaran rupiah bulat"
            ),
            Rule { text, error } if en => {
                format!("{} in `{text}`", error.message(lang))
            }
            Rule { text, error } => {
                format!("{} pada `{text}`", error.message(lang))
            }
            CodeChanged if en => "an edit cannot change the program's code".into(),
            CodeChanged => "perubahan tidak boleh mengganti kode program".into(),
        }
    }
}

impl Localized for ProgramError {
    fn message(&self, lang: Lang) -> String {
        let (program, line) = match lang {
            Lang::En => ("program", "line"),
            Lang::Id => ("program", "baris"),
        };
        let mut out = String::new();
        if let Some(code) = &self.program {
            out.push_str(&format!("{program} {code}, "));
        }
        out.push_str(&format!("`{}`", self.field));
        if let Some(n) = self.line {
            out.push_str(&format!(" ({line} {n})"));
        }
        format!("{out}: {}", self.what(lang))
    }
}

impl fmt::Display for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for ProgramError {}
