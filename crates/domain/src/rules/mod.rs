//! The eligibility rule language (*aturan kelayakan*): short expressions a program officer writes, such as
//!
//! ```text
//! desil <= 4 and any(member, age < 6)
//! sector in ["nelayan", "kukm"] and not receives_pkh
//! count(member, disability) >= 1 or size >= 7
//! ```
//!
//! - [`lex`] and [`parse`]: text → syntax tree, every node with its [`Span`] (1-based columns), so errors
//!   point at the place.
//! - [`schema`]: the fields a rule may name — household fields, and member fields inside `any`, `all`
//!   and `count` — with their types and code lists.
//! - [`check`]: type checking against a schema; a rule that does not check never runs. Codes are checked
//!   against the field's code list (`sector == "nelayn"` is an error that suggests `nelayan`).
//! - [`eval`]: evaluation in Rust with SQL's three-valued logic (a missing value makes a comparison
//!   *unknown*, and only *true* selects), so that the same rule compiled to SQL selects the same
//!   households.
//! - [`sql`]: the same rule as one SQL expression for SQLite and PostgreSQL ([`Rule::to_sql`]), or
//!   [`NotSql`] when its arithmetic might overflow or it is too deep for SQLite, and it must run in Rust.
//! - [`RuleError`]: what is wrong and where, in Bahasa Indonesia and English.
//!
//! The grammar, the functions and the meaning of missing values are in `docs/rules.md`.

mod check;
mod error;
mod eval;
mod lex;
mod member;
mod parse;
pub mod schema;
mod sql;

pub use check::{Checked, Rule};
pub use error::{RuleError, RuleErrorKind};
pub use eval::{Subject, Value};
pub use lex::Span;
pub use member::MemberCondition;
pub use parse::{BinaryOp, Expr, ExprKind, Quantifier};
pub use schema::{FieldDef, FieldType, Schema, Scope};
pub use sql::{NotSql, SqlColumns, MAX_DEPTH};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Whatever an officer types, compiling answers (a rule or an error inside the text); it never
        /// panics.
        #[test]
        fn any_text_compiles_or_errs_in_place(text in "[ -~≤é]{0,80}") {
            let schema = check::tests::schema();
            if let Err(e) = Rule::compile(&text, &schema) {
                let chars = text.chars().count();
                prop_assert!(e.span.start >= 1 && e.span.start <= chars + 1, "{e:?} in {text:?}");
                prop_assert!(e.span.end >= e.span.start);
            }
        }

        /// Rule-shaped text built from the grammar's pieces, so that more of it gets past the parser: errors
        /// stay inside the text, and a rule's parts are pieces of it.
        #[test]
        fn rule_shaped_text_never_panics(parts in prop::collection::vec(
            prop::sample::select(vec![
                "desil", "size", "age", "sector", "\"kukm\"", "4", "-", "(", ")", "[", "]", ",", "and",
                "or", "not", "in", "<=", "==", "*", "any(member,", "count(member)", "all(member,",
                "disability", "true",
            ]),
            0..12,
        )) {
            let text = parts.join(" ");
            match Rule::compile(&text, &check::tests::schema()) {
                Ok(rule) => {
                    for (part, _) in rule.parts() {
                        prop_assert!(text.contains(part.as_str()), "{part:?} not in {text:?}");
                    }
                }
                Err(e) => prop_assert!(e.span.start <= text.chars().count() + 1, "{e:?} in {text:?}"),
            }
        }
    }
}
