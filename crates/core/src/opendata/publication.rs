//! The published tables, built from the store's aggregates: every program-cycle's figures by region at
//! every level (total → province → regency → district → village), and complaints by region, each with
//! small cells suppressed ([`super::suppress`]). Only these values leave the office.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tepat_domain::{RegionCode, RegionLevel};
use tepat_regions::RegionTable;
use tepat_store::{OpenDataCell, OpenDataComplaints, Store, StoreError};

use super::suppress::{suppress, Cell};

/// The level of a published row: the whole installation, or one of the four administrative levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Total,
    Province,
    Regency,
    District,
    Village,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Total,
        Level::Province,
        Level::Regency,
        Level::District,
        Level::Village,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Level::Total => "total",
            Level::Province => "province",
            Level::Regency => "regency",
            Level::District => "district",
            Level::Village => "village",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.code() == s)
    }

    fn of(code: Option<&RegionCode>) -> Level {
        match code.map(RegionCode::level) {
            None => Level::Total,
            Some(RegionLevel::Provinsi) => Level::Province,
            Some(RegionLevel::KabupatenKota) => Level::Regency,
            Some(RegionLevel::Kecamatan) => Level::District,
            Some(RegionLevel::DesaKelurahan) => Level::Village,
        }
    }
}

/// One region's figures of one program-cycle. `None`: suppressed (or not defined: a share of nothing).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistributionRow {
    pub program: String,
    pub cycle: String,
    pub level: Level,
    /// Kemendagri code, dotted (`19.02.01.2001`); `None` for the total.
    pub region_code: Option<String>,
    pub region_name: String,
    pub parent_code: Option<String>,
    /// Households entitled in the cycle (one entitlement each).
    pub households: Option<u64>,
    /// Rupiah entitled.
    pub entitled_rp: Option<i64>,
    /// Rupiah that reached households: transfers credited and not returned, plus cash and goods
    /// handed over.
    pub disbursed_rp: Option<i64>,
    /// `disbursed_rp / entitled_rp`, three decimals.
    pub share_delivered: Option<f64>,
    pub ratings: Option<u64>,
    /// Mean stars (1–5), one decimal.
    pub rating_average: Option<f64>,
}

/// One region's complaints (all programs, all time). `None`: suppressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplaintRow {
    pub level: Level,
    pub region_code: Option<String>,
    pub region_name: String,
    pub parent_code: Option<String>,
    pub complaints: Option<u64>,
}

/// A program-cycle with published figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Series {
    pub program: String,
    pub cycle: String,
}

/// Everything the portal publishes, as of one refresh of the aggregates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Publication {
    /// When the aggregates were computed (`None`: never; the tables are empty).
    pub as_of: Option<DateTime<Utc>>,
    /// The suppression threshold the tables were built with.
    pub k: u64,
    pub series: Vec<Series>,
    /// Per program-cycle, rows in region-code order (the total first).
    pub distribution: Vec<DistributionRow>,
    pub complaints: Vec<ComplaintRow>,
}

impl Publication {
    /// The rows of one program-cycle.
    pub fn rows_of<'a>(
        &'a self,
        program: &'a str,
        cycle: &'a str,
    ) -> impl Iterator<Item = &'a DistributionRow> + 'a {
        self.distribution
            .iter()
            .filter(move |r| r.program == program && r.cycle == cycle)
    }

    /// Whether `village`'s household count is published in the program-cycle (the masked recipient
    /// list of a village is shown only then: its length would reveal the count).
    pub fn village_published(&self, program: &str, cycle: &str, village: &RegionCode) -> bool {
        let code = village.dotted();
        self.rows_of(program, cycle).any(|r| {
            r.level == Level::Village
                && r.region_code.as_deref() == Some(code.as_str())
                && r.households.is_some()
        })
    }
}

/// Sums of one region, before suppression.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Sums {
    households: u64,
    entitled: i64,
    disbursed: i64,
    ratings: u64,
    stars: u64,
    complaints: u64,
}

/// A region tree with sums: the total at index 0, then regions in code order.
struct Tree {
    codes: Vec<Option<RegionCode>>,
    parents: Vec<Option<usize>>,
    sums: Vec<Sums>,
}

impl Tree {
    /// Every village of `leaves` with its ancestors, sums added up.
    fn build(leaves: impl IntoIterator<Item = (RegionCode, Sums)>) -> Tree {
        let mut by_code: BTreeMap<String, (RegionCode, Sums)> = BTreeMap::new();
        let mut total = Sums::default();
        for (village, s) in leaves {
            add(&mut total, &s);
            let mut code = Some(village);
            while let Some(c) = code {
                let entry = by_code
                    .entry(c.plain().to_owned())
                    .or_insert_with(|| (c, Sums::default()));
                add(&mut entry.1, &s);
                code = c.parent();
            }
        }
        let mut codes = vec![None];
        let mut sums = vec![total];
        let mut index: BTreeMap<String, usize> = BTreeMap::new();
        for (plain, (code, s)) in by_code {
            index.insert(plain, codes.len());
            codes.push(Some(code));
            sums.push(s);
        }
        let parents = codes
            .iter()
            .map(|c| {
                c.as_ref().map(|c| {
                    c.parent()
                        .and_then(|p| index.get(p.plain()).copied())
                        .unwrap_or(0)
                })
            })
            .collect();
        Tree {
            codes,
            parents,
            sums,
        }
    }

    fn hidden_by(&self, k: u64, value: impl Fn(&Sums) -> u64) -> Vec<bool> {
        let cells: Vec<Cell> = self
            .sums
            .iter()
            .zip(&self.parents)
            .map(|(s, &parent)| Cell {
                value: value(s),
                parent,
            })
            .collect();
        suppress(&cells, k)
    }

    fn label(
        &self,
        i: usize,
        regions: &RegionTable,
    ) -> (Level, Option<String>, String, Option<String>) {
        let code = self.codes[i].as_ref();
        let name = code.map_or_else(String::new, |c| {
            regions
                .get(c)
                .map_or_else(|| c.dotted(), |r| r.name.clone())
        });
        let parent = self.parents[i]
            .and_then(|p| self.codes[p].as_ref())
            .map(RegionCode::dotted);
        (Level::of(code), code.map(RegionCode::dotted), name, parent)
    }
}

fn add(into: &mut Sums, s: &Sums) {
    into.households += s.households;
    into.entitled += s.entitled;
    into.disbursed += s.disbursed;
    into.ratings += s.ratings;
    into.stars += s.stars;
    into.complaints += s.complaints;
}

fn cell_sums(c: &OpenDataCell) -> Sums {
    Sums {
        households: c.households,
        entitled: c.entitled,
        disbursed: c.paid - c.reversed + c.handed_over,
        ratings: c.ratings,
        stars: c.stars,
        complaints: 0,
    }
}

/// The rows of one program-cycle from its village cells.
pub fn distribution_rows(
    program: &str,
    cycle: &str,
    cells: &[OpenDataCell],
    regions: &RegionTable,
    k: u64,
) -> Vec<DistributionRow> {
    let tree = Tree::build(cells.iter().map(|c| (c.village, cell_sums(c))));
    let hide_households = tree.hidden_by(k, |s| s.households);
    let hide_ratings = tree.hidden_by(k, |s| s.ratings);
    (0..tree.codes.len())
        .map(|i| {
            let s = tree.sums[i];
            let (level, region_code, region_name, parent_code) = tree.label(i, regions);
            let shown = !hide_households[i];
            let rated = !hide_ratings[i] && s.ratings > 0;
            DistributionRow {
                program: program.to_owned(),
                cycle: cycle.to_owned(),
                level,
                region_code,
                region_name,
                parent_code,
                households: shown.then_some(s.households),
                entitled_rp: shown.then_some(s.entitled),
                disbursed_rp: shown.then_some(s.disbursed),
                share_delivered: (shown && s.entitled > 0)
                    .then(|| round(s.disbursed as f64 / s.entitled as f64, 1000.0)),
                ratings: (!hide_ratings[i]).then_some(s.ratings),
                rating_average: rated.then(|| round(s.stars as f64 / s.ratings as f64, 10.0)),
            }
        })
        .collect()
}

/// Complaint counts by region from village counts.
pub fn complaint_rows(
    villages: &[OpenDataComplaints],
    regions: &RegionTable,
    k: u64,
) -> Vec<ComplaintRow> {
    let tree = Tree::build(villages.iter().map(|c| {
        (
            c.village,
            Sums {
                complaints: c.complaints,
                ..Sums::default()
            },
        )
    }));
    let hidden = tree.hidden_by(k, |s| s.complaints);
    (0..tree.codes.len())
        .map(|i| {
            let (level, region_code, region_name, parent_code) = tree.label(i, regions);
            ComplaintRow {
                level,
                region_code,
                region_name,
                parent_code,
                complaints: (!hidden[i]).then_some(tree.sums[i].complaints),
            }
        })
        .collect()
}

fn round(x: f64, scale: f64) -> f64 {
    (x * scale).round() / scale
}

/// Reads the aggregates and builds the publication.
pub async fn publish(
    store: &dyn Store,
    regions: &RegionTable,
    k: u64,
) -> Result<Publication, StoreError> {
    let as_of = store.open_data_refreshed().await?;
    let series = store.open_data_series().await?;
    let mut distribution = Vec::new();
    for (program, cycle) in &series {
        let cells = store.open_data_cells(program, cycle).await?;
        distribution.extend(distribution_rows(program, cycle, &cells, regions, k));
    }
    let complaints = complaint_rows(&store.open_data_complaints().await?, regions, k);
    Ok(Publication {
        as_of,
        k,
        series: series
            .into_iter()
            .map(|(program, cycle)| Series { program, cycle })
            .collect(),
        distribution,
        complaints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(village: &str, households: u64, amount: i64) -> OpenDataCell {
        OpenDataCell {
            program: "PKH".into(),
            cycle: "2027-T1".into(),
            village: RegionCode::parse(village).unwrap(),
            households,
            entitled: households as i64 * amount,
            paid: households as i64 * amount,
            reversed: 0,
            handed_over: 0,
            ratings: households.min(6),
            stars: households.min(6) * 4,
        }
    }

    fn regions() -> &'static RegionTable {
        RegionTable::embedded()
    }

    #[test]
    fn rows_nest_from_the_total_to_villages_and_hide_small_ones_with_a_complement() {
        let cells = [
            cell("1902012001", 3, 100),
            cell("1902012002", 40, 100),
            cell("1902012003", 50, 100),
            cell("1902022001", 30, 100),
        ];
        let rows = distribution_rows("PKH", "2027-T1", &cells, regions(), 5);
        assert_eq!(rows[0].level, Level::Total);
        assert_eq!(rows[0].households, Some(123));
        let village = |code: &str| {
            rows.iter()
                .find(|r| r.region_code.as_deref() == Some(code))
                .unwrap()
        };
        assert_eq!(village("19.02.01.2001").households, None);
        assert_eq!(village("19.02.01.2001").entitled_rp, None);
        assert_eq!(village("19.02.01.2002").households, None, "the complement");
        assert_eq!(village("19.02.01.2003").households, Some(50));
        assert_eq!(village("19.02.01").households, Some(93));
        assert_eq!(village("19.02.01.2003").share_delivered, Some(1.0));
        assert_eq!(village("19.02.01.2003").rating_average, Some(4.0));
        // Ratings have their own pattern: 3 ratings in the first village, hidden with a complement.
        assert_eq!(village("19.02.01.2001").ratings, None);
        let levels: Vec<Level> = rows.iter().map(|r| r.level).collect();
        assert!(levels.contains(&Level::Province) && levels.contains(&Level::Regency));
        assert_eq!(
            village("19.02.01.2003").parent_code.as_deref(),
            Some("19.02.01")
        );
    }

    #[test]
    fn complaints_are_suppressed_on_their_own() {
        let villages = [
            OpenDataComplaints {
                village: RegionCode::parse("1902012001").unwrap(),
                complaints: 2,
                closed: 1,
            },
            OpenDataComplaints {
                village: RegionCode::parse("1902012002").unwrap(),
                complaints: 9,
                closed: 0,
            },
            OpenDataComplaints {
                village: RegionCode::parse("1902012003").unwrap(),
                complaints: 7,
                closed: 0,
            },
        ];
        let rows = complaint_rows(&villages, regions(), 5);
        let shown: Vec<Option<u64>> = rows.iter().map(|r| r.complaints).collect();
        // total, province, regency, district: 18; villages: 2 hidden, 7 its complement, 9 shown.
        assert_eq!(
            shown,
            [Some(18), Some(18), Some(18), Some(18), None, Some(9), None]
        );
    }
}
