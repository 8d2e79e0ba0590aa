//! Running a checked rule on one household, with SQL's three-valued logic.
//!
//! A missing value (a survey answer not given, a desil not yet ranked) makes every comparison with it
//! *unknown*; `and`/`or`/`not` follow Kleene's logic as SQL does; a household is selected only when the
//! rule is *true*. Quantifiers count a member only when the condition is *true* for them: `any` is true
//! when one member's is, `all` when every member's is (vacuously for no members), `count` counts them.
//! These are exactly `EXISTS (… WHERE c)`, `NOT EXISTS (… WHERE (c) IS NOT TRUE)` and
//! `COUNT(*) … WHERE c`, so a rule compiled to SQL selects the same households.

use super::check::{Checked, Rule};
use super::parse::{BinaryOp, Quantifier};
use super::schema::Scope;

/// One field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    Int(i64),
    Bool(bool),
    Text(&'a str),
}

/// A household as rules see it. Field indices are positions in the rule's schema; a field's value must
/// have the schema's type (anything else counts as missing).
pub trait Subject {
    /// A household field, `None` when missing.
    fn value(&self, index: usize) -> Option<Value<'_>>;
    fn members(&self) -> usize;
    /// A field of member `member` (0-based), `None` when missing.
    fn member_value(&self, member: usize, index: usize) -> Option<Value<'_>>;
}

impl Rule {
    /// Whether the rule selects the household (is true for it; false and unknown do not select).
    pub fn selects(&self, subject: &impl Subject) -> bool {
        truth(self.tree(), subject, None) == Some(true)
    }

    /// Each top-level condition with its outcome: `Some(true)`, `Some(false)`, or `None` when a value it
    /// needs is missing. For the reasons shown to officers and citizens.
    pub fn explain(&self, subject: &impl Subject) -> Vec<(&str, Option<bool>)> {
        self.parts()
            .iter()
            .map(|(text, part)| (text.as_str(), truth(part, subject, None)))
            .collect()
    }
}

fn truth(c: &Checked, s: &impl Subject, member: Option<usize>) -> Option<bool> {
    match eval(c, s, member)? {
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

fn int(c: &Checked, s: &impl Subject, member: Option<usize>) -> Option<i64> {
    match eval(c, s, member)? {
        Value::Int(n) => Some(n),
        _ => None,
    }
}

fn eval<'s>(c: &'s Checked, s: &'s impl Subject, member: Option<usize>) -> Option<Value<'s>> {
    match c {
        Checked::Int(n) => Some(Value::Int(*n)),
        Checked::Bool(b) => Some(Value::Bool(*b)),
        Checked::Text(t) => Some(Value::Text(t)),
        Checked::Field { index, scope } => match (scope, member) {
            (Scope::Member, Some(m)) => s.member_value(m, *index),
            (Scope::Member, None) => None,
            (Scope::Household, _) => s.value(*index),
        },
        Checked::Not(inner) => truth(inner, s, member).map(|b| Value::Bool(!b)),
        Checked::Neg(inner) => int(inner, s, member)?.checked_neg().map(Value::Int),
        Checked::Binary(op, l, r) => binary(*op, l, r, s, member),
        Checked::In {
            value,
            items,
            negated,
        } => {
            let v = eval(value, s, member)?;
            let found = items.iter().any(|item| eval(item, s, member) == Some(v));
            Some(Value::Bool(found != *negated))
        }
        Checked::Quantified {
            quantifier,
            condition,
        } => {
            let holds = |m| {
                condition
                    .as_deref()
                    .map_or(Some(true), |c| truth(c, s, Some(m)))
                    == Some(true)
            };
            let mut members = 0..s.members();
            Some(match quantifier {
                Quantifier::Any => Value::Bool(members.any(holds)),
                Quantifier::All => Value::Bool(members.all(holds)),
                Quantifier::Count => Value::Int(members.filter(|m| holds(*m)).count() as i64),
            })
        }
    }
}

fn binary<'s>(
    op: BinaryOp,
    l: &'s Checked,
    r: &'s Checked,
    s: &'s impl Subject,
    member: Option<usize>,
) -> Option<Value<'s>> {
    use BinaryOp::*;
    match op {
        And => match (truth(l, s, member), truth(r, s, member)) {
            (Some(false), _) | (_, Some(false)) => Some(Value::Bool(false)),
            (Some(true), Some(true)) => Some(Value::Bool(true)),
            _ => None,
        },
        Or => match (truth(l, s, member), truth(r, s, member)) {
            (Some(true), _) | (_, Some(true)) => Some(Value::Bool(true)),
            (Some(false), Some(false)) => Some(Value::Bool(false)),
            _ => None,
        },
        Add | Sub | Mul => {
            let (a, b) = (int(l, s, member)?, int(r, s, member)?);
            let n = match op {
                Add => a.checked_add(b),
                Sub => a.checked_sub(b),
                _ => a.checked_mul(b),
            };
            n.map(Value::Int)
        }
        Lt | Le | Gt | Ge => {
            let (a, b) = (int(l, s, member)?, int(r, s, member)?);
            Some(Value::Bool(match op {
                Lt => a < b,
                Le => a <= b,
                Gt => a > b,
                _ => a >= b,
            }))
        }
        Eq | Ne => {
            let (a, b) = (eval(l, s, member)?, eval(r, s, member)?);
            Some(Value::Bool((a == b) == (op == Eq)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::check::tests::schema;

    /// Household fields by schema index 0..5, members' 5..8.
    struct Family {
        household: [Option<Value<'static>>; 5],
        members: Vec<[Option<Value<'static>>; 3]>,
    }

    impl Subject for Family {
        fn value(&self, index: usize) -> Option<Value<'_>> {
            self.household[index]
        }
        fn members(&self) -> usize {
            self.members.len()
        }
        fn member_value(&self, member: usize, index: usize) -> Option<Value<'_>> {
            self.members[member][index - 5]
        }
    }

    fn family(desil: Option<i64>, sector: &'static str, ages: &[Option<i64>]) -> Family {
        Family {
            household: [
                desil.map(Value::Int),
                Some(Value::Int(ages.len() as i64)),
                Some(Value::Int(900_000)),
                Some(Value::Text(sector)),
                Some(Value::Bool(false)),
            ],
            members: ages
                .iter()
                .map(|a| {
                    [
                        a.map(Value::Int),
                        Some(Value::Bool(false)),
                        Some(Value::Text("sd")),
                    ]
                })
                .collect(),
        }
    }

    fn rule(text: &str) -> Rule {
        Rule::compile(text, &schema()).unwrap()
    }

    #[test]
    fn a_young_child_in_a_poor_household_is_selected() {
        let r = rule("desil <= 4 and any(member, age < 6)");
        assert!(r.selects(&family(Some(3), "kukm", &[Some(35), Some(4)])));
        assert!(!r.selects(&family(Some(5), "kukm", &[Some(35), Some(4)])));
        assert!(!r.selects(&family(Some(3), "kukm", &[Some(35), Some(9)])));
    }

    #[test]
    fn missing_values_are_unknown_and_unknown_does_not_select() {
        let unranked = family(None, "nelayan", &[Some(30)]);
        assert!(!rule("desil <= 4").selects(&unranked));
        assert!(
            !rule("not desil <= 4").selects(&unranked),
            "not unknown is unknown"
        );
        // ... but `or` with a true side is true, and `and` with a false side is false.
        assert!(rule(r#"desil <= 4 or sector == "nelayan""#).selects(&unranked));
        let r = rule(r#"desil <= 4 and sector == "kukm""#);
        assert_eq!(
            r.explain(&unranked),
            vec![("desil <= 4", None), (r#"sector == "kukm""#, Some(false))]
        );
    }

    #[test]
    fn quantifiers_count_only_true_members() {
        let f = family(Some(2), "phk", &[Some(70), None, Some(65)]);
        assert!(rule("count(member, age >= 60) == 2").selects(&f));
        assert!(rule("count(member) == 3").selects(&f));
        assert!(
            !rule("all(member, age >= 60)").selects(&f),
            "an unknown age is not >= 60"
        );
        assert!(rule("any(member, age >= 60)").selects(&f));
        let empty = family(Some(2), "phk", &[]);
        assert!(
            rule("all(member, age >= 60)").selects(&empty),
            "vacuously true"
        );
        assert!(!rule("any(member, age >= 60)").selects(&empty));
    }

    #[test]
    fn lists_arithmetic_and_negation() {
        let f = family(Some(1), "dirumahkan", &[Some(40), Some(12)]);
        assert!(rule(r#"sector in ["phk", "dirumahkan"]"#).selects(&f));
        assert!(!rule(r#"sector not in ["phk", "dirumahkan"]"#).selects(&f));
        assert!(rule("income < 500_000 * size").selects(&f));
        assert!(rule("desil in [1, 2] and -desil < 0").selects(&f));
        assert!(
            !rule("income * 9223372036854775807 > 0").selects(&f),
            "overflow is unknown, not a wrap"
        );
    }
}
