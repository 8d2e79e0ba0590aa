//! `tepat-ledger`: the transparency ledger of tepat.
//!
//! An append-only Merkle log (RFC 9162 §2.1) of every aid step, published as C2SP tlog-tiles, with
//! checkpoints signed as C2SP signed notes and cosigned by independent witnesses (C2SP tlog-witness,
//! tlog-cosignature), so no single office can rewrite history and anyone can verify it offline.
//!
//! Read it in this order:
//! - [`hash`]: SHA-256 leaf / node / empty hashes.
//! - [`merkle`]: roots, inclusion and consistency proofs, generation and verification.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod hash;
pub mod merkle;

pub use hash::{empty_root, leaf_hash, node_hash, Hash, HASH_SIZE};
pub use merkle::{
    consistency_proof, inclusion_proof, verify_consistency, verify_inclusion, MemoryTree,
    NodeSource, ProofError, VerifyError,
};
