//! Explanations: why two records were (or were not) linked — the match probability and every field's
//! contribution to the match weight, as an operator reads them (a waterfall).

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

pub use crate::model::Contribution;

/// A hard rule that keeps two records apart whatever their score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Constraint {
    /// The recorded sexes differ and neither record's NIK contradicts its own sex.
    SexDiffers,
    /// Two different valid NIKs, both present in the population extract.
    DifferentKnownNiks,
    /// Members of the same KK with different birth dates.
    SameKkDifferentBirthDate,
    /// A reviewer decided these are different people.
    RejectedByReviewer,
}

impl Constraint {
    pub fn describe(self) -> &'static str {
        match self {
            Constraint::SexDiffers => "different sex",
            Constraint::DifferentKnownNiks => "two different NIKs, both in the population extract",
            Constraint::SameKkDifferentBirthDate => "members of one KK with different birth dates",
            Constraint::RejectedByReviewer => "rejected by a reviewer",
        }
    }
}

/// Why a pair scored as it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub probability: f64,
    /// Total match weight in bits: `prior_weight` + Σ (contribution weight + tf adjustment).
    pub match_weight: f64,
    /// log2(λ/(1−λ)): the weight before any field is looked at.
    pub prior_weight: f64,
    pub contributions: Vec<Contribution>,
    /// The blocking rule that produced the pair, if blocking did.
    pub blocking_rule: Option<String>,
    /// A hard rule that keeps the pair apart, if any.
    pub constraint: Option<Constraint>,
}

impl Explanation {
    /// One line per field, strongest evidence first, e.g.
    /// `full_name      exact                        +12.40 (term frequency -3.10)`.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "match probability {:.4} (weight {:+.2} bits)",
            self.probability, self.match_weight
        );
        let _ = writeln!(
            out,
            "  {:<14} {:<44} {:+7.2}",
            "prior", "before any field", self.prior_weight
        );
        let mut c: Vec<&Contribution> =
            self.contributions.iter().filter(|c| c.level != 0).collect();
        c.sort_by(|a, b| {
            (b.weight + b.tf_adjustment)
                .abs()
                .total_cmp(&(a.weight + a.tf_adjustment).abs())
        });
        for x in c {
            let _ = write!(
                out,
                "  {:<14} {:<44} {:+7.2}",
                x.field,
                x.label,
                x.weight + x.tf_adjustment
            );
            if x.tf_adjustment != 0.0 {
                let _ = write!(out, " (term frequency {:+.2})", x.tf_adjustment);
            }
            out.push('\n');
        }
        let missing: Vec<&str> = self
            .contributions
            .iter()
            .filter(|c| c.level == 0)
            .map(|c| c.field.as_str())
            .collect();
        if !missing.is_empty() {
            let _ = writeln!(
                out,
                "  missing on one side (no evidence): {}",
                missing.join(", ")
            );
        }
        if let Some(rule) = &self.blocking_rule {
            let _ = writeln!(out, "  found by blocking rule {rule}");
        }
        if let Some(c) = self.constraint {
            let _ = writeln!(out, "  kept apart: {}", c.describe());
        }
        out
    }

    /// A compact one-line form for CSV files: `full_name=exact:+12.4;birth_date=exact:+9.1;…`.
    pub fn to_compact(&self) -> String {
        let mut parts: Vec<String> = self
            .contributions
            .iter()
            .filter(|c| c.level != 0)
            .map(|c| format!("{}={}:{:+.1}", c.field, c.label, c.weight + c.tf_adjustment))
            .collect();
        if let Some(c) = self.constraint {
            parts.push(format!("constraint={}", c.describe()));
        }
        parts.join(";")
    }
}
