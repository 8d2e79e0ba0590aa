//! Quality measures against known truth: pairwise and cluster precision, recall and F1.
//!
//! Recall is always over **all** true pairs, so pairs that blocking never produced count as misses.
//! "Cluster" measures compare the pairs implied by the predicted clusters (every two records in one
//! cluster) with the true pairs: this is where chaining shows up.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// Precision, recall and F1 of a set of predicted pairs.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Metrics {
    pub true_positives: u64,
    pub false_positives: u64,
    pub false_negatives: u64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Metrics {
    pub fn from_counts(tp: u64, fp: u64, fn_: u64) -> Metrics {
        let precision = if tp + fp == 0 {
            1.0
        } else {
            tp as f64 / (tp + fp) as f64
        };
        let recall = if tp + fn_ == 0 {
            1.0
        } else {
            tp as f64 / (tp + fn_) as f64
        };
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Metrics {
            true_positives: tp,
            false_positives: fp,
            false_negatives: fn_,
            precision,
            recall,
            f1,
        }
    }
}

/// An unordered pair key.
pub fn pair_key<T: Ord + Clone>(a: &T, b: &T) -> (T, T) {
    if a <= b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

/// Pairwise metrics of `predicted` against `truth` (both unordered pairs; duplicates ignored).
pub fn pairwise<T: Ord + Clone + Hash>(
    predicted: impl IntoIterator<Item = (T, T)>,
    truth: &HashSet<(T, T)>,
) -> Metrics {
    let predicted: HashSet<(T, T)> = predicted
        .into_iter()
        .map(|(a, b)| pair_key(&a, &b))
        .collect();
    let tp = predicted.iter().filter(|p| truth.contains(p)).count() as u64;
    Metrics::from_counts(tp, predicted.len() as u64 - tp, truth.len() as u64 - tp)
}

/// Every pair of records inside the same cluster.
pub fn cluster_pairs<T: Ord + Clone + Hash>(
    assignment: impl IntoIterator<Item = (T, T)>,
) -> HashSet<(T, T)> {
    let mut members: HashMap<T, Vec<T>> = HashMap::new();
    for (record, cluster) in assignment {
        members.entry(cluster).or_default().push(record);
    }
    let mut out = HashSet::new();
    for m in members.values() {
        for i in 0..m.len() {
            for j in i + 1..m.len() {
                out.insert(pair_key(&m[i], &m[j]));
            }
        }
    }
    out
}

/// Cluster metrics: the pairs implied by `assignment` (record → cluster) against `truth`.
pub fn clusters<T: Ord + Clone + Hash>(
    assignment: impl IntoIterator<Item = (T, T)>,
    truth: &HashSet<(T, T)>,
) -> Metrics {
    pairwise(cluster_pairs(assignment), truth)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_misses_and_chains() {
        let truth: HashSet<(u32, u32)> = [(1, 2), (3, 4)].into_iter().collect();
        let m = pairwise([(2, 1), (1, 3)], &truth);
        assert_eq!(
            (m.true_positives, m.false_positives, m.false_negatives),
            (1, 1, 1)
        );
        assert!((m.f1 - 0.5).abs() < 1e-12);
        // One false pair chains two true pairs into one cluster of four: 2 right, 4 wrong.
        let c = clusters([(1, 0), (2, 0), (3, 0), (4, 0)], &truth);
        assert_eq!(
            (c.true_positives, c.false_positives, c.false_negatives),
            (2, 4, 0)
        );
    }
}
