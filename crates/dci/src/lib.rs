//! `tepat-dci`: the messages tepat exchanges with other agencies' systems, in the shapes of the Digital
//! Convergence Initiative (DCI) standards and G2P Connect, so that a population office, BPJS or a
//! payment provider that speaks them can connect without custom work. No I/O: the HTTP endpoints live in
//! `tepat-web`, the disbursement client in the payments crate.
//!
//! - [`envelope`]: every message is `{signature, header, message}`; [`Header`] says who sent what when.
//! - [`signature`]: the `Signature:` string — Ed25519 over a BLAKE2b-512 digest of header and message —
//!   made by a [`Signer`] and checked by [`verify`] against an agency's published keys.
//! - [`keys`]: Ed25519 public keys published as a JWKS ([`Jwks`]).
//! - [`ack`]: the synchronous acknowledgement (`ACK`, `NACK`, `ERR`) and the per-item [`Status`].
//! - [`reason`]: the `rjct.<field>.<problem>` reason codes.
//! - [`disburse`]: G2P Connect disbursement — `disburse`, its `on-disburse` callback and transaction status.
//! - [`registry`]: Social Registry search, subscribe and notify messages, with KK groups and members.
//!
//! The wire formats and where tepat had to choose (canonical JSON for the digest, name parts for
//! Indonesian names) are described in `docs/agency-api.md`.
#![forbid(unsafe_code)]

pub mod ack;
pub mod disburse;
pub mod envelope;
pub mod keys;
pub mod reason;
pub mod registry;
pub mod signature;

mod canonical;

pub use ack::{Ack, AckError, AckResponse, AckStatus, Status};
pub use envelope::{Envelope, Header};
pub use keys::{Jwk, Jwks, KeyError};
pub use reason::ReasonCode;
pub use signature::{verify, KeyLookup, SignatureError, Signer, Verified};
