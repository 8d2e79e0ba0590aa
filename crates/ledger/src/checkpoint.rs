//! C2SP tlog-checkpoint: the note text `origin\nsize\nbase64(root)\n[extension lines]`, and checkpoints
//! opened from signed notes.

use std::fmt;

use thiserror::Error;

use crate::hash::Hash;
use crate::note::{Note, NoteError, NoteSigner, NoteVerifier};

/// Most extension lines accepted (they are NOT RECOMMENDED; tepat writes none).
pub const MAX_EXTENSION_LINES: usize = 16;

/// A checkpoint's body: what the log commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line, a schema-less URL such as `bansos.example.go.id/ledger`.
    pub origin: String,
    /// Number of entries in the tree.
    pub size: u64,
    /// Root hash of the tree of `size` entries.
    pub root: Hash,
    /// Optional extension lines (without newlines).
    pub extensions: Vec<String>,
}

/// A checkpoint text is malformed, or a signed checkpoint did not verify.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CheckpointError {
    /// Fewer than three lines, or no final newline.
    #[error(
        "a checkpoint needs at least three lines (origin, size, root), each ending in a newline"
    )]
    TooShort,
    /// The origin line is empty.
    #[error("the origin line is empty")]
    EmptyOrigin,
    /// The size line is not a decimal without leading zeros that fits 64 bits.
    #[error("the size line {0:?} is not a decimal number without leading zeros")]
    BadSize(String),
    /// The root line is not base64 of 32 bytes.
    #[error("the root line {0:?} is not the base64 of a 32-byte hash")]
    BadRoot(String),
    /// An empty extension line, or too many of them.
    #[error("bad extension lines: {0}")]
    BadExtension(&'static str),
    /// The origin is not the one expected.
    #[error("the checkpoint is for origin {got:?}, expected {want:?}")]
    WrongOrigin {
        /// Origin expected.
        want: String,
        /// Origin found.
        got: String,
    },
    /// The note itself is malformed or its signatures fail.
    #[error("{0}")]
    Note(#[from] NoteError),
}

impl Checkpoint {
    /// A checkpoint without extension lines.
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Self {
        Checkpoint {
            origin: origin.into(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a note text strictly. The text's characters were already checked by the note parser;
    /// this checks the checkpoint's own rules.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::TooShort)?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::TooShort);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_decimal(size).ok_or_else(|| CheckpointError::BadSize(clip(size)))?;
        let root = Hash::from_base64(root).ok_or_else(|| CheckpointError::BadRoot(clip(root)))?;
        let mut extensions = Vec::new();
        for line in lines {
            if line.is_empty() {
                return Err(CheckpointError::BadExtension("an extension line is empty"));
            }
            if extensions.len() == MAX_EXTENSION_LINES {
                return Err(CheckpointError::BadExtension(
                    "more than 16 extension lines",
                ));
            }
            extensions.push(line.to_string());
        }
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint with a log key into a note.
    pub fn sign(&self, signer: &NoteSigner) -> Note {
        let text = self.to_text();
        let sig = signer.sign(&text);
        let mut note = Note::new(text);
        note.push(sig);
        note
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} @ {} ({})",
            self.origin,
            self.size,
            self.root.to_base64()
        )
    }
}

/// A decimal without leading zeros (`0` alone allowed), fitting u64.
pub fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    s.parse().ok()
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// A checkpoint whose note carries a valid signature of the log key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The note, with the log's signature and any cosignatures.
    pub note: Note,
}

impl SignedCheckpoint {
    /// Parses a signed checkpoint and verifies the log's signature. The origin must be the log key's
    /// name (tepat's convention, which the spec recommends).
    pub fn open(bytes: &[u8], log_key: &NoteVerifier) -> Result<Self, CheckpointError> {
        let note = Note::parse(bytes)?;
        let checkpoint = Checkpoint::parse(&note.text)?;
        if checkpoint.origin != log_key.name() {
            return Err(CheckpointError::WrongOrigin {
                want: log_key.name().to_string(),
                got: checkpoint.origin,
            });
        }
        note.verify(std::slice::from_ref(log_key))?;
        Ok(SignedCheckpoint { checkpoint, note })
    }

    /// The note bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.note.to_bytes()
    }
}
