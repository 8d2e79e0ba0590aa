//! Proof verification and tile / bundle decoding with arbitrary indexes, sizes and hashes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tepat_ledger::tiles::{decode_bundle, decode_hashes};
use tepat_ledger::{verify_consistency, verify_inclusion, Hash};

fuzz_target!(|data: &[u8]| {
    if data.len() < 16 {
        return;
    }
    let m = u64::from_be_bytes(data[..8].try_into().unwrap());
    let n = u64::from_be_bytes(data[8..16].try_into().unwrap());
    let hashes: Vec<Hash> = data[16..]
        .chunks_exact(32)
        .map(|c| Hash::from_slice(c).unwrap())
        .collect();
    if let Some((first, rest)) = hashes.split_first() {
        let root = rest.last().copied().unwrap_or(*first);
        let _ = verify_inclusion(first, m, n, rest, &root);
        let _ = verify_consistency(m, n, first, &root, rest);
        let _ = verify_consistency(m % 1024, n % 1024, first, &root, rest);
        let _ = verify_inclusion(first, m % 1024, n % 1024, rest, &root);
    }
    let width = (m % 300) as usize;
    let _ = decode_bundle("fuzz", &data[16..], width);
    let _ = decode_hashes("fuzz", &data[16..], width);
});
