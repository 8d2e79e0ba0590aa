//! The sequencer: integrates appended entries into tiles, writes them durably, then signs a checkpoint,
//! and never signs one that is not consistent with the last it signed, across restarts.
//!
//! Order of writes in one commit: entry bundles and hash tiles (durable), then the signed checkpoint in
//! the private state file [`STATE_PATH`] (durable); publishing the cosigned `checkpoint` comes after.
//!
//! **After a crash** the sequencer reloads the last signed checkpoint, rebuilds the tree's right edge from
//! the tiles and checks it gives the signed root. Entries that were written to entry bundles but not yet
//! covered by a signed checkpoint are **recovered**, not discarded: their leaf hashes are recomputed from
//! the bundles and the next checkpoint covers them. (Discarding them would later put different entries
//! under paths that mirrors may already have copied as immutable full tiles.) An appender is only told
//! its entry is logged once a checkpoint covering it is signed, so a recovered entry may be one whose
//! appender saw an error; entries carry their own identifiers so a retry is recognisable.

use std::io;

use thiserror::Error;

use crate::checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
use crate::hash::{empty_root, leaf_hash, Hash};
use crate::merkle::{self, root_of, ProofError, VerifyError};
use crate::note::{Note, NoteSigner, NoteVerifier};
use crate::storage::{LogStorage, CHECKPOINT_PATH, STATE_PATH};
use crate::tiles::{
    encode_bundle, encode_hashes, entries_path, read_bundle, read_tile_width, root_from_edge,
    tile_path, TileError, TileReader, MAX_ENTRY_SIZE, TILE_HEIGHT, TILE_WIDTH,
};

/// The sequencer refused or failed.
#[derive(Debug, Error)]
pub enum SequencerError {
    /// Storage failed.
    #[error("storage: {0}")]
    Io(#[from] io::Error),
    /// A tile could not be read.
    #[error("{0}")]
    Tile(#[from] TileError),
    /// A stored checkpoint is malformed or not signed by this log's key.
    #[error("stored checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The stored tiles do not match the last signed checkpoint.
    #[error("the log's files do not match its last signed checkpoint: {0}")]
    Corrupt(String),
    /// Signing would create a checkpoint inconsistent with one already signed: refused.
    #[error("refusing to sign: {0}")]
    WouldFork(String),
    /// An entry longer than an entry bundle can frame.
    #[error("entry of {0} bytes is longer than the 65,535 bytes an entry bundle can hold")]
    EntryTooLarge(usize),
    /// An earlier failure left the in-memory state unusable; reopen the log.
    #[error("an earlier write failed; reopen the log to recover")]
    Poisoned,
}

impl<E: std::fmt::Display> From<ProofError<E>> for SequencerError {
    fn from(e: ProofError<E>) -> Self {
        SequencerError::Corrupt(e.to_string())
    }
}

impl From<VerifyError> for SequencerError {
    fn from(e: VerifyError) -> Self {
        SequencerError::WouldFork(e.to_string())
    }
}

/// Integrates and signs; one writer at a time (wrap it in [`crate::service::LogService`] to share it).
pub struct Sequencer<S: LogStorage> {
    storage: S,
    signer: NoteSigner,
    verifier: NoteVerifier,
    size: u64,
    edge: Vec<Vec<Hash>>,
    edge_entries: Vec<Vec<u8>>,
    signed: Option<SignedCheckpoint>,
    pending: Vec<Vec<u8>>,
    recovered: u64,
    poisoned: bool,
}

impl<S: LogStorage> Sequencer<S> {
    /// Opens a log: loads the last signed checkpoint, rebuilds and checks the right edge, recovers
    /// entries written but not yet signed, and signs a checkpoint covering them (for a new log, the
    /// empty checkpoint).
    pub fn open(storage: S, signer: NoteSigner) -> Result<Self, SequencerError> {
        let verifier = signer.verifier();
        let state = load(&storage, STATE_PATH, &verifier)?;
        let published = load(&storage, CHECKPOINT_PATH, &verifier)?;
        let signed = match (state, published) {
            (Some(s), Some(p)) => {
                if s.checkpoint.size == p.checkpoint.size && s.checkpoint.root != p.checkpoint.root
                {
                    return Err(SequencerError::Corrupt(format!(
                        "state and published checkpoint disagree at size {}",
                        s.checkpoint.size
                    )));
                }
                Some(if p.checkpoint.size > s.checkpoint.size {
                    p
                } else {
                    s
                })
            }
            (s, p) => s.or(p),
        };
        let size = signed.as_ref().map_or(0, |s| s.checkpoint.size);
        let mut seq = Sequencer {
            storage,
            signer,
            verifier,
            size,
            edge: Vec::new(),
            edge_entries: Vec::new(),
            signed,
            pending: Vec::new(),
            recovered: 0,
            poisoned: false,
        };
        seq.load_edge()?;
        let root = seq.edge_root();
        if let Some(s) = &seq.signed {
            if root != s.checkpoint.root {
                return Err(SequencerError::Corrupt(format!(
                    "tiles give root {} at size {size}, the signed checkpoint says {}",
                    root.to_base64(),
                    s.checkpoint.root.to_base64()
                )));
            }
        }
        // The published checkpoint (if older than the state) must be a prefix of the signed tree.
        if let Some(p) = load(&seq.storage, CHECKPOINT_PATH, &seq.verifier)? {
            seq.check_consistent_with(&p.checkpoint, size, &root)?;
        }
        seq.recover()?;
        if seq.signed.is_none() || !seq.pending.is_empty() {
            seq.commit()?;
        }
        Ok(seq)
    }

    fn load_edge(&mut self) -> Result<(), SequencerError> {
        let size = self.size;
        let mut level = 0u8;
        loop {
            let shift = TILE_HEIGHT * level as u32;
            if shift >= 64 || size >> shift == 0 {
                break;
            }
            let count = size >> shift;
            let width = (count % TILE_WIDTH) as u16;
            self.edge.push(if width > 0 {
                read_tile_width(&self.storage, level, count / TILE_WIDTH, width)?
            } else {
                Vec::new()
            });
            level += 1;
        }
        if !size.is_multiple_of(TILE_WIDTH) {
            self.edge_entries = read_bundle(&self.storage, size / TILE_WIDTH, size)?;
            let hashes: Vec<Hash> = self.edge_entries.iter().map(|e| leaf_hash(e)).collect();
            if hashes != self.edge[0] {
                return Err(SequencerError::Corrupt(format!(
                    "entry bundle {} does not hash to its tile",
                    entries_path(size / TILE_WIDTH, (size % TILE_WIDTH) as u16)
                )));
            }
        }
        Ok(())
    }

    /// Entries beyond the signed size found in entry bundles become pending again.
    fn recover(&mut self) -> Result<(), SequencerError> {
        let mut tile = self.size / TILE_WIDTH;
        let mut known = (self.size % TILE_WIDTH) as usize;
        loop {
            let full = entries_path(tile, TILE_WIDTH as u16);
            let (bytes, width) = if let Some(b) = self.storage.fetch(&full)? {
                (b, TILE_WIDTH as u16)
            } else {
                let widths = self.storage.partial_widths(&full)?;
                match widths.last() {
                    Some(&w) if w as usize > known => {
                        let p = entries_path(tile, w);
                        match self.storage.fetch(&p)? {
                            Some(b) => (b, w),
                            None => break,
                        }
                    }
                    _ => break,
                }
            };
            let path = entries_path(tile, width);
            let entries = crate::tiles::decode_bundle(&path, &bytes, width as usize)?;
            if tile == self.size / TILE_WIDTH {
                let have = &self.edge_entries[..];
                if entries[..known] != have.iter().map(|e| e.as_slice()).collect::<Vec<_>>()[..] {
                    return Err(SequencerError::Corrupt(format!(
                        "{path} does not start with the signed entries"
                    )));
                }
            }
            for e in &entries[known..] {
                self.pending.push(e.to_vec());
                self.recovered += 1;
            }
            if width < TILE_WIDTH as u16 {
                break;
            }
            tile += 1;
            known = 0;
        }
        Ok(())
    }

    fn check_consistent_with(
        &self,
        old: &Checkpoint,
        size: u64,
        root: &Hash,
    ) -> Result<(), SequencerError> {
        if old.size > size {
            return Err(SequencerError::WouldFork(format!(
                "size {size} is smaller than the signed size {}",
                old.size
            )));
        }
        if old.size == 0 {
            if old.root != empty_root() {
                return Err(SequencerError::WouldFork(
                    "a signed empty checkpoint has a non-empty root".into(),
                ));
            }
            return Ok(());
        }
        let reader = TileReader::new(&self.storage, size);
        let proof = merkle::consistency_proof(&reader, old.size, size)?;
        merkle::verify_consistency(old.size, size, &old.root, root, &proof)?;
        Ok(())
    }

    /// Queues an entry; returns the index it will have once committed.
    pub fn append(&mut self, entry: Vec<u8>) -> Result<u64, SequencerError> {
        if entry.len() > MAX_ENTRY_SIZE {
            return Err(SequencerError::EntryTooLarge(entry.len()));
        }
        self.pending.push(entry);
        Ok(self.size + self.pending.len() as u64 - 1)
    }

    /// Entries queued and not yet committed.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Entries recovered from storage when the log was opened.
    pub fn recovered(&self) -> u64 {
        self.recovered
    }

    /// Size of the last signed checkpoint.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The last signed checkpoint (log signature only).
    pub fn signed(&self) -> &SignedCheckpoint {
        self.signed.as_ref().expect("opened sequencers have signed")
    }

    /// The storage.
    pub fn storage(&self) -> &S {
        &self.storage
    }

    /// The log's public key.
    pub fn verifier(&self) -> &NoteVerifier {
        &self.verifier
    }

    /// Integrates queued entries into tiles, writes them durably, checks the new tree against the last
    /// signed checkpoint, signs a checkpoint and stores it durably. Returns the new signed checkpoint (or
    /// the last one if nothing was queued).
    pub fn commit(&mut self) -> Result<SignedCheckpoint, SequencerError> {
        if self.poisoned {
            return Err(SequencerError::Poisoned);
        }
        if self.pending.is_empty() {
            if let Some(s) = &self.signed {
                return Ok(s.clone());
            }
        }
        self.poisoned = true;
        let batch = std::mem::take(&mut self.pending);
        let files = self.integrate(batch);
        self.storage.write_durable(files)?;
        let root = self.edge_root();
        if let Some(old) = &self.signed {
            self.check_consistent_with(&old.checkpoint, self.size, &root)?;
        }
        let checkpoint = Checkpoint::new(self.signer.name(), self.size, root);
        let note = checkpoint.sign(&self.signer);
        self.storage
            .write_durable(vec![(STATE_PATH.to_string(), note.to_bytes())])?;
        let signed = SignedCheckpoint { checkpoint, note };
        self.signed = Some(signed.clone());
        self.poisoned = false;
        Ok(signed)
    }

    /// Writes a cosigned note of the last signed checkpoint as the published `checkpoint`. The note's
    /// text must be the signed checkpoint's and carry the log's signature.
    pub fn publish(&self, note: &Note) -> Result<(), SequencerError> {
        let signed = self.signed();
        if note.text != signed.note.text {
            return Err(SequencerError::WouldFork(
                "the note to publish is not the last signed checkpoint".into(),
            ));
        }
        note.verify(std::slice::from_ref(&self.verifier))
            .map_err(|e| SequencerError::Checkpoint(e.into()))?;
        self.storage
            .write_durable(vec![(CHECKPOINT_PATH.to_string(), note.to_bytes())])?;
        Ok(())
    }

    fn integrate(&mut self, batch: Vec<Vec<u8>>) -> Vec<(String, Vec<u8>)> {
        let mut files = Vec::new();
        let mut dirty = vec![false; self.edge.len().max(1)];
        let mut bundle_dirty = false;
        for e in batch {
            let h = leaf_hash(&e);
            self.edge_entries.push(e);
            self.size += 1;
            bundle_dirty = true;
            self.push_hash(0, h, &mut files, &mut dirty);
            if self.edge_entries.len() == TILE_WIDTH as usize {
                files.push((
                    entries_path((self.size - 1) / TILE_WIDTH, TILE_WIDTH as u16),
                    encode_bundle(&self.edge_entries),
                ));
                self.edge_entries.clear();
                bundle_dirty = false;
            }
        }
        if bundle_dirty && !self.edge_entries.is_empty() {
            files.push((
                entries_path(self.size / TILE_WIDTH, self.edge_entries.len() as u16),
                encode_bundle(&self.edge_entries),
            ));
        }
        for (level, hashes) in self.edge.iter().enumerate() {
            if dirty.get(level).copied().unwrap_or(false) && !hashes.is_empty() {
                let count = self.size >> (TILE_HEIGHT * level as u32);
                files.push((
                    tile_path(level as u8, count / TILE_WIDTH, hashes.len() as u16),
                    encode_hashes(hashes),
                ));
            }
        }
        files
    }

    fn push_hash(
        &mut self,
        level: usize,
        h: Hash,
        files: &mut Vec<(String, Vec<u8>)>,
        dirty: &mut Vec<bool>,
    ) {
        if self.edge.len() <= level {
            self.edge.push(Vec::new());
        }
        if dirty.len() <= level {
            dirty.push(false);
        }
        dirty[level] = true;
        self.edge[level].push(h);
        if self.edge[level].len() == TILE_WIDTH as usize {
            let count = self.size >> (TILE_HEIGHT * level as u32);
            files.push((
                tile_path(level as u8, (count - 1) / TILE_WIDTH, TILE_WIDTH as u16),
                encode_hashes(&self.edge[level]),
            ));
            let r = root_of(&self.edge[level]);
            self.edge[level].clear();
            self.push_hash(level + 1, r, files, dirty);
        }
    }

    fn edge_root(&self) -> Hash {
        root_from_edge(&self.edge)
    }
}

fn load<S: LogStorage>(
    storage: &S,
    path: &str,
    verifier: &NoteVerifier,
) -> Result<Option<SignedCheckpoint>, SequencerError> {
    match storage.fetch(path)? {
        None => Ok(None),
        Some(bytes) => Ok(Some(SignedCheckpoint::open(&bytes, verifier)?)),
    }
}
