//! Signed-note, checkpoint and cosignature vectors from the reference sheet, and hostile input.

use proptest::prelude::*;
use tepat_ledger::{
    Checkpoint, CheckpointError, Hash, KeyType, Note, NoteError, NoteSigner, NoteVerifier,
    SignedCheckpoint,
};

const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_TEXT: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_LINE: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

const LOG_VKEY: &str =
    "example.com/tepat-test-log+5d345fbb+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const W1_VKEY: &str =
    "witness.example.com/tepat-w1+ff85d1ff+BC6vFLS2Kqg5ev2y18ts02eX87ro9Q9VfTDkjWakc1hg";
const CHECKPOINT_C: &str = "example.com/tepat-test-log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n— example.com/tepat-test-log XTRfu3IYtkuOb2/ERXUIpGMFrSFdc//cdkaW+MFboRyxfYCR4xKOXJE0eTCFQYAvIf9pWDU0V/SVchpnwRLM+hRkdgI=\n— witness.example.com/tepat-w1 /4XR/wAAAABlU/EA0KokjikDbp0gJm4gLQzUGBp7UCXqY7C5Ve+pHFYkvmhNpAoN7oOnk7gBEkGngMSfJdXO4qadRgmaHq2tyiOQCA==\n";

fn hex32(s: &str) -> [u8; 32] {
    Hash::from_hex(s).unwrap().0
}

#[test]
fn c2sp_example_note_verifies() {
    let v = NoteVerifier::from_vkey(
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k",
    )
    .unwrap();
    assert_eq!(
        v.public_key(),
        hex32("e932791ae6e7a840a46164c904786426d5e7821dd8b29a00d61cae72afdd4da4")
    );
    let note = "This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    let n = Note::parse(note.as_bytes()).unwrap();
    assert_eq!(n.text, "This is an example message.\n");
    assert_eq!(n.verify(std::slice::from_ref(&v)).unwrap(), vec![0]);
    assert_eq!(n.to_bytes(), note.as_bytes());
    // A different text fails with that key.
    let mut m = n.clone();
    m.text = "This is an example message!\n".into();
    assert!(matches!(
        m.verify(&[v]),
        Err(NoteError::BadSignature { .. })
    ));
}

#[test]
fn go_sumdb_example_signs_deterministically() {
    let signer = NoteSigner::from_skey(PETER_SKEY).unwrap();
    assert_eq!(signer.to_skey(), PETER_SKEY);
    assert_eq!(signer.verifier().to_vkey(), PETER_VKEY);
    assert_eq!(signer.key_id(), 0xc74f20a3);
    let sig = signer.sign(PETER_TEXT);
    assert_eq!(sig.to_line(), PETER_LINE);
    let v = NoteVerifier::from_vkey(PETER_VKEY).unwrap();
    let note = Note::parse(format!("{PETER_TEXT}\n{PETER_LINE}").as_bytes()).unwrap();
    note.verify(&[v]).unwrap();
}

#[test]
fn checkpoint_and_cosignature_vector() {
    let seed = NoteSigner::from_skey(PETER_SKEY).unwrap().to_skey();
    // Same seed under the log's name.
    let log = NoteSigner::from_seed(
        "example.com/tepat-test-log",
        KeyType::Ed25519,
        hex32("810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173"),
    )
    .unwrap();
    assert!(seed.contains("PeterNeumann"));
    assert_eq!(log.verifier().to_vkey(), LOG_VKEY);
    let w1 = NoteSigner::from_seed(
        "witness.example.com/tepat-w1",
        KeyType::CosignatureV1,
        hex32("650bc6319f2a28a42f64cd0083cc5b2bd4caafe241b721ae0728fb72c87a3410"),
    )
    .unwrap();
    assert_eq!(w1.verifier().to_vkey(), W1_VKEY);

    let cp = Checkpoint::new(
        "example.com/tepat-test-log",
        8,
        Hash::from_base64("XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=").unwrap(),
    );
    let mut note = cp.sign(&log);
    note.push(w1.cosign(&cp.to_text(), 1_700_000_000));
    assert_eq!(note.to_string(), CHECKPOINT_C);

    let log_v = NoteVerifier::from_vkey(LOG_VKEY).unwrap();
    let w1_v = NoteVerifier::from_vkey(W1_VKEY).unwrap();
    let opened = SignedCheckpoint::open(CHECKPOINT_C.as_bytes(), &log_v).unwrap();
    assert_eq!(opened.checkpoint, cp);
    assert_eq!(
        opened.note.check(std::slice::from_ref(&w1_v)).unwrap(),
        vec![0]
    );
    assert_eq!(
        opened.note.signatures[1].cosignature_time(),
        Some(1_700_000_000)
    );
    // A cosignature key does not verify as a log key, and vice versa.
    assert!(SignedCheckpoint::open(CHECKPOINT_C.as_bytes(), &w1_v).is_err());
}

#[test]
fn cosignature_parse_only_vector() {
    let line = "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==";
    let sig = tepat_ledger::NoteSignature::parse_line(line).unwrap();
    assert_eq!(sig.key_id, 0x8d66cf3f);
    assert_eq!(sig.signature.len(), 72);
    assert_eq!(sig.cosignature_time(), Some(1679315147));
}

#[test]
fn checkpoint_parser_is_strict() {
    let root = "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=";
    let ok = format!("o.example/log\n8\n{root}\n");
    assert_eq!(Checkpoint::parse(&ok).unwrap().size, 8);
    let ext = format!("o.example/log\n0\n{root}\nextension\n");
    assert_eq!(
        Checkpoint::parse(&ext).unwrap().extensions,
        vec!["extension"]
    );
    for (bad, want) in [
        (format!("o.example/log\n8\n{root}"), "TooShort"),
        ("o.example/log\n8\n".to_string(), "TooShort"),
        (format!("\n8\n{root}\n"), "EmptyOrigin"),
        (format!("o\n08\n{root}\n"), "BadSize"),
        (format!("o\n-1\n{root}\n"), "BadSize"),
        (format!("o\n+1\n{root}\n"), "BadSize"),
        (format!("o\n18446744073709551616\n{root}\n"), "BadSize"),
        ("o\n8\nAAAA\n".to_string(), "BadRoot"),
        (format!("o\n8\n{root}=\n"), "BadRoot"),
        (format!("o\n8\n{root}\n\nx\n"), "BadExtension"),
    ] {
        let err = Checkpoint::parse(&bad).unwrap_err();
        assert!(format!("{err:?}").starts_with(want), "{bad:?}: {err:?}");
    }
}

#[test]
fn note_parser_reasons() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"text\n\n".to_vec(), "NoSignatures"),
        (b"text\n".to_vec(), "NoSignatureBlock"),
        (
            b"text\n\n\xe2\x80\x94 k AAAAAAA=".to_vec(),
            "MissingFinalNewline",
        ),
        (
            b"te\txt\n\n\xe2\x80\x94 k AAAAAAA=\n".to_vec(),
            "ControlCharacter",
        ),
        (b"te\xffxt\n\n\xe2\x80\x94 k AAAAAAA=\n".to_vec(), "NotUtf8"),
        (b"text\n\n- k AAAAAAA=\n".to_vec(), "BadSignatureLine"),
        (
            b"text\n\n\xe2\x80\x94 k+x AAAAAAA=\n".to_vec(),
            "BadSignatureLine",
        ),
        (
            b"text\n\n\xe2\x80\x94  AAAAAAA=\n".to_vec(),
            "BadSignatureLine",
        ),
        (
            b"text\n\n\xe2\x80\x94 k AAAA\n".to_vec(),
            "BadSignatureLine",
        ),
        (
            b"text\n\n\xe2\x80\x94 k !!!!\n".to_vec(),
            "BadSignatureLine",
        ),
        (
            b"text\n\n\xe2\x80\x94 kAAAAAAA=\n".to_vec(),
            "BadSignatureLine",
        ),
        (vec![b'a'; 70_000], "TooLarge"),
    ];
    for (bytes, want) in cases {
        let err = Note::parse(&bytes).unwrap_err();
        assert!(format!("{err:?}").starts_with(want), "{want}: {err:?}");
    }
    let many = format!("t\n\n{}", "— k AAAAAAA=\n".repeat(101));
    assert!(matches!(
        Note::parse(many.as_bytes()),
        Err(NoteError::TooManySignatures(101))
    ));
    let sixteen = format!("t\n\n{}", "— k AAAAAAA=\n".repeat(16));
    assert_eq!(
        Note::parse(sixteen.as_bytes()).unwrap().signatures.len(),
        16
    );
}

#[test]
fn unknown_keys_ignored_known_failing_rejects_and_none_rejects() {
    let a = NoteSigner::from_seed("a.example/log", KeyType::Ed25519, [1; 32]).unwrap();
    let b = NoteSigner::from_seed("b.example/log", KeyType::Ed25519, [2; 32]).unwrap();
    // Same name as a, different key: unknown (id differs), ignored.
    let a2 = NoteSigner::from_seed("a.example/log", KeyType::Ed25519, [3; 32]).unwrap();
    let mut note = Note::new("hello\n");
    note.push(b.sign("hello\n"));
    note.push(a2.sign("hello\n"));
    note.push(a.sign("hello\n"));
    assert_eq!(note.verify(&[a.verifier()]).unwrap(), vec![0]);
    assert!(matches!(
        note.verify(&[NoteSigner::from_seed("c", KeyType::Ed25519, [4; 32])
            .unwrap()
            .verifier()]),
        Err(NoteError::NoTrustedSignature { .. })
    ));
    // A known key (name and id) with a bad signature rejects the note.
    let mut forged = a.sign("other\n");
    forged.name = "a.example/log".into();
    note.push(forged);
    assert!(matches!(
        note.verify(&[a.verifier()]),
        Err(NoteError::BadSignature { .. })
    ));
}

#[test]
fn key_text_errors() {
    assert!(NoteVerifier::from_vkey("no-plus").is_err());
    assert!(
        NoteVerifier::from_vkey("a+zzzzzzzz+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").is_err()
    );
    assert!(matches!(
        NoteVerifier::from_vkey(
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        ),
        Err(tepat_ledger::KeyError::KeyIdMismatch { .. })
    ));
    assert!(NoteVerifier::from_vkey(
        "PeterNeumann+c74f20a3+AhpcQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    )
    .is_err());
    assert!(NoteSigner::from_seed("bad name", KeyType::Ed25519, [0; 32]).is_err());
    assert!(NoteSigner::from_seed("", KeyType::Ed25519, [0; 32]).is_err());
    assert!(NoteSigner::from_skey("PRIVATE+KEY+x").is_err());
    let g = NoteSigner::generate("w.example/x", KeyType::CosignatureV1).unwrap();
    let back = NoteSigner::from_skey(&g.to_skey()).unwrap();
    assert_eq!(back.verifier(), g.verifier());
    assert_eq!(
        NoteVerifier::from_vkey(&g.verifier().to_vkey()).unwrap(),
        g.verifier()
    );
    let _ = CheckpointError::TooShort;
}

proptest! {
    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Note::parse(&bytes);
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = Checkpoint::parse(s);
            let _ = NoteVerifier::from_vkey(s);
            let _ = NoteSigner::from_skey(s);
            let _ = tepat_ledger::NoteSignature::parse_line(s);
        }
    }

    #[test]
    fn mutated_checkpoints_never_verify_wrongly(pos in 0usize..400, byte in any::<u8>()) {
        let v = NoteVerifier::from_vkey(LOG_VKEY).unwrap();
        let mut b = CHECKPOINT_C.as_bytes().to_vec();
        let pos = pos % b.len();
        if b[pos] != byte {
            b[pos] = byte;
            if let Ok(sc) = SignedCheckpoint::open(&b, &v) {
                // Only mutations inside the cosignature line can still verify with the log key.
                prop_assert_eq!(sc.checkpoint.size, 8);
                prop_assert_eq!(sc.note.text, CHECKPOINT_C.split("\n\n").next().unwrap().to_string() + "\n");
            }
        }
    }
}
