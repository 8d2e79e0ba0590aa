//! From the households a program's rule selected to candidates and a waitlist.
//!
//! The integrator evaluates the program's rule elsewhere (SQL or [`tepat_domain::rules`]) and hands the
//! households that passed it here as [`Eligible`]. [`select`] then, in this order:
//!
//! 1. drops a second entry for the same household (a household is counted once per program per cycle);
//! 2. excludes households enrolled in a program this one is exclusive with;
//! 3. ranks the rest: incumbents (*KPM*, *keluarga penerima manfaat*, already enrolled in this program)
//!    first, then by predicted welfare ascending (poorest first; unknown welfare last), ties by household
//!    id — so the same inputs in any order give the same list;
//! 4. walks the ranking and places each household unless a quota of a region containing it is full or the
//!    budget cannot pay its benefit. Once the budget cannot pay a household, every later household is
//!    waitlisted too: a cheaper, better-off household never overtakes a poorer one.
//!
//! Quotas and budgets that cannot be met are reported as [`Shortfall`]s, never silently truncated.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use tepat_domain::{Desil, Lang, Localized, RegionCode, RegionLevel, Rupiah};
use uuid::Uuid;

/// A household the program's rule selected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligible {
    pub household: Uuid,
    /// The village (*desa/kelurahan*, 10-digit code) the household lives in.
    pub village: RegionCode,
    /// Predicted monthly consumption per capita (the PMT's prediction, rupiah): lower is poorer and ranks
    /// earlier. `None` (no survey yet) ranks after every known value.
    pub welfare: Option<i64>,
    pub desil: Option<Desil>,
    /// What this household would receive over the program period.
    pub benefit: Rupiah,
    /// Codes of the programs the household is actively enrolled in now.
    pub enrolled: Vec<String>,
    /// Already enrolled in this program (re-targeting): keeps its place ahead of newcomers while it still
    /// qualifies.
    pub incumbent: bool,
}

/// At most `households` candidates in `region` (any level). A household counts against every quota whose
/// region contains its village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub region: RegionCode,
    pub households: u32,
}

/// The limits of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub quotas: Vec<Quota>,
    /// The total the program may pay over the period; `None` is no budget limit.
    pub budget: Option<Rupiah>,
    /// Program codes: a household enrolled in any of them is excluded.
    pub exclusive_with: Vec<String>,
}

/// Why a household is where it is. Data, so that the UI says it in either language ([`Reason::text`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// A candidate at this global rank and rank within its village (both from 1).
    Selected { rank: u32, village_rank: u32 },
    /// Waitlisted: the quota of this region was already full.
    QuotaFull { region: RegionCode },
    /// Waitlisted: the budget could not pay this household's benefit.
    BudgetExhausted,
    /// Excluded: enrolled in a program this one is exclusive with.
    EnrolledIn { program: String },
    /// Excluded: the household appeared more than once in the input; the first entry counts.
    Duplicate,
}

impl Reason {
    /// A stable machine code, e.g. for CSV exports and filters.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Selected { .. } => "selected",
            Reason::QuotaFull { .. } => "quota_full",
            Reason::BudgetExhausted => "budget_exhausted",
            Reason::EnrolledIn { .. } => "enrolled_in",
            Reason::Duplicate => "duplicate",
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Reason::Selected { rank, village_rank }, Lang::Id) => {
                format!("terpilih, peringkat {rank} (peringkat {village_rank} di desa/kelurahan)")
            }
            (Reason::Selected { rank, village_rank }, Lang::En) => {
                format!("selected at rank {rank} (rank {village_rank} in the village)")
            }
            (Reason::QuotaFull { region }, Lang::Id) => {
                format!("daftar tunggu: kuota wilayah {region} sudah penuh")
            }
            (Reason::QuotaFull { region }, Lang::En) => {
                format!("waitlisted: the quota of region {region} is full")
            }
            (Reason::BudgetExhausted, Lang::Id) => "daftar tunggu: anggaran sudah habis".into(),
            (Reason::BudgetExhausted, Lang::En) => "waitlisted: the budget is exhausted".into(),
            (Reason::EnrolledIn { program }, Lang::Id) => {
                format!("dikecualikan: sudah terdaftar di program {program}")
            }
            (Reason::EnrolledIn { program }, Lang::En) => {
                format!("excluded: already enrolled in program {program}")
            }
            (Reason::Duplicate, Lang::Id) => {
                "dikecualikan: rumah tangga tercantum lebih dari sekali".into()
            }
            (Reason::Duplicate, Lang::En) => {
                "excluded: the household is listed more than once".into()
            }
        }
    }
}

impl Localized for Reason {
    fn message(&self, lang: Lang) -> String {
        self.text(lang)
    }
}

/// A candidate or a waitlisted household. On the waitlist, `rank` and `village_rank` are positions on the
/// waitlist (from 1): free places go to the waitlist in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placed {
    pub household: Uuid,
    pub village: RegionCode,
    pub rank: u32,
    pub village_rank: u32,
    pub welfare: Option<i64>,
    pub desil: Option<Desil>,
    pub benefit: Rupiah,
    pub incumbent: bool,
    pub reason: Reason,
}

/// A household the rule selected but the program cannot take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    pub household: Uuid,
    pub village: RegionCode,
    pub welfare: Option<i64>,
    pub reason: Reason,
}

/// A limit that the eligible households or the budget cannot meet, or a budget left over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shortfall {
    /// Fewer households (after exclusions) in the region than its quota.
    QuotaUnfilled {
        region: RegionCode,
        quota: u32,
        available: u32,
    },
    /// The budget cannot pay every household the quotas allow.
    BudgetShort { needed: Rupiah, available: Rupiah },
    /// The budget exceeds what the households the quotas allow need; `remainder` is unspent.
    BudgetLeftOver { remainder: Rupiah },
}

impl Shortfall {
    pub fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Shortfall::QuotaUnfilled { region, quota, available }, Lang::Id) => format!(
                "kuota wilayah {region} ({quota} rumah tangga) tidak terpenuhi: hanya {available} rumah tangga memenuhi syarat"
            ),
            (Shortfall::QuotaUnfilled { region, quota, available }, Lang::En) => format!(
                "the quota of region {region} ({quota} households) cannot be met: only {available} households are eligible"
            ),
            (Shortfall::BudgetShort { needed, available }, Lang::Id) => format!(
                "anggaran kurang: dibutuhkan {} rupiah, tersedia {} rupiah",
                needed.amount(),
                available.amount()
            ),
            (Shortfall::BudgetShort { needed, available }, Lang::En) => format!(
                "the budget is short: {} rupiah needed, {} rupiah available",
                needed.amount(),
                available.amount()
            ),
            (Shortfall::BudgetLeftOver { remainder }, Lang::Id) => {
                format!("anggaran bersisa {} rupiah", remainder.amount())
            }
            (Shortfall::BudgetLeftOver { remainder }, Lang::En) => {
                format!("{} rupiah of the budget is left over", remainder.amount())
            }
        }
    }
}

impl Localized for Shortfall {
    fn message(&self, lang: Lang) -> String {
        self.text(lang)
    }
}

/// The outcome of a run: every eligible household appears exactly once, in one of the three lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// In rank order.
    pub candidates: Vec<Placed>,
    /// In waitlist order.
    pub waitlist: Vec<Placed>,
    /// Ordered by household id.
    pub excluded: Vec<Excluded>,
    pub shortfalls: Vec<Shortfall>,
    /// The sum of the candidates' benefits.
    pub budget_used: Rupiah,
}

/// Runs the selection. Repeatable: the result does not depend on the order of `eligible`.
pub fn select(eligible: Vec<Eligible>, limits: &Limits) -> Selection {
    // `screen` returns the households in rank order.
    let (ranked, mut excluded) = screen(eligible, &limits.exclusive_with);
    // Stable: two duplicate entries of one household stay in rank order.
    excluded.sort_by_key(|e| e.household);

    let quotas = QuotaBook::new(&limits.quotas);
    let mut shortfalls = unfilled_quotas(&ranked, &limits.quotas, &quotas);
    let walk = walk(ranked, quotas, limits.budget);
    shortfalls.extend(budget_findings(limits.budget, walk.needed, walk.used));
    Selection {
        candidates: walk.candidates,
        waitlist: walk.waitlist,
        excluded,
        shortfalls,
        budget_used: walk.used,
    }
}

/// Removes duplicates and households enrolled in an exclusive program; the rest come back in rank order.
fn screen(eligible: Vec<Eligible>, exclusive_with: &[String]) -> (Vec<Eligible>, Vec<Excluded>) {
    // The first entry of a duplicate must not depend on input order: keep the one that ranks first.
    let mut eligible = eligible;
    eligible.sort_unstable_by(ranking);
    let mut seen = HashSet::with_capacity(eligible.len());
    let mut kept = Vec::with_capacity(eligible.len());
    let mut excluded = Vec::new();
    for e in eligible {
        if !seen.insert(e.household) {
            excluded.push(Excluded {
                household: e.household,
                village: e.village,
                welfare: e.welfare,
                reason: Reason::Duplicate,
            });
        } else if let Some(program) = first_exclusive(&e.enrolled, exclusive_with) {
            excluded.push(Excluded {
                household: e.household,
                village: e.village,
                welfare: e.welfare,
                reason: Reason::EnrolledIn { program },
            });
        } else {
            kept.push(e);
        }
    }
    (kept, excluded)
}

/// The first of the program's exclusive programs (in the program's order) the household is enrolled in.
fn first_exclusive(enrolled: &[String], exclusive_with: &[String]) -> Option<String> {
    exclusive_with
        .iter()
        .find(|p| enrolled.contains(p))
        .cloned()
}

/// Incumbents first, then poorest first (unknown welfare last), then by id.
fn ranking(a: &Eligible, b: &Eligible) -> std::cmp::Ordering {
    let key = |e: &Eligible| (!e.incumbent, e.welfare.is_none(), e.welfare, e.household);
    key(a)
        .cmp(&key(b))
        .then_with(|| a.benefit.cmp(&b.benefit))
        .then_with(|| a.village.cmp(&b.village))
        .then_with(|| a.enrolled.cmp(&b.enrolled))
        .then_with(|| a.desil.cmp(&b.desil))
}

/// Quotas by region, with what has been used of each.
struct QuotaBook {
    index: HashMap<RegionCode, usize>,
    limit: Vec<u32>,
    used: Vec<u32>,
}

const LEVELS: [RegionLevel; 4] = [
    RegionLevel::Provinsi,
    RegionLevel::KabupatenKota,
    RegionLevel::Kecamatan,
    RegionLevel::DesaKelurahan,
];

impl QuotaBook {
    /// Two quotas for the same region: the smaller one binds.
    fn new(quotas: &[Quota]) -> QuotaBook {
        let mut book = QuotaBook {
            index: HashMap::new(),
            limit: Vec::new(),
            used: Vec::new(),
        };
        for q in quotas {
            match book.index.get(&q.region) {
                Some(&i) => book.limit[i] = book.limit[i].min(q.households),
                None => {
                    book.index.insert(q.region, book.limit.len());
                    book.limit.push(q.households);
                    book.used.push(0);
                }
            }
        }
        book
    }

    /// The quotas containing `village`, from the largest region down.
    fn containing(&self, village: &RegionCode) -> impl Iterator<Item = usize> + '_ {
        let village = *village;
        LEVELS
            .iter()
            .filter_map(move |&l| village.ancestor(l))
            .filter_map(|r| self.index.get(&r).copied())
    }

    /// The region of the first full quota containing `village`, from the largest region down.
    fn full(&self, village: &RegionCode) -> Option<RegionCode> {
        LEVELS
            .iter()
            .filter_map(|&l| village.ancestor(l))
            .find(|r| {
                self.index
                    .get(r)
                    .is_some_and(|&i| self.used[i] >= self.limit[i])
            })
    }

    fn take(&mut self, village: &RegionCode) {
        let slots: [Option<usize>; 4] = LEVELS.map(|l| {
            village
                .ancestor(l)
                .and_then(|r| self.index.get(&r).copied())
        });
        for i in slots.into_iter().flatten() {
            self.used[i] += 1;
        }
    }
}

fn unfilled_quotas(ranked: &[Eligible], quotas: &[Quota], book: &QuotaBook) -> Vec<Shortfall> {
    let mut available = vec![0u32; book.limit.len()];
    for e in ranked {
        for i in book.containing(&e.village) {
            available[i] += 1;
        }
    }
    let mut reported = HashSet::new();
    quotas
        .iter()
        .filter_map(|q| {
            let i = book.index[&q.region];
            let short = available[i] < book.limit[i] && reported.insert(i);
            short.then_some(Shortfall::QuotaUnfilled {
                region: q.region,
                quota: book.limit[i],
                available: available[i],
            })
        })
        .collect()
}

fn budget_findings(budget: Option<Rupiah>, needed: Rupiah, used: Rupiah) -> Option<Shortfall> {
    let available = budget?;
    if needed > available {
        Some(Shortfall::BudgetShort { needed, available })
    } else if available > used {
        Some(Shortfall::BudgetLeftOver {
            remainder: Rupiah::new(available.amount() - used.amount()),
        })
    } else {
        None
    }
}

struct Walk {
    candidates: Vec<Placed>,
    waitlist: Vec<Placed>,
    used: Rupiah,
    /// What the households the quotas allow would cost without a budget limit.
    needed: Rupiah,
}

fn walk(ranked: Vec<Eligible>, mut quotas: QuotaBook, budget: Option<Rupiah>) -> Walk {
    let mut out = Walk {
        candidates: Vec::new(),
        waitlist: Vec::new(),
        used: Rupiah::ZERO,
        needed: Rupiah::ZERO,
    };
    let mut village_ranks: HashMap<RegionCode, u32> = HashMap::new();
    let mut village_waits: HashMap<RegionCode, u32> = HashMap::new();
    let mut budget_out = false;
    for e in ranked {
        if let Some(region) = quotas.full(&e.village) {
            push_waiting(
                &mut out.waitlist,
                &mut village_waits,
                e,
                Reason::QuotaFull { region },
            );
            continue;
        }
        quotas.take(&e.village);
        out.needed = saturating_add(out.needed, e.benefit);
        let affordable = budget.is_none_or(|b| saturating_add(out.used, e.benefit) <= b);
        budget_out |= !affordable;
        if budget_out {
            push_waiting(
                &mut out.waitlist,
                &mut village_waits,
                e,
                Reason::BudgetExhausted,
            );
            continue;
        }
        out.used = saturating_add(out.used, e.benefit);
        let rank = out.candidates.len() as u32 + 1;
        let village_rank = bump(&mut village_ranks, e.village);
        out.candidates.push(placed(
            e,
            rank,
            village_rank,
            Reason::Selected { rank, village_rank },
        ));
    }
    out
}

/// Totals beyond `i64::MAX` rupiah are not a real budget; saturating keeps the comparison honest.
fn saturating_add(a: Rupiah, b: Rupiah) -> Rupiah {
    Rupiah::new(a.amount().saturating_add(b.amount()))
}

fn bump(counts: &mut HashMap<RegionCode, u32>, village: RegionCode) -> u32 {
    let n = counts.entry(village).or_insert(0);
    *n += 1;
    *n
}

fn push_waiting(
    waitlist: &mut Vec<Placed>,
    village_waits: &mut HashMap<RegionCode, u32>,
    e: Eligible,
    reason: Reason,
) {
    let rank = waitlist.len() as u32 + 1;
    let village_rank = bump(village_waits, e.village);
    waitlist.push(placed(e, rank, village_rank, reason));
}

fn placed(e: Eligible, rank: u32, village_rank: u32, reason: Reason) -> Placed {
    Placed {
        household: e.household,
        village: e.village,
        rank,
        village_rank,
        welfare: e.welfare,
        desil: e.desil,
        benefit: e.benefit,
        incumbent: e.incumbent,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    #[test]
    fn two_quotas_for_one_region_the_smaller_binds() {
        let book = QuotaBook::new(&[
            Quota {
                region: code("19.02"),
                households: 9,
            },
            Quota {
                region: code("19.02"),
                households: 4,
            },
        ]);
        assert_eq!(book.limit, [4]);
    }

    #[test]
    fn quotas_are_found_at_every_level_and_the_largest_full_one_is_named() {
        let mut book = QuotaBook::new(&[
            Quota {
                region: code("19.02.01.2001"),
                households: 1,
            },
            Quota {
                region: code("19"),
                households: 1,
            },
            Quota {
                region: code("19.02.02"),
                households: 5,
            },
        ]);
        let village = code("19.02.01.2001");
        assert_eq!(book.containing(&village).count(), 2);
        assert_eq!(book.full(&village), None);
        book.take(&village);
        assert_eq!(book.used, [1, 1, 0]);
        assert_eq!(book.full(&village), Some(code("19")));
    }

    #[test]
    fn zero_quota_waitlists_everyone_in_its_region() {
        let e = Eligible {
            household: Uuid::from_u128(1),
            village: code("19.02.01.2001"),
            welfare: Some(1),
            desil: Desil::new(1),
            benefit: Rupiah::new(10),
            enrolled: Vec::new(),
            incumbent: true,
        };
        let limits = Limits {
            quotas: vec![Quota {
                region: code("19.02.01"),
                households: 0,
            }],
            ..Limits::default()
        };
        let s = select(vec![e], &limits);
        assert!(s.candidates.is_empty());
        assert_eq!(
            s.waitlist[0].reason,
            Reason::QuotaFull {
                region: code("19.02.01")
            }
        );
        assert!(s.shortfalls.is_empty());
    }

    #[test]
    fn every_reason_has_a_code_and_both_languages() {
        let reasons = [
            Reason::Selected {
                rank: 3,
                village_rank: 1,
            },
            Reason::QuotaFull {
                region: code("19.02"),
            },
            Reason::BudgetExhausted,
            Reason::EnrolledIn {
                program: "PKH".into(),
            },
            Reason::Duplicate,
        ];
        let codes: Vec<&str> = reasons.iter().map(Reason::code).collect();
        assert_eq!(
            codes,
            [
                "selected",
                "quota_full",
                "budget_exhausted",
                "enrolled_in",
                "duplicate"
            ]
        );
        for r in &reasons {
            assert_ne!(r.text(Lang::Id), r.text(Lang::En), "{r:?}");
        }
        assert_eq!(
            reasons[0].message(Lang::Id),
            "terpilih, peringkat 3 (peringkat 1 di desa/kelurahan)"
        );
        assert_eq!(
            reasons[1].text(Lang::Id),
            "daftar tunggu: kuota wilayah 19.02 sudah penuh"
        );
        let json = serde_json::to_value(&reasons[1]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"reason": "quota_full", "region": "19.02"})
        );
    }

    #[test]
    fn budget_findings_by_hand() {
        let rp = Rupiah::new;
        assert_eq!(budget_findings(None, rp(10), rp(10)), None);
        assert_eq!(
            budget_findings(Some(rp(5)), rp(10), rp(4)),
            Some(Shortfall::BudgetShort {
                needed: rp(10),
                available: rp(5)
            })
        );
        assert_eq!(
            budget_findings(Some(rp(15)), rp(10), rp(10)),
            Some(Shortfall::BudgetLeftOver { remainder: rp(5) })
        );
        assert_eq!(budget_findings(Some(rp(10)), rp(10), rp(10)), None);
    }
}
