//! Conditions on one member, such as `pregnant` or `school == "sd" and age >= 6`: what a benefit formula
//! counts (PKH pays per eligible member, up to a maximum per component).
//!
//! A member condition is checked and run as the rule `any(member, <condition>)` on a household narrowed
//! to one member, so it has exactly the rule language's types, errors and three-valued logic: a member
//! counts only when the condition is *true* for them.

use super::{Checked, Quantifier, Rule, RuleError, RuleErrorKind, Schema, Span, Subject, Value};

/// What the condition is wrapped in to check it as a rule; errors are shifted back by its length.
const PREFIX: &str = "any(member, ";

/// A condition on one member that parsed and type-checked against a schema.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberCondition {
    source: String,
    rule: Rule,
}

impl MemberCondition {
    /// Parses and checks `source`; errors point at columns of `source` itself.
    pub fn compile(source: &str, schema: &Schema) -> Result<MemberCondition, RuleError> {
        let length = source.chars().count();
        let whole = Span {
            start: 1,
            end: length.max(1) + 1,
        };
        if source.trim().is_empty() {
            return Err(RuleError::new(RuleErrorKind::Empty, whole));
        }
        let rule =
            Rule::compile(&format!("{PREFIX}{source})"), schema).map_err(|e| shifted(e, length))?;
        // A `)` in the text could close the wrapper and add household conditions after it.
        match rule.tree() {
            Checked::Quantified {
                quantifier: Quantifier::Any,
                condition: Some(_),
            } => Ok(MemberCondition {
                source: source.to_owned(),
                rule,
            }),
            _ => Err(RuleError::new(RuleErrorKind::Trailing, whole)),
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the condition is true for member `member` (0-based) of the household.
    pub fn holds(&self, subject: &impl Subject, member: usize) -> bool {
        member < subject.members() && self.rule.selects(&OneMember { subject, member })
    }

    /// How many members the condition is true for.
    pub fn count(&self, subject: &impl Subject) -> usize {
        (0..subject.members())
            .filter(|m| self.holds(subject, *m))
            .count()
    }
}

/// Moves an error's columns from the wrapped text back onto the condition as written.
fn shifted(mut e: RuleError, length: usize) -> RuleError {
    let offset = PREFIX.chars().count();
    let clamp = |column: usize| column.saturating_sub(offset).clamp(1, length + 1);
    e.span = Span {
        start: clamp(e.span.start),
        end: clamp(e.span.end).max(clamp(e.span.start)),
    };
    e
}

/// A household seen with only one of its members.
struct OneMember<'a, S> {
    subject: &'a S,
    member: usize,
}

impl<S: Subject> Subject for OneMember<'_, S> {
    fn value(&self, index: usize) -> Option<Value<'_>> {
        self.subject.value(index)
    }

    fn members(&self) -> usize {
        1
    }

    fn member_value(&self, _member: usize, index: usize) -> Option<Value<'_>> {
        self.subject.member_value(self.member, index)
    }
}

#[cfg(test)]
mod tests {
    use super::super::check::tests::schema;
    use super::*;

    #[test]
    fn errors_point_into_the_condition_as_written() {
        let e = MemberCondition::compile("agee < 6", &schema()).unwrap_err();
        assert!(
            matches!(e.kind, RuleErrorKind::UnknownField { .. }),
            "{e:?}"
        );
        assert_eq!((e.span.start, e.span.end), (1, 5));
        let e = MemberCondition::compile("age <", &schema()).unwrap_err();
        assert!(e.span.start <= 6, "{e:?}");
    }

    #[test]
    fn a_closing_parenthesis_cannot_escape_to_household_conditions() {
        let e = MemberCondition::compile("age < 6) or any(member, true", &schema()).unwrap_err();
        assert_eq!(e.kind, RuleErrorKind::Trailing);
        assert_eq!(
            MemberCondition::compile("  ", &schema()).unwrap_err().kind,
            RuleErrorKind::Empty
        );
    }
}
