//! `tepat-ledger`: the transparency ledger of tepat.
//!
//! An append-only Merkle log (RFC 9162 §2.1) of every aid step, published as C2SP tlog-tiles, with
//! checkpoints signed as C2SP signed notes and cosigned by independent witnesses (C2SP tlog-witness,
//! tlog-cosignature), so no single office can rewrite history and anyone can verify it offline.
//!
//! Read it in this order:
//! - [`hash`]: SHA-256 leaf / node / empty hashes.
//! - [`merkle`]: roots, inclusion and consistency proofs, generation and verification.
//! - [`note`]: C2SP signed notes, Ed25519 log keys and `cosignature/v1` witness keys.
//! - [`checkpoint`]: C2SP tlog-checkpoint bodies and signed checkpoints.
//! - [`tiles`]: C2SP tlog-tiles paths, hash tiles, entry bundles, proofs read from tiles.
//! - [`storage`]: the [`Fetcher`] and [`LogStorage`] traits and the tlog-tiles directory [`FsStorage`].
//! - [`sequencer`]: integrates, writes durably, signs; refuses forks; recovers after a crash.
//! - [`service`]: a shared log with group commit and checkpoint publication.
//! - [`witness`]: the C2SP tlog-witness core, the client side and the quorum publisher.
//! - [`policy`]: trusted keys and the witness quorum (C2SP tlog-policy text).
//! - [`entry`]: aid events in their canonical encoding, beneficiary commitments.
//! - [`verify`]: the independent verifier and its report.
//! - [`receipt`]: QR-sized offline proofs of one entry (C2SP tlog-proof).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod checkpoint;
pub mod entry;
pub mod hash;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod receipt;
pub mod sequencer;
pub mod service;
pub mod storage;
pub mod tiles;
pub mod verify;
pub mod witness;

pub use checkpoint::{Checkpoint, CheckpointError, SignedCheckpoint};
pub use entry::{
    beneficiary_commitment, AidEvent, Channel, EntryError, EventBody, EventKind, ParentRef,
    PaymentStatus,
};
pub use hash::{empty_root, leaf_hash, node_hash, Hash, HASH_SIZE};
pub use merkle::{
    consistency_proof, inclusion_proof, verify_consistency, verify_inclusion, MemoryTree,
    NodeSource, ProofError, VerifyError,
};
pub use note::{KeyError, KeyType, Note, NoteError, NoteSignature, NoteSigner, NoteVerifier};
pub use policy::{LogPolicy, PolicyError, VerifiedCheckpoint};
pub use receipt::{Receipt, ReceiptError, VerifiedReceipt, MAX_RECEIPT_SIZE};
pub use sequencer::{Sequencer, SequencerError};
pub use service::{LogService, Publisher, ServiceError, Unwitnessed};
pub use storage::{Fetcher, FsStorage, LogStorage};
pub use tiles::{TileCache, TileReader};
pub use verify::{verify_log, AnchorSeen, Report, Totals, VerifyOptions};
pub use witness::{
    AddCheckpointRequest, ClientError, QuorumPublisher, Witness, WitnessClient, WitnessEndpoint,
    WitnessError,
};
