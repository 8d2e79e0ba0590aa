//! Type checking: a syntax tree and a schema → a [`Rule`] that can run, or the first error with its place.

use super::error::{RuleError, RuleErrorKind};
use super::lex::Span;
use super::parse::{parse, BinaryOp, Expr, ExprKind, Quantifier};
use super::schema::{closest, FieldType, Schema, Scope};

/// A rule that parsed and type-checked against a schema: safe to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    source: String,
    tree: Checked,
    /// The conditions joined by the top-level `and`s, with their text: what an explanation lists.
    parts: Vec<(String, Checked)>,
}

/// The checked tree: fields resolved to schema indices.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    Int(i64),
    Bool(bool),
    Text(String),
    Field {
        index: usize,
        scope: Scope,
    },
    Not(Box<Checked>),
    Neg(Box<Checked>),
    Binary(BinaryOp, Box<Checked>, Box<Checked>),
    In {
        value: Box<Checked>,
        items: Vec<Checked>,
        negated: bool,
    },
    Quantified {
        quantifier: Quantifier,
        condition: Option<Box<Checked>>,
    },
}

/// The type of a checked expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    Bool,
    /// A text literal: comparable with a code field, whose list it must then be in.
    Text,
    Code(&'static [&'static str], usize),
}

impl Ty {
    fn describe(self) -> &'static str {
        match self {
            Ty::Int => "a number",
            Ty::Bool => "yes/no",
            Ty::Text => "a text",
            Ty::Code(..) => "a code",
        }
    }
}

impl Rule {
    /// Parses and checks `source` against `schema`.
    pub fn compile(source: &str, schema: &Schema) -> Result<Rule, RuleError> {
        let expr = parse(source)?;
        let (tree, ty) = Checker {
            schema,
            in_member: false,
        }
        .check(&expr)?;
        if ty != Ty::Bool {
            return Err(RuleError::new(
                RuleErrorKind::NotYesNo(ty.describe()),
                expr.span,
            ));
        }
        let mut parts = Vec::new();
        conjuncts(&expr, &tree, source, &mut parts);
        Ok(Rule {
            source: source.to_owned(),
            tree,
            parts,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn tree(&self) -> &Checked {
        &self.tree
    }

    /// The conditions joined by top-level `and`, each with its text.
    pub fn parts(&self) -> &[(String, Checked)] {
        &self.parts
    }
}

fn conjuncts(expr: &Expr, tree: &Checked, source: &str, out: &mut Vec<(String, Checked)>) {
    match (&expr.kind, tree) {
        (ExprKind::Binary(BinaryOp::And, l, r), Checked::Binary(BinaryOp::And, cl, cr)) => {
            conjuncts(l, cl, source, out);
            conjuncts(r, cr, source, out);
        }
        _ => out.push((text_of(source, expr.span), tree.clone())),
    }
}

fn text_of(source: &str, span: Span) -> String {
    source
        .chars()
        .skip(span.start - 1)
        .take(span.end - span.start)
        .collect()
}

struct Checker<'a> {
    schema: &'a Schema,
    in_member: bool,
}

impl Checker<'_> {
    fn check(&self, e: &Expr) -> Result<(Checked, Ty), RuleError> {
        let err = |kind| Err(RuleError::new(kind, e.span));
        match &e.kind {
            ExprKind::Int(n) => Ok((Checked::Int(*n), Ty::Int)),
            ExprKind::Bool(b) => Ok((Checked::Bool(*b), Ty::Bool)),
            ExprKind::Text(s) => Ok((Checked::Text(s.clone()), Ty::Text)),
            ExprKind::Field(name) => self.field(name, e.span),
            ExprKind::List(_) => err(RuleErrorKind::ListMisplaced),
            ExprKind::Not(inner) => {
                let c = self.expect(inner, Ty::Bool)?;
                Ok((Checked::Not(Box::new(c)), Ty::Bool))
            }
            ExprKind::Neg(inner) => {
                let c = self.expect(inner, Ty::Int)?;
                Ok((Checked::Neg(Box::new(c)), Ty::Int))
            }
            ExprKind::Binary(op, l, r) => self.binary(*op, l, r),
            ExprKind::In {
                value,
                list,
                negated,
            } => self.membership(value, list, *negated),
            ExprKind::Quantified {
                quantifier,
                condition,
            } => {
                if self.in_member {
                    return err(RuleErrorKind::NestedQuantifier);
                }
                let inner = Checker {
                    schema: self.schema,
                    in_member: true,
                };
                let condition = match condition {
                    Some(c) => Some(Box::new(inner.expect(c, Ty::Bool)?)),
                    None => None,
                };
                let ty = if *quantifier == Quantifier::Count {
                    Ty::Int
                } else {
                    Ty::Bool
                };
                Ok((
                    Checked::Quantified {
                        quantifier: *quantifier,
                        condition,
                    },
                    ty,
                ))
            }
        }
    }

    fn expect(&self, e: &Expr, want: Ty) -> Result<Checked, RuleError> {
        let (c, ty) = self.check(e)?;
        if ty == want {
            Ok(c)
        } else {
            Err(RuleError::new(
                RuleErrorKind::Type {
                    expected: want.describe(),
                    found: ty.describe(),
                },
                e.span,
            ))
        }
    }

    fn field(&self, name: &str, span: Span) -> Result<(Checked, Ty), RuleError> {
        let found = self
            .in_member
            .then(|| self.schema.find(Scope::Member, name))
            .flatten()
            .or_else(|| self.schema.find(Scope::Household, name));
        let Some((index, def)) = found else {
            let kind = if self.schema.find(Scope::Member, name).is_some() {
                RuleErrorKind::MemberFieldOutside(name.to_owned())
            } else {
                RuleErrorKind::UnknownField {
                    name: name.to_owned(),
                    suggestion: self.schema.closest(name),
                }
            };
            return Err(RuleError::new(kind, span));
        };
        let ty = match def.ty {
            FieldType::Int => Ty::Int,
            FieldType::Bool => Ty::Bool,
            FieldType::Code(list) => Ty::Code(list, index),
        };
        Ok((
            Checked::Field {
                index,
                scope: def.scope,
            },
            ty,
        ))
    }

    fn binary(&self, op: BinaryOp, l: &Expr, r: &Expr) -> Result<(Checked, Ty), RuleError> {
        use BinaryOp::*;
        let (out_ty, operand) = match op {
            And | Or => (Ty::Bool, Some(Ty::Bool)),
            Add | Sub | Mul => (Ty::Int, Some(Ty::Int)),
            Lt | Le | Gt | Ge => (Ty::Bool, Some(Ty::Int)),
            Eq | Ne => (Ty::Bool, None),
        };
        let (lc, rc) = match operand {
            Some(want) => (self.expect(l, want)?, self.expect(r, want)?),
            None => {
                let (lc, lt) = self.check(l)?;
                let (rc, rt) = self.check(r)?;
                self.comparable(lt, &rc, r.span, rt)?;
                self.comparable(rt, &lc, l.span, lt)?;
                (lc, rc)
            }
        };
        Ok((Checked::Binary(op, Box::new(lc), Box::new(rc)), out_ty))
    }

    /// Whether a value of type `other_ty` (the node `other` at `span`) may be compared for equality with
    /// one of type `ty`; a text compared with a code must be one of its codes.
    fn comparable(
        &self,
        ty: Ty,
        other: &Checked,
        span: Span,
        other_ty: Ty,
    ) -> Result<(), RuleError> {
        let ok = match (ty, other_ty) {
            (Ty::Code(list, field), Ty::Text) => {
                let Checked::Text(code) = other else {
                    unreachable!("texts are literals")
                };
                return self.known_code(list, field, code, span);
            }
            (Ty::Code(a, _), Ty::Code(b, _)) => std::ptr::eq(a, b) || a == b,
            (Ty::Text, Ty::Code(..)) => true,
            (a, b) => a == b,
        };
        if ok {
            Ok(())
        } else {
            Err(RuleError::new(
                RuleErrorKind::Incomparable {
                    left: ty.describe(),
                    right: other_ty.describe(),
                },
                span,
            ))
        }
    }

    fn known_code(
        &self,
        list: &'static [&'static str],
        field: usize,
        code: &str,
        span: Span,
    ) -> Result<(), RuleError> {
        if list.contains(&code) {
            return Ok(());
        }
        Err(RuleError::new(
            RuleErrorKind::UnknownCode {
                field: self.schema.fields()[field].name.to_owned(),
                code: code.to_owned(),
                suggestion: closest(code, list.iter().copied()),
            },
            span,
        ))
    }

    fn membership(
        &self,
        value: &Expr,
        list: &Expr,
        negated: bool,
    ) -> Result<(Checked, Ty), RuleError> {
        let (vc, vt) = self.check(value)?;
        let ExprKind::List(items) = &list.kind else {
            return Err(RuleError::new(RuleErrorKind::ListMisplaced, list.span));
        };
        let mut checked = Vec::with_capacity(items.len());
        for item in items {
            let (ic, it) = match &item.kind {
                ExprKind::Int(_) | ExprKind::Text(_) | ExprKind::Neg(_) => self.check(item)?,
                _ => return Err(RuleError::new(RuleErrorKind::ListMisplaced, item.span)),
            };
            self.comparable(vt, &ic, item.span, it)?;
            checked.push(ic);
        }
        Ok((
            Checked::In {
                value: Box::new(vc),
                items: checked,
                negated,
            },
            Ty::Bool,
        ))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::lang::{Lang, Localized};
    use crate::rules::schema::FieldDef;

    pub(crate) const SECTORS: &[&str] = &["nelayan", "kukm", "phk", "dirumahkan", "lainnya"];

    pub(crate) fn schema() -> Schema {
        let f = |name, scope, ty| FieldDef {
            name,
            scope,
            ty,
            about_id: "",
            about_en: "",
        };
        Schema::new(vec![
            f("desil", Scope::Household, FieldType::Int),
            f("size", Scope::Household, FieldType::Int),
            f("income", Scope::Household, FieldType::Int),
            f("sector", Scope::Household, FieldType::Code(SECTORS)),
            f("receives_pkh", Scope::Household, FieldType::Bool),
            f("age", Scope::Member, FieldType::Int),
            f("disability", Scope::Member, FieldType::Bool),
            f(
                "school",
                Scope::Member,
                FieldType::Code(&["none", "sd", "smp", "sma"]),
            ),
        ])
    }

    fn error(rule: &str) -> RuleError {
        Rule::compile(rule, &schema()).unwrap_err()
    }

    #[test]
    fn good_rules_compile_and_split_into_parts() {
        let rule = Rule::compile(
            r#"desil <= 4 and any(member, age < 6 and not disability) and sector in ["nelayan", "kukm"]"#,
            &schema(),
        )
        .unwrap();
        let parts: Vec<&str> = rule.parts().iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            parts,
            [
                "desil <= 4",
                "any(member, age < 6 and not disability)",
                r#"sector in ["nelayan", "kukm"]"#
            ]
        );
        assert!(Rule::compile(
            "count(member, age >= 60) >= 1 or size * 2 > income",
            &schema()
        )
        .is_ok());
    }

    #[test]
    fn unknown_fields_suggest_and_member_fields_need_a_quantifier() {
        let e = error("desl <= 4");
        assert_eq!(
            e.kind,
            RuleErrorKind::UnknownField {
                name: "desl".into(),
                suggestion: Some("desil".into())
            }
        );
        assert!(
            e.message(Lang::Id).contains("maksud Anda desil"),
            "{}",
            e.message(Lang::Id)
        );
        let e = error("desil <= 4 and age < 6");
        assert_eq!(e.kind, RuleErrorKind::MemberFieldOutside("age".into()));
        assert_eq!(e.span, Span { start: 16, end: 19 });
    }

    #[test]
    fn codes_are_checked_against_their_list() {
        let e = error(r#"sector == "nelayn""#);
        assert_eq!(
            e.kind,
            RuleErrorKind::UnknownCode {
                field: "sector".into(),
                code: "nelayn".into(),
                suggestion: Some("nelayan".into())
            }
        );
        assert_eq!(e.span.start, 11);
        let e = error(r#"sector in ["kukm", "petani"]"#);
        assert!(matches!(e.kind, RuleErrorKind::UnknownCode { ref code, .. } if code == "petani"));
        assert_eq!(e.span.start, 20);
        // A code on the left works as well as on the right.
        assert!(Rule::compile(r#""phk" == sector"#, &schema()).is_ok());
    }

    #[test]
    fn types_must_fit() {
        let e = error("desil and size");
        assert_eq!(
            e.kind,
            RuleErrorKind::Type {
                expected: "yes/no",
                found: "a number"
            }
        );
        assert_eq!(e.span, Span { start: 1, end: 6 });
        let e = error(r#"desil == "4""#);
        assert_eq!(
            e.kind,
            RuleErrorKind::Incomparable {
                left: "a number",
                right: "a text"
            }
        );
        assert_eq!(error("desil + 1").kind, RuleErrorKind::NotYesNo("a number"));
        assert_eq!(
            error("any(member, any(member, disability))").kind,
            RuleErrorKind::NestedQuantifier
        );
        assert_eq!(
            error("desil in [1, size]").kind,
            RuleErrorKind::ListMisplaced
        );
        assert_eq!(error("[1, 2] == desil").kind, RuleErrorKind::ListMisplaced);
        let e = error(r#"any(member, school == "sd") and sector == school"#);
        assert!(matches!(e.kind, RuleErrorKind::MemberFieldOutside(_)));
    }

    #[test]
    fn render_points_with_carets() {
        let rule = "desil <= 4 and umur < 6";
        let shown = error(rule).render(rule, Lang::En);
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[1], "               ^^^^");
        assert!(
            lines[2].starts_with("column 16: unknown field umur"),
            "{shown}"
        );
    }
}
