//! `tepat-payments`: how an approved envelope's money and goods reach households (issue 7,
//! `docs/distribution.md`). Pure except for the e-wallet client's HTTP calls; the store and the
//! workflow around it live in `tepat-store` and `tepat-core::distribution`.
//!
//! - [`iso20022`]: bank files — pain.001 credit transfers written per bank profile (BRI, BNI, Mandiri,
//!   BTN, BSI), and pain.002 status reports and camt.053/camt.054 statements read into per-payment
//!   results, refusing malformed or foreign files with the line.
//! - [`ewallet`]: the G2P Connect disbursement API as a client (`disburse`, the `on-disburse` callback,
//!   transaction status), with signed messages.
//! - [`voucher`]: the QR voucher for cash or goods, signed with Ed25519 and checked offline.
//! - [`schedule`]: assigning recipients to distribution points, days and slots, near their village,
//!   within capacity and spread evenly.
#![forbid(unsafe_code)]

pub mod ewallet;
pub mod iso20022;
pub mod schedule;
pub mod voucher;
