//! The schema migrations, one set per backend (`migrations/sqlite`, `migrations/postgres`), embedded in
//! the binary.
//!
//! Built by hand rather than with `sqlx::migrate!`, which needs sqlx's `macros` feature. Advisory locking is
//! off: distributed PostgreSQL engines may lack advisory locks, so run `tepat migrate` from one process
//! (every server start migrates too, which is safe when servers start one at a time).

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

/// (version, description, SQL) of each migration, in order.
type Source = (i64, &'static str, &'static str);

const SQLITE: &[Source] = &[
    (
        1,
        "population",
        include_str!("../migrations/sqlite/0001_population.sql"),
    ),
    (
        2,
        "registry",
        include_str!("../migrations/sqlite/0002_registry.sql"),
    ),
    (
        3,
        "audit",
        include_str!("../migrations/sqlite/0003_audit.sql"),
    ),
    (
        4,
        "accounts",
        include_str!("../migrations/sqlite/0004_accounts.sql"),
    ),
    (
        5,
        "agencies",
        include_str!("../migrations/sqlite/0005_agencies.sql"),
    ),
    (
        6,
        "intake",
        include_str!("../migrations/sqlite/0006_intake.sql"),
    ),
    (
        7,
        "passkeys",
        include_str!("../migrations/sqlite/0007_passkeys.sql"),
    ),
    (
        9,
        "photos",
        include_str!("../migrations/sqlite/0009_photos.sql"),
    ),
    (
        10,
        "targeting",
        include_str!("../migrations/sqlite/0010_targeting.sql"),
    ),
    (
        11,
        "targeting runs",
        include_str!("../migrations/sqlite/0011_targeting_runs.sql"),
    ),
    (
        12,
        "audit by time",
        include_str!("../migrations/sqlite/0012_audit_more.sql"),
    ),
    (
        13,
        "agency outbox claims, durable callbacks, upload claims",
        include_str!("../migrations/sqlite/0013_agency_outbox.sql"),
    ),
    (
        14,
        "answers to citizens' proposals and objections",
        include_str!("../migrations/sqlite/0014_citizen_replies.sql"),
    ),
    (
        15,
        "distribution: envelopes, entitlements, payments, account mapper",
        include_str!("../migrations/sqlite/0015_distribution.sql"),
    ),
    (
        16,
        "distribution points, assignments, vouchers, hand-overs, notices",
        include_str!("../migrations/sqlite/0016_handover.sql"),
    ),
    (
        17,
        "ledger entries of vouchers and reversals",
        include_str!("../migrations/sqlite/0017_distribution_ledger.sql"),
    ),
    (
        18,
        "hand-over photos",
        include_str!("../migrations/sqlite/0018_handover_photo.sql"),
    ),
    (
        21,
        "complaints and ratings",
        include_str!("../migrations/sqlite/0021_feedback.sql"),
    ),
    (
        22,
        "notifications: contacts, messages, outbox",
        include_str!("../migrations/sqlite/0022_notify.sql"),
    ),
    (
        23,
        "announcements",
        include_str!("../migrations/sqlite/0023_announcements.sql"),
    ),
    (
        25,
        "open-data aggregates",
        include_str!("../migrations/sqlite/0025_opendata.sql"),
    ),
    (
        26,
        "monitoring dashboard aggregates",
        include_str!("../migrations/sqlite/0026_monitoring.sql"),
    ),
];

const POSTGRES: &[Source] = &[
    (
        1,
        "population",
        include_str!("../migrations/postgres/0001_population.sql"),
    ),
    (
        2,
        "registry",
        include_str!("../migrations/postgres/0002_registry.sql"),
    ),
    (
        3,
        "audit",
        include_str!("../migrations/postgres/0003_audit.sql"),
    ),
    (
        4,
        "accounts",
        include_str!("../migrations/postgres/0004_accounts.sql"),
    ),
    (
        5,
        "agencies",
        include_str!("../migrations/postgres/0005_agencies.sql"),
    ),
    (
        6,
        "intake",
        include_str!("../migrations/postgres/0006_intake.sql"),
    ),
    (
        7,
        "passkeys",
        include_str!("../migrations/postgres/0007_passkeys.sql"),
    ),
    (
        9,
        "photos",
        include_str!("../migrations/postgres/0009_photos.sql"),
    ),
    (
        10,
        "targeting",
        include_str!("../migrations/postgres/0010_targeting.sql"),
    ),
    (
        11,
        "targeting runs",
        include_str!("../migrations/postgres/0011_targeting_runs.sql"),
    ),
    (
        12,
        "audit by time",
        include_str!("../migrations/postgres/0012_audit_more.sql"),
    ),
    (
        13,
        "agency outbox claims, durable callbacks, upload claims",
        include_str!("../migrations/postgres/0013_agency_outbox.sql"),
    ),
    (
        14,
        "answers to citizens' proposals and objections",
        include_str!("../migrations/postgres/0014_citizen_replies.sql"),
    ),
    (
        15,
        "distribution: envelopes, entitlements, payments, account mapper",
        include_str!("../migrations/postgres/0015_distribution.sql"),
    ),
    (
        16,
        "distribution points, assignments, vouchers, hand-overs, notices",
        include_str!("../migrations/postgres/0016_handover.sql"),
    ),
    (
        17,
        "ledger entries of vouchers and reversals",
        include_str!("../migrations/postgres/0017_distribution_ledger.sql"),
    ),
    (
        18,
        "hand-over photos",
        include_str!("../migrations/postgres/0018_handover_photo.sql"),
    ),
    (
        21,
        "complaints and ratings",
        include_str!("../migrations/postgres/0021_feedback.sql"),
    ),
    (
        22,
        "notifications: contacts, messages, outbox",
        include_str!("../migrations/postgres/0022_notify.sql"),
    ),
    (
        23,
        "announcements",
        include_str!("../migrations/postgres/0023_announcements.sql"),
    ),
    (
        25,
        "open-data aggregates",
        include_str!("../migrations/postgres/0025_opendata.sql"),
    ),
    (
        26,
        "monitoring dashboard aggregates",
        include_str!("../migrations/postgres/0026_monitoring.sql"),
    ),
];

/// The SQL of every migration of both backends (for tests that check the schema against the code).
#[cfg(test)]
pub(crate) fn all_sql() -> impl Iterator<Item = &'static str> {
    SQLITE.iter().chain(POSTGRES).map(|(_, _, sql)| *sql)
}

pub(crate) fn sqlite() -> Migrator {
    migrator(SQLITE)
}

pub(crate) fn postgres() -> Migrator {
    migrator(POSTGRES)
}

fn migrator(sources: &[Source]) -> Migrator {
    let migrations = sources
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                Cow::Borrowed(sql),
                false,
            )
        })
        .collect::<Vec<_>>();
    Migrator {
        migrations: Cow::Owned(migrations),
        ignore_missing: false,
        locking: false,
        no_tx: false,
    }
}
