//! The sequencer against a real directory: tiles match an in-memory tree, proofs come from tiles, restarts
//! recover, forks are refused, and a child process killed with SIGKILL at random moments loses nothing
//! signed and signs no fork.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use tepat_ledger::merkle::{self, consistency_proof, inclusion_proof};
use tepat_ledger::storage::{CHECKPOINT_PATH, STATE_PATH};
use tepat_ledger::tiles::{read_bundle, TILE_WIDTH};
use tepat_ledger::{
    leaf_hash, verify_consistency, verify_inclusion, Fetcher, FsStorage, Hash, KeyType, LogService,
    LogStorage, MemoryTree, NoteSigner, Sequencer, SequencerError, TileReader, Unwitnessed,
};

fn signer() -> NoteSigner {
    NoteSigner::from_seed("test.example/ledger", KeyType::Ed25519, [7; 32]).unwrap()
}

fn entry(i: u64) -> Vec<u8> {
    format!("entry number {i} {}", "x".repeat((i % 37) as usize)).into_bytes()
}

#[test]
fn tiles_match_memory_tree_and_serve_proofs() {
    let dir = tempfile::tempdir().unwrap();
    let storage = FsStorage::open(dir.path()).unwrap();
    let mut seq = Sequencer::open(storage, signer()).unwrap();
    assert_eq!(seq.size(), 0);
    assert_eq!(seq.signed().checkpoint.root, tepat_ledger::empty_root());
    let mut mem = MemoryTree::new();
    let mut sizes = vec![0u64];
    let mut next = 0u64;
    for batch in [
        1usize,
        2,
        255,
        1,
        256,
        300,
        1000,
        65_536 - 1815,
        5,
        70_000 - 65_541,
    ] {
        for _ in 0..batch {
            let e = entry(next);
            assert_eq!(seq.append(e.clone()).unwrap(), next);
            mem.push_entry(&e);
            next += 1;
        }
        let cp = seq.commit().unwrap();
        assert_eq!(cp.checkpoint.size, next);
        assert_eq!(cp.checkpoint.root, mem.root(), "root at {next}");
        sizes.push(next);
    }
    assert_eq!(next, 70_000);
    let storage = seq.storage();
    // Tile layout of the sheet: 273 full level-0 tiles + width 112, level 1: 1 full + 17, level 2: 1.
    assert!(storage.fetch("tile/0/272").unwrap().is_some());
    assert!(storage.fetch("tile/0/273.p/112").unwrap().is_some());
    assert!(storage.fetch("tile/1/000").unwrap().is_some());
    assert!(storage.fetch("tile/1/001.p/17").unwrap().is_some());
    assert!(storage.fetch("tile/2/000.p/1").unwrap().is_some());
    assert!(storage.fetch("tile/entries/273.p/112").unwrap().is_some());
    assert_eq!(
        read_bundle(storage, 5, 70_000).unwrap()[3],
        entry(5 * 256 + 3)
    );
    // Proofs from tiles, for every signed size, equal the in-memory ones.
    for &n in &sizes[1..] {
        let reader = TileReader::new(storage, n);
        assert_eq!(merkle::root(&reader, n).unwrap(), mem.root_at(n));
        for m in [0, n / 3, n / 2, n - 1] {
            let p = inclusion_proof(&reader, m, n).unwrap();
            assert_eq!(p, mem.inclusion_proof(m, n).unwrap());
            verify_inclusion(&leaf_hash(&entry(m)), m, n, &p, &mem.root_at(n)).unwrap();
        }
        for &old in &sizes[1..] {
            if old <= n {
                let p = consistency_proof(&reader, old, n).unwrap();
                verify_consistency(old, n, &mem.root_at(old), &mem.root_at(n), &p).unwrap();
            }
        }
    }
    // Reopen: same checkpoint, nothing recovered, appends continue.
    drop(seq);
    let mut seq = Sequencer::open(FsStorage::open(dir.path()).unwrap(), signer()).unwrap();
    assert_eq!(seq.size(), 70_000);
    assert_eq!(seq.recovered(), 0);
    seq.append(entry(70_000)).unwrap();
    mem.push_entry(&entry(70_000));
    assert_eq!(seq.commit().unwrap().checkpoint.root, mem.root());
}

#[test]
fn entries_written_but_unsigned_are_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let mut seq = Sequencer::open(FsStorage::open(dir.path()).unwrap(), signer()).unwrap();
    for i in 0..300 {
        seq.append(entry(i)).unwrap();
    }
    seq.commit().unwrap();
    let old_state = seq.storage().fetch(STATE_PATH).unwrap().unwrap();
    for i in 300..1000 {
        seq.append(entry(i)).unwrap();
    }
    let cp = seq.commit().unwrap();
    drop(seq);
    // Simulate a crash after the tiles were durable but before the state was written.
    let storage = FsStorage::open(dir.path()).unwrap();
    storage
        .write_durable(vec![(STATE_PATH.into(), old_state)])
        .unwrap();
    let seq = Sequencer::open(storage, signer()).unwrap();
    assert_eq!(seq.recovered(), 700);
    assert_eq!(seq.signed().checkpoint, cp.checkpoint);
}

#[test]
fn refuses_tiles_that_do_not_match_the_signed_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut seq = Sequencer::open(FsStorage::open(dir.path()).unwrap(), signer()).unwrap();
    for i in 0..600 {
        seq.append(entry(i)).unwrap();
    }
    seq.commit().unwrap();
    drop(seq);
    let storage = FsStorage::open(dir.path()).unwrap();
    // Rewrite history: a different level-1 partial tile (as if the tree had other entries).
    let mut t = storage.fetch("tile/1/000.p/2").unwrap().unwrap();
    t[0] ^= 1;
    storage
        .write_durable(vec![("tile/1/000.p/2".into(), t)])
        .unwrap();
    let err = Sequencer::open(storage, signer()).err().unwrap();
    assert!(matches!(err, SequencerError::Corrupt(_)), "{err}");

    // A state signed by another key is refused too.
    let dir = tempfile::tempdir().unwrap();
    drop(Sequencer::open(FsStorage::open(dir.path()).unwrap(), signer()).unwrap());
    let other = NoteSigner::from_seed("test.example/ledger", KeyType::Ed25519, [8; 32]).unwrap();
    assert!(Sequencer::open(FsStorage::open(dir.path()).unwrap(), other).is_err());
}

#[test]
fn refuses_a_state_inconsistent_with_the_published_checkpoint() {
    // Two different logs under the same key: publishing one's checkpoint beside the other's state is a
    // fork the sequencer must refuse to continue from.
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut sa = Sequencer::open(FsStorage::open(a.path()).unwrap(), signer()).unwrap();
    let mut sb = Sequencer::open(FsStorage::open(b.path()).unwrap(), signer()).unwrap();
    for i in 0..10 {
        sa.append(entry(i)).unwrap();
        sb.append(entry(i + 1)).unwrap();
    }
    let ca = sa.commit().unwrap();
    sa.publish(&ca.note).unwrap();
    for i in 10..20 {
        sb.append(entry(i)).unwrap();
    }
    let cb = sb.commit().unwrap();
    drop((sa, sb));
    let storage = FsStorage::open(a.path()).unwrap();
    storage
        .write_durable(vec![(STATE_PATH.into(), cb.note.to_bytes())])
        .unwrap();
    assert!(Sequencer::open(storage, signer()).is_err());
    let _ = CHECKPOINT_PATH;
}

#[test]
fn service_batches_concurrent_appenders() {
    let dir = tempfile::tempdir().unwrap();
    let seq = Sequencer::open(FsStorage::open(dir.path()).unwrap(), signer()).unwrap();
    let log = std::sync::Arc::new(LogService::start(seq, Box::new(Unwitnessed)).unwrap());
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut firsts = Vec::new();
                for b in 0..20 {
                    let entries: Vec<Vec<u8>> = (0..50)
                        .map(|i| format!("t{t} b{b} i{i}").into_bytes())
                        .collect();
                    let (first, cp) = log.append(entries).unwrap();
                    assert!(cp.checkpoint.size >= first + 50);
                    firsts.push(first);
                }
                firsts
            })
        })
        .collect();
    let mut all: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort();
    assert_eq!(all, (0..80).map(|i| i * 50).collect::<Vec<_>>());
    let cp = log.checkpoint();
    assert_eq!(cp.checkpoint.size, 4000);
    assert!(log.commits() <= 80);
    let published = log
        .with_sequencer(|s| s.storage().fetch("checkpoint").unwrap())
        .unwrap();
    assert_eq!(published, cp.note.to_bytes());
    assert!(log.submit(vec![vec![0; 70_000]]).is_err());
}

// ---- crash test -----------------------------------------------------------------------------------

const CHILD_ENV: &str = "TEPAT_LEDGER_CRASH_CHILD_DIR";

/// Not a test on its own: the body the crash test runs in a child process.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut seq = Sequencer::open(FsStorage::open(&dir).unwrap(), signer()).unwrap();
    let mut rng = 0x9e3779b97f4a7c15u64 ^ seq.size();
    println!(
        "signed {} {}",
        seq.size(),
        seq.signed().checkpoint.root.to_hex()
    );
    loop {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let n = 1 + rng % 700;
        let start = seq.size() + seq.pending() as u64;
        for i in start..start + n {
            seq.append(entry(i)).unwrap();
        }
        let cp = seq.commit().unwrap();
        println!(
            "signed {} {}",
            cp.checkpoint.size,
            cp.checkpoint.root.to_hex()
        );
    }
}

#[test]
fn kill_9_during_appends_loses_nothing_signed_and_signs_no_fork() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut seen: Vec<(u64, Hash)> = Vec::new();
    let mut rng = 12345u64;
    for round in 0..8 {
        let mut child = Command::new(&exe)
            .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("signed ") {
                    let (n, h) = rest.split_once(' ').unwrap();
                    lines.push((n.parse::<u64>().unwrap(), Hash::from_hex(h).unwrap()));
                }
            }
            lines
        });
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(150 + (rng >> 33) % 400));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let got = reader.join().unwrap();
        assert!(!got.is_empty(), "round {round}: the child signed nothing");
        seen.extend(got);
    }
    // Restart and check every checkpoint any child signed (and printed) against the recovered log.
    let seq = Sequencer::open(FsStorage::open(dir.path()).unwrap(), signer()).unwrap();
    let size = seq.size();
    let root = seq.signed().checkpoint.root;
    let max_seen = seen.iter().map(|s| s.0).max().unwrap();
    assert!(size >= max_seen, "lost signed entries: {size} < {max_seen}");
    let reader = TileReader::new(seq.storage(), size);
    for (n, r) in &seen {
        if *n == 0 {
            continue;
        }
        let p = consistency_proof(&reader, *n, size).unwrap();
        verify_consistency(*n, size, r, &root, &p)
            .unwrap_or_else(|e| panic!("fork: signed {n} is not a prefix of {size}: {e}"));
    }
    // Every entry is the one appended at its index, once.
    for t in 0..size.div_ceil(TILE_WIDTH) {
        for (i, e) in read_bundle(seq.storage(), t, size)
            .unwrap()
            .iter()
            .enumerate()
        {
            assert_eq!(*e, entry(t * TILE_WIDTH + i as u64));
        }
    }
    assert!(seen.len() > 8);
}

struct Unreachable;
impl tepat_ledger::Publisher for Unreachable {
    fn cosign(
        &mut self,
        _: &tepat_ledger::SignedCheckpoint,
        _: &dyn Fn(u64) -> Result<Vec<Hash>, String>,
    ) -> Result<tepat_ledger::Note, String> {
        Err("witnesses unreachable".into())
    }
}

#[test]
fn unpublished_checkpoints_keep_appenders_waiting_but_stay_signed() {
    let dir = tempfile::tempdir().unwrap();
    let seq = Sequencer::open(FsStorage::open(dir.path()).unwrap(), signer()).unwrap();
    // Starting needs the current checkpoint published; with no quorum the start itself fails.
    assert!(LogService::start(seq, Box::new(Unreachable)).is_err());

    let seq = Sequencer::open(FsStorage::open(dir.path()).unwrap(), signer()).unwrap();
    struct FailAfterStart(bool);
    impl tepat_ledger::Publisher for FailAfterStart {
        fn cosign(
            &mut self,
            s: &tepat_ledger::SignedCheckpoint,
            _: &dyn Fn(u64) -> Result<Vec<Hash>, String>,
        ) -> Result<tepat_ledger::Note, String> {
            if std::mem::replace(&mut self.0, true) {
                Err("witnesses unreachable".into())
            } else {
                Ok(s.note.clone())
            }
        }
    }
    let log = LogService::start(seq, Box::new(FailAfterStart(false))).unwrap();
    let first = log.submit(vec![b"a".to_vec(), b"b".to_vec()]).unwrap();
    assert_eq!(first, 0);
    let got = log.wait_for_timeout(2, Duration::from_millis(300)).unwrap();
    assert!(got.is_none());
    assert!(log.publish_error().unwrap().contains("unreachable"));
    assert_eq!(log.checkpoint().checkpoint.size, 0);
    // Signed durably all the same.
    assert_eq!(log.with_sequencer(|s| s.size()), 2);
}
