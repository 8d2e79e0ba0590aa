//! ISO 20022 bank files: the pure half of paying by bank transfer (issue 7, docs/bank-files.md).
//!
//! - [`profile`]: what each bank is assumed to accept ([`BankProfile`], [`BANKS`], [`bank`]).
//! - [`pain001`]: the credit transfers of one batch as a pain.001 file ([`write_pain001`]).
//! - [`read`]: pain.002 status reports and camt.053/camt.054 statements read into per-payment lines
//!   ([`read_status_file`]), refusing malformed or foreign files with the line.
//! - [`text`]: identifiers ([`BatchRef`], [`end_to_end_id`]), the basic Latin set, amounts.
//! - [`bank_sim`]: a bank as a test double that answers a pain.001 with the files a bank sends back.
//!
//! Nothing here does I/O beyond a `Write` or a byte slice; the store and the workflow are in
//! `tepat-core::distribution`.

pub mod bank_sim;
pub mod pain001;
pub mod profile;
pub mod read;
pub mod text;
mod xml;

pub use pain001::{write_pain001, CreditTransfer, Pain001, Party, WriteError};
pub use profile::{bank, BankProfile, Pain001Version, BANKS};
pub use read::{
    read_status_file, GroupStatus, Outcome, ReadError, ReadErrorKind, StatusFile, StatusKind,
    StatusLine,
};
pub use text::{end_to_end_id, BatchRef};
