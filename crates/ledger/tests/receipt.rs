//! Receipts: build from a real witnessed log, verify offline, reject tampering, and stay QR-sized at a
//! 100,000,000-entry tree with two witnesses.

use std::sync::Arc;

use proptest::prelude::*;
use tepat_ledger::entry::{sample_cycle, ChainBuilder};
use tepat_ledger::merkle::{inclusion_proof_len, root_from_inclusion_proof};
use tepat_ledger::storage::CHECKPOINT_PATH;
use tepat_ledger::{
    leaf_hash, AidEvent, Channel, Checkpoint, EventBody, Fetcher, FsStorage, Hash, KeyType,
    LogPolicy, LogService, Note, NoteSigner, ParentRef, QuorumPublisher, Receipt, Sequencer,
    Witness, WitnessEndpoint, MAX_RECEIPT_SIZE,
};

const ORIGIN: &str = "dinsos.bandungkab.go.id/ledger";

fn log_key() -> NoteSigner {
    NoteSigner::from_seed(ORIGIN, KeyType::Ed25519, [4; 32]).unwrap()
}

fn witness_keys() -> Vec<NoteSigner> {
    [
        "inspektorat.bandungkab.go.id/witness",
        "bpkp.go.id/witness-jabar",
    ]
    .iter()
    .enumerate()
    .map(|(i, n)| NoteSigner::from_seed(n, KeyType::CosignatureV1, [50 + i as u8; 32]).unwrap())
    .collect()
}

fn policy() -> LogPolicy {
    LogPolicy::new(
        log_key().verifier(),
        witness_keys().iter().map(|k| k.verifier()).collect(),
        2,
    )
}

#[test]
fn receipts_from_a_witnessed_log_verify_offline() {
    let dir = tempfile::tempdir().unwrap();
    let witnesses: Vec<Arc<Witness>> = witness_keys()
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            Arc::new(
                Witness::open(
                    k,
                    vec![log_key().verifier()],
                    dir.path().join(format!("w{i}")),
                )
                .unwrap(),
            )
        })
        .collect();
    let publisher = QuorumPublisher::new(
        witnesses
            .iter()
            .map(|w| WitnessEndpoint::new(w.verifier(), Box::new(w.clone())))
            .collect(),
        2,
    );
    let root = dir.path().join("log");
    let seq = Sequencer::open(FsStorage::open(&root).unwrap(), log_key()).unwrap();
    let log = LogService::start(seq, Box::new(publisher)).unwrap();
    let mut chain = ChainBuilder::new(0);
    sample_cycle(
        &mut chain,
        "PKH",
        "2026-T1",
        "32.04.12.2001",
        300,
        750_000,
        9,
    )
    .unwrap();
    log.append(chain.take()).unwrap();
    log.shutdown().unwrap();
    let f = FsStorage::existing(&root).unwrap();
    let note = Note::parse(&f.fetch(CHECKPOINT_PATH).unwrap().unwrap()).unwrap();
    let policy = policy();
    for index in [0u64, 1, 2, 555, 1201] {
        let r = Receipt::build(&f, index, &note).unwrap();
        let bytes = r.encode();
        assert!(bytes.len() <= MAX_RECEIPT_SIZE);
        let back = Receipt::decode(&bytes).unwrap();
        assert_eq!(back, r);
        let v = back.verify(&policy).unwrap();
        assert_eq!(v.index, index);
        assert_eq!(v.cosignatures.len(), 2);
    }
    // The citizen checks their entitlement with their salt and NIK (beneficiary 0 is entry 2).
    let v = Receipt::build(&f, 2, &note)
        .unwrap()
        .verify(&policy)
        .unwrap();
    let mut salt = [0u8; 32];
    salt[..8].copy_from_slice(&9u64.to_be_bytes());
    assert!(v.is_for(&salt, "3204000000000000"));
    assert!(!v.is_for(&salt, "3204000000000001"));
    // Tampering: another index, another entry, a flipped proof hash, a missing witness.
    let r = Receipt::build(&f, 555, &note).unwrap();
    let mut t = r.clone();
    t.index = 556;
    assert!(t.verify(&policy).is_err());
    let mut t = r.clone();
    t.entry[20] ^= 1;
    assert!(t.verify(&policy).is_err());
    let mut t = r.clone();
    t.proof[3].0[0] ^= 1;
    assert!(t.verify(&policy).is_err());
    let mut t = r.clone();
    let mut n = Note::parse(&t.checkpoint).unwrap();
    n.signatures.pop();
    t.checkpoint = n.to_bytes();
    assert!(t.verify(&policy).is_err());
    assert!(Receipt::build(&f, 100_000, &note).is_err());
    // Leading or trailing garbage.
    let good = r.encode();
    let mut trailing = good.clone();
    trailing.extend_from_slice(b"garbage\n");
    assert!(Receipt::decode(&trailing).map_or(true, |t| t.verify(&policy).is_err()));
    let mut leading = b" ".to_vec();
    leading.extend_from_slice(&good);
    assert!(Receipt::decode(&leading).is_err());
    // A proof line that is not 32 bytes.
    let text = String::from_utf8(good).unwrap();
    let short = text.replacen(&r.proof[0].to_base64(), "AAAA", 1);
    assert!(Receipt::decode(short.as_bytes()).is_err());
}

/// The largest receipt at a 100,000,000-entry tree: the longest proof for that size, the longest
/// entry kind with long references, a real log signature and two real cosignatures. The proof is random
/// and the checkpoint root is computed from it, so the receipt fully verifies.
#[test]
fn receipt_fits_a_qr_code_at_100_million_entries_with_two_witnesses() {
    let n: u64 = 100_000_000;
    // Leaves in the left 2^26-leaf half have the longest proofs: ceil(log2(10^8)) = 27 hashes.
    let m: u64 = 12_345_678;
    let len = inclusion_proof_len(m, n);
    assert_eq!(len, 27);
    let event = AidEvent {
        id: "0193d4c2-7a1e-7cc3-9a4e-6f1b2c3d4e5f-retry-0001-abcdefghijklmnop".into(),
        time: 1_767_225_600,
        program: "BANSOS-PANGAN-NONTUNAI-2026".into(),
        cycle: "2026-12-TAHAP-4".into(),
        region: "32.04.12.2001".into(),
        parent: Some(ParentRef {
            index: n - 5,
            leaf_hash: Hash([0xab; 32]),
        }),
        body: EventBody::PaymentInstruction {
            amount: 99_999_999_999,
            channel: Channel::EWallet,
            reference: "SP2D-00001234/BANSOS/DINSOS/XII/2026-BATCH-0000000123456789ABCDE".into(),
        },
    };
    let entry = event.encode().unwrap();
    let proof: Vec<Hash> = (0..len)
        .map(|i| tepat_ledger::hash::sha256(&[i as u8]))
        .collect();
    let root = root_from_inclusion_proof(&leaf_hash(&entry), m, n, &proof).unwrap();
    let cp = Checkpoint::new(ORIGIN, n, root);
    let mut note = cp.sign(&log_key());
    for w in witness_keys() {
        note.push(w.cosign(&cp.to_text(), 1_767_225_601));
    }
    let r = Receipt {
        entry,
        index: m,
        proof,
        checkpoint: note.to_bytes(),
    };
    let bytes = r.encode();
    eprintln!(
        "receipt at n = 10^8 with {len} proof hashes and 2 cosignatures: {} bytes",
        bytes.len()
    );
    assert!(bytes.len() <= MAX_RECEIPT_SIZE, "{} bytes", bytes.len());
    let v = Receipt::decode(&bytes).unwrap().verify(&policy()).unwrap();
    assert_eq!(v.checkpoint.size, n);
}

proptest! {
    #[test]
    fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let _ = Receipt::decode(&bytes);
        let mut b = b"c2sp.org/tlog-proof@v1\nextra AAAA\nindex 3\n".to_vec();
        b.extend_from_slice(&bytes);
        if let Ok(r) = Receipt::decode(&b) {
            let _ = r.verify(&policy());
        }
    }
}
