//! The independent verifier: from nothing but a [`Fetcher`] (a directory, a mirror, or HTTP) and a
//! [`LogPolicy`], fetch the checkpoint and every tile, recompute every hash and the root, check the log
//! signature and the witness quorum, walk the aid chains, and sum amounts per program, cycle and region.
//! Every inconsistency is listed in the [`Report`]; hostile input yields problems, never a panic.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use crate::checkpoint::Checkpoint;
use crate::entry::{AidEvent, EventBody, EventKind, PaymentStatus};
use crate::hash::{leaf_hash, Hash};
use crate::merkle::{consistency_proof, root_of, verify_consistency};
use crate::policy::{Cosigned, LogPolicy};
use crate::storage::{Fetcher, CHECKPOINT_PATH};
use crate::tiles::{
    read_bundle, read_tile, root_from_edge, tile_path, TileReader, TILE_HEIGHT, TILE_WIDTH,
};

/// Most problems kept in a report (all are counted).
pub const MAX_PROBLEMS_LISTED: usize = 1000;

/// One inconsistency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The entry concerned, if any.
    pub index: Option<u64>,
    /// What is wrong.
    pub what: String,
}

/// Amounts (rupiah) per program, cycle and region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Budget allocated.
    pub budget: u128,
    /// Total of approved beneficiary lists.
    pub listed: u128,
    /// Beneficiaries in approved lists.
    pub listed_count: u64,
    /// Total of approved payment envelopes (one per program and cycle).
    pub enveloped: u128,
    /// Entitlements announced by those envelopes.
    pub enveloped_count: u64,
    /// Entitlements.
    pub entitled: u128,
    /// Number of entitlements.
    pub entitlements: u64,
    /// Payment instructions.
    pub instructed: u128,
    /// Payments reported successful.
    pub paid: u128,
    /// Payments reported failed or returned.
    pub unpaid: u128,
    /// Handed over.
    pub handed_over: u128,
    /// Number of hand-overs.
    pub hand_overs: u64,
    /// Reversed (corrections).
    pub reversed: u128,
}

impl Totals {
    /// What reached households: payments credited, less those reversed (returned), plus cash and goods
    /// handed over. The open-data portal's `disbursed_rp`.
    pub fn disbursed(&self) -> u128 {
        (self.paid + self.handed_over).saturating_sub(self.reversed)
    }

    /// Whether any aid step (an entitlement or what follows one) was summed here: budgets, lists and
    /// envelopes carry the office's region, not a village, and are not part of the published figures.
    fn has_aid(&self) -> bool {
        self.entitlements > 0 || self.paid > 0 || self.unpaid > 0 || self.handed_over > 0
    }
}

/// The figures the open-data portal (`/data`) publishes for one program, cycle and region, as the
/// ledger gives them (before the portal's small-cell suppression).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishedFigures {
    /// Entitlements: the portal's `households`.
    pub households: u64,
    /// The portal's `entitled_rp`.
    pub entitled: u128,
    /// The portal's `disbursed_rp` ([`Totals::disbursed`]).
    pub disbursed: u128,
}

/// The portal's level of a dotted region code: `""` total, `19` province, `19.02` regency,
/// `19.02.01` district, `19.02.01.2001` village.
pub fn region_level(region: &str) -> &'static str {
    match region.split('.').filter(|p| !p.is_empty()).count() {
        0 => "total",
        1 => "province",
        2 => "regency",
        3 => "district",
        _ => "village",
    }
}

/// An audit anchor found in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnchorSeen {
    /// Its index in the log.
    pub index: u64,
    /// Audit entries it covers.
    pub entries: u64,
    /// The audit chain's hash after those entries.
    pub head: Hash,
}

/// What the verifier found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The verified checkpoint (if its signature and quorum held).
    pub checkpoint: Option<Checkpoint>,
    /// Cosignatures that verified.
    pub cosignatures: Vec<Cosigned>,
    /// Entries read and checked.
    pub entries: u64,
    /// Entries per kind.
    pub kinds: BTreeMap<&'static str, u64>,
    /// Totals by (program, cycle, region).
    pub totals: BTreeMap<(String, String, String), Totals>,
    /// The latest audit anchor per region (an anchor's count never decreases within a region).
    pub audit_anchors: BTreeMap<String, AnchorSeen>,
    /// Problems, at most [`MAX_PROBLEMS_LISTED`].
    pub problems: Vec<Problem>,
    /// All problems counted.
    pub problem_count: u64,
}

impl Report {
    /// No inconsistency found.
    pub fn is_ok(&self) -> bool {
        self.problem_count == 0 && self.checkpoint.is_some()
    }

    fn problem(&mut self, index: Option<u64>, what: impl Into<String>) {
        self.problem_count += 1;
        if self.problems.len() < MAX_PROBLEMS_LISTED {
            self.problems.push(Problem {
                index,
                what: what.into(),
            });
        }
    }

    /// The totals grouped as the open-data portal publishes them: per program and cycle, for the
    /// whole log (region `""`) and every region at every level above and at the village, each the sum
    /// of the aid steps logged in the villages inside it.
    pub fn published_figures(&self) -> BTreeMap<(String, String, String), PublishedFigures> {
        let mut out: BTreeMap<(String, String, String), PublishedFigures> = BTreeMap::new();
        for ((program, cycle, region), t) in &self.totals {
            if !t.has_aid() {
                continue;
            }
            let parts: Vec<&str> = region.split('.').collect();
            for depth in 0..=parts.len() {
                let f = out
                    .entry((program.clone(), cycle.clone(), parts[..depth].join(".")))
                    .or_default();
                f.households += t.entitlements;
                f.entitled += t.entitled;
                f.disbursed += t.disbursed();
            }
        }
        out
    }

    /// A plain-text rendering for terminals and files.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        match &self.checkpoint {
            Some(c) => {
                let _ = writeln!(s, "log        {}", c.origin);
                let _ = writeln!(s, "size       {}", c.size);
                let _ = writeln!(s, "root       {}", c.root.to_base64());
            }
            None => {
                let _ = writeln!(s, "checkpoint NOT VERIFIED");
            }
        }
        for c in &self.cosignatures {
            let _ = writeln!(s, "cosigned   {} at {}", c.witness, c.time);
        }
        let _ = writeln!(s, "entries    {} checked", self.entries);
        for (k, n) in &self.kinds {
            let _ = writeln!(s, "  {k:<20} {n}");
        }
        for (region, a) in &self.audit_anchors {
            let _ = writeln!(
                s,
                "audit      region {region}: {} entries anchored at entry {} (head {})",
                a.entries,
                a.index,
                a.head.to_hex()
            );
        }
        if !self.totals.is_empty() {
            let _ = writeln!(
                s,
                "\n{:<10} {:<10} {:<14} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16}",
                "program",
                "cycle",
                "region",
                "budget",
                "listed",
                "enveloped",
                "entitled",
                "paid",
                "handed over",
                "reversed"
            );
            for ((p, c, r), t) in &self.totals {
                let _ = writeln!(
                    s,
                    "{p:<10} {c:<10} {r:<14} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16}",
                    t.budget, t.listed, t.enveloped, t.entitled, t.paid, t.handed_over, t.reversed
                );
            }
        }
        let figures = self.published_figures();
        if !figures.is_empty() {
            let _ = writeln!(
                s,
                "\npublished figures (the open-data portal's /data tables, before suppression)"
            );
            let _ = writeln!(
                s,
                "{:<10} {:<10} {:<9} {:<14} {:>12} {:>16} {:>16}",
                "program", "cycle", "level", "region", "households", "entitled_rp", "disbursed_rp"
            );
            for ((p, c, r), f) in &figures {
                let _ = writeln!(
                    s,
                    "{p:<10} {c:<10} {:<9} {r:<14} {:>12} {:>16} {:>16}",
                    region_level(r),
                    f.households,
                    f.entitled,
                    f.disbursed
                );
            }
        }
        if self.problem_count == 0 && self.checkpoint.is_some() {
            let _ = writeln!(s, "\nOK: no inconsistency found");
        } else {
            let _ = writeln!(s, "\n{} PROBLEM(S):", self.problem_count.max(1));
            for p in &self.problems {
                match p.index {
                    Some(i) => {
                        let _ = writeln!(s, "  entry {i}: {}", p.what);
                    }
                    None => {
                        let _ = writeln!(s, "  {}", p.what);
                    }
                }
            }
            if self.problem_count as usize > self.problems.len() {
                let _ = writeln!(
                    s,
                    "  … and {} more",
                    self.problem_count as usize - self.problems.len()
                );
            }
        }
        s
    }
}

/// What the verifier remembers of each entry, to check children against parents.
#[derive(Clone)]
struct Rec {
    leaf: Hash,
    kind: Option<EventKind>,
    status: Option<PaymentStatus>,
    group: u32,
    amount: u64,
    count: u32,
    children_amount: u64,
    children_count: u32,
    reversed: u64,
    /// The parent's index (`u64::MAX`: none, or not a valid one).
    parent: u64,
}

/// Options of a verification run.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// A checkpoint seen earlier (e.g. by the last run): the new one must be consistent with it.
    pub previous: Option<Checkpoint>,
}

/// Verifies a whole log.
pub fn verify_log<F: Fetcher + ?Sized>(
    f: &F,
    policy: &LogPolicy,
    options: &VerifyOptions,
) -> Report {
    let mut report = Report::default();
    let bytes = match f.fetch(CHECKPOINT_PATH) {
        Ok(Some(b)) => b,
        Ok(None) => {
            report.problem(None, "the log has no checkpoint");
            return report;
        }
        Err(e) => {
            report.problem(None, format!("fetching the checkpoint: {e}"));
            return report;
        }
    };
    let verified = match policy.verify_checkpoint(&bytes) {
        Ok(v) => v,
        Err(e) => {
            report.problem(None, format!("checkpoint rejected: {e}"));
            return report;
        }
    };
    let cp = verified.checkpoint.clone();
    report.checkpoint = Some(cp.clone());
    report.cosignatures = verified.cosignatures;
    let n = cp.size;

    // Tree: recompute leaf hashes from the entries, check every stored tile, recompute the root.
    let mut builder = Builder {
        edge: vec![Vec::new()],
        full_tiles: vec![0],
    };
    let mut recs: Vec<Rec> = Vec::with_capacity(n.min(1 << 20) as usize);
    let mut groups: HashMap<(String, String, String), u32> = HashMap::new();
    let mut group_names: Vec<(String, String, String)> = Vec::new();
    let bundles = n.div_ceil(TILE_WIDTH);
    for t in 0..bundles {
        let entries = match read_bundle(f, t, n) {
            Ok(e) => e,
            Err(e) => {
                report.problem(Some(t * TILE_WIDTH), format!("{e}; verification stopped"));
                return report;
            }
        };
        let hashes: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        match read_tile(f, 0, t, n) {
            Ok(stored) => {
                for (i, (a, b)) in hashes.iter().zip(&stored).enumerate() {
                    if a != b {
                        report.problem(
                            Some(t * TILE_WIDTH + i as u64),
                            "the level-0 tile holds a hash that is not the entry's leaf hash",
                        );
                    }
                }
            }
            Err(e) => report.problem(Some(t * TILE_WIDTH), e.to_string()),
        }
        for (i, (entry, h)) in entries.iter().zip(&hashes).enumerate() {
            let index = t * TILE_WIDTH + i as u64;
            check_entry(
                &mut report,
                &mut recs,
                &mut groups,
                &mut group_names,
                index,
                entry,
                *h,
            );
        }
        builder.push(f, &mut report, 0, hashes, n);
        report.entries = (t + 1).saturating_mul(TILE_WIDTH).min(n);
    }
    // Drop empty top levels so the edge describes exactly this tree.
    let mut edge = builder.edge;
    while edge.len() > 1 && edge.last().is_some_and(|l| l.is_empty()) {
        edge.pop();
    }
    let root = root_from_edge(&edge);
    if root != cp.root {
        report.problem(
            None,
            format!(
                "the entries give root {}, the checkpoint says {}",
                root.to_base64(),
                cp.root.to_base64()
            ),
        );
    }
    // Partial tiles on the right edge above level 0 must match too.
    for (level, hashes) in edge.iter().enumerate().skip(1) {
        if hashes.is_empty() {
            continue;
        }
        let index = (n >> (TILE_HEIGHT * level as u32)) / TILE_WIDTH;
        match read_tile(f, level as u8, index, n) {
            Ok(stored) if stored == *hashes => {}
            Ok(_) => report.problem(
                None,
                format!(
                    "tile {} does not match the entries",
                    tile_path(level as u8, index, hashes.len() as u16)
                ),
            ),
            Err(e) => report.problem(None, e.to_string()),
        }
    }
    if let Some(prev) = &options.previous {
        check_previous(f, &mut report, prev, &cp);
    }
    for r in &recs {
        let what = match r.kind {
            Some(EventKind::BeneficiaryList) => "a beneficiary list",
            Some(EventKind::Envelope) => "an envelope",
            _ => continue,
        };
        if r.children_count > r.count {
            report.problem(
                None,
                format!(
                    "{what} of {} has {} entitlements",
                    r.count, r.children_count
                ),
            );
        }
    }
    report
}

fn check_previous<F: Fetcher + ?Sized>(
    f: &F,
    report: &mut Report,
    prev: &Checkpoint,
    cp: &Checkpoint,
) {
    if prev.origin != cp.origin {
        report.problem(None, "the previous checkpoint is for another log");
        return;
    }
    if prev.size > cp.size {
        report.problem(
            None,
            format!(
                "the log shrank: size {} now, {} seen before",
                cp.size, prev.size
            ),
        );
        return;
    }
    if prev.size == 0 {
        return;
    }
    let reader = TileReader::new(f, cp.size);
    match consistency_proof(&reader, prev.size, cp.size) {
        Ok(p) => {
            if let Err(e) = verify_consistency(prev.size, cp.size, &prev.root, &cp.root, &p) {
                report.problem(
                    None,
                    format!(
                        "FORK: the checkpoint seen before (size {}) is not a prefix of this one: {e}",
                        prev.size
                    ),
                );
            }
        }
        Err(e) => report.problem(
            None,
            format!("consistency with the previous checkpoint: {e}"),
        ),
    }
}

/// Rebuilds the tiles above level 0 from recomputed hashes.
struct Builder {
    edge: Vec<Vec<Hash>>,
    full_tiles: Vec<u64>,
}

impl Builder {
    /// Adds a level-`level` tile's hashes (full, or the last partial one). A full tile's root goes one
    /// level up; when that level's tile fills, it is compared with the stored tile and goes up in turn.
    fn push<F: Fetcher + ?Sized>(
        &mut self,
        f: &F,
        report: &mut Report,
        level: usize,
        hashes: Vec<Hash>,
        n: u64,
    ) {
        if self.edge.len() <= level + 1 {
            self.edge.resize(level + 2, Vec::new());
            self.full_tiles.resize(level + 2, 0);
        }
        if hashes.len() < TILE_WIDTH as usize {
            self.edge[level] = hashes;
            return;
        }
        self.full_tiles[level] += 1;
        self.edge[level + 1].push(root_of(&hashes));
        if self.edge[level + 1].len() == TILE_WIDTH as usize {
            let up = std::mem::take(&mut self.edge[level + 1]);
            let index = self.full_tiles[level + 1];
            let l = (level + 1) as u8;
            match read_tile(f, l, index, n) {
                Ok(stored) if stored == up => {}
                Ok(_) => report.problem(
                    None,
                    format!(
                        "tile {} does not match the entries",
                        tile_path(l, index, TILE_WIDTH as u16)
                    ),
                ),
                Err(e) => report.problem(None, e.to_string()),
            }
            self.push(f, report, level + 1, up, n);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_entry(
    report: &mut Report,
    recs: &mut Vec<Rec>,
    groups: &mut HashMap<(String, String, String), u32>,
    group_names: &mut Vec<(String, String, String)>,
    index: u64,
    bytes: &[u8],
    leaf: Hash,
) {
    let ev = match AidEvent::decode(bytes) {
        Ok(ev) => ev,
        Err(e) => {
            report.problem(Some(index), format!("not a canonical aid event: {e}"));
            recs.push(Rec {
                leaf,
                kind: None,
                status: None,
                group: u32::MAX,
                amount: 0,
                count: 0,
                children_amount: 0,
                children_count: 0,
                reversed: 0,
                parent: u64::MAX,
            });
            return;
        }
    };
    let kind = ev.kind();
    *report.kinds.entry(kind.name()).or_default() += 1;
    if let EventBody::AuditAnchor { entries, head } = ev.body {
        // Not an aid step: no totals, no parent. The audit log only grows, so neither may its anchors.
        if let Some(prev) = report.audit_anchors.get(&ev.region) {
            if entries < prev.entries {
                let what = format!(
                    "audit anchor of {entries} entries after one of {} (entry {}): the audit log shrank",
                    prev.entries, prev.index
                );
                report.problem(Some(index), what);
            }
        }
        report.audit_anchors.insert(
            ev.region.clone(),
            AnchorSeen {
                index,
                entries,
                head,
            },
        );
        recs.push(Rec {
            leaf,
            kind: Some(kind),
            status: None,
            group: u32::MAX,
            amount: 0,
            count: 0,
            children_amount: 0,
            children_count: 0,
            reversed: 0,
            parent: u64::MAX,
        });
        return;
    }
    let key = (ev.program.clone(), ev.cycle.clone(), ev.region.clone());
    let group = match groups.get(&key) {
        Some(&g) => g,
        None => {
            let g = group_names.len() as u32;
            groups.insert(key.clone(), g);
            group_names.push(key.clone());
            g
        }
    };
    let amount = ev.amount();
    let totals = report.totals.entry(key).or_default();
    let a = u128::from(amount);
    let mut status = None;
    let mut count = 0;
    match &ev.body {
        EventBody::Budget { .. } => totals.budget += a,
        EventBody::BeneficiaryList { count: c, .. } => {
            totals.listed += a;
            totals.listed_count += u64::from(*c);
            count = *c;
        }
        EventBody::Envelope { count: c, .. } => {
            totals.enveloped += a;
            totals.enveloped_count += u64::from(*c);
            count = *c;
        }
        EventBody::Entitlement { .. } => {
            totals.entitled += a;
            totals.entitlements += 1;
        }
        EventBody::PaymentInstruction { .. } => totals.instructed += a,
        EventBody::PaymentResult { status: s, .. } => {
            status = Some(*s);
            if *s == PaymentStatus::Success {
                totals.paid += a;
            } else {
                totals.unpaid += a;
            }
        }
        EventBody::HandOver { .. } => {
            totals.handed_over += a;
            totals.hand_overs += 1;
        }
        EventBody::Reversal { .. } => totals.reversed += a,
        EventBody::AuditAnchor { .. } => {}
    }
    let mut parent_index = u64::MAX;
    // An instruction whose payment failed, or was paid and reversed, leaves its entitlement's amount
    // free for the next attempt (a retry, or cash after a failed transfer).
    let mut freed: Option<(u64, u64)> = None;
    if let Some(p) = ev.parent {
        if p.index >= index {
            report.problem(
                Some(index),
                format!("names parent {} which is not an earlier entry", p.index),
            );
        } else {
            let parent = &mut recs[p.index as usize];
            let pname = |parent: &Rec| parent.kind.map_or("undecodable entry", |k| k.name());
            if parent.leaf != p.leaf_hash {
                report.problem(
                    Some(index),
                    format!("the leaf hash of parent {} does not match the log", p.index),
                );
            } else if !parent
                .kind
                .is_some_and(|k| kind.allowed_parents().contains(&k))
            {
                report.problem(
                    Some(index),
                    format!(
                        "{} cannot follow {} (entry {})",
                        kind.name(),
                        pname(parent),
                        p.index
                    ),
                );
            } else if parent.group != u32::MAX
                && (group_names[parent.group as usize].0 != ev.program
                    // A list serves every cycle of its period: only its envelopes change cycle.
                    || (group_names[parent.group as usize].1 != ev.cycle
                        && kind != EventKind::Envelope))
            {
                report.problem(
                    Some(index),
                    format!(
                        "program/cycle {}/{} differs from its parent's {}/{}",
                        ev.program,
                        ev.cycle,
                        group_names[parent.group as usize].0,
                        group_names[parent.group as usize].1
                    ),
                );
            } else if kind == EventKind::Reversal {
                parent_index = p.index;
                if parent.kind == Some(EventKind::PaymentResult)
                    && parent.status == Some(PaymentStatus::Success)
                {
                    freed = Some((parent.parent, amount));
                }
                parent.reversed = parent.reversed.saturating_add(amount);
                if parent.reversed > parent.amount {
                    report.problem(
                        Some(index),
                        format!(
                            "reversals of entry {} total {} rupiah, more than its {}",
                            p.index, parent.reversed, parent.amount
                        ),
                    );
                }
            } else if kind == EventKind::Envelope {
                // Each cycle's envelope stands on its own under the list: nothing is summed against
                // the list, whose count and total bound its own entitlements (logs before kind 9).
            } else {
                parent_index = p.index;
                if kind == EventKind::PaymentResult && status != Some(PaymentStatus::Success) {
                    freed = Some((p.index, parent.amount));
                }
                if kind == EventKind::HandOver
                    && parent.kind == Some(EventKind::PaymentResult)
                    && parent.status != Some(PaymentStatus::Success)
                {
                    report.problem(
                        Some(index),
                        format!("hand-over after payment {} that did not succeed", p.index),
                    );
                }
                parent.children_amount = parent.children_amount.saturating_add(amount);
                parent.children_count = parent.children_count.saturating_add(1);
                // Results and hand-overs repeat the parent's amount; other children share it.
                let limit_exceeded = match kind {
                    EventKind::PaymentResult | EventKind::HandOver => amount > parent.amount,
                    _ => parent.children_amount > parent.amount,
                };
                if limit_exceeded {
                    report.problem(
                        Some(index),
                        format!(
                            "{} rupiah under {} {} exceed its {} rupiah",
                            match kind {
                                EventKind::PaymentResult | EventKind::HandOver => amount,
                                _ => parent.children_amount,
                            },
                            pname(parent),
                            p.index,
                            parent.amount
                        ),
                    );
                }
            }
        }
    }
    if let Some((instruction, amount)) = freed {
        let entitlement = recs
            .get(instruction as usize)
            .filter(|r| r.kind == Some(EventKind::PaymentInstruction))
            .map(|r| r.parent);
        if let Some(e) = entitlement.and_then(|e| recs.get_mut(e as usize)) {
            e.children_amount = e.children_amount.saturating_sub(amount);
        }
    }
    recs.push(Rec {
        leaf,
        kind: Some(kind),
        status,
        group,
        amount,
        count,
        children_amount: 0,
        children_count: 0,
        reversed: 0,
        parent: parent_index,
    });
}

#[cfg(test)]
mod published_figures_tests {
    use super::*;

    fn totals(
        entitlements: u64,
        entitled: u128,
        paid: u128,
        reversed: u128,
        handed: u128,
    ) -> Totals {
        Totals {
            entitlements,
            entitled,
            paid,
            reversed,
            handed_over: handed,
            ..Totals::default()
        }
    }

    #[test]
    fn figures_roll_villages_up_to_every_level_and_leave_office_entries_out() {
        let mut report = Report::default();
        let key = |r: &str| ("PKH".to_owned(), "2027-T1".to_owned(), r.to_owned());
        report
            .totals
            .insert(key("19.02.01.2001"), totals(3, 300, 200, 100, 0));
        report
            .totals
            .insert(key("19.02.02.2001"), totals(2, 200, 0, 0, 150));
        // The envelope's entry carries the office's regency: not aid to anyone there.
        report.totals.insert(
            key("19.02"),
            Totals {
                enveloped: 500,
                enveloped_count: 5,
                ..Totals::default()
            },
        );
        let f = report.published_figures();
        assert_eq!(
            f[&key("")],
            PublishedFigures {
                households: 5,
                entitled: 500,
                disbursed: 250
            }
        );
        assert_eq!(f[&key("19.02")].households, 5);
        assert_eq!(f[&key("19.02.01")].disbursed, 100);
        assert_eq!(f[&key("19.02.02.2001")].disbursed, 150);
        assert_eq!(f.len(), 7);
        assert_eq!(region_level(""), "total");
        assert_eq!(region_level("19.02.01"), "district");
        let text = report.render_text();
        assert!(text.contains("published figures"), "{text}");
        assert!(
            text.lines().any(|l| l.starts_with("PKH")
                && l.contains("village")
                && l.contains("19.02.02.2001")
                && l.trim_end().ends_with("150")),
            "{text}"
        );
    }
}
