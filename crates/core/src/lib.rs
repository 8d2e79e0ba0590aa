//! `tepat-core`: operations that combine the domain rules and the store, reachable alike from the CLI, the
//! API and the UI.
//!
//! - [`access`]: authorisation as types. An [`access::Actor`] (someone signed in) obtains a
//!   [`access::Grant`] for one [`access::Action`] in one region; data access requires the grant.
//! - [`auth`]: signing in and out (Argon2id passwords, database sessions, throttling and lockout), the
//!   only maker of an [`access::Actor`]; managing accounts with an [`access::Administer`] grant.
//! - [`population`]: importing the population extract (the office's copy of the Dukcapil registry) from
//!   CSV: validation, a report of rejected rows, and an atomic upsert. The file format is in
//!   `docs/population-csv.md`.
//! - [`registry`]: the social registry — requests (*usulan*) through *verifikasi dan validasi*, search,
//!   household records, re-verification and population updates (`docs/registry.md`).
//! - [`agency`]: partner agencies on the DCI Social Registry API: signature authentication, their
//!   scope and permissions as types, search answers as KK groups, subscriptions and notifications.
//! - [`audit`]: the audit log for auditors (query, chain verification, head for anchoring).
//! - [`intake`]: the other ways in: operators' CSV uploads of proposals, sector agencies' lists
//!   (`docs/proposals-csv.md`), masked names for public lists.
//! - [`offline`]: offline field entry — records made on a phone without signal, entered once each
//!   (the phone's id is the request's id), with an answer per record.
//! - [`photos`]: household photos from the field visit — checked, stripped of metadata, sealed, audited,
//!   purged after the retention period.
//! - [`distribution`]: envelopes of a program-cycle (entitlements, maker-checker approval, release
//!   once), bank files out and status files in, retries and rerouting to cash, the ID-to-account mapper
//!   (`docs/distribution.md`).
//! - [`targeting`]: programs, the welfare ranking, targeting runs with their simulation, approval into
//!   enrolments, appeals and the needs forecast (`docs/targeting.md`).
//! - [`portal`]: the citizen portal — the pass a NIK + KK check issues for follow-up forms, status
//!   cards, complaints, ratings and notices (issue 8, `docs/citizen-portal.md`).
//! - [`opendata`]: the public transparency portal's figures — suppressed tables by region, masked
//!   recipient lists, CSV, DCAT and CKAN (issue 9, `docs/open-data.md`).
//! - [`monitoring`]: the officials' monitoring dashboard — the distribution pipeline, complaint
//!   deadlines, ratings, registration backlog and anomaly flags of one's region (issue 9,
//!   `docs/monitoring.md`).
#![forbid(unsafe_code)]

pub mod access;
pub mod agency;
pub mod audit;
pub mod auth;
pub mod distribution;
pub mod intake;
pub mod monitoring;
pub mod offline;
pub mod opendata;
pub mod photos;
pub mod population;
pub mod portal;
pub mod registry;
pub mod targeting;
