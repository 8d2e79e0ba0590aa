//! A shared, batching log: many threads append, one committer thread integrates whatever has queued,
//! commits it durably, signs, gathers cosignatures and publishes; appenders wait until a checkpoint
//! covers their entries (group commit).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

use thiserror::Error;

use crate::checkpoint::SignedCheckpoint;
use crate::hash::Hash;
use crate::merkle;
use crate::note::Note;
use crate::sequencer::Sequencer;
use crate::storage::LogStorage;
use crate::tiles::{TileReader, MAX_ENTRY_SIZE};

/// Turns a freshly signed checkpoint into the note to publish (e.g. by collecting witness
/// cosignatures until a quorum is reached). `consistency(old)` gives the proof from size `old`.
pub trait Publisher: Send {
    /// The note to publish, or why it cannot be published.
    fn cosign(
        &mut self,
        signed: &SignedCheckpoint,
        consistency: &dyn Fn(u64) -> Result<Vec<Hash>, String>,
    ) -> Result<Note, String>;
}

/// Publishes checkpoints with the log's signature only (no witnesses configured).
#[derive(Debug, Default)]
pub struct Unwitnessed;

impl Publisher for Unwitnessed {
    fn cosign(
        &mut self,
        signed: &SignedCheckpoint,
        _: &dyn Fn(u64) -> Result<Vec<Hash>, String>,
    ) -> Result<Note, String> {
        Ok(signed.note.clone())
    }
}

/// Appending failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ServiceError {
    /// The entry is too long for an entry bundle.
    #[error("entry of {0} bytes is longer than the 65,535 bytes an entry can have")]
    EntryTooLarge(usize),
    /// The log stopped after a failure; the message says which.
    #[error("the log stopped: {0}")]
    Failed(String),
    /// The log was shut down.
    #[error("the log is shut down")]
    Stopped,
}

struct Queue {
    entries: Vec<Vec<u8>>,
    next_index: u64,
    committed: u64,
    published: Option<SignedCheckpoint>,
    commits: u64,
    publish_error: Option<String>,
    failed: Option<String>,
    stop: bool,
}

/// Most entries integrated in one commit by default: keeps each commit (and so the time between
/// checkpoints) well under a second even when appenders queue faster than the disk writes.
pub const DEFAULT_MAX_BATCH: usize = 65_536;

struct Shared<S: LogStorage> {
    max_batch: usize,
    queue: Mutex<Queue>,
    work: Condvar,
    done: Condvar,
    seq: Mutex<Sequencer<S>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A log shared between threads.
pub struct LogService<S: LogStorage + 'static> {
    shared: Arc<Shared<S>>,
    thread: Option<JoinHandle<()>>,
}

impl<S: LogStorage + 'static> LogService<S> {
    /// Starts the committer thread over an opened sequencer, and publishes its current checkpoint.
    pub fn start(seq: Sequencer<S>, publisher: Box<dyn Publisher>) -> Result<Self, ServiceError> {
        Self::start_with(seq, publisher, DEFAULT_MAX_BATCH)
    }

    /// Like [`LogService::start`], with at most `max_batch` entries per commit.
    pub fn start_with(
        seq: Sequencer<S>,
        mut publisher: Box<dyn Publisher>,
        max_batch: usize,
    ) -> Result<Self, ServiceError> {
        let signed = seq.signed().clone();
        let note = cosign(&seq, publisher.as_mut(), &signed).map_err(ServiceError::Failed)?;
        seq.publish(&note)
            .map_err(|e| ServiceError::Failed(e.to_string()))?;
        let shared = Arc::new(Shared {
            max_batch: max_batch.max(1),
            queue: Mutex::new(Queue {
                entries: Vec::new(),
                next_index: seq.size(),
                committed: seq.size(),
                published: Some(SignedCheckpoint {
                    checkpoint: signed.checkpoint,
                    note,
                }),
                commits: 0,
                publish_error: None,
                failed: None,
                stop: false,
            }),
            work: Condvar::new(),
            done: Condvar::new(),
            seq: Mutex::new(seq),
        });
        let s = shared.clone();
        let thread = std::thread::Builder::new()
            .name("ledger-committer".into())
            .spawn(move || committer(s, publisher))
            .map_err(|e| ServiceError::Failed(e.to_string()))?;
        Ok(LogService {
            shared,
            thread: Some(thread),
        })
    }

    /// Queues entries and returns the index of the first; does not wait for the commit.
    pub fn submit(&self, entries: Vec<Vec<u8>>) -> Result<u64, ServiceError> {
        if let Some(e) = entries.iter().find(|e| e.len() > MAX_ENTRY_SIZE) {
            return Err(ServiceError::EntryTooLarge(e.len()));
        }
        let mut q = lock(&self.shared.queue);
        if let Some(f) = &q.failed {
            return Err(ServiceError::Failed(f.clone()));
        }
        if q.stop {
            return Err(ServiceError::Stopped);
        }
        let first = q.next_index;
        q.next_index += entries.len() as u64;
        q.entries.extend(entries);
        self.shared.work.notify_one();
        Ok(first)
    }

    /// Waits until a published checkpoint covers `size` entries and returns it.
    pub fn wait_for(&self, size: u64) -> Result<SignedCheckpoint, ServiceError> {
        let mut q = lock(&self.shared.queue);
        loop {
            if let Some(f) = &q.failed {
                return Err(ServiceError::Failed(f.clone()));
            }
            if q.committed >= size {
                return Ok(q.published.clone().expect("published at start"));
            }
            if q.stop && q.entries.is_empty() {
                return Err(ServiceError::Stopped);
            }
            q = self.shared.done.wait(q).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// Like [`LogService::wait_for`], giving up after `timeout` (`Ok(None)`): for callers such as HTTP
    /// handlers that must answer even while witnesses are unreachable.
    pub fn wait_for_timeout(
        &self,
        size: u64,
        timeout: std::time::Duration,
    ) -> Result<Option<SignedCheckpoint>, ServiceError> {
        let deadline = std::time::Instant::now() + timeout;
        let mut q = lock(&self.shared.queue);
        loop {
            if let Some(f) = &q.failed {
                return Err(ServiceError::Failed(f.clone()));
            }
            if q.committed >= size {
                return Ok(q.published.clone());
            }
            if q.stop && q.entries.is_empty() {
                return Err(ServiceError::Stopped);
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            q = self
                .shared
                .done
                .wait_timeout(q, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Appends entries and waits until a published checkpoint covers them; returns the first index and
    /// that checkpoint.
    pub fn append(&self, entries: Vec<Vec<u8>>) -> Result<(u64, SignedCheckpoint), ServiceError> {
        let n = entries.len() as u64;
        let first = self.submit(entries)?;
        Ok((first, self.wait_for(first + n)?))
    }

    /// The last published checkpoint.
    pub fn checkpoint(&self) -> SignedCheckpoint {
        lock(&self.shared.queue)
            .published
            .clone()
            .expect("published at start")
    }

    /// Number of checkpoints signed since start.
    pub fn commits(&self) -> u64 {
        lock(&self.shared.queue).commits
    }

    /// Why the last signed checkpoint could not be published yet (e.g. witness quorum not reached).
    pub fn publish_error(&self) -> Option<String> {
        lock(&self.shared.queue).publish_error.clone()
    }

    /// Runs `f` with the sequencer (e.g. to serve proofs); blocks the committer meanwhile.
    pub fn with_sequencer<R>(&self, f: impl FnOnce(&Sequencer<S>) -> R) -> R {
        f(&lock(&self.shared.seq))
    }

    /// Commits what is queued and stops the committer thread.
    pub fn shutdown(mut self) -> Result<SignedCheckpoint, ServiceError> {
        self.stop();
        let q = lock(&self.shared.queue);
        match &q.failed {
            Some(f) => Err(ServiceError::Failed(f.clone())),
            None => Ok(q.published.clone().expect("published at start")),
        }
    }

    fn stop(&mut self) {
        lock(&self.shared.queue).stop = true;
        self.shared.work.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl<S: LogStorage + 'static> Drop for LogService<S> {
    fn drop(&mut self) {
        self.stop();
    }
}

fn cosign<S: LogStorage>(
    seq: &Sequencer<S>,
    publisher: &mut dyn Publisher,
    signed: &SignedCheckpoint,
) -> Result<Note, String> {
    let size = signed.checkpoint.size;
    let consistency = |old: u64| -> Result<Vec<Hash>, String> {
        let reader = TileReader::new(seq.storage(), size);
        merkle::consistency_proof(&reader, old, size).map_err(|e| e.to_string())
    };
    publisher.cosign(signed, &consistency)
}

fn committer<S: LogStorage>(shared: Arc<Shared<S>>, mut publisher: Box<dyn Publisher>) {
    // A checkpoint signed but not yet published (witnesses unreachable or short of quorum) is retried
    // every half second; appenders keep waiting meanwhile.
    let mut unpublished = false;
    loop {
        let (batch, stopping) = {
            let mut q = lock(&shared.queue);
            loop {
                if !q.entries.is_empty() || q.stop {
                    break;
                }
                if unpublished {
                    q = shared
                        .work
                        .wait_timeout(q, std::time::Duration::from_millis(500))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                    break;
                }
                q = shared.work.wait(q).unwrap_or_else(|e| e.into_inner());
            }
            let batch = if q.entries.len() > shared.max_batch {
                let rest = q.entries.split_off(shared.max_batch);
                std::mem::replace(&mut q.entries, rest)
            } else {
                std::mem::take(&mut q.entries)
            };
            (batch, q.stop)
        };
        if stopping && batch.is_empty() && !unpublished {
            break;
        }
        let mut seq = lock(&shared.seq);
        let committed = if batch.is_empty() {
            Ok(seq.signed().clone())
        } else {
            let mut r = Ok(());
            for e in batch {
                if let Err(e) = seq.append(e) {
                    r = Err(e);
                    break;
                }
            }
            r.and_then(|()| seq.commit())
        };
        let signed = match committed {
            Ok(s) => s,
            Err(e) => {
                let mut q = lock(&shared.queue);
                q.failed = Some(e.to_string());
                shared.done.notify_all();
                break;
            }
        };
        let published = cosign(&seq, publisher.as_mut(), &signed).and_then(|note| {
            seq.publish(&note).map_err(|e| e.to_string())?;
            Ok(note)
        });
        drop(seq);
        let mut q = lock(&shared.queue);
        q.commits += u64::from(!unpublished || q.committed < signed.checkpoint.size);
        match published {
            Ok(note) => {
                unpublished = false;
                q.committed = signed.checkpoint.size;
                q.published = Some(SignedCheckpoint {
                    checkpoint: signed.checkpoint,
                    note,
                });
                q.publish_error = None;
                shared.done.notify_all();
            }
            Err(e) => {
                unpublished = true;
                q.publish_error = Some(e);
                if stopping {
                    shared.done.notify_all();
                    break;
                }
            }
        }
    }
}
