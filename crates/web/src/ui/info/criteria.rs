//! Program criteria in plain words, generated from the programs the office has loaded: an eligibility
//! rule (`docs/rules.md`) read back as sentences, the benefit formula as amounts, and the channel.
//! What a citizen reads is therefore always the rule that runs.

use tepat_domain::program::{Formula, Program};
use tepat_domain::rules::{BinaryOp, Checked, Quantifier, Rule, Schema};
use tepat_domain::{Lang, Rupiah};

use crate::ui::format::count;

/// One program as `/info/program` shows it.
pub struct ProgramCriteria {
    pub code: String,
    pub name: String,
    /// Every condition the household must meet (the rule's top-level `and`s).
    pub conditions: Vec<String>,
    /// What the household receives, one line per part of the formula.
    pub benefit: Vec<String>,
    pub max_per_cycle: Option<String>,
    pub cycle: String,
    pub cycles: u32,
    pub period: String,
    pub channel: String,
    pub funding: String,
    pub legal_basis: String,
    /// Programs a household of this one may not receive as well.
    pub exclusive_with: Vec<String>,
}

impl ProgramCriteria {
    pub fn of(program: &Program, lang: Lang) -> ProgramCriteria {
        let schema = tepat_domain::targeting::schema();
        ProgramCriteria {
            code: program.code.clone(),
            name: program.name(lang).to_owned(),
            conditions: conditions(program.rule(), &schema, lang),
            benefit: benefit(program, &schema, lang),
            max_per_cycle: program.max_per_cycle.map(|m| rupiah(m, lang)),
            cycle: program.cycle.name(lang).to_owned(),
            cycles: program.cycles,
            period: format!("{} – {}", program.start, program.end),
            channel: program.channel.name(lang).to_owned(),
            funding: program.funding.name(lang).to_owned(),
            legal_basis: program.legal_basis.clone(),
            exclusive_with: program.exclusive_with.clone(),
        }
    }
}

/// `Rp200.000` / `Rp200,000`.
pub fn rupiah(amount: Rupiah, lang: Lang) -> String {
    format!("Rp{}", count(amount.amount(), lang))
}

/// The rule's top-level conditions, one sentence each.
pub fn conditions(rule: &Rule, schema: &Schema, lang: Lang) -> Vec<String> {
    let words = Words { schema, lang };
    rule.parts()
        .iter()
        .map(|(_, part)| capitalised(&words.condition(part)))
        .collect()
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn benefit(program: &Program, schema: &Schema, lang: Lang) -> Vec<String> {
    let per_cycle = match lang {
        Lang::Id => "per penyaluran",
        Lang::En => "per payment",
    };
    match &program.benefit {
        Formula::Flat { per_cycle: amount } => {
            vec![format!("{} {per_cycle}", rupiah(*amount, lang))]
        }
        Formula::PerMember {
            per_cycle: amount,
            condition,
        } => {
            let who = condition
                .as_deref()
                .and_then(|c| Rule::compile(&format!("any(member, {c})"), schema).ok())
                .map(|r| match r.tree() {
                    Checked::Quantified {
                        condition: Some(c), ..
                    } => Words { schema, lang }.condition(c),
                    other => Words { schema, lang }.condition(other),
                });
            let line = match (lang, who) {
                (Lang::Id, None) => {
                    format!("{} per anggota keluarga {per_cycle}", rupiah(*amount, lang))
                }
                (Lang::En, None) => {
                    format!("{} per family member {per_cycle}", rupiah(*amount, lang))
                }
                (Lang::Id, Some(w)) => {
                    format!(
                        "{} per anggota keluarga yang {w}, {per_cycle}",
                        rupiah(*amount, lang)
                    )
                }
                (Lang::En, Some(w)) => {
                    format!(
                        "{} per family member who is {w}, {per_cycle}",
                        rupiah(*amount, lang)
                    )
                }
            };
            vec![line]
        }
        Formula::Components {
            max_components,
            components,
        } => {
            let mut lines: Vec<String> = components
                .iter()
                .map(|c| {
                    let name = match lang {
                        Lang::Id => &c.name_id,
                        Lang::En => &c.name_en,
                    };
                    let most = c.max_count.map(|n| match lang {
                        Lang::Id => format!(" (paling banyak {n} orang)"),
                        Lang::En => format!(" (at most {n} persons)"),
                    });
                    match lang {
                        Lang::Id => format!(
                            "{name}: {} per orang per tahun{}",
                            rupiah(c.annual, lang),
                            most.unwrap_or_default()
                        ),
                        Lang::En => format!(
                            "{name}: {} per person per year{}",
                            rupiah(c.annual, lang),
                            most.unwrap_or_default()
                        ),
                    }
                })
                .collect();
            lines.push(match lang {
                Lang::Id => format!(
                    "Satu keluarga menerima paling banyak {max_components} komponen, yang terbesar lebih dulu; dibayar dibagi rata per tahap."
                ),
                Lang::En => format!(
                    "A family receives at most {max_components} components, the largest first; paid in equal parts per stage."
                ),
            });
            lines
        }
    }
}

/// Reads a checked rule back in words.
struct Words<'a> {
    schema: &'a Schema,
    lang: Lang,
}

impl Words<'_> {
    fn id_en<'s>(&self, id: &'s str, en: &'s str) -> &'s str {
        match self.lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    fn condition(&self, c: &Checked) -> String {
        match c {
            Checked::Binary(BinaryOp::Or, ..) => {
                let mut items = Vec::new();
                or_items(c, &mut items);
                let items: Vec<String> = items.iter().map(|i| self.condition(i)).collect();
                format!(
                    "{} {}",
                    self.id_en("salah satu:", "one of:"),
                    items.join("; ")
                )
            }
            Checked::Binary(BinaryOp::And, l, r) => format!(
                "{} {} {}",
                self.nested(l),
                self.id_en("dan", "and"),
                self.nested(r)
            ),
            Checked::Binary(op, l, r) => self.comparison(*op, l, r),
            Checked::Not(inner) => format!("{} {}", self.id_en("tidak", "not"), self.nested(inner)),
            Checked::In {
                value,
                items,
                negated,
            } => {
                let items: Vec<String> = items.iter().map(|i| self.value(i)).collect();
                let list = join_or(&items, self.id_en("atau", "or"));
                let is = match (negated, self.lang) {
                    (false, Lang::Id) => "",
                    (true, Lang::Id) => "bukan ",
                    (false, Lang::En) => "is ",
                    (true, Lang::En) => "is not ",
                };
                format!("{}: {is}{list}", self.value(value))
            }
            Checked::Quantified {
                quantifier,
                condition,
            } => self.quantified(*quantifier, condition.as_deref()),
            other => self.value(other),
        }
    }

    /// A condition inside another: parenthesised when it is itself a choice.
    fn nested(&self, c: &Checked) -> String {
        match c {
            Checked::Binary(BinaryOp::Or | BinaryOp::And, ..) => {
                format!("({})", self.condition(c))
            }
            _ => self.condition(c),
        }
    }

    fn quantified(&self, q: Quantifier, condition: Option<&Checked>) -> String {
        let inner = condition.map(|c| self.condition(c));
        match (q, inner) {
            (Quantifier::Any, Some(i)) => {
                format!(
                    "{} {i}",
                    self.id_en("ada anggota keluarga:", "a family member:")
                )
            }
            (Quantifier::All, Some(i)) => {
                format!(
                    "{} {i}",
                    self.id_en("semua anggota keluarga:", "every family member:")
                )
            }
            (Quantifier::Count, Some(i)) => format!(
                "{} ({i})",
                self.id_en("jumlah anggota keluarga", "the number of family members")
            ),
            _ => self
                .id_en("jumlah anggota keluarga", "the number of family members")
                .to_owned(),
        }
    }

    fn comparison(&self, op: BinaryOp, l: &Checked, r: &Checked) -> String {
        if let (Some("desil"), BinaryOp::Le | BinaryOp::Lt, Checked::Int(n)) =
            (self.field_name(l), op, r)
        {
            let top = if op == BinaryOp::Lt { n - 1 } else { *n };
            return match self.lang {
                Lang::Id => format!(
                    "termasuk desil 1 sampai {top}: {} % keluarga dengan kesejahteraan terendah di kabupaten/kota",
                    top * 10
                ),
                Lang::En => format!(
                    "in welfare deciles 1 to {top}: the poorest {} % of households in the regency",
                    top * 10
                ),
            };
        }
        let words = match (op, self.lang) {
            (BinaryOp::Lt, Lang::Id) => "kurang dari",
            (BinaryOp::Lt, Lang::En) => "less than",
            (BinaryOp::Le, Lang::Id) => "paling tinggi",
            (BinaryOp::Le, Lang::En) => "at most",
            (BinaryOp::Gt, Lang::Id) => "lebih dari",
            (BinaryOp::Gt, Lang::En) => "more than",
            (BinaryOp::Ge, Lang::Id) => "paling sedikit",
            (BinaryOp::Ge, Lang::En) => "at least",
            (BinaryOp::Eq, _) => ":",
            (BinaryOp::Ne, Lang::Id) => ": bukan",
            (BinaryOp::Ne, Lang::En) => ": not",
            (other, _) => other.symbol(),
        };
        let unit = match (self.field_name(l), self.lang) {
            (Some("age"), Lang::Id) => " tahun",
            (Some("age"), Lang::En) => " years",
            _ => "",
        };
        let left = self.value(l);
        let right = self.value(r);
        if words.starts_with(':') {
            format!("{left}{words} {right}{unit}")
        } else {
            format!("{left} {words} {right}{unit}")
        }
    }

    fn field_name(&self, c: &Checked) -> Option<&'static str> {
        match c {
            Checked::Field { index, .. } => self.schema.fields().get(*index).map(|f| f.name),
            _ => None,
        }
    }

    fn value(&self, c: &Checked) -> String {
        match c {
            Checked::Int(n) => count(*n, self.lang),
            Checked::Bool(true) => self.id_en("ya", "yes").into(),
            Checked::Bool(false) => self.id_en("tidak", "no").into(),
            // School levels (`sd`, `smp`) are abbreviations; other codes are words.
            Checked::Text(t) if t.chars().count() <= 3 => t.to_uppercase(),
            Checked::Text(t) => t.clone(),
            Checked::Field { index, .. } => match self.schema.fields().get(*index) {
                Some(f) if f.name == "age" => self.id_en("umur", "age").into(),
                Some(f) => self.id_en(f.about_id, f.about_en).into(),
                None => "?".into(),
            },
            Checked::Neg(inner) => format!("-{}", self.value(inner)),
            Checked::Binary(op @ (BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul), l, r) => {
                format!("{} {} {}", self.value(l), op.symbol(), self.value(r))
            }
            other => self.condition(other),
        }
    }
}

/// The alternatives of a chain of `or`s, flattened.
fn or_items<'c>(c: &'c Checked, out: &mut Vec<&'c Checked>) {
    match c {
        Checked::Binary(BinaryOp::Or, l, r) => {
            or_items(l, out);
            or_items(r, out);
        }
        other => out.push(other),
    }
}

/// `a, b or c`.
fn join_or(items: &[String], or: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {or} {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tepat_domain::program::Programs;

    fn words(rule: &str, lang: Lang) -> Vec<String> {
        let schema = tepat_domain::targeting::schema();
        conditions(&Rule::compile(rule, &schema).unwrap(), &schema, lang)
    }

    #[test]
    fn the_decile_reads_as_the_poorest_share() {
        assert_eq!(
            words("desil <= 4", Lang::Id),
            ["Termasuk desil 1 sampai 4: 40 % keluarga dengan kesejahteraan terendah di kabupaten/kota"]
        );
        assert_eq!(
            words("desil < 5", Lang::En),
            ["In welfare deciles 1 to 4: the poorest 40 % of households in the regency"]
        );
    }

    #[test]
    fn every_top_level_condition_is_a_sentence() {
        let got = words(
            r#"desil <= 6 and any(member, sector == "nelayan") and not has_car"#,
            Lang::Id,
        );
        assert_eq!(got.len(), 3);
        assert_eq!(
            got[1],
            "Ada anggota keluarga: sektor pekerjaan anggota: nelayan"
        );
        assert_eq!(got[2], "Tidak memiliki mobil");
    }

    #[test]
    fn choices_and_lists_and_ages() {
        let got = words(
            r#"any(member, age < 6) or any(member, school in ["sd", "smp"] and age >= 6)"#,
            Lang::En,
        );
        assert_eq!(
            got,
            ["One of: a family member: age less than 6 years; a family member: school level attended: is SD or SMP and age at least 6 years"]
        );
    }

    #[test]
    fn the_builtin_programs_all_read() {
        for program in Programs::builtin().iter() {
            for lang in [Lang::Id, Lang::En] {
                let c = ProgramCriteria::of(program, lang);
                assert!(!c.conditions.is_empty(), "{}", program.code);
                assert!(!c.benefit.is_empty(), "{}", program.code);
                assert!(
                    c.conditions.iter().all(|s| !s.contains('?')),
                    "{:?}",
                    c.conditions
                );
            }
        }
        let pkh = ProgramCriteria::of(Programs::builtin().get("PKH").unwrap(), Lang::Id);
        assert!(pkh.benefit.iter().any(
            |b| b == "ibu hamil/nifas: Rp3.000.000 per orang per tahun (paling banyak 2 orang)"
        ));
        let pbi = ProgramCriteria::of(Programs::builtin().get("PBI-JK").unwrap(), Lang::En);
        assert_eq!(pbi.benefit, ["Rp42,000 per family member per payment"]);
    }
}
