//! Signed notes, checkpoints, key texts and policies from hostile bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tepat_ledger::{
    Checkpoint, KeyType, LogPolicy, Note, NoteSigner, NoteVerifier, SignedCheckpoint,
};

fuzz_target!(|data: &[u8]| {
    let log = NoteSigner::from_seed("fuzz.example/log", KeyType::Ed25519, [1; 32]).unwrap();
    let w = NoteSigner::from_seed("fuzz.example/w", KeyType::CosignatureV1, [2; 32]).unwrap();
    if let Ok(note) = Note::parse(data) {
        // Whatever parses re-serialises to the same bytes.
        assert_eq!(note.to_bytes(), data);
        let _ = note.check(&[log.verifier(), w.verifier()]);
        let _ = Checkpoint::parse(&note.text);
    }
    let _ = SignedCheckpoint::open(data, &log.verifier());
    let policy = LogPolicy::new(log.verifier(), vec![w.verifier()], 1);
    let _ = policy.verify_checkpoint(data);
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(cp) = Checkpoint::parse(s) {
            assert_eq!(cp.to_text(), s);
        }
        let _ = NoteVerifier::from_vkey(s);
        let _ = NoteSigner::from_skey(s);
        let _ = LogPolicy::parse(s);
    }
});
