//! Where targeting's [`Field`]s are in the store's targeting tables (`targeting_household` as `h`,
//! `targeting_member` as `m`, `targeting_enrolment`): the [`SqlColumns`] that program rules compile against
//! with [`crate::rules::Rule::to_sql`].
//!
//! Ages are computed in SQL exactly as in Rust, `(on − birth) / 10000` over `yyyymmdd` integers, so the
//! reference date is part of the columns. The bounds below are what the tables can hold; they let the
//! compiler prove that a rule's arithmetic stays within 64 bits.

use chrono::NaiveDate;

use crate::rules::{Scope, SqlColumns};
use crate::targeting::{date_number, Field, NATIONAL_PROGRAMS};

/// The most active members a household may have (also the bound of `size`).
pub const MAX_MEMBERS: i64 = 1000;

/// The largest `welfare` (predicted monthly consumption per capita, rupiah).
pub const MAX_WELFARE: i64 = 10_000_000_000_000;

/// Births and reference dates lie in these years, which bounds ages.
pub const YEARS: (i64, i64) = (1800, 2200);

/// The targeting tables as a rule's columns, with ages counted to `on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetingColumns {
    pub on: NaiveDate,
}

impl TargetingColumns {
    pub fn new(on: NaiveDate) -> TargetingColumns {
        TargetingColumns { on }
    }

    fn age_range(&self) -> (i64, i64) {
        let on = date_number(self.on);
        let (first_birth, last_birth) = (YEARS.0 * 10_000 + 101, YEARS.1 * 10_000 + 1231);
        ((on - last_birth) / 10_000, (on - first_birth) / 10_000)
    }
}

impl SqlColumns for TargetingColumns {
    fn household(&self, index: usize) -> String {
        let field = Field::at(index).expect("a household field of the targeting schema");
        match NATIONAL_PROGRAMS
            .iter()
            .find(|(name, _)| *name == field.column())
        {
            Some((_, program)) => format!(
                "(EXISTS (SELECT 1 FROM targeting_enrolment e WHERE e.household_id = h.id \
                 AND e.program = '{program}' AND e.state = 'active'))"
            ),
            None => format!("h.{}", field.column()),
        }
    }

    fn member(&self, index: usize) -> String {
        match Field::at(index).expect("a member field of the targeting schema") {
            Field::Age => format!("(({} - m.birth) / 10000)", date_number(self.on)),
            field => format!("m.{}", field.column()),
        }
    }

    fn members(&self) -> String {
        "targeting_member m WHERE m.household_id = h.id".to_owned()
    }

    fn int_range(&self, _scope: Scope, index: usize) -> (i64, i64) {
        match Field::at(index) {
            Some(Field::Desil) => (1, 10),
            Some(Field::Size) => (0, MAX_MEMBERS),
            Some(Field::Welfare) => (0, MAX_WELFARE),
            Some(Field::FloorArea | Field::Livestock | Field::Land) => (0, i64::from(u32::MAX)),
            Some(Field::Age) => self.age_range(),
            // Not an integer field: the type checker never lets it into arithmetic.
            _ => (i64::MIN, i64::MAX),
        }
    }

    fn max_members(&self) -> i64 {
        MAX_MEMBERS
    }
}

/// The columns of the truth on generated data: `welfare` reads the observed consumption per capita and
/// `desil` is the literal `desil` (the true decile comes from ranking that consumption, so the rule is
/// compiled once per decile and each household kept under its own). Every other field as
/// [`TargetingColumns`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TruthColumns {
    pub columns: TargetingColumns,
    /// 1..=10.
    pub desil: u8,
}

impl SqlColumns for TruthColumns {
    fn household(&self, index: usize) -> String {
        match Field::at(index) {
            Some(Field::Desil) => format!("CAST({} AS BIGINT)", self.desil),
            Some(Field::Welfare) => "h.consumption".to_owned(),
            _ => self.columns.household(index),
        }
    }

    fn member(&self, index: usize) -> String {
        self.columns.member(index)
    }

    fn members(&self) -> String {
        self.columns.members()
    }

    fn int_range(&self, scope: Scope, index: usize) -> (i64, i64) {
        self.columns.int_range(scope, index)
    }

    fn max_members(&self) -> i64 {
        self.columns.max_members()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{FieldType, Rule};
    use crate::targeting::schema;

    fn columns() -> TargetingColumns {
        TargetingColumns::new(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
    }

    #[test]
    fn every_integer_field_has_finite_bounds() {
        let c = columns();
        for (i, f) in schema().fields().iter().enumerate() {
            if f.ty == FieldType::Int {
                let (lo, hi) = c.int_range(f.scope, i);
                assert!(lo <= hi && lo > i64::MIN && hi < i64::MAX, "{}", f.name);
            }
        }
    }

    #[test]
    fn ages_span_the_years_a_birth_can_have() {
        // Born 31 Dec 2200 → −174 on 23 Nov 2026 (truncated toward zero); born 1 Jan 1800 → 226.
        assert_eq!(columns().age_range(), (-174, 226));
    }

    #[test]
    fn fields_read_the_contract_columns() {
        let c = columns();
        let sql = |text: &str| Rule::compile(text, &schema()).unwrap().to_sql(&c).unwrap();
        assert_eq!(
            sql("any(member, age < 6 and sector == \"nelayan\") and sector == \"petani\""),
            "((EXISTS (SELECT 1 FROM targeting_member m WHERE m.household_id = h.id AND \
             (((((20261123 - m.birth) / 10000) < CAST(6 AS BIGINT)) AND (m.sector = 'nelayan'))))) \
             AND (h.sector = 'petani'))"
        );
        assert_eq!(
            sql("receives_pbi"),
            "(EXISTS (SELECT 1 FROM targeting_enrolment e WHERE e.household_id = h.id \
             AND e.program = 'PBI-JK' AND e.state = 'active'))"
        );
        // Up to (2^32 − 1)², more than i64::MAX: it runs in Rust.
        let land = Rule::compile("land * land > 0", &schema()).unwrap();
        assert!(land.to_sql(&c).is_err());
        assert!(Rule::compile("land * 1000 + welfare * size > 0", &schema())
            .unwrap()
            .to_sql(&c)
            .is_ok());
    }

    #[test]
    fn the_truth_reads_consumption_and_a_given_desil() {
        let truth = TruthColumns {
            columns: columns(),
            desil: 3,
        };
        let rule =
            Rule::compile("desil <= 4 and welfare < 500000 and size > 2", &schema()).unwrap();
        let sql = rule.to_sql(&truth).unwrap();
        assert!(
            sql.contains("h.consumption") && sql.contains("h.size"),
            "{sql}"
        );
        assert!(
            !sql.contains("h.desil") && !sql.contains("h.welfare"),
            "{sql}"
        );
    }
}
