//! Clustering that does not chain.
//!
//! Connected components of the pairs above a threshold (transitive closure) let one false pair merge two
//! people and everything they touch — in KK-structured data, whole families. Here:
//!
//! 1. Components of the pairs at or above the threshold (plus accepted review decisions) only decide which
//!    records *may* end up together.
//! 2. Inside each component, clusters are built by **greedy additive edge contraction**: every pair of
//!    records carries a signed score `clamp(w − w_t)` (its match weight above or below the threshold
//!    weight; in components of up to [`ClusterOptions::dense_limit`] records every pair is scored, not only
//!    the blocked ones), and the two clusters with the largest *total* score between all their members are
//!    merged while that total is positive. A cluster held together by one weak link while its other members
//!    disagree is therefore never formed: the family's other pairs outvote the false one.
//! 3. **Cannot-link** pairs are never put in one cluster: different recorded sex (unless a record's own NIK
//!    contradicts its sex), two different valid NIKs both known to the population extract, members of one
//!    KK with different birth dates, and pairs a reviewer rejected.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// Settings of clustering.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusterOptions {
    /// Largest positive score one pair contributes (bits).
    pub max_positive: f64,
    /// Largest negative score one pair contributes (bits, given as a positive number).
    pub max_negative: f64,
    /// Components up to this size have every pair scored; larger ones use the blocked pairs only.
    pub dense_limit: usize,
    /// Apply the cannot-link rules (reviewer rejections always apply; checked by the caller's oracle).
    pub constraints: bool,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        ClusterOptions {
            max_positive: 20.0,
            max_negative: 10.0,
            dense_limit: 200,
            constraints: true,
        }
    }
}

/// Union-find with path halving.
pub(crate) struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = p;
            x = p;
        }
        x
    }

    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }
}

/// The pair information clustering needs, supplied by the caller.
pub(crate) trait PairOracle: Sync {
    /// Match weight of any two records (for pairs blocking did not produce).
    fn weight(&self, a: u32, b: u32) -> f64;
    /// The two records must not be in one cluster (rule constraints, if enabled, and rejected review
    /// decisions).
    fn cannot_link(&self, a: u32, b: u32) -> bool;
}

#[derive(PartialEq)]
struct HeapItem {
    score: f64,
    a: u32,
    b: u32,
    va: u32,
    vb: u32,
}

impl Eq for HeapItem {}

impl PartialOrd for HeapItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for HeapItem {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.a.cmp(&self.a))
            .then_with(|| other.b.cmp(&self.b))
    }
}

/// Greedy additive edge contraction on a small graph of `n` nodes with signed edge scores
/// (`f64::NEG_INFINITY` = cannot link). Returns the cluster label (smallest member) of each node.
pub(crate) fn gaec(n: usize, edges: &[(u32, u32, f64)]) -> Vec<u32> {
    let mut adj: Vec<FxHashMap<u32, f64>> = vec![FxHashMap::default(); n];
    for &(a, b, s) in edges {
        if a == b {
            continue;
        }
        *adj[a as usize].entry(b).or_insert(0.0) += s;
        *adj[b as usize].entry(a).or_insert(0.0) += s;
    }
    let mut version = vec![0u32; n];
    let mut alive = vec![true; n];
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|i| vec![i]).collect();
    let mut heap = BinaryHeap::new();
    for (a, nbrs) in adj.iter().enumerate() {
        for (&b, &s) in nbrs {
            if (a as u32) < b && s > 0.0 {
                heap.push(HeapItem {
                    score: s,
                    a: a as u32,
                    b,
                    va: 0,
                    vb: 0,
                });
            }
        }
    }
    while let Some(item) = heap.pop() {
        let (a, b) = (item.a as usize, item.b as usize);
        if !alive[a] || !alive[b] || version[a] != item.va || version[b] != item.vb {
            continue;
        }
        if item.score <= 0.0 {
            break;
        }
        // Merge the smaller adjacency into the larger.
        let (keep, gone) = if adj[a].len() >= adj[b].len() {
            (a, b)
        } else {
            (b, a)
        };
        alive[gone] = false;
        let gone_adj = std::mem::take(&mut adj[gone]);
        adj[keep].remove(&(gone as u32));
        for (nb, s) in gone_adj {
            if nb as usize == keep {
                continue;
            }
            let entry = adj[keep].entry(nb).or_insert(0.0);
            *entry += s;
            let total = *entry;
            let other = &mut adj[nb as usize];
            other.remove(&(gone as u32));
            other.insert(keep as u32, total);
        }
        let moved = std::mem::take(&mut members[gone]);
        members[keep].extend(moved);
        version[keep] += 1;
        for (&nb, &s) in &adj[keep] {
            if s > 0.0 && alive[nb as usize] {
                let (x, y) = (keep as u32, nb);
                heap.push(HeapItem {
                    score: s,
                    a: x,
                    b: y,
                    va: version[x as usize],
                    vb: version[y as usize],
                });
            }
        }
        // Neighbours' versions are unchanged but their entry towards `keep` changed: the pushes above cover
        // every pair involving `keep`, and stale entries naming `gone` are skipped because it is dead.
    }
    let mut label = vec![0u32; n];
    for m in members.iter().filter(|m| !m.is_empty()) {
        let min = *m.iter().min().expect("non-empty");
        for &x in m {
            label[x as usize] = min;
        }
    }
    label
}

/// Clusters `n` records. `edges` are the scored candidate pairs `(a, b, weight)` (all of them, also those
/// below the threshold); `must` are pairs that must be together (accepted by a reviewer). Returns the
/// cluster label of each record: the smallest record index in its cluster.
pub(crate) fn cluster(
    n: usize,
    edges: &[(u32, u32, f32)],
    must: &[(u32, u32)],
    threshold_weight: f64,
    oracle: &dyn PairOracle,
    opts: &ClusterOptions,
) -> Vec<u32> {
    let mut uf = UnionFind::new(n);
    for &(a, b, w) in edges {
        if w as f64 >= threshold_weight {
            uf.union(a, b);
        }
    }
    for &(a, b) in must {
        uf.union(a, b);
    }
    // Group records by component; only components of two or more need work.
    let roots: Vec<u32> = (0..n as u32).map(|i| uf.find(i)).collect();
    let mut comp_index: FxHashMap<u32, usize> = FxHashMap::default();
    let mut comps: Vec<Vec<u32>> = Vec::new();
    let mut size = vec![0u32; n];
    for &r in &roots {
        size[r as usize] += 1;
    }
    for (i, &r) in roots.iter().enumerate() {
        if size[r as usize] < 2 {
            continue;
        }
        let k = *comp_index.entry(r).or_insert_with(|| {
            comps.push(Vec::new());
            comps.len() - 1
        });
        comps[k].push(i as u32);
    }
    // Edges by component (for large components).
    let mut comp_edges: Vec<Vec<(u32, u32, f32)>> = vec![Vec::new(); comps.len()];
    for &(a, b, w) in edges {
        let (ra, rb) = (roots[a as usize], roots[b as usize]);
        if ra == rb {
            if let Some(&k) = comp_index.get(&ra) {
                if comps[k].len() > opts.dense_limit {
                    comp_edges[k].push((a, b, w));
                }
            }
        }
    }
    let must_by_comp: FxHashMap<u32, Vec<(u32, u32)>> =
        must.iter().fold(FxHashMap::default(), |mut m, &(a, b)| {
            m.entry(roots[a as usize]).or_default().push((a, b));
            m
        });
    let score = |w: f64| (w - threshold_weight).clamp(-opts.max_negative, opts.max_positive);
    let labels: Vec<Vec<(u32, u32)>> = comps
        .par_iter()
        .zip(comp_edges.par_iter())
        .map(|(members, cedges)| {
            let local: FxHashMap<u32, u32> = members
                .iter()
                .enumerate()
                .map(|(i, &g)| (g, i as u32))
                .collect();
            let must_here: rustc_hash::FxHashSet<(u32, u32)> = must_by_comp
                .get(&roots[members[0] as usize])
                .map(|ms| {
                    ms.iter()
                        .map(|&(a, b)| {
                            let (x, y) = (local[&a], local[&b]);
                            (x.min(y), x.max(y))
                        })
                        .collect()
                })
                .unwrap_or_default();
            // An accepted review decision overrides every rule; a rejected one is a cannot-link.
            let pair_score = |i: u32, j: u32, a: u32, b: u32, w: f64| -> f64 {
                if must_here.contains(&(i.min(j), i.max(j))) {
                    MUST
                } else if oracle.cannot_link(a, b) {
                    f64::NEG_INFINITY
                } else {
                    score(w)
                }
            };
            let mut e: Vec<(u32, u32, f64)> = Vec::new();
            if members.len() <= opts.dense_limit {
                for i in 0..members.len() {
                    for j in i + 1..members.len() {
                        let (a, b) = (members[i], members[j]);
                        let w = if must_here.contains(&(i as u32, j as u32)) {
                            0.0
                        } else {
                            oracle.weight(a, b)
                        };
                        e.push((i as u32, j as u32, pair_score(i as u32, j as u32, a, b, w)));
                    }
                }
            } else {
                let mut seen: rustc_hash::FxHashSet<(u32, u32)> = rustc_hash::FxHashSet::default();
                for &(a, b, w) in cedges {
                    let (i, j) = (local[&a], local[&b]);
                    seen.insert((i.min(j), i.max(j)));
                    e.push((i, j, pair_score(i, j, a, b, w as f64)));
                }
                for &(i, j) in must_here.iter().filter(|p| !seen.contains(p)) {
                    e.push((i, j, MUST));
                }
            }
            let lab = gaec(members.len(), &e);
            members
                .iter()
                .enumerate()
                .map(|(i, &g)| (g, members[lab[i] as usize]))
                .collect()
        })
        .collect();
    let mut out: Vec<u32> = (0..n as u32).collect();
    for comp in labels {
        for (g, l) in comp {
            out[g as usize] = l;
        }
    }
    out
}

/// The score of a pair a reviewer accepted: larger than any sum of rule scores.
const MUST: f64 = 1e9;

#[cfg(test)]
mod tests {
    use super::*;

    struct Table(FxHashMap<(u32, u32), f64>, Vec<(u32, u32)>);

    impl PairOracle for Table {
        fn weight(&self, a: u32, b: u32) -> f64 {
            let k = (a.min(b), a.max(b));
            *self.0.get(&k).unwrap_or(&-30.0)
        }
        fn cannot_link(&self, a: u32, b: u32) -> bool {
            self.1.contains(&(a.min(b), a.max(b)))
        }
    }

    fn run(
        n: usize,
        pairs: &[(u32, u32, f64)],
        cannot: &[(u32, u32)],
        must: &[(u32, u32)],
    ) -> Vec<u32> {
        let table = Table(
            pairs.iter().map(|&(a, b, w)| ((a, b), w)).collect(),
            cannot.to_vec(),
        );
        let edges: Vec<(u32, u32, f32)> = pairs.iter().map(|&(a, b, w)| (a, b, w as f32)).collect();
        cluster(n, &edges, must, 0.0, &table, &ClusterOptions::default())
    }

    #[test]
    fn one_false_pair_does_not_merge_a_family() {
        // 0-1 the same person (strong), 2-3 the same person (strong), 1-2 a false pair just above the
        // threshold; 0-2, 0-3, 1-3 clearly different.
        let labels = run(
            4,
            &[
                (0, 1, 25.0),
                (2, 3, 25.0),
                (1, 2, 2.0),
                (0, 2, -15.0),
                (0, 3, -15.0),
                (1, 3, -15.0),
            ],
            &[],
            &[],
        );
        assert_eq!(labels, vec![0, 0, 2, 2]);
    }

    #[test]
    fn a_noisy_duplicate_still_joins_its_cluster() {
        // 0 original, 1 and 2 duplicates: each close to 0, the two duplicates mildly apart.
        let labels = run(3, &[(0, 1, 20.0), (0, 2, 18.0), (1, 2, -4.0)], &[], &[]);
        assert_eq!(labels, vec![0, 0, 0]);
    }

    #[test]
    fn cannot_link_is_respected() {
        let labels = run(
            3,
            &[(0, 1, 25.0), (1, 2, 25.0), (0, 2, 25.0)],
            &[(0, 2)],
            &[],
        );
        assert_ne!(labels[0], labels[2]);
        assert!(labels[1] == labels[0] || labels[1] == labels[2]);
    }

    #[test]
    fn must_link_joins_below_threshold() {
        let labels = run(3, &[(0, 1, -5.0)], &[], &[(0, 1)]);
        assert_eq!(labels, vec![0, 0, 2]);
    }

    #[test]
    fn gaec_merges_by_total_score() {
        // Chain 0-1-2 with 0-2 strongly negative: only one of the links survives.
        let l = gaec(3, &[(0, 1, 5.0), (1, 2, 4.0), (0, 2, -20.0)]);
        assert_eq!(l, vec![0, 0, 2]);
    }
}
