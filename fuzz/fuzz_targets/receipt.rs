//! Receipt (tlog-proof) decoding and verification from hostile bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tepat_ledger::{KeyType, LogPolicy, NoteSigner, Receipt};

fuzz_target!(|data: &[u8]| {
    let log = NoteSigner::from_seed("fuzz.example/log", KeyType::Ed25519, [1; 32]).unwrap();
    let w = NoteSigner::from_seed("fuzz.example/w", KeyType::CosignatureV1, [2; 32]).unwrap();
    if let Ok(r) = Receipt::decode(data) {
        assert_eq!(Receipt::decode(&r.encode()).unwrap(), r);
        let _ = r.verify(&LogPolicy::new(log.verifier(), vec![w.verifier()], 1));
    }
});
