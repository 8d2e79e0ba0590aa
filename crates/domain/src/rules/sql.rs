//! A checked rule as one SQL boolean expression, so that a program's rule runs where the households are.
//!
//! The expression is valid in both SQLite (3.46) and PostgreSQL (15) and is TRUE exactly when
//! [`Rule::selects`] is true: SQL's NULL is the rule language's *unknown*, `AND`/`OR`/`NOT` are Kleene's
//! logic in both, and the quantifiers are `EXISTS`, `NOT EXISTS (… (c) IS NOT TRUE)` and `COUNT(*)` (see
//! [`super::eval`]). Two places where SQL differs from Rust need care:
//!
//! - **Overflow.** Rust makes an overflowing `+ - *` unknown; SQLite silently turns it into a float and
//!   PostgreSQL raises an error. Every integer expression gets an interval from the fields' bounds
//!   ([`SqlColumns::int_range`]); when one might leave the 64-bit range the rule is [`NotSql`] and the caller
//!   evaluates it in Rust instead.
//! - **Lists with a field in them** (`x in [-desil, 3]`): in Rust an item that is missing is simply not
//!   equal; SQL's `IN` would make the whole test unknown. Such lists compare item by item with `IS TRUE`.
//!
//! Integer literals are written `CAST(n AS BIGINT)` so that PostgreSQL never does 32-bit arithmetic on
//! them; yes/no values are compared and combined only with operators that mean the same on SQLite's 0/1
//! integers and PostgreSQL's booleans.

use thiserror::Error;

use super::check::{Checked, Rule};
use super::parse::{BinaryOp, Quantifier};
use super::schema::Scope;

/// Where a rule's fields are in the database.
pub trait SqlColumns {
    /// The SQL expression for household field `index` (a schema index), reading the household row `h`.
    fn household(&self, index: usize) -> String;
    /// The SQL expression for member field `index`, reading the member row `m`.
    fn member(&self, index: usize) -> String;
    /// The members of household `h` as `<table> m WHERE <join>`, to which conditions are added with `AND`.
    fn members(&self) -> String;
    /// Inclusive bounds of an integer field's values, for the overflow analysis.
    fn int_range(&self, scope: Scope, index: usize) -> (i64, i64);
    /// The most members a household can have (bounds `count`).
    fn max_members(&self) -> i64;
}

/// The rule cannot run as SQL with the same answers; evaluate it in Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NotSql {
    #[error(
        "the rule's arithmetic may leave the 64-bit integer range, so it runs in Rust, not SQL"
    )]
    MayOverflow,
    #[error("the rule is nested more than {MAX_DEPTH} levels deep, too deep for SQLite, so it runs in Rust")]
    TooDeep,
}

/// The deepest rule compiled to SQL. SQLite refuses expressions more than 1000 levels deep, and one level of
/// a rule becomes at most three or four in SQL (a list test is `CASE … OR ((v = i) IS TRUE)`).
pub const MAX_DEPTH: usize = 200;

impl Rule {
    /// The rule as a boolean SQL expression over the household row `h` (see the module documentation).
    pub fn to_sql(&self, columns: &impl SqlColumns) -> Result<String, NotSql> {
        Compiler { columns }.sql(self.tree())
    }
}

/// An interval of possible integer values; i128 so that the bounds of `a * b` never overflow themselves.
type Range = (i128, i128);

struct Compiler<'c, C> {
    columns: &'c C,
}

impl<C: SqlColumns> Compiler<'_, C> {
    fn sql(&self, c: &Checked) -> Result<String, NotSql> {
        if depth(c) > MAX_DEPTH {
            return Err(NotSql::TooDeep);
        }
        self.range(c)?;
        Ok(self.expr(c))
    }

    /// The interval of an integer expression (any placeholder for others), or `NotSql` when it or a part of
    /// it might not fit an i64.
    fn range(&self, c: &Checked) -> Result<Range, NotSql> {
        let fits = |r: Range| {
            if r.0 >= i128::from(i64::MIN) && r.1 <= i128::from(i64::MAX) {
                Ok(r)
            } else {
                Err(NotSql::MayOverflow)
            }
        };
        match c {
            Checked::Int(n) => Ok((i128::from(*n), i128::from(*n))),
            Checked::Bool(_) | Checked::Text(_) => Ok((0, 0)),
            Checked::Field { index, scope } => {
                let (lo, hi) = self.columns.int_range(*scope, *index);
                Ok((i128::from(lo), i128::from(hi)))
            }
            Checked::Not(inner) => self.range(inner).map(|_| (0, 0)),
            Checked::Neg(inner) => {
                let (lo, hi) = self.range(inner)?;
                fits((-hi, -lo))
            }
            Checked::Binary(op, l, r) => {
                let (a, b) = (self.range(l)?, self.range(r)?);
                match op {
                    BinaryOp::Add => fits((a.0 + b.0, a.1 + b.1)),
                    BinaryOp::Sub => fits((a.0 - b.1, a.1 - b.0)),
                    BinaryOp::Mul => {
                        let p = [a.0 * b.0, a.0 * b.1, a.1 * b.0, a.1 * b.1];
                        fits((*p.iter().min().unwrap(), *p.iter().max().unwrap()))
                    }
                    _ => Ok((0, 0)),
                }
            }
            Checked::In { value, items, .. } => {
                self.range(value)?;
                for item in items {
                    self.range(item)?;
                }
                Ok((0, 0))
            }
            Checked::Quantified { condition, .. } => {
                if let Some(c) = condition {
                    self.range(c)?;
                }
                Ok((0, i128::from(self.columns.max_members())))
            }
        }
    }

    /// The SQL text; every compound is parenthesised, so precedence never differs between the databases.
    fn expr(&self, c: &Checked) -> String {
        match c {
            Checked::Int(n) => format!("CAST({n} AS BIGINT)"),
            Checked::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_owned(),
            Checked::Text(t) => quote(t),
            Checked::Field {
                index,
                scope: Scope::Household,
            } => self.columns.household(*index),
            Checked::Field {
                index,
                scope: Scope::Member,
            } => self.columns.member(*index),
            Checked::Not(inner) => format!("(NOT {})", self.expr(inner)),
            // A space, so that `- -x` never becomes the comment `--x`.
            Checked::Neg(inner) => format!("(- {})", self.expr(inner)),
            Checked::Binary(op, l, r) => {
                format!("({} {} {})", self.expr(l), operator(*op), self.expr(r))
            }
            Checked::In {
                value,
                items,
                negated,
            } => self.membership(value, items, *negated),
            Checked::Quantified {
                quantifier,
                condition,
            } => self.quantified(*quantifier, condition.as_deref()),
        }
    }

    fn membership(&self, value: &Checked, items: &[Checked], negated: bool) -> String {
        let v = self.expr(value);
        let not = if negated { "NOT " } else { "" };
        if !items.is_empty() && items.iter().all(is_constant) {
            let list: Vec<String> = items.iter().map(|i| self.expr(i)).collect();
            return format!("({v} {not}IN ({}))", list.join(", "));
        }
        // Unknown only when the value is; an item that is unknown is just not equal (as in Rust).
        let mut found: Vec<String> = items
            .iter()
            .map(|i| format!("(({v} = {}) IS TRUE)", self.expr(i)))
            .collect();
        if found.is_empty() {
            found.push("FALSE".to_owned());
        }
        format!(
            "(CASE WHEN {v} IS NULL THEN NULL ELSE ({not}({})) END)",
            found.join(" OR ")
        )
    }

    fn quantified(&self, quantifier: Quantifier, condition: Option<&Checked>) -> String {
        let members = self.columns.members();
        let only = |test: &str| match condition {
            Some(c) => format!(" AND ({}){test}", self.expr(c)),
            None if test.is_empty() => String::new(),
            // `all(member)` without a condition: no member fails it.
            None => " AND FALSE".to_owned(),
        };
        match quantifier {
            Quantifier::Any => format!("(EXISTS (SELECT 1 FROM {members}{}))", only("")),
            Quantifier::All => {
                format!(
                    "(NOT EXISTS (SELECT 1 FROM {members}{}))",
                    only(" IS NOT TRUE")
                )
            }
            Quantifier::Count => format!("(SELECT COUNT(*) FROM {members}{})", only("")),
        }
    }
}

/// Levels of nesting: a leaf is 1.
fn depth(c: &Checked) -> usize {
    let children = match c {
        Checked::Int(_) | Checked::Bool(_) | Checked::Text(_) | Checked::Field { .. } => 0,
        Checked::Not(inner) | Checked::Neg(inner) => depth(inner),
        Checked::Binary(_, l, r) => depth(l).max(depth(r)),
        // A list with a field in it becomes a chain of ORs, one level per item.
        Checked::In { value, items, .. } => {
            items.iter().map(depth).fold(depth(value), usize::max) + items.len()
        }
        Checked::Quantified { condition, .. } => condition.as_deref().map_or(0, depth),
    };
    children + 1
}

fn is_constant(c: &Checked) -> bool {
    match c {
        Checked::Int(_) | Checked::Text(_) | Checked::Bool(_) => true,
        Checked::Neg(inner) => is_constant(inner),
        _ => false,
    }
}

fn operator(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::And => "AND",
        BinaryOp::Or => "OR",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::Eq => "=",
        BinaryOp::Ne => "<>",
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
    }
}

/// A SQL string literal. Codes are checked against their lists before a rule runs; quoting anyway keeps a
/// future schema with freer texts safe.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::check::tests::schema;

    /// The test schema's columns: household fields 0..5 as `h.f<i>`, members' as `m.f<i>`; every integer
    /// field between 0 and 1000 except `income` (index 2), up to 10^12.
    struct Columns;

    impl SqlColumns for Columns {
        fn household(&self, index: usize) -> String {
            format!("h.f{index}")
        }
        fn member(&self, index: usize) -> String {
            format!("m.f{index}")
        }
        fn members(&self) -> String {
            "member m WHERE m.hh = h.id".to_owned()
        }
        fn int_range(&self, _: Scope, index: usize) -> (i64, i64) {
            if index == 2 {
                (0, 1_000_000_000_000)
            } else {
                (0, 1000)
            }
        }
        fn max_members(&self) -> i64 {
            50
        }
    }

    fn sql(text: &str) -> Result<String, NotSql> {
        Rule::compile(text, &schema()).unwrap().to_sql(&Columns)
    }

    #[test]
    fn comparisons_literals_and_logic() {
        assert_eq!(
            sql(r#"desil <= 4 and not receives_pkh or sector == "kukm""#).unwrap(),
            "(((h.f0 <= CAST(4 AS BIGINT)) AND (NOT h.f4)) OR (h.f3 = 'kukm'))"
        );
        assert_eq!(sql("size != 3").unwrap(), "(h.f1 <> CAST(3 AS BIGINT))");
    }

    #[test]
    fn quantifiers_are_exists_not_exists_and_count() {
        assert_eq!(
            sql("any(member, age < 6)").unwrap(),
            "(EXISTS (SELECT 1 FROM member m WHERE m.hh = h.id AND ((m.f5 < CAST(6 AS BIGINT)))))"
        );
        assert_eq!(
            sql("all(member, disability)").unwrap(),
            "(NOT EXISTS (SELECT 1 FROM member m WHERE m.hh = h.id AND (m.f6) IS NOT TRUE))"
        );
        assert_eq!(
            sql("count(member) >= 2").unwrap(),
            "((SELECT COUNT(*) FROM member m WHERE m.hh = h.id) >= CAST(2 AS BIGINT))"
        );
    }

    #[test]
    fn arithmetic_that_may_overflow_is_not_sql() {
        assert_eq!(
            sql("income * income > 0"),
            Err(NotSql::MayOverflow),
            "up to 10^24"
        );
        assert!(sql("income * 9223372036854775807 > 0").is_err());
        assert!(sql("-9223372036854775807 - 2 < desil").is_err());
        assert!(sql("count(member) * 9223372036854775807 > 0").is_err());
        assert!(sql("any(member, age * 9223372036854775807 > 0)").is_err());
        // Within range: income * 1000 is at most 10^15.
        assert!(sql("income * 1000 - size > 0").is_ok());
        assert!(
            sql("-9223372036854775807 - 1 < desil").is_ok(),
            "exactly i64::MIN"
        );
        assert!(sql("income in [-9223372036854775807, 1]").is_ok());
    }

    #[test]
    fn rules_too_deep_for_sqlite_are_not_sql() {
        let deep = format!("{}desil > 3", "not ".repeat(MAX_DEPTH));
        assert_eq!(sql(&deep), Err(NotSql::TooDeep));
        let fine = format!("{}desil > 3", "not ".repeat(MAX_DEPTH - 2));
        assert!(sql(&fine).is_ok());
    }

    #[test]
    fn double_negation_never_makes_a_comment() {
        let s = sql("- -desil == 3").unwrap();
        assert!(!s.contains("--"), "{s}");
        assert_eq!(s, "((- (- h.f0)) = CAST(3 AS BIGINT))");
    }

    #[test]
    fn lists_of_literals_use_in_and_lists_with_fields_compare_item_by_item() {
        assert_eq!(
            sql(r#"sector not in ["phk", "kukm"]"#).unwrap(),
            "(h.f3 NOT IN ('phk', 'kukm'))"
        );
        assert_eq!(
            sql("size in [-desil, 3]").unwrap(),
            "(CASE WHEN h.f1 IS NULL THEN NULL ELSE ((((h.f1 = (- h.f0)) IS TRUE) OR \
             ((h.f1 = CAST(3 AS BIGINT)) IS TRUE))) END)"
        );
    }

    #[test]
    fn texts_are_quoted() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote("a'); DROP TABLE h; --"), "'a''); DROP TABLE h; --'");
        // A text literal compared with a text literal is not checked against any code list.
        assert_eq!(sql(r#""o'k" == "o'k""#).unwrap(), "('o''k' = 'o''k')");
    }
}
