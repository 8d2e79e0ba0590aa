//! The upload reports waiting to be downloaded: kept in memory for an hour, at most [`KEEP`] of them,
//! each readable only by the account that uploaded the file (the id in the download URL, a UUIDv7, says
//! nothing about the file). The report can hold names from the file, so it is never written to disk or
//! logs, and a restart forgets it (the operator uploads again with "Check only").

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use uuid::Uuid;

/// The most reports kept; the oldest goes first.
const KEEP: usize = 200;
const TTL: Duration = Duration::from_secs(3600);

struct Kept {
    owner: Uuid,
    at: Instant,
    csv: Vec<u8>,
}

fn reports() -> &'static Mutex<HashMap<Uuid, Kept>> {
    static REPORTS: OnceLock<Mutex<HashMap<Uuid, Kept>>> = OnceLock::new();
    REPORTS.get_or_init(Mutex::default)
}

/// Keeps `csv` for `owner`; returns its id.
pub(crate) fn keep(owner: Uuid, csv: Vec<u8>) -> Uuid {
    let id = Uuid::now_v7();
    let mut map = reports().lock().unwrap_or_else(|e| e.into_inner());
    map.retain(|_, k| k.at.elapsed() < TTL);
    if map.len() >= KEEP {
        if let Some(oldest) = map.iter().min_by_key(|(_, k)| k.at).map(|(id, _)| *id) {
            map.remove(&oldest);
        }
    }
    map.insert(
        id,
        Kept {
            owner,
            at: Instant::now(),
            csv,
        },
    );
    id
}

/// The report `id` if `owner` uploaded it and it is not too old.
pub(crate) fn take(owner: Uuid, id: Uuid) -> Option<Vec<u8>> {
    let map = reports().lock().unwrap_or_else(|e| e.into_inner());
    map.get(&id)
        .filter(|k| k.owner == owner && k.at.elapsed() < TTL)
        .map(|k| k.csv.clone())
}
