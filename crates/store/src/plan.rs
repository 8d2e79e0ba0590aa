//! Deciding what a batch of population rows does to the stored rows: insert, update, nothing, or (for a
//! person who moved to another village) delete under the old key and insert under the new one.
//!
//! A move is a delete plus an insert, not an UPDATE of `village_code`, because the village code is part of
//! the primary key and sharded engines (Citus) cannot change a row's distribution column in place.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use rayon::prelude::*;
use uuid::Uuid;

use crate::model::BatchStats;
use crate::sealing::{PopulationSealer, SealedRow, StoredIndex};

/// What is stored for a person, as far as deciding about a new row of theirs needs.
pub(crate) struct Existing {
    pub village_code: String,
    pub id: Uuid,
    pub kk_index: Vec<u8>,
    pub address: String,
    pub rt: String,
    pub rw: String,
    pub death_date: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

/// A row to insert, with the creation time it keeps (a moved person keeps theirs).
pub(crate) struct Insert {
    pub row: SealedRow,
    pub created_at: DateTime<Utc>,
}

#[derive(Default)]
pub(crate) struct WritePlan {
    pub inserts: Vec<Insert>,
    /// Changed rows that stay in their village; `row.id` is the stored id.
    pub updates: Vec<SealedRow>,
    /// (village code, id) of rows to remove before their moved version is inserted.
    pub deletes: Vec<(String, Uuid)>,
    pub stats: BatchStats,
}

/// What is stored for the NIKs of a batch, keyed by NIK blind index.
#[derive(Default)]
pub(crate) struct Stored {
    /// Stored exactly as in the batch.
    pub same: HashSet<StoredIndex>,
    /// Stored differently.
    pub changed: HashMap<StoredIndex, Existing>,
}

/// Classifies `rows` against what is stored.
pub(crate) fn plan(
    sealer: &PopulationSealer,
    rows: Vec<SealedRow>,
    stored: &Stored,
    now: DateTime<Utc>,
) -> WritePlan {
    let mut plan = WritePlan::default();
    for mut row in rows {
        if stored.same.contains(&row.nik_index) {
            plan.stats.unchanged += 1;
            continue;
        }
        let Some(old) = stored.changed.get(&row.nik_index) else {
            plan.stats.inserted += 1;
            plan.inserts.push(Insert {
                row,
                created_at: now,
            });
            continue;
        };
        plan.stats.updated += 1;
        plan.stats.deaths += u64::from(old.death_date.is_none() && row.record.death_date.is_some());
        plan.stats.moves += u64::from(moved(old, &row));
        // The ciphertexts are bound to the row id, so they are made again for the stored id.
        sealer.reseal(&mut row, old.id);
        if old.village_code == row.record.village.plain() {
            plan.updates.push(row);
        } else {
            plan.deletes.push((old.village_code.clone(), old.id));
            plan.inserts.push(Insert {
                row,
                created_at: old.created_at,
            });
        }
    }
    // New rows sealed lazily (see `PopulationSealer::seal`) get their ciphertexts now, in parallel.
    plan.inserts
        .par_iter_mut()
        .with_min_len(256)
        .filter(|i| i.row.nik_sealed.is_empty())
        .for_each(|i| {
            let id = i.row.id;
            sealer.reseal(&mut i.row, id);
        });
    // Rows of one village go next to each other in the key: inserting them in key order touches each
    // page once per batch instead of once per row.
    plan.inserts.sort_unstable_by(|a, b| {
        (a.row.record.village, a.row.id).cmp(&(b.row.record.village, b.row.id))
    });
    plan
}

/// A move: another village, another address or RT/RW, or another family card.
fn moved(old: &Existing, new: &SealedRow) -> bool {
    let r = &new.record;
    old.village_code != r.village.plain()
        || old.address != r.address
        || old.rt != r.rt
        || old.rw != r.rw
        || old.kk_index[..] != new.kk_index[..]
}
