//! Blocking: which pairs of records are compared at all.
//!
//! Each [`Rule`] is an equi-join on a key computed once per record (a 64-bit hash; 0 means "no key").
//! Rules run one after another as hash joins (sort by key, walk the groups); a pair that an earlier rule
//! already produced (the two records share that rule's key) is skipped, so **no pair is emitted twice** and
//! no set of seen pairs is kept. Each pair remembers the first rule that found it (`match_key`).
//!
//! A block larger than [`BlockingOptions::max_block`] records (very common names in one village, a default
//! date such as 1 January, a placeholder NIK) is **capped**: its records are sorted by name and each is
//! compared only with its next [`BlockingOptions::window`] neighbours (sorted neighbourhood), and the block
//! is reported in [`BlockingReport::capped`]. Work and memory stay bounded whatever the input.

use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use serde::{Deserialize, Serialize};

use crate::compare::{compare, Gamma};
use crate::normalise::phonetic;
use crate::record::Prepared;

/// A blocking rule: records that share its key are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The whole NIK.
    Nik,
    /// The NIK's region and birth date (first 12 of 16 digits; first half of other identifiers): finds a
    /// NIK with a typo in its serial.
    NikHead,
    /// The NIK's birth date and serial (last 10 of 16 digits; second half of other identifiers) + the first
    /// letter of the name: finds a NIK with a typo in its region.
    NikTail,
    /// The KK number.
    Kk,
    /// Birth date + sound key of the first name word.
    DobFirstName,
    /// Birth date + sound key of the last name word.
    DobLastName,
    /// Birth date + village code.
    DobVillage,
    /// Sound keys of all name words (sorted, so reordered names meet) + village code.
    NameVillage,
    /// Sound keys of all name words (sorted) + birth year.
    NameYear,
    /// Birth date + normalised address.
    DobAddress,
    /// Exact canonical name (sorted words) + address.
    NameAddress,
    /// Village + address + birth year: finds records whose name and exact birth date were both mistyped.
    /// (Village + address alone makes blocks of whole hamlets; address + year without the village joins
    /// every "Dusun II RT 1" of the regency.)
    AddressYear,
    /// The name (words sorted, exact) + birth place.
    NamePlace,
    /// Sorted neighbourhood over the whole file: records sorted by name (words sorted), birth date and NIK,
    /// each compared with its next [`BlockingOptions::sorted_window`] neighbours — the net for records
    /// whose NIK is missing and whose name and birth date both carry typos.
    SortedName,
}

impl Rule {
    /// The default rules, cheapest and most precise first.
    pub const DEFAULT: &'static [Rule] = &[
        Rule::Nik,
        Rule::NikHead,
        Rule::NikTail,
        Rule::Kk,
        Rule::DobFirstName,
        Rule::DobLastName,
        Rule::DobVillage,
        Rule::NameVillage,
        Rule::NameYear,
        Rule::DobAddress,
        Rule::NameAddress,
        Rule::AddressYear,
        Rule::NamePlace,
        Rule::SortedName,
    ];

    /// Rules keyed on names or addresses: their blocks grow with the square of a region's density, so
    /// they are capped at [`BlockingOptions::max_block_broad`].
    pub fn is_broad(self) -> bool {
        matches!(
            self,
            Rule::NameVillage | Rule::NameYear | Rule::NamePlace | Rule::AddressYear
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Rule::Nik => "nik",
            Rule::NikHead => "nik_head",
            Rule::NikTail => "nik_tail",
            Rule::Kk => "kk_number",
            Rule::DobFirstName => "birth_date+first_name",
            Rule::DobLastName => "birth_date+last_name",
            Rule::DobVillage => "birth_date+village",
            Rule::NameVillage => "name+village",
            Rule::NameYear => "name+birth_year",
            Rule::DobAddress => "birth_date+address",
            Rule::NameAddress => "name+address",
            Rule::AddressYear => "village+address+birth_year",
            Rule::NamePlace => "name+birth_place",
            Rule::SortedName => "sorted_name",
        }
    }

    /// The key of a record under this rule; 0 when the record has no key (a needed field is missing).
    pub fn key(self, r: &Prepared) -> u64 {
        let mut h = FxHasher::default();
        (self as u8).hash(&mut h);
        let ok = match self {
            Rule::Nik => {
                r.nik.len() >= 4 && {
                    r.nik.hash(&mut h);
                    true
                }
            }
            Rule::NikHead | Rule::NikTail => match id_halves(&r.nik) {
                Some((head, tail)) => {
                    r.nik.len().hash(&mut h);
                    if self == Rule::NikHead {
                        head.hash(&mut h);
                    } else {
                        // Birth date + serial repeats across every kecamatan (serial 0001 above all):
                        // the first letter of the name keeps those blocks small.
                        tail.hash(&mut h);
                        r.name.bytes().next().hash(&mut h);
                    }
                    true
                }
                None => false,
            },
            Rule::Kk => {
                r.kk.len() >= 4 && {
                    r.kk.hash(&mut h);
                    true
                }
            }
            Rule::DobFirstName | Rule::DobLastName => {
                let token = if self == Rule::DobFirstName {
                    r.name_tokens().next()
                } else {
                    let mut t = r.name_tokens();
                    let first = t.next();
                    t.last().filter(|_| first.is_some())
                };
                match (r.dob, token) {
                    (Some(d), Some(t)) => {
                        d.hash(&mut h);
                        phonetic(t).hash(&mut h);
                        true
                    }
                    _ => false,
                }
            }
            Rule::DobVillage => match r.dob {
                Some(d) if !r.village.is_empty() => {
                    d.hash(&mut h);
                    r.village.hash(&mut h);
                    true
                }
                _ => false,
            },
            Rule::SortedName => !r.name.is_empty(),
            Rule::NamePlace => {
                !r.name.is_empty() && !r.place.is_empty() && {
                    r.name_sorted.hash(&mut h);
                    r.place.hash(&mut h);
                    true
                }
            }
            Rule::NameVillage | Rule::NameYear => {
                let extra_ok = match self {
                    Rule::NameVillage => {
                        r.village.hash(&mut h);
                        !r.village.is_empty()
                    }
                    _ => match r.dob {
                        Some(d) => {
                            d[..4].hash(&mut h);
                            true
                        }
                        None => false,
                    },
                };
                extra_ok && hash_name_sound(r, &mut h)
            }
            Rule::DobAddress => match r.dob {
                Some(d) if !r.address.is_empty() => {
                    d.hash(&mut h);
                    r.address.hash(&mut h);
                    true
                }
                _ => false,
            },
            Rule::AddressYear => match r.dob {
                Some(d) if !r.address.is_empty() => {
                    d[..4].hash(&mut h);
                    r.address.hash(&mut h);
                    r.village.hash(&mut h);
                    true
                }
                _ => false,
            },
            Rule::NameAddress => {
                !r.name.is_empty() && !r.address.is_empty() && {
                    r.name_sorted.hash(&mut h);
                    r.address.hash(&mut h);
                    true
                }
            }
        };
        if ok {
            h.finish().max(1)
        } else {
            0
        }
    }
}

fn hash_name_sound(r: &Prepared, h: &mut FxHasher) -> bool {
    let mut keys: Vec<String> = r
        .name_tokens()
        .map(phonetic)
        .filter(|k| !k.is_empty())
        .collect();
    if keys.is_empty() {
        return false;
    }
    keys.sort_unstable();
    keys.hash(h);
    true
}

/// Two overlapping parts of an identifier such that one typo leaves at least one part intact (for a NIK:
/// region+birth date and birth date+serial; a typo in the birth-date digits is left to the date rules).
fn id_halves(id: &str) -> Option<(&str, &str)> {
    let n = id.len();
    if !id.is_ascii() || n < 6 {
        return None;
    }
    if n == 16 {
        Some((&id[..12], &id[6..]))
    } else {
        Some((&id[..n / 2], &id[n / 2..]))
    }
}

/// Settings of blocking.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BlockingOptions {
    pub rules: Vec<Rule>,
    /// Blocks with more records than this are capped (compared by sorted neighbourhood only) and reported
    /// one by one: on an identifier or date rule such a block is pathological (a placeholder NIK).
    pub max_block: usize,
    /// The same limit for the name- and address-based rules ([`Rule::is_broad`]), whose blocks grow with
    /// the square of a region's density (common names in one birth place): their large blocks are routine,
    /// compared by sorted neighbourhood and only counted.
    pub max_block_broad: usize,
    /// Neighbours each record of a capped block is compared with.
    pub window: usize,
    /// Neighbours each record is compared with by [`Rule::SortedName`].
    pub sorted_window: usize,
}

impl Default for BlockingOptions {
    fn default() -> Self {
        BlockingOptions {
            rules: Rule::DEFAULT.to_vec(),
            max_block: 1_000,
            max_block_broad: 40,
            window: 25,
            sorted_window: 4,
        }
    }
}

/// A block that was too large and was capped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CappedBlock {
    pub rule: Rule,
    /// Records in the block (in link mode: left + right).
    pub records: usize,
    /// Pairs the full block would have produced.
    pub pairs_skipped: u64,
}

/// What blocking did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlockingReport {
    /// Pairs emitted by each rule (after dropping pairs of earlier rules), in rule order.
    pub pairs_per_rule: Vec<(Rule, u64)>,
    /// Blocks above `max_block` (the 100 largest; `capped_total` counts them all).
    pub capped: Vec<CappedBlock>,
    pub capped_total: u64,
    /// Blocks of broad rules above `max_block_broad`, compared by sorted neighbourhood.
    pub windowed_blocks: u64,
    /// Pairs those blocks would have added.
    pub windowed_pairs_skipped: u64,
}

impl BlockingReport {
    pub fn total_pairs(&self) -> u64 {
        self.pairs_per_rule.iter().map(|(_, n)| n).sum()
    }
}

/// A compared candidate pair. In dedupe mode `a < b` index one record set; in link mode `a` indexes the
/// left set and `b` the right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub a: u32,
    pub b: u32,
    pub gamma: Gamma,
    /// Index in the rule list of the first rule that produced the pair.
    pub rule: u8,
}

/// Per-record keys of every rule, record-major (`keys[record * rules + rule]`): checking whether a pair
/// shares an earlier rule's key then reads one or two cache lines per record.
pub(crate) fn keys_of(records: &[Prepared], rules: &[Rule]) -> Vec<u64> {
    records
        .par_iter()
        .flat_map_iter(|r| rules.iter().map(move |rule| rule.key(r)))
        .collect()
}

/// An upper bound on the pairs one set's blocking compares, from the size of each rule's blocks alone (no
/// comparison): `n(n−1)/2` for a block within its limit, `n × window` for a larger one. Pairs shared by
/// several rules count once per rule, so the bound is above the real count. `keys` from [`keys_of`].
pub(crate) fn pair_bound(keys: &[u64], opts: &BlockingOptions) -> u64 {
    let nr = opts.rules.len();
    let mut total = 0u64;
    for (ri, rule) in opts.rules.iter().enumerate() {
        let mut k: Vec<u64> = keys
            .iter()
            .skip(ri)
            .step_by(nr)
            .copied()
            .filter(|k| *k != 0)
            .collect();
        k.par_sort_unstable();
        let (limit, window) = if *rule == Rule::SortedName {
            (1, opts.sorted_window)
        } else if rule.is_broad() {
            (opts.max_block_broad, opts.window)
        } else {
            (opts.max_block, opts.window)
        };
        let mut start = 0;
        for i in 1..=k.len() {
            if i == k.len() || k[i] != k[start] {
                let n = (i - start) as u64;
                total += if n as usize <= limit {
                    n * n.saturating_sub(1) / 2
                } else {
                    n * window as u64
                };
                start = i;
            }
        }
    }
    total
}

/// The records to join: one set (dedupe) or two (link).
#[derive(Clone, Copy)]
pub(crate) enum Sides<'a> {
    One(&'a [Prepared]),
    Two(&'a [Prepared], &'a [Prepared]),
}

/// Generates and compares every candidate pair. `on_progress` is called with the number of pairs compared
/// as work advances.
pub(crate) fn candidates(
    sides: Sides<'_>,
    opts: &BlockingOptions,
    on_progress: &(dyn Fn(u64) + Sync),
) -> (Vec<Candidate>, BlockingReport) {
    let (c, r, _) = candidates_with(sides, opts, on_progress, &Sink::default());
    (c, r)
}

/// What to do with compared pairs: keep only some (`keep`), and/or count comparison vectors.
#[derive(Default)]
pub(crate) struct Sink<'a> {
    pub keep: Option<&'a (dyn Fn(&Candidate) -> bool + Sync)>,
    pub histogram: bool,
    /// Compare only a sample of about one block in `sample` (0 or 1: every block) and count each sampled
    /// pair `sample` times in the histogram: training needs the shape of the candidates' comparison
    /// vectors, not every one of them. Blocks are chosen by a hash of their key (so a block is taken
    /// whole or not at all); a windowed block (and the sorted neighbourhood) is sampled by window start.
    pub sample: u64,
}

impl Sink<'_> {
    /// Whether the block (or window start) with this key hash is in the sample.
    #[inline]
    fn sampled(&self, key: u64) -> bool {
        self.sample <= 1 || mix(key).is_multiple_of(self.sample)
    }

    fn scale(&self) -> f64 {
        self.sample.max(1) as f64
    }
}

/// A 64-bit finaliser (splitmix64): spreads FxHash keys and small integers evenly before taking a modulus.
#[inline]
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d049bb133111eb);
    x ^ (x >> 31)
}

/// Counts of distinct comparison vectors.
pub(crate) type Histogram = FxHashMap<Gamma, f64>;

/// [`candidates`] with a sink: pairs not kept are compared, counted (per rule and, if asked, in the
/// histogram) and dropped, so memory holds only the pairs that matter.
pub(crate) fn candidates_with(
    sides: Sides<'_>,
    opts: &BlockingOptions,
    on_progress: &(dyn Fn(u64) + Sync),
    sink: &Sink<'_>,
) -> (Vec<Candidate>, BlockingReport, Histogram) {
    let (keys_l, keys_r) = match sides {
        Sides::One(r) => (keys_of(r, &opts.rules), None),
        Sides::Two(l, r) => (keys_of(l, &opts.rules), Some(keys_of(r, &opts.rules))),
    };
    candidates_keyed(sides, &keys_l, keys_r.as_deref(), opts, on_progress, sink)
}

/// [`candidates_with`] on keys already computed by [`keys_of`] (with `opts.rules`), so that a run that
/// blocks twice computes them once.
pub(crate) fn candidates_keyed(
    sides: Sides<'_>,
    keys_l: &[u64],
    keys_r: Option<&[u64]>,
    opts: &BlockingOptions,
    on_progress: &(dyn Fn(u64) + Sync),
    sink: &Sink<'_>,
) -> (Vec<Candidate>, BlockingReport, Histogram) {
    let mut histogram = Histogram::default();
    let rules = &opts.rules;
    let (left, right) = match sides {
        Sides::One(r) => (r, None),
        Sides::Two(l, r) => (l, Some(r)),
    };
    let nr = rules.len();
    assert_eq!(keys_l.len(), left.len() * nr, "keys of every rule");
    let mut out: Vec<Candidate> = Vec::new();
    let mut report = BlockingReport::default();
    for (ri, rule) in rules.iter().enumerate() {
        // (key, side, index) sorted by key: the hash join.
        let mut entries: Vec<(u64, u32)> = Vec::new();
        for (i, &k) in keys_l.iter().skip(ri).step_by(nr).enumerate() {
            if k != 0 {
                entries.push((k, i as u32));
            }
        }
        const RIGHT: u32 = 1 << 31;
        if let Some(kr) = &keys_r {
            for (i, &k) in kr.iter().skip(ri).step_by(nr).enumerate() {
                if k != 0 {
                    entries.push((k, i as u32 | RIGHT));
                }
            }
        }
        entries.par_sort_unstable();
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut start = 0;
        for i in 1..=entries.len() {
            if i == entries.len() || entries[i].0 != entries[start].0 {
                if i - start >= 2 {
                    groups.push((start, i));
                }
                start = i;
            }
        }
        let earlier_shares = |a: u32, b: u32| -> bool {
            let ka = &keys_l[a as usize * nr..a as usize * nr + ri];
            let kb = match &keys_r {
                Some(kr) => &kr[b as usize * nr..b as usize * nr + ri],
                None => &keys_l[b as usize * nr..b as usize * nr + ri],
            };
            ka.iter().zip(kb).any(|(x, y)| *x != 0 && x == y)
        };
        let rec = |e: u32| -> &Prepared {
            if e & RIGHT != 0 {
                &right.expect("right side")[(e & !RIGHT) as usize]
            } else {
                &left[e as usize]
            }
        };
        let results: Vec<(Vec<Candidate>, Option<CappedBlock>, u64, Histogram)> = groups
            .par_iter()
            .map(|&(s, e)| {
                let block_key = entries[s].0;
                let members: Vec<u32> = entries[s..e].iter().map(|x| x.1).collect();
                let mut local = Vec::new();
                let mut emit = |x: u32, y: u32| {
                    // Orient: dedupe a < b; link a = left, b = right.
                    let (a, b) = match &keys_r {
                        None => (x.min(y), x.max(y)),
                        Some(_) => {
                            if (x & RIGHT == 0) == (y & RIGHT == 0) {
                                return;
                            }
                            if x & RIGHT == 0 {
                                (x, y & !RIGHT)
                            } else {
                                (y, x & !RIGHT)
                            }
                        }
                    };
                    if earlier_shares(a, b) {
                        return;
                    }
                    let (ra, rb) = match right {
                        None => (&left[a as usize], &left[b as usize]),
                        Some(r) => (&left[a as usize], &r[b as usize]),
                    };
                    local.push(Candidate {
                        a,
                        b,
                        gamma: compare(ra, rb),
                        rule: ri as u8,
                    });
                };
                let n = members.len();
                let full_pairs = match &keys_r {
                    None => (n as u64) * (n as u64 - 1) / 2,
                    Some(_) => {
                        let nr = members.iter().filter(|m| *m & RIGHT != 0).count() as u64;
                        nr * (n as u64 - nr)
                    }
                };
                let limit = if *rule == Rule::SortedName {
                    1
                } else if rule.is_broad() {
                    opts.max_block_broad
                } else {
                    opts.max_block
                };
                let window = if *rule == Rule::SortedName {
                    opts.sorted_window
                } else {
                    opts.window
                };
                if n <= limit {
                    if !sink.sampled(block_key) {
                        return (Vec::new(), None, 0, Histogram::default());
                    }
                    for i in 0..n {
                        for j in i + 1..n {
                            emit(members[i], members[j]);
                        }
                    }
                    finish_group(local, None, sink)
                } else {
                    let mut sorted = members.clone();
                    sorted.sort_by(|x, y| {
                        let (a, b) = (rec(*x), rec(*y));
                        (&a.name_sorted, &a.dob, &a.nik).cmp(&(&b.name_sorted, &b.dob, &b.nik))
                    });
                    for i in 0..n {
                        if !sink.sampled(block_key ^ i as u64) {
                            continue;
                        }
                        for j in i + 1..(i + 1 + window).min(n) {
                            emit(sorted[i], sorted[j]);
                        }
                    }
                    let kept = local.len() as u64;
                    let capped = CappedBlock {
                        rule: *rule,
                        records: n,
                        pairs_skipped: full_pairs.saturating_sub(kept),
                    };
                    finish_group(local, Some(capped), sink)
                }
            })
            .inspect(|(_, _, n, _)| on_progress(*n))
            .collect();
        let mut count = 0u64;
        for (v, capped, compared, hist) in results {
            count += compared;
            out.extend(v);
            for (g, c) in hist {
                *histogram.entry(g).or_insert(0.0) += c;
            }
            if let Some(c) = capped {
                if *rule == Rule::SortedName {
                    // The whole file is one window by design: not a capped block.
                } else if c.records > opts.max_block {
                    report.capped_total += 1;
                    report.capped.push(c);
                } else {
                    report.windowed_blocks += 1;
                    report.windowed_pairs_skipped += c.pairs_skipped;
                }
            }
        }
        report.pairs_per_rule.push((*rule, count));
    }
    report.capped.sort_by_key(|c| std::cmp::Reverse(c.records));
    report.capped.truncate(100);
    (out, report, histogram)
}

/// Applies the sink to one group's pairs: (kept pairs, capped block, pairs compared, histogram).
fn finish_group(
    mut local: Vec<Candidate>,
    capped: Option<CappedBlock>,
    sink: &Sink<'_>,
) -> (Vec<Candidate>, Option<CappedBlock>, u64, Histogram) {
    let compared = local.len() as u64;
    let mut hist = Histogram::default();
    if sink.histogram {
        let scale = sink.scale();
        for c in &local {
            *hist.entry(c.gamma).or_insert(0.0) += scale;
        }
    }
    if let Some(keep) = sink.keep {
        local.retain(|c| keep(c));
        local.shrink_to_fit();
    }
    (local, capped, compared, hist)
}

/// Pairs that share one key function, for training (EM sessions). Blocks larger than `max_block` are
/// sampled down to their first `max_block` members; at most `max_pairs` pairs are returned, spread evenly
/// over the blocks.
pub(crate) fn pairs_sharing(
    records: &[Prepared],
    key: impl Fn(&Prepared) -> u64 + Sync,
    max_block: usize,
    max_pairs: usize,
) -> Vec<(u32, u32)> {
    let mut entries: Vec<(u64, u32)> = records
        .par_iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let k = key(r);
            (k != 0).then_some((k, i as u32))
        })
        .collect();
    entries.par_sort_unstable();
    let mut pairs = Vec::new();
    let mut start = 0;
    for i in 1..=entries.len() {
        if i == entries.len() || entries[i].0 != entries[start].0 {
            let block = &entries[start..i.min(start + max_block)];
            for x in 0..block.len() {
                for y in x + 1..block.len() {
                    pairs.push((block[x].1, block[y].1));
                }
            }
            start = i;
        }
    }
    if pairs.len() > max_pairs {
        let step = pairs.len() as f64 / max_pairs as f64;
        pairs = (0..max_pairs)
            .map(|k| pairs[(k as f64 * step) as usize])
            .collect();
    }
    pairs
}

/// Candidate pairs of one record set (for tests and diagnostics): `(a, b)` indices, `a < b`.
#[doc(hidden)]
pub fn candidates_for_test(
    records: &[Prepared],
    opts: &BlockingOptions,
) -> (Vec<(u32, u32)>, BlockingReport) {
    let (c, r) = candidates(Sides::One(records), opts, &|_| {});
    (c.into_iter().map(|c| (c.a, c.b)).collect(), r)
}

/// Candidate pairs with comparison vectors (for tests and diagnostics).
#[doc(hidden)]
pub fn candidates_full_for_test(
    records: &[Prepared],
    opts: &BlockingOptions,
) -> (Vec<Candidate>, BlockingReport) {
    candidates(Sides::One(records), opts, &|_| {})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{NormaliseOptions, PersonRecord};
    use std::collections::HashSet;

    fn rec(id: &str, nik: &str, name: &str, dob: &str, village: &str) -> Prepared {
        Prepared::from_record(
            &PersonRecord {
                record_id: id.into(),
                nik: nik.into(),
                full_name: name.into(),
                birth_date: dob.into(),
                village_code: village.into(),
                ..Default::default()
            },
            &NormaliseOptions::default(),
        )
    }

    #[test]
    fn union_of_rules_never_emits_a_pair_twice() {
        let records = vec![
            rec(
                "1",
                "3175070101900001",
                "Budi Santoso",
                "1990-01-01",
                "31.75.07.1001",
            ),
            rec(
                "2",
                "3175070101900001",
                "Budi Santoso",
                "1990-01-01",
                "31.75.07.1001",
            ),
            rec(
                "3",
                "3175070101900002",
                "Budi Santosa",
                "1990-01-01",
                "31.75.07.1001",
            ),
            rec("4", "", "Santoso Budi", "1990-01-01", "31.75.07.1001"),
            rec("5", "", "Wayan Sudirta", "1970-05-05", "51.71.01.1001"),
        ];
        let (pairs, report) =
            candidates(Sides::One(&records), &BlockingOptions::default(), &|_| {});
        let set: HashSet<(u32, u32)> = pairs.iter().map(|p| (p.a, p.b)).collect();
        assert_eq!(set.len(), pairs.len(), "a pair was emitted twice");
        assert!(pairs.iter().all(|p| p.a < p.b));
        for (a, b) in [(0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3)] {
            assert!(set.contains(&(a, b)), "missing {a}-{b}");
        }
        // The stranger meets the others only in the sorted neighbourhood, the net of last resort.
        assert!(pairs
            .iter()
            .filter(|p| p.a == 4 || p.b == 4)
            .all(|p| opts_rule(p.rule) == Rule::SortedName));
        assert_eq!(report.total_pairs(), pairs.len() as u64);
        // The first rule that found 0-1 is the NIK rule.
        let p01 = pairs.iter().find(|p| (p.a, p.b) == (0, 1)).unwrap();
        assert_eq!(opts_rule(p01.rule), Rule::Nik);
    }

    fn opts_rule(i: u8) -> Rule {
        BlockingOptions::default().rules[i as usize]
    }

    #[test]
    fn huge_blocks_are_capped_and_reported() {
        let records: Vec<Prepared> = (0..3000)
            .map(|i| {
                rec(
                    &i.to_string(),
                    "9999999999999999",
                    &format!("Orang {i}"),
                    "",
                    "",
                )
            })
            .collect();
        let opts = BlockingOptions {
            rules: vec![Rule::Nik],
            max_block: 1000,
            window: 5,
            ..Default::default()
        };
        let (pairs, report) = candidates(Sides::One(&records), &opts, &|_| {});
        assert_eq!(report.capped.len(), 1);
        assert_eq!(report.capped[0].records, 3000);
        assert!(pairs.len() <= 3000 * 5);
        assert_eq!(
            report.capped[0].pairs_skipped,
            3000 * 2999 / 2 - pairs.len() as u64
        );
    }

    #[test]
    fn broad_rules_window_their_large_blocks_and_count_them() {
        let records: Vec<Prepared> = (0..100)
            .map(|i| {
                Prepared::from_record(
                    &PersonRecord {
                        record_id: i.to_string(),
                        full_name: "Siti Aminah".into(),
                        birth_place: "Tanjungpandan".into(),
                        ..Default::default()
                    },
                    &NormaliseOptions::default(),
                )
            })
            .collect();
        let opts = BlockingOptions {
            rules: vec![Rule::NamePlace],
            ..Default::default()
        };
        let (pairs, report) = candidates(Sides::One(&records), &opts, &|_| {});
        assert!(report.capped.is_empty());
        assert_eq!(report.windowed_blocks, 1);
        assert!(pairs.len() <= 100 * opts.window);
        assert_eq!(
            report.windowed_pairs_skipped,
            100 * 99 / 2 - pairs.len() as u64
        );
    }

    #[test]
    fn sorted_neighbourhood_compares_close_names() {
        let names = [
            "Budi Santoso",
            "Budi Santosa",
            "Zaenal Abidin",
            "Agus Salim",
            "Agus Salem",
        ];
        let records: Vec<Prepared> = names.iter().map(|n| rec("x", "", n, "", "")).collect();
        let opts = BlockingOptions {
            rules: vec![Rule::SortedName],
            sorted_window: 1,
            ..Default::default()
        };
        let (pairs, report) = candidates(Sides::One(&records), &opts, &|_| {});
        let set: HashSet<(u32, u32)> = pairs.iter().map(|p| (p.a, p.b)).collect();
        assert!(set.contains(&(0, 1)) && set.contains(&(3, 4)));
        assert_eq!(pairs.len(), 4, "window 1: each record with its next");
        assert!(report.capped.is_empty() && report.windowed_blocks == 0);
    }

    #[test]
    fn a_sampled_pass_compares_fewer_pairs_and_weights_its_histogram() {
        // 2,000 records in 400 birth-date blocks of 5 (10 pairs each), no other rule.
        let records: Vec<Prepared> = (0..2000)
            .map(|i| {
                let day = i / 5;
                let dob = format!(
                    "19{:02}-{:02}-{:02}",
                    50 + day / 336,
                    1 + day / 28 % 12,
                    1 + day % 28
                );
                rec(
                    &i.to_string(),
                    "",
                    &format!("Orang {}", i % 5),
                    &dob,
                    "11.01.01.2001",
                )
            })
            .collect();
        let opts = BlockingOptions {
            rules: vec![Rule::DobVillage],
            ..Default::default()
        };
        let all = Sink {
            histogram: true,
            ..Default::default()
        };
        let (_, full, hist_full) = candidates_with(Sides::One(&records), &opts, &|_| {}, &all);
        assert_eq!(full.total_pairs(), 4000);
        let sampled = Sink {
            histogram: true,
            sample: 8,
            ..Default::default()
        };
        let (_, part, hist) = candidates_with(Sides::One(&records), &opts, &|_| {}, &sampled);
        // About one block in eight, each taken whole (a multiple of 10 pairs).
        let compared = part.total_pairs();
        assert!((200..=900).contains(&compared), "compared {compared}");
        assert_eq!(compared % 10, 0, "blocks are taken whole");
        let total: f64 = hist.values().sum();
        assert_eq!(total, compared as f64 * 8.0);
        let full_total: f64 = hist_full.values().sum();
        assert!(
            (total / full_total - 1.0).abs() < 0.5,
            "{total} vs {full_total}"
        );
        // The sample is the same every run.
        let (_, again, _) = candidates_with(Sides::One(&records), &opts, &|_| {}, &sampled);
        assert_eq!(again.total_pairs(), compared);
    }

    #[test]
    fn a_sampled_pass_samples_windows_of_the_sorted_neighbourhood() {
        let records: Vec<Prepared> = (0..1000)
            .map(|i| rec(&i.to_string(), "", &format!("Nama {i:04}"), "", ""))
            .collect();
        let opts = BlockingOptions {
            rules: vec![Rule::SortedName],
            sorted_window: 2,
            ..Default::default()
        };
        let sampled = Sink {
            histogram: true,
            sample: 4,
            ..Default::default()
        };
        let (_, report, _) = candidates_with(Sides::One(&records), &opts, &|_| {}, &sampled);
        // 1,997 pairs in all; about a quarter of the window starts are taken.
        let n = report.total_pairs();
        assert!((300..=700).contains(&n), "compared {n}");
    }

    #[test]
    fn the_pair_bound_is_above_the_pairs_compared() {
        let records: Vec<Prepared> = (0..3000)
            .map(|i| {
                rec(
                    &i.to_string(),
                    if i % 3 == 0 { "9999999999999999" } else { "" },
                    &format!("Siti {}", i % 7),
                    "1970-01-01",
                    "11.01.01.2001",
                )
            })
            .collect();
        let opts = BlockingOptions::default();
        let keys = keys_of(&records, &opts.rules);
        let bound = pair_bound(&keys, &opts);
        let (pairs, _) = candidates(Sides::One(&records), &opts, &|_| {});
        assert!(bound >= pairs.len() as u64, "{bound} < {}", pairs.len());
        // The 1,000-record NIK block is within its limit: all its pairs are in the bound.
        assert!(bound >= 1000 * 999 / 2);
        // Nothing in common: only the sorted neighbourhood's window.
        let strangers: Vec<Prepared> = (0..100)
            .map(|i| rec(&i.to_string(), "", &format!("Nama{i}"), "", ""))
            .collect();
        let keys = keys_of(&strangers, &opts.rules);
        assert_eq!(pair_bound(&keys, &opts), 100 * opts.sorted_window as u64);
    }

    #[test]
    fn link_mode_pairs_cross_sides_only() {
        let left = vec![
            rec("l1", "3175070101900001", "Budi Santoso", "1990-01-01", ""),
            rec("l2", "3175070101900001", "Budi Santoso", "1990-01-01", ""),
        ];
        let right = vec![rec(
            "r1",
            "3175070101900001",
            "Budi Santoso",
            "1990-01-01",
            "",
        )];
        let (pairs, _) = candidates(
            Sides::Two(&left, &right),
            &BlockingOptions::default(),
            &|_| {},
        );
        let set: HashSet<(u32, u32)> = pairs.iter().map(|p| (p.a, p.b)).collect();
        assert_eq!(set, HashSet::from([(0, 0), (1, 0)]));
        assert_eq!(pairs.len(), 2);
    }
}
