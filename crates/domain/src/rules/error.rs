//! What is wrong with a rule, and where.

use std::fmt;

use super::lex::Span;
use crate::lang::{Lang, Localized};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub kind: RuleErrorKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleErrorKind {
    Empty,
    TooLong,
    UnexpectedCharacter(char),
    UnclosedText,
    BadNumber(String),
    /// Something else was found where this was expected.
    Expected(&'static str),
    /// The rule goes on after a complete expression.
    Trailing,
    UnknownField {
        name: String,
        suggestion: Option<String>,
    },
    /// A member field (such as `age`) outside `any`, `all` or `count`.
    MemberFieldOutside(String),
    /// `any(member, any(member, …))`.
    NestedQuantifier,
    /// An operand of the wrong type.
    Type {
        expected: &'static str,
        found: &'static str,
    },
    /// `==`, `!=` or `in` between values that cannot be equal.
    Incomparable {
        left: &'static str,
        right: &'static str,
    },
    UnknownCode {
        field: String,
        code: String,
        suggestion: Option<String>,
    },
    /// A list anywhere but on the right of `in`, or with something other than plain values in it.
    ListMisplaced,
    /// The whole rule must say yes or no.
    NotYesNo(&'static str),
}

impl RuleError {
    pub(crate) fn new(kind: RuleErrorKind, span: Span) -> RuleError {
        RuleError { kind, span }
    }

    /// The rule with a line of carets under the place, and the message: for a terminal or a `<pre>`.
    pub fn render(&self, rule: &str, lang: Lang) -> String {
        let width = self.span.end.saturating_sub(self.span.start).max(1);
        format!(
            "{rule}\n{}{}\n{}",
            " ".repeat(self.span.start.saturating_sub(1)),
            "^".repeat(width),
            self.message(lang)
        )
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for RuleError {}

fn suggest(suggestion: &Option<String>, lang: Lang) -> String {
    match (suggestion, lang) {
        (Some(s), Lang::En) => format!(" (did you mean {s}?)"),
        (Some(s), Lang::Id) => format!(" (maksud Anda {s}?)"),
        (None, _) => String::new(),
    }
}

impl Localized for RuleError {
    fn message(&self, lang: Lang) -> String {
        use RuleErrorKind::*;
        let column = self.span.start;
        let what = match (&self.kind, lang) {
            (Empty, Lang::En) => "the rule is empty".to_owned(),
            (Empty, Lang::Id) => "aturan kosong".to_owned(),
            (TooLong, Lang::En) => format!("the rule is longer than {} characters", super::lex::MAX_RULE_CHARS),
            (TooLong, Lang::Id) => format!("aturan lebih dari {} karakter", super::lex::MAX_RULE_CHARS),
            (UnexpectedCharacter(c), Lang::En) => format!("unexpected character {c:?}"),
            (UnexpectedCharacter(c), Lang::Id) => format!("karakter {c:?} tidak dikenal"),
            (UnclosedText, Lang::En) => "a text in quotes is not closed".to_owned(),
            (UnclosedText, Lang::Id) => "teks dalam tanda kutip tidak ditutup".to_owned(),
            (BadNumber(n), Lang::En) => format!("{n} is not a whole number (group thousands with . or _)"),
            (BadNumber(n), Lang::Id) => {
                format!("{n} bukan bilangan bulat (pisahkan ribuan dengan . atau _)")
            }
            (Expected(what), Lang::En) => format!("expected {what}"),
            (Expected(what), Lang::Id) => format!("seharusnya {}", expected_id(what)),
            (Trailing, Lang::En) => "the rule goes on after a complete condition (missing and/or?)".to_owned(),
            (Trailing, Lang::Id) => {
                "aturan berlanjut setelah kondisi lengkap (kurang and/or?)".to_owned()
            }
            (UnknownField { name, suggestion }, Lang::En) => {
                format!("unknown field {name}{}", suggest(suggestion, lang))
            }
            (UnknownField { name, suggestion }, Lang::Id) => {
                format!("kolom {name} tidak dikenal{}", suggest(suggestion, lang))
            }
            (MemberFieldOutside(name), Lang::En) => format!(
                "{name} is a field of each member: use it inside any(member, …), all(member, …) or count(member, …)"
            ),
            (MemberFieldOutside(name), Lang::Id) => format!(
                "{name} adalah kolom tiap anggota keluarga: gunakan di dalam any(member, …), all(member, …) atau count(member, …)"
            ),
            (NestedQuantifier, Lang::En) => "any, all and count cannot be nested".to_owned(),
            (NestedQuantifier, Lang::Id) => "any, all dan count tidak boleh bersarang".to_owned(),
            (Type { expected, found }, Lang::En) => format!("expected {expected}, found {found}"),
            (Type { expected, found }, Lang::Id) => {
                format!("seharusnya {}, bukan {}", type_id(expected), type_id(found))
            }
            (Incomparable { left, right }, Lang::En) => format!("cannot compare {left} with {right}"),
            (Incomparable { left, right }, Lang::Id) => {
                format!("{} tidak bisa dibandingkan dengan {}", type_id(left), type_id(right))
            }
            (UnknownCode { field, code, suggestion }, Lang::En) => {
                format!("{code:?} is not a code of {field}{}", suggest(suggestion, lang))
            }
            (UnknownCode { field, code, suggestion }, Lang::Id) => {
                format!("{code:?} bukan kode untuk {field}{}", suggest(suggestion, lang))
            }
            (ListMisplaced, Lang::En) => {
                "a list [...] of plain values belongs on the right of in".to_owned()
            }
            (ListMisplaced, Lang::Id) => {
                "daftar [...] berisi nilai biasa hanya boleh di sebelah kanan in".to_owned()
            }
            (NotYesNo(found), Lang::En) => {
                format!("a rule must be a yes/no condition; this is {found}")
            }
            (NotYesNo(found), Lang::Id) => {
                format!("aturan harus berupa kondisi ya/tidak; ini {}", type_id(found))
            }
        };
        match lang {
            Lang::En => format!("column {column}: {what}"),
            Lang::Id => format!("kolom ke-{column}: {what}"),
        }
    }
}

fn type_id(t: &str) -> &str {
    match t {
        "a number" => "angka",
        "yes/no" => "ya/tidak",
        "a text" => "teks",
        "a code" => "kode",
        "a list" => "daftar",
        other => other,
    }
}

fn expected_id(what: &str) -> &str {
    match what {
        "a value or a field" => "nilai atau kolom",
        "a list such as [\"a\", \"b\"]" => "daftar seperti [\"a\", \"b\"]",
        other => other,
    }
}
