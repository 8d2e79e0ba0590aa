//! `tepat-store`: where tepat keeps its data.
//!
//! - [`Store`]: the trait every other crate codes against; [`connect`] picks the backend from the URL:
//!   `sqlite://FILE` (embedded, the default) or `postgres://…` (production).
//! - [`PopulationImport`]: one import of the population extract, one transaction.
//! - [`PopulationSealer`]: encrypts and blind-indexes NIK and KK numbers; the database never sees them
//!   in plaintext.
//! - Values in and out: [`PopulationRecord`], [`PopulationPerson`], the summaries, [`ImportRun`].
//! - [`AccountStore`] (part of [`Store`]): officers' accounts and sign-in sessions ([`Account`]).
//! - [`PasskeyStore`] (part of [`Store`]): officers' passkeys (WebAuthn credentials, [`Passkey`]).
//! - [`PhotoStore`] (part of [`Store`]): photos of households from the field visit, sealed, with a
//!   delete-after time (`docs/registry.md`, "Photos").
//! - [`AgencyStore`] (part of [`Store`]): partner agencies of the DCI API, their subscriptions and the
//!   outbox of notifications to them (`docs/agency-api.md`).
//! - [`RegistryStore`] (part of [`Store`]): the social registry — households, requests (*usulan*) and
//!   their workflow history, tasks, duplicate decisions (`docs/registry.md`).
//! - [`AuditStore`] (part of [`Store`]): the append-only, hash-chained audit log.
//! - [`IntakeStore`] (part of [`Store`]): citizens' proposals and objections waiting for the village
//!   operator, and the village's public list (`docs/citizen.md`).
//! - [`KeyMaintenance`] (part of [`Store`]): after a key rotation, re-seals every encrypted value under
//!   the new key and counts values per key, so old keys can be retired.
//! - [`TargetingRunStore`] (part of [`Store`]): programs as versioned data, targeting runs with
//!   their candidates and waitlist, approval into enrolments, graduation, and appeals against
//!   automated decisions (issue 6).
//! - [`TargetingFactsStore`] (part of [`Store`]): the targeting facts, plain copies of what program
//!   rules read, kept in step with the registry, for rules run in SQL (issue 6).
//! - [`HandoverStore`] (part of [`Store`]): distribution points, assignments to a point, day and
//!   slot, signed vouchers, hand-overs synced from devices, notices to households, a household's trail
//!   (issue 7).
//! - [`DistributionLedgerStore`] (part of [`Store`]): the distribution steps still to write to the
//!   transparency ledger, and where their entries are recorded (issue 7).
//! - [`DistributionStore`] (part of [`Store`]): envelopes of a program-cycle with their control totals,
//!   entitlements, payment attempts, imported status files and the ID-to-account mapper (issue 7).
//! - [`PortalStatusStore`] (part of [`Store`]): what the citizen status check reads, shaped for an
//!   in-memory identity index (issue 8).
//! - [`FeedbackStore`] (part of [`Store`]): citizens' complaints (*pengaduan*) with tickets, routing
//!   level, deadline and history, and ratings of each distribution (issue 8).
//! - [`AnnouncementStore`] (part of [`Store`]): public announcements, written by officers or, for
//!   distribution schedules, by tepat once per released envelope (issue 8).
//! - [`NotifyStore`] (part of [`Store`]): citizens' notification contacts (sealed), messages that are
//!   not distribution notices, and the outbox of deliveries per channel (issue 8).
//! - [`MonitoringStore`] (part of [`Store`]): what the officials' monitoring dashboard reads, and the
//!   refresh of its aggregates and anomaly flags (issue 9).
//! - [`OpenDataStore`] (part of [`Store`]): the open-data aggregates the public portal reads, per
//!   program, cycle and village, refreshed by a job (issue 9, `docs/open-data.md`).
//! - [`StoreError`]: what went wrong and what to do, without personal data.
//!
//! Both backends share their SQL (`sql`, `shared`); only connecting, migrations (`migrations/sqlite`,
//! `migrations/postgres`) and tuning differ. The schema and its reasons are in `docs/storage.md`.
#![forbid(unsafe_code)]

mod account;
mod account_sql;
mod agency;
mod agency_sql;
mod announcement;
mod announcement_sql;
mod audit;
mod connect;
mod distribution;
mod distribution_ledger;
mod distribution_premium;
mod distribution_sql;
mod error;
mod feedback;
mod feedback_sql;
mod handover;
mod handover_sql;
mod intake;
mod intake_sql;
mod migrations;
mod model;
mod monitoring;
mod monitoring_sql;
mod notify;
mod notify_sql;
mod opendata;
mod opendata_sql;
mod passkey;
mod passkey_sql;
mod photo;
mod photo_sql;
mod plan;
mod portal_status;
mod portal_status_sql;
mod postgres;
mod registry;
mod reseal;
mod sealing;
mod shared;
mod sql;
mod sqlite;
mod sqlite_import;
mod store;
mod targeting_facts;
mod targeting_facts_sql;
mod targeting_runs;
mod targeting_runs_sql;

#[cfg(feature = "testing")]
pub mod testing;

pub use account::{Account, AccountStore, Lockout, NewAccount, StoredSession, TokenHash};
pub use agency::{
    Agency, AgencyStore, AgencyTransaction, Callback, Delivery, FeedCursor, Lease, NewAgency,
    NewCallback, NewOutboxItem, OutboxItem, OutboxState, RegistryChange, Subscription,
};
pub use announcement::{Announcement, AnnouncementFilter, AnnouncementStore, ScheduleDay};
pub use audit::{
    chain_hash, AuditAction, AuditCheck, AuditEntry, AuditFilter, AuditPeriod, AuditRecord,
    AuditStore, ChainHash, ChainHead, ChainProblem, ObjectKind, PUBLIC_ACTOR,
};
pub use connect::{connect, DatabaseUrl};
pub use distribution::{
    AccountLink, AppliedStatus, DistributionStore, Entitlement, EntitlementFilter,
    EntitlementTotals, Envelope, ExportRow, LinkRoute, LinkSource, LinkState, NewAccountLink,
    NewEnvelope, Payment, PaymentTotals, Released, StatusImport, StatusUpdate, ACCOUNT_REASONS,
};
pub use distribution_ledger::{
    DistributionLedgerStore, EntitlementToPublish, EnvelopeLine, EnvelopeToPublish, LedgerMark,
    LedgerRef, LedgerStep, StepToPublish,
};
pub use distribution_premium::DistributionPremiumStore;
pub use error::StoreError;
pub use feedback::{
    Complaint, ComplaintCategory, ComplaintChange, ComplaintEvent, ComplaintFilter, ComplaintState,
    Contact, EventKind, FeedbackStore, Level, NewComplaint, Rating, RatingGroup, Ticket,
};
pub use handover::{
    Assignment, DistributionPoint, FlaggedHandover, HandoverStatus, HandoverStore, HandoverWrite,
    IssueBatch, IssueCounts, NewHandover, Notice, NoticeKind, PointKind, PointLoad, StoredVoucher,
    TrailRow, VoucherCandidate, VoucherContext, VoucherEnvelope,
};
pub use intake::{
    CitizenTip, IntakeStore, Objection, ObjectionDetails, Published, ReplyOutcome, SubmissionKind,
    SubmissionReply, SubmissionState, TipDetails, TipKind,
};
pub use model::{
    Backend, BatchStats, DistrictSummary, ImportMeta, ImportRun, ImportSummaryForRun,
    PopulationPerson, PopulationRecord, PopulationTotals, RegencySummary, RegionCounts,
};
pub use monitoring::{
    Area, BacklogRow, ComplaintRow, FlagItem, FlagRule, FlagRules, MonitoringStore, PipelineRow,
    RatingRow, Refreshed,
};
pub use notify::{
    Channel, DeliveryCount, DeliveryKey, DeliveryRow, DeliveryState, DueDelivery, FanOut,
    MessageTo, NewMessage, NotifyContact, NotifyStore, StoredMessage,
};
pub use opendata::{
    OpenDataCell, OpenDataComplaints, OpenDataRecipient, OpenDataRefresh, OpenDataStore,
};
pub use passkey::{NewPasskey, Passkey, PasskeyStore};
pub use photo::{Photo, PhotoKind, PhotoMeta, PhotoStore};
pub use portal_status::{
    Blind, PortalStatusStore, StatusBlinder, StatusEnrolment, StatusHousehold, StatusIdentity,
    StatusWaitlist,
};
pub use registry::{
    Advance, DuplicateDecision, DuplicateVerdict, HouseholdState, LinkageRow, NewTask,
    PopulationSync, RegistryStore, RequestSummary, SaveHousehold, SearchHit, StoredHousehold,
    StoredRequest, Task, TaskKind, TaskState, MIN_NAME_PREFIX,
};
pub use reseal::{KeyMaintenance, ResealReport};
pub use sealing::{PopulationSealer, SealedPopulationBatch};
pub use store::{PopulationImport, Store};
pub use targeting_facts::{CountedRow, EligibleRow, TargetingFactsStore, WelfareRank};
pub use targeting_runs::{
    Appeal, AppealDecision, AppealState, Approval, ApprovalOutcome, CandidateRow, CandidateStatus,
    DecreeNumber, Enrolment, EnrolmentState, Graduation, InvalidDecree, NewAppeal, NewRun,
    PageAfter, ProgramVersion, RunState, TargetingRun, TargetingRunStore, DECREE_MAX_CHARS,
    NOT_RESELECTED, NOT_RESELECTED_NOTICE,
};
