//! A checked program: its rule and member conditions type-checked, its amounts whole rupiah per cycle;
//! and what it pays a household.

use std::ops::Deref;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::{Formula, ProgramDef, ProgramError, ProgramErrorKind};
use crate::lang::Lang;
use crate::rules::{MemberCondition, NotSql, Rule, SqlColumns};
use crate::rupiah::Rupiah;
use crate::targeting::{self, HouseholdFacts};

/// A program whose rule and amounts were checked: the only kind that computes benefits.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    def: ProgramDef,
    rule: Rule,
    formula: Checked,
}

#[derive(Debug, Clone, PartialEq)]
enum Checked {
    Flat(Rupiah),
    PerMember(Rupiah, Option<MemberCondition>),
    Components {
        max: usize,
        parts: Vec<CheckedComponent>,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct CheckedComponent {
    code: String,
    condition: MemberCondition,
    per_cycle: Rupiah,
    max_count: usize,
}

/// What one household receives from a program.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Benefit {
    pub per_cycle: Rupiah,
    /// `per_cycle` times the program's cycles.
    pub total: Rupiah,
    /// For component formulas: what each component kept contributes per cycle.
    pub parts: Vec<BenefitPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BenefitPart {
    pub component: String,
    pub count: u32,
    /// Per cycle, for all `count` members together.
    pub amount: Rupiah,
}

impl Program {
    /// The program's name in `lang`.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.def.name_id,
            Lang::En => &self.def.name_en,
        }
    }
}

impl Program {
    /// Checks a definition on its own (codes in `exclusive_with` are checked by [`super::Programs`]).
    pub fn new(def: ProgramDef) -> Result<Program, ProgramError> {
        let code = def.code.clone();
        let err = |field: &str, kind| Err(ProgramError::new(&code, field, kind));
        if !valid_code(&def.code) {
            return err("code", ProgramErrorKind::BadCode);
        }
        for (field, n) in [("version", def.version), ("cycles", def.cycles)] {
            if n == 0 {
                return err(field, ProgramErrorKind::NotPositive);
            }
        }
        if def.end < def.start {
            return err("end", ProgramErrorKind::EndBeforeStart);
        }
        if let Some(months) = def.cycle.months() {
            if u64::from(def.cycles) * u64::from(months) > months_in(def.start, def.end) {
                return err("cycles", ProgramErrorKind::CyclesExceedPeriod);
            }
        }
        let positive = [("max_per_cycle", def.max_per_cycle), ("budget", def.budget)];
        for (field, amount) in positive {
            if amount.is_some_and(|a| a.amount() <= 0) {
                return err(field, ProgramErrorKind::NotPositive);
            }
        }
        for (i, quota) in def.quotas.iter().enumerate() {
            if quota.households == 0 {
                return err(
                    &format!("quota[{i}].households"),
                    ProgramErrorKind::NotPositive,
                );
            }
        }
        if def.exclusive_with.contains(&def.code) {
            return err("exclusive_with", ProgramErrorKind::ExclusiveWithItself);
        }
        let schema = targeting::schema();
        let rule = Rule::compile(&def.rule, &schema).map_err(|error| {
            let text = def.rule.clone();
            ProgramError::new(
                &code,
                "rule",
                ProgramErrorKind::Rule {
                    text,
                    error: Box::new(error),
                },
            )
        })?;
        let formula = check_formula(&def, &schema)?;
        Ok(Program { def, rule, formula })
    }

    /// A saved edit: the new definition under the same code, as the next version.
    pub fn edited(&self, mut def: ProgramDef) -> Result<Program, ProgramError> {
        if def.code != self.def.code {
            return Err(ProgramError::new(
                &self.def.code,
                "code",
                ProgramErrorKind::CodeChanged,
            ));
        }
        def.version = self.def.version + 1;
        Program::new(def)
    }

    pub fn def(&self) -> &ProgramDef {
        &self.def
    }

    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// Whether the eligibility rule selects the household, with ages counted to `on`.
    pub fn selects(&self, facts: &HouseholdFacts, on: NaiveDate) -> bool {
        self.rule.selects(&facts.on(on))
    }

    /// What the household would receive, with ages counted to `on` (eligibility is [`Program::selects`]).
    pub fn benefit(&self, facts: &HouseholdFacts, on: NaiveDate) -> Benefit {
        let subject = facts.on(on);
        let counts: Vec<usize> = match &self.formula {
            Checked::Flat(_) => Vec::new(),
            Checked::PerMember(_, None) => vec![facts.members.len()],
            Checked::PerMember(_, Some(c)) => vec![c.count(&subject)],
            Checked::Components { parts, .. } => {
                parts.iter().map(|c| c.condition.count(&subject)).collect()
            }
        };
        self.benefit_from_counts(&counts)
    }

    /// The member counts the benefit depends on, as SQL expressions over the household row `h` (each a
    /// `COUNT(*)` of the members a condition is true for), in the order [`Program::benefit_from_counts`]
    /// takes them: none for a flat benefit, one for a per-member one, one per component.
    pub fn benefit_counts_sql(&self, columns: &impl SqlColumns) -> Result<Vec<String>, NotSql> {
        let count = |condition: Option<&MemberCondition>| {
            let inner = condition.map_or(String::new(), |c| format!(", {}", c.source()));
            count_sql(&format!("count(member{inner})"), columns)
        };
        match &self.formula {
            Checked::Flat(_) => Ok(Vec::new()),
            Checked::PerMember(_, c) => Ok(vec![count(c.as_ref())?]),
            Checked::Components { parts, .. } => {
                parts.iter().map(|c| count(Some(&c.condition))).collect()
            }
        }
    }

    /// The benefit of a household whose members the conditions count `counts` times (the order of
    /// [`Program::benefit_counts_sql`]); [`Program::benefit`] computes through it, so the SQL path pays
    /// exactly what the facts would. A missing count is zero.
    pub fn benefit_from_counts(&self, counts: &[usize]) -> Benefit {
        let at = |i: usize| counts.get(i).copied().unwrap_or(0);
        let (mut per_cycle, parts) = match &self.formula {
            Checked::Flat(amount) => (*amount, Vec::new()),
            Checked::PerMember(amount, _) => (times(*amount, at(0) as u64), Vec::new()),
            Checked::Components { max, parts } => components(parts, *max, at),
        };
        if let Some(cap) = self.def.max_per_cycle {
            per_cycle = per_cycle.min(cap);
        }
        Benefit {
            per_cycle,
            total: times(per_cycle, u64::from(self.def.cycles)),
            parts,
        }
    }
}

/// A `count(member, …)` expression as SQL: compiled as the rule `<count> >= 0` (the rule language has
/// only boolean rules) and the comparison taken off again.
fn count_sql(count: &str, columns: &impl SqlColumns) -> Result<String, NotSql> {
    const TAIL: &str = " >= CAST(0 AS BIGINT))";
    let rule = Rule::compile(&format!("{count} >= 0"), &targeting::schema())
        .expect("a member condition that checked also checks inside count()");
    let sql = rule.to_sql(columns)?;
    let inner = sql
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(TAIL))
        .expect("a comparison compiles to (left >= right)");
    Ok(inner.to_owned())
}

impl Deref for Program {
    type Target = ProgramDef;

    fn deref(&self) -> &ProgramDef {
        &self.def
    }
}

/// Amounts are validated small, so a product past `i64` means corrupt input: it saturates rather than
/// wrapping into a negative payment.
fn times(amount: Rupiah, n: u64) -> Rupiah {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    Rupiah::new(amount.amount().saturating_mul(n))
}

/// Each member a component counts is one unit; the family keeps the `max` highest units. `count(i)`: the
/// members component `i`'s condition is true for.
fn components(
    parts: &[CheckedComponent],
    max: usize,
    count: impl Fn(usize) -> usize,
) -> (Rupiah, Vec<BenefitPart>) {
    let mut units: Vec<(usize, Rupiah)> = parts
        .iter()
        .enumerate()
        .flat_map(|(i, c)| std::iter::repeat_n((i, c.per_cycle), count(i).min(c.max_count)))
        .collect();
    // Stable: between equal amounts the component listed first is kept.
    units.sort_by_key(|(_, amount)| std::cmp::Reverse(*amount));
    units.truncate(max);
    let mut kept: Vec<BenefitPart> = Vec::new();
    for (i, _) in &units {
        match kept.iter_mut().find(|p| p.component == parts[*i].code) {
            Some(p) => p.count += 1,
            None => kept.push(BenefitPart {
                component: parts[*i].code.clone(),
                count: 1,
                amount: Rupiah::ZERO,
            }),
        }
    }
    for p in &mut kept {
        let unit = parts
            .iter()
            .find(|c| c.code == p.component)
            .map(|c| c.per_cycle);
        p.amount = times(unit.unwrap_or(Rupiah::ZERO), u64::from(p.count));
    }
    let total = units.iter().fold(Rupiah::ZERO, |sum, (_, a)| {
        Rupiah::new(sum.amount().saturating_add(a.amount()))
    });
    (total, kept)
}

fn check_formula(def: &ProgramDef, schema: &crate::rules::Schema) -> Result<Checked, ProgramError> {
    let code = def.code.as_str();
    let err = |field: String, kind| ProgramError::new(code, field, kind);
    let condition = |field: String, text: &str| {
        MemberCondition::compile(text, schema).map_err(|error| {
            let text = text.to_owned();
            err(
                field,
                ProgramErrorKind::Rule {
                    text,
                    error: Box::new(error),
                },
            )
        })
    };
    let positive = |field: String, amount: Rupiah| {
        if amount.amount() <= 0 {
            Err(err(field, ProgramErrorKind::NotPositive))
        } else {
            Ok(amount)
        }
    };
    match &def.benefit {
        Formula::Flat { per_cycle } => Ok(Checked::Flat(positive(
            "benefit.per_cycle".into(),
            *per_cycle,
        )?)),
        Formula::PerMember {
            per_cycle,
            condition: text,
        } => {
            let amount = positive("benefit.per_cycle".into(), *per_cycle)?;
            let c = match text {
                Some(t) => Some(condition("benefit.condition".into(), t)?),
                None => None,
            };
            Ok(Checked::PerMember(amount, c))
        }
        Formula::Components {
            max_components,
            components,
        } => {
            let Some(months) = def.cycle.months() else {
                return Err(err(
                    "cycle".into(),
                    ProgramErrorKind::ComponentsNeedRegularCycle,
                ));
            };
            if components.is_empty() {
                return Err(err(
                    "benefit.component".into(),
                    ProgramErrorKind::NoComponents,
                ));
            }
            if *max_components == 0 {
                return Err(err(
                    "benefit.max_components".into(),
                    ProgramErrorKind::NotPositive,
                ));
            }
            let cycles_per_year = 12 / months;
            let mut parts = Vec::new();
            for (i, c) in components.iter().enumerate() {
                let at = |key: &str| format!("benefit.component[{i}].{key}");
                let annual = positive(at("annual"), c.annual)?;
                if annual.amount() % i64::from(cycles_per_year) != 0 {
                    let kind = ProgramErrorKind::Indivisible {
                        annual,
                        cycles_per_year,
                    };
                    return Err(err(at("annual"), kind));
                }
                if c.max_count == Some(0) {
                    return Err(err(at("max_count"), ProgramErrorKind::NotPositive));
                }
                parts.push(CheckedComponent {
                    code: c.code.clone(),
                    condition: condition(at("condition"), &c.condition)?,
                    per_cycle: Rupiah::new(annual.amount() / i64::from(cycles_per_year)),
                    max_count: c.max_count.map_or(usize::MAX, |n| n as usize),
                });
            }
            Ok(Checked::Components {
                max: *max_components as usize,
                parts,
            })
        }
    }
}

fn valid_code(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && !code.starts_with('-')
        && !code.ends_with('-')
}

/// Calendar months the period touches, counting partial months.
fn months_in(start: NaiveDate, end: NaiveDate) -> u64 {
    let index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    u64::try_from(index(end) - index(start) + 1).unwrap_or(0)
}
