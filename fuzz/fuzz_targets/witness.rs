//! The witness's add-checkpoint handler from hostile request bodies.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use tepat_ledger::{AddCheckpointRequest, KeyType, NoteSigner, Witness};

fn witness() -> &'static Witness {
    static W: OnceLock<(Witness, std::path::PathBuf)> = OnceLock::new();
    &W.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("tepat-fuzz-witness-{}", std::process::id()));
        let log = NoteSigner::from_seed("fuzz.example/log", KeyType::Ed25519, [1; 32]).unwrap();
        let key = NoteSigner::from_seed("fuzz.example/w", KeyType::CosignatureV1, [2; 32]).unwrap();
        let w = Witness::open(key, vec![log.verifier()], dir.join("state")).unwrap();
        (w, dir)
    })
    .0
}

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = AddCheckpointRequest::parse(data) {
        assert_eq!(AddCheckpointRequest::parse(&req.to_bytes()).unwrap(), req);
    }
    if let Err(e) = witness().add_checkpoint(data) {
        assert!([400, 403, 404, 409, 422, 500].contains(&e.status()));
    }
});
