//! Small-cell suppression with complementary suppression over a hierarchy of totals.
//!
//! A published table of counts by province → regency → district → village is a set of equations:
//! every region's value is the sum of its children's. A count below `k` is hidden (primary
//! suppression). Hiding it alone is not enough: with its parent and its siblings published, it is the
//! parent minus the siblings. So in every equation (a parent and its children) either nothing is hidden
//! or at least two values are (complementary suppression). In a tree of equations that rule is
//! sufficient: any combination of equations that isolates one hidden value leaves at least two hidden
//! values on its boundary (`docs/open-data.md`, "Why two").
//!
//! The complement chosen is the smallest non-zero visible sibling (least information lost); a region
//! whose children are all visible gets its smallest child hidden; an only child hides its parent. Zero
//! cells stay visible: they describe nobody, and hiding them protects nothing (zero is also what an
//! absent region means).

/// One cell of the hierarchy: its value and its parent's position (`None` for the root).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cell {
    pub value: u64,
    pub parent: Option<usize>,
}

/// Which cells to hide so that no hidden value is below `k` alone in its equation. `cells[i].parent`
/// must point at an earlier or later cell of the same slice; cycles are not allowed (the region tree
/// has none). `k` ≤ 1 hides nothing.
pub fn suppress(cells: &[Cell], k: u64) -> Vec<bool> {
    let mut hidden: Vec<bool> = cells.iter().map(|c| c.value > 0 && c.value < k).collect();
    if !hidden.iter().any(|h| *h) {
        return hidden;
    }
    let children = children_of(cells);
    // Each pass hides at least one more cell or ends, so at most `cells.len()` passes.
    loop {
        let mut changed = false;
        for (parent, kids) in children.iter().enumerate() {
            if kids.is_empty() {
                continue;
            }
            let hidden_now =
                usize::from(hidden[parent]) + kids.iter().filter(|&&c| hidden[c]).count();
            if hidden_now != 1 {
                continue;
            }
            let complement = kids
                .iter()
                .copied()
                .filter(|&c| !hidden[c] && cells[c].value > 0)
                .min_by_key(|&c| (cells[c].value, c));
            match complement {
                Some(c) => hidden[c] = true,
                None if !hidden[parent] => hidden[parent] = true,
                // The parent alone is hidden and every child is zero: then so is the parent, which
                // was never hidden. Not reachable; nothing to do.
                None => continue,
            }
            changed = true;
        }
        if !changed {
            return hidden;
        }
    }
}

fn children_of(cells: &[Cell]) -> Vec<Vec<usize>> {
    let mut children = vec![Vec::new(); cells.len()];
    for (i, c) in cells.iter().enumerate() {
        if let Some(p) = c.parent {
            children[p].push(i);
        }
    }
    children
}

/// Every equation of the hierarchy has zero or at least two hidden terms: what [`suppress`] ensures,
/// for tests and for checking a publication before it is served.
pub fn is_protected(cells: &[Cell], hidden: &[bool], k: u64) -> bool {
    let small_visible = cells
        .iter()
        .zip(hidden)
        .any(|(c, h)| !h && c.value > 0 && c.value < k);
    if small_visible {
        return false;
    }
    children_of(cells)
        .iter()
        .enumerate()
        .filter(|(_, kids)| !kids.is_empty())
        .all(|(p, kids)| usize::from(hidden[p]) + kids.iter().filter(|&&c| hidden[c]).count() != 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// root(0) → A(1), B(2); A → a1(3), a2(4), a3(5); B → b1(6), b2(7).
    fn tree(values: [u64; 8]) -> Vec<Cell> {
        let parents = [
            None,
            Some(0),
            Some(0),
            Some(1),
            Some(1),
            Some(1),
            Some(2),
            Some(2),
        ];
        values
            .iter()
            .zip(parents)
            .map(|(&value, parent)| Cell { value, parent })
            .collect()
    }

    /// Every value an attacker can compute from the published ones by subtracting published siblings
    /// from a published parent (the differencing attack), repeated until nothing new is learnt.
    fn recoverable(cells: &[Cell], hidden: &[bool]) -> Vec<Option<u64>> {
        let mut known: Vec<Option<u64>> = cells
            .iter()
            .zip(hidden)
            .map(|(c, h)| (!h).then_some(c.value))
            .collect();
        let children = children_of(cells);
        loop {
            let mut learnt = false;
            for (p, kids) in children.iter().enumerate() {
                if kids.is_empty() {
                    continue;
                }
                let unknown: Vec<usize> = std::iter::once(p)
                    .chain(kids.iter().copied())
                    .filter(|&i| known[i].is_none())
                    .collect();
                if unknown.len() != 1 {
                    continue;
                }
                let kid_sum: u64 = kids.iter().filter_map(|&c| known[c]).sum();
                let u = unknown[0];
                known[u] = Some(if u == p {
                    kid_sum
                } else {
                    known[p].unwrap() - kid_sum
                });
                learnt = true;
            }
            if !learnt {
                return known;
            }
        }
    }

    #[test]
    fn a_small_village_hides_its_smallest_sibling_too() {
        let cells = tree([60, 30, 30, 3, 12, 15, 10, 20]);
        let hidden = suppress(&cells, 5);
        assert_eq!(
            hidden,
            [false, false, false, true, true, false, false, false]
        );
        assert!(is_protected(&cells, &hidden, 5));
        let known = recoverable(&cells, &hidden);
        assert_eq!(known[3], None, "the small cell cannot be recomputed");
    }

    #[test]
    fn a_small_district_makes_its_sibling_and_a_village_under_that_sibling_hidden() {
        // B = 4 < 5 (and its villages): A is B's only sibling, hidden as complement; then A's own
        // equation has A alone hidden, so its smallest village is hidden too.
        let cells = tree([34, 30, 4, 8, 10, 12, 1, 3]);
        let hidden = suppress(&cells, 5);
        assert!(hidden[2] && hidden[6] && hidden[7], "primary");
        assert!(hidden[1], "the complement of B");
        assert!(
            hidden[3],
            "A's smallest village, so A is not the sum of its villages"
        );
        assert!(is_protected(&cells, &hidden, 5));
        let known = recoverable(&cells, &hidden);
        for i in [1, 2, 3, 6, 7] {
            assert_eq!(known[i], None, "cell {i} recomputed");
        }
    }

    #[test]
    fn nothing_small_hides_nothing_and_k_one_hides_nothing() {
        let cells = tree([60, 30, 30, 5, 10, 15, 10, 20]);
        assert!(suppress(&cells, 5).iter().all(|h| !h));
        let small = tree([6, 3, 3, 1, 1, 1, 1, 2]);
        assert!(suppress(&small, 1).iter().all(|h| !h));
    }

    #[test]
    fn zero_cells_are_never_the_complement() {
        // a1 = 2 hidden, a2 = 0 cannot hide it: a3 is the complement.
        let cells = tree([50, 30, 20, 2, 0, 28, 10, 10]);
        let hidden = suppress(&cells, 5);
        assert!(!hidden[4]);
        assert!(hidden[3] && hidden[5]);
        assert!(is_protected(&cells, &hidden, 5));
    }

    #[test]
    fn random_hierarchies_never_leak_a_small_cell() {
        // A small deterministic generator: many shapes, no dependency.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % m
        };
        for _ in 0..500 {
            let mut cells = vec![Cell {
                value: 0,
                parent: None,
            }];
            let regions = 1 + next(4) as usize;
            for _ in 0..regions {
                let r = cells.len();
                cells.push(Cell {
                    value: 0,
                    parent: Some(0),
                });
                for _ in 0..1 + next(5) {
                    cells.push(Cell {
                        value: next(14),
                        parent: Some(r),
                    });
                }
            }
            // Parents are the sums of their children, bottom-up (children come after parents).
            for i in (1..cells.len()).rev() {
                if let Some(p) = cells[i].parent {
                    if p != 0 {
                        cells[p].value += cells[i].value;
                    }
                }
            }
            let total: u64 = cells
                .iter()
                .filter(|c| c.parent == Some(0))
                .map(|c| c.value)
                .sum();
            cells[0].value = total;
            let k = 2 + next(6);
            let hidden = suppress(&cells, k);
            assert!(is_protected(&cells, &hidden, k));
            let known = recoverable(&cells, &hidden);
            for (i, c) in cells.iter().enumerate() {
                if c.value > 0 && c.value < k {
                    assert_eq!(known[i], None, "cell {i} of {cells:?} recomputed (k {k})");
                }
            }
        }
    }
}
