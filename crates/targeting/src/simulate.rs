//! What a run would do, before anyone approves it: counts and budget by district (*kecamatan*) and village,
//! the Gini coefficient of benefits, a concentration index of benefits by welfare, and — on generated data,
//! where the truly eligible households are known — inclusion and exclusion errors. Formulas in
//! docs/targeting.md.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use tepat_domain::{RegionCode, RegionLevel, Rupiah};
use uuid::Uuid;

use crate::select::Selection;

/// A household in the simulation's scope (for example every surveyed household of the regency), whether
/// or not the program's rule selected it: non-recipients count in the Gini coefficient with a benefit of 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InScope {
    pub household: Uuid,
    pub welfare: Option<i64>,
}

/// Counts and money for one region (or for the whole run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub candidates: u32,
    pub waitlist: u32,
    pub excluded: u32,
    /// The candidates' benefits.
    pub budget: Rupiah,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRow {
    pub region: RegionCode,
    #[serde(flatten)]
    pub counts: Counts,
}

/// Targeting errors against a known truth, as fractions in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Errors {
    /// Candidates not truly eligible / candidates; `None` without candidates.
    pub inclusion: Option<f64>,
    /// Truly eligible households not among the candidates / truly eligible; `None` if the truth is empty.
    pub exclusion: Option<f64>,
    pub truly_eligible: u32,
    pub wrongly_included: u32,
    pub wrongly_excluded: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Simulation {
    /// By district, in code order.
    pub by_district: Vec<RegionRow>,
    /// By village, in code order.
    pub by_village: Vec<RegionRow>,
    pub totals: Counts,
    /// Households the Gini coefficient and the concentration index are over.
    pub households_in_scope: u32,
    /// Gini coefficient of benefits over every household in scope (0: all receive the same; towards 1: a
    /// few receive everything). `None` when nobody receives anything.
    pub gini: Option<f64>,
    /// Concentration index of benefits ranked by welfare, poorest first (-1: all to the poorest; 0: no
    /// relation to welfare; +1: all to the richest). Over households in scope with a known welfare.
    pub concentration: Option<f64>,
    pub errors: Option<Errors>,
}

/// Simulates `selection`. `scope` lists the households the distribution measures are over; households of
/// the selection missing from it are added (with their welfare), so an empty scope means "the households
/// the rule selected". `truth`: the truly eligible households, when known.
pub fn simulate(
    selection: &Selection,
    scope: &[InScope],
    truth: Option<&HashSet<Uuid>>,
) -> Simulation {
    let (by_district, by_village, totals) = region_rows(selection);
    let benefits = benefits_in_scope(selection, scope);
    let gini = gini(&benefits.iter().map(|(_, b)| *b).collect::<Vec<_>>());
    let concentration = concentration_index(&benefits);
    Simulation {
        by_district,
        by_village,
        totals,
        households_in_scope: benefits.len() as u32,
        gini,
        concentration,
        errors: truth.map(|t| errors(selection, t)),
    }
}

type Rows = (Vec<RegionRow>, Vec<RegionRow>, Counts);

fn region_rows(selection: &Selection) -> Rows {
    let mut villages: BTreeMap<RegionCode, Counts> = BTreeMap::new();
    for p in &selection.candidates {
        let c = villages.entry(p.village).or_default();
        c.candidates += 1;
        c.budget = Rupiah::new(c.budget.amount().saturating_add(p.benefit.amount()));
    }
    for p in &selection.waitlist {
        villages.entry(p.village).or_default().waitlist += 1;
    }
    for e in &selection.excluded {
        villages.entry(e.village).or_default().excluded += 1;
    }
    let mut districts: BTreeMap<RegionCode, Counts> = BTreeMap::new();
    let mut totals = Counts::default();
    for (village, c) in &villages {
        let district = village.ancestor(RegionLevel::Kecamatan).unwrap_or(*village);
        add(districts.entry(district).or_default(), c);
        add(&mut totals, c);
    }
    (rows(districts), rows(villages), totals)
}

fn add(to: &mut Counts, c: &Counts) {
    to.candidates += c.candidates;
    to.waitlist += c.waitlist;
    to.excluded += c.excluded;
    to.budget = Rupiah::new(to.budget.amount().saturating_add(c.budget.amount()));
}

fn rows(map: BTreeMap<RegionCode, Counts>) -> Vec<RegionRow> {
    map.into_iter()
        .map(|(region, counts)| RegionRow { region, counts })
        .collect()
}

/// (welfare, benefit) of every household in scope: the candidates' benefits, 0 for everyone else.
fn benefits_in_scope(selection: &Selection, scope: &[InScope]) -> Vec<(Option<i64>, f64)> {
    let mut welfare: HashMap<Uuid, Option<i64>> =
        scope.iter().map(|s| (s.household, s.welfare)).collect();
    let mut benefit: HashMap<Uuid, i64> = HashMap::with_capacity(selection.candidates.len());
    for p in &selection.candidates {
        welfare.entry(p.household).or_insert(p.welfare);
        benefit.insert(p.household, p.benefit.amount());
    }
    for p in &selection.waitlist {
        welfare.entry(p.household).or_insert(p.welfare);
    }
    for e in &selection.excluded {
        welfare.entry(e.household).or_insert(e.welfare);
    }
    welfare
        .into_iter()
        .map(|(h, w)| (w, benefit.get(&h).copied().unwrap_or(0) as f64))
        .collect()
}

/// Gini coefficient: G = Σᵢ (2i − n − 1)·xᵢ / (n · Σ x), x sorted ascending, i from 1.
pub fn gini(values: &[f64]) -> Option<f64> {
    let mut x = values.to_vec();
    x.sort_unstable_by(f64::total_cmp);
    weighted_by_rank(&x)
}

/// Concentration index: the Gini formula with benefits ordered by welfare (poorest first) instead of by
/// size. Households with unknown welfare are left out; ties in welfare get their mean benefit.
pub fn concentration_index(households: &[(Option<i64>, f64)]) -> Option<f64> {
    let mut known: Vec<(i64, f64)> = households
        .iter()
        .filter_map(|&(w, b)| w.map(|w| (w, b)))
        .collect();
    // Benefit as a second key: the scope comes from a hash map, and float sums must not depend on its order.
    known.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    weighted_by_rank(&tie_means(&known))
}

/// Equal welfare is one position in the ranking: averaging their benefits makes the index independent of
/// the order among them.
fn tie_means(sorted: &[(i64, f64)]) -> Vec<f64> {
    let mut out = Vec::with_capacity(sorted.len());
    for group in sorted.chunk_by(|a, b| a.0 == b.0) {
        let mean = group.iter().map(|g| g.1).sum::<f64>() / group.len() as f64;
        out.extend(std::iter::repeat_n(mean, group.len()));
    }
    out
}

fn weighted_by_rank(x: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let total: f64 = x.iter().sum();
    if x.is_empty() || total <= 0.0 {
        return None;
    }
    let weighted: f64 = x
        .iter()
        .enumerate()
        .map(|(i, v)| (2.0 * (i as f64 + 1.0) - n - 1.0) * v)
        .sum();
    Some(weighted / (n * total))
}

fn errors(selection: &Selection, truth: &HashSet<Uuid>) -> Errors {
    let selected: HashSet<Uuid> = selection.candidates.iter().map(|p| p.household).collect();
    let wrongly_included = selected.iter().filter(|h| !truth.contains(h)).count() as u32;
    let wrongly_excluded = truth.iter().filter(|h| !selected.contains(h)).count() as u32;
    let ratio = |part: u32, whole: usize| (whole > 0).then(|| f64::from(part) / whole as f64);
    Errors {
        inclusion: ratio(wrongly_included, selected.len()),
        exclusion: ratio(wrongly_excluded, truth.len()),
        truly_eligible: truth.len() as u32,
        wrongly_included,
        wrongly_excluded,
    }
}

impl Simulation {
    /// A plain-text report for the command line (English): totals, distribution, errors, and the table by
    /// district. Villages are in `by_village` (and `--json`).
    pub fn render(&self) -> String {
        let mut out = String::new();
        let t = &self.totals;
        let _ = writeln!(
            out,
            "candidates {}  waitlist {}  excluded {}  budget used Rp{}",
            t.candidates,
            t.waitlist,
            t.excluded,
            t.budget.amount()
        );
        let _ = writeln!(
            out,
            "households in scope {}  Gini {}  concentration index {}",
            self.households_in_scope,
            fixed(self.gini),
            fixed(self.concentration)
        );
        if let Some(e) = &self.errors {
            let _ = writeln!(
                out,
                "truly eligible {}  inclusion error {} ({} households)  exclusion error {} ({} households)",
                e.truly_eligible,
                percent(e.inclusion),
                e.wrongly_included,
                percent(e.exclusion),
                e.wrongly_excluded
            );
        }
        out.push('\n');
        out.push_str(&table("district", &self.by_district));
        out
    }
}

impl Simulation {
    /// The table by village, for `--by-village` style output.
    pub fn render_villages(&self) -> String {
        table("village", &self.by_village)
    }
}

fn table(heading: &str, rows: &[RegionRow]) -> String {
    let mut out = format!(
        "{heading:<14} {:>10} {:>10} {:>10} {:>18}\n",
        "candidates", "waitlist", "excluded", "budget (Rp)"
    );
    for r in rows {
        let c = &r.counts;
        let _ = writeln!(
            out,
            "{:<14} {:>10} {:>10} {:>10} {:>18}",
            r.region.dotted(),
            c.candidates,
            c.waitlist,
            c.excluded,
            c.budget.amount()
        );
    }
    out
}

fn fixed(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{v:.3}"))
}

fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |v| format!("{:.1}%", v * 100.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn gini_by_hand() {
        // Everyone the same: no inequality.
        assert!(close(gini(&[5.0, 5.0, 5.0]), 0.0));
        // One of four receives everything: mean absolute difference = (2·3·100)/16 = 37.5, over twice the
        // mean (50) = 0.75, i.e. (n−1)/n.
        assert!(close(gini(&[0.0, 0.0, 0.0, 100.0]), 0.75));
        // Order does not matter.
        assert!(close(gini(&[100.0, 0.0, 0.0, 0.0]), 0.75));
        // [1, 3]: |1−3|·2 / (2·2²·2) = 4/16 = 0.25.
        assert!(close(gini(&[1.0, 3.0]), 0.25));
        assert_eq!(gini(&[0.0, 0.0]), None);
        assert_eq!(gini(&[]), None);
    }

    #[test]
    fn concentration_by_hand() {
        // All to the poorest of four: weights −3, −1, 1, 3 → −3·100 / (4·100) = −0.75.
        let poorest = [
            (Some(1), 100.0),
            (Some(2), 0.0),
            (Some(3), 0.0),
            (Some(4), 0.0),
        ];
        assert!(close(concentration_index(&poorest), -0.75));
        // All to the richest: +0.75. Unknown welfare is left out.
        let richest = [
            (Some(1), 0.0),
            (Some(2), 0.0),
            (Some(3), 0.0),
            (Some(4), 100.0),
            (None, 7.0),
        ];
        assert!(close(concentration_index(&richest), 0.75));
        // Equal welfare: the ranking among them must not matter, so their benefits are averaged (→ 0).
        let tied = [(Some(1), 100.0), (Some(1), 0.0)];
        assert!(close(concentration_index(&tied), 0.0));
    }
}
