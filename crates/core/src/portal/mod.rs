//! The citizen portal (issue 8): what a citizen reaches without an account, after showing they know a
//! NIK and the KK number it belongs to.
//!
//! - [`announcements`]: announcements (*pengumuman*) officers publish, and the distribution schedules
//!   tepat publishes once per released envelope, for `/pengumuman` and its Atom feed.
//! - [`complaints`]: complaints (*pengaduan*) with tickets, routing to the responsible level,
//!   service-level deadlines and escalation, the officers' inbox; [`ratings`]: 1 to 5 stars per
//!   paid or handed-over entitlement, with summaries per program, cycle and village.
//! - [`pass`]: a short-lived signed pass issued after a successful NIK + KK check, so follow-up forms
//!   on the same visit (a rating, notification contacts, a complaint) need neither the numbers again
//!   nor a session cookie.
//! - [`notify`]: notifications — the in-app inbox's words, and the outbox that delivers notices and
//!   messages by SMS, WhatsApp, e-mail and web push ([`notify::enqueue`]).
//! - [`status`]: the status check by NIK + KK number (a [`status::StatusCard`] for `/cek`, the JSON
//!   API and SMS), not an oracle, served from memory.
pub mod announcements;
pub mod complaints;
pub mod notify;
pub mod pass;
pub mod ratings;
pub mod status;

pub use pass::{CitizenPass, PassError, PassKey};
