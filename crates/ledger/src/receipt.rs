//! Receipts: an offline-verifiable proof that one aid event is in the log, in the C2SP tlog-proof format
//! (`c2sp.org/tlog-proof@v1`), small enough for a QR code ([`MAX_RECEIPT_SIZE`]).
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64 of the entry's canonical bytes>
//! index <n>
//! <inclusion proof, one base64 hash per line>
//!
//! <the cosigned checkpoint note>
//! ```
//! The `extra` line carries the entry itself: unauthenticated as the spec says, it is trusted only after
//! its leaf hash, the inclusion proof, the log signature and the witness quorum all check out.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use thiserror::Error;

use crate::checkpoint::{parse_decimal, SignedCheckpoint};
use crate::entry::{beneficiary_commitment, AidEvent, EntryError, EventBody};
use crate::hash::{leaf_hash, Hash};
use crate::merkle::{inclusion_proof, verify_inclusion, VerifyError};
use crate::note::Note;
use crate::policy::{Cosigned, LogPolicy, PolicyError};
use crate::storage::Fetcher;
use crate::tiles::{read_bundle, TileReader, TILE_WIDTH};

/// Largest receipt that still fits a QR code comfortably (version 40, level L holds 2,953 bytes).
pub const MAX_RECEIPT_SIZE: usize = 2_900;
const HEADER: &str = "c2sp.org/tlog-proof@v1";
const MAX_PROOF_LINES: usize = 63;

/// A receipt could not be built, parsed or verified.
#[derive(Debug, Error)]
pub enum ReceiptError {
    /// Malformed text.
    #[error("malformed receipt: {0}")]
    Malformed(String),
    /// The checkpoint, its signature or its quorum failed.
    #[error("{0}")]
    Policy(#[from] PolicyError),
    /// The inclusion proof failed.
    #[error("the inclusion proof does not verify: {0}")]
    Inclusion(#[from] VerifyError),
    /// The entry is not an aid event.
    #[error("the entry is not an aid event: {0}")]
    Entry(#[from] EntryError),
    /// Building from the log failed.
    #[error("building the receipt: {0}")]
    Build(String),
}

/// A parsed receipt (not yet verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The entry's canonical bytes.
    pub entry: Vec<u8>,
    /// Its index.
    pub index: u64,
    /// Inclusion proof in the checkpoint's tree.
    pub proof: Vec<Hash>,
    /// The cosigned checkpoint note bytes.
    pub checkpoint: Vec<u8>,
}

/// What a verified receipt proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedReceipt {
    /// The event.
    pub event: AidEvent,
    /// Its index.
    pub index: u64,
    /// The log size and origin it was proven against.
    pub checkpoint: crate::checkpoint::Checkpoint,
    /// The witnesses that cosigned.
    pub cosignatures: Vec<Cosigned>,
}

impl VerifiedReceipt {
    /// For an entitlement: whether it is this beneficiary's (the citizen holds the salt and their NIK).
    pub fn is_for(&self, salt: &[u8; 32], nik: &str) -> bool {
        match &self.event.body {
            EventBody::Entitlement { beneficiary, .. } => {
                *beneficiary
                    == beneficiary_commitment(salt, nik, &self.event.program, &self.event.cycle)
            }
            _ => false,
        }
    }
}

impl Receipt {
    /// Builds the receipt of entry `index` from a log's files and its published cosigned checkpoint.
    pub fn build<F: Fetcher + ?Sized>(
        f: &F,
        index: u64,
        checkpoint: &Note,
    ) -> Result<Receipt, ReceiptError> {
        let cp = crate::checkpoint::Checkpoint::parse(&checkpoint.text)
            .map_err(|e| ReceiptError::Build(e.to_string()))?;
        if index >= cp.size {
            return Err(ReceiptError::Build(format!(
                "entry {index} is not in the tree of size {}",
                cp.size
            )));
        }
        let bundle = read_bundle(f, index / TILE_WIDTH, cp.size)
            .map_err(|e| ReceiptError::Build(e.to_string()))?;
        let entry = bundle[(index % TILE_WIDTH) as usize].clone();
        let reader = TileReader::new(f, cp.size);
        let proof = inclusion_proof(&reader, index, cp.size)
            .map_err(|e| ReceiptError::Build(e.to_string()))?;
        Ok(Receipt {
            entry,
            index,
            proof,
            checkpoint: checkpoint.to_bytes(),
        })
    }

    /// The `.tlog-proof` text.
    pub fn encode(&self) -> Vec<u8> {
        let mut s = format!(
            "{HEADER}\nextra {}\nindex {}\n",
            B64.encode(&self.entry),
            self.index
        );
        for h in &self.proof {
            s.push_str(&h.to_base64());
            s.push('\n');
        }
        s.push('\n');
        let mut out = s.into_bytes();
        out.extend_from_slice(&self.checkpoint);
        out
    }

    /// Parses the `.tlog-proof` text strictly. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<Receipt, ReceiptError> {
        let bad = |s: String| ReceiptError::Malformed(s);
        if bytes.len() > 64 * 1024 {
            return Err(bad(format!(
                "{} bytes is too long for a receipt",
                bytes.len()
            )));
        }
        let mut at = 0usize;
        let mut next_line = |what: &str| -> Result<&[u8], ReceiptError> {
            let rest = &bytes[at..];
            let end = rest.iter().position(|&b| b == b'\n').ok_or_else(|| {
                ReceiptError::Malformed(format!("the receipt ends before {what}"))
            })?;
            at += end + 1;
            Ok(&rest[..end])
        };
        if next_line("the header")? != HEADER.as_bytes() {
            return Err(bad(format!("the first line must be {HEADER}")));
        }
        let mut line = next_line("the index line")?;
        let mut entry = None;
        if let Some(b64) = line.strip_prefix(b"extra ") {
            entry = Some(
                B64.decode(b64)
                    .map_err(|_| bad("the extra line is not valid base64".into()))?,
            );
            line = next_line("the index line")?;
        }
        let entry = entry
            .ok_or_else(|| bad("a tepat receipt carries its entry on an `extra` line".into()))?;
        let index = line
            .strip_prefix(b"index ")
            .and_then(|d| std::str::from_utf8(d).ok())
            .and_then(parse_decimal)
            .ok_or_else(|| {
                bad("expected `index <n>` with n in decimal without leading zeros".into())
            })?;
        let mut proof = Vec::new();
        loop {
            let l = next_line("the blank line before the checkpoint")?;
            if l.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad(format!("more than {MAX_PROOF_LINES} proof lines")));
            }
            let h = std::str::from_utf8(l)
                .ok()
                .and_then(Hash::from_base64)
                .ok_or_else(|| {
                    bad(format!(
                        "proof line {} is not a base64 32-byte hash",
                        proof.len() + 1
                    ))
                })?;
            proof.push(h);
        }
        Ok(Receipt {
            entry,
            index,
            proof,
            checkpoint: bytes[at..].to_vec(),
        })
    }

    /// Verifies offline: checkpoint signature and witness quorum under `policy`, then the inclusion of
    /// the entry's leaf hash, then that the entry is an aid event.
    pub fn verify(&self, policy: &LogPolicy) -> Result<VerifiedReceipt, ReceiptError> {
        let signed =
            SignedCheckpoint::open(&self.checkpoint, &policy.log).map_err(PolicyError::from)?;
        let v = policy.verify_signed(signed)?;
        verify_inclusion(
            &leaf_hash(&self.entry),
            self.index,
            v.checkpoint.size,
            &self.proof,
            &v.checkpoint.root,
        )?;
        let event = AidEvent::decode(&self.entry)?;
        Ok(VerifiedReceipt {
            event,
            index: self.index,
            checkpoint: v.checkpoint,
            cosignatures: v.cosignatures,
        })
    }
}
