//! Public announcements (*pengumuman*, issue 8, `docs/information.md`): what officers publish for a
//! region (or everywhere), and the distribution schedules tepat publishes itself, one per distribution
//! point of a released envelope, once per envelope. Read by anyone at `/pengumuman` and in the Atom feed.
//!
//! Nothing stored here is personal data: a schedule gives a place, days, times and how many households,
//! never who.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use tepat_domain::RegionCode;
use uuid::Uuid;

use crate::error::StoreError;
use crate::handover::PointKind;

/// One announcement, as written and as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub id: Uuid,
    /// Where it applies (any level); `None`: the whole installation.
    pub region: Option<RegionCode>,
    /// The program it is about, `None` for every program.
    pub program: Option<String>,
    /// In Bahasa Indonesia, the official language.
    pub title: String,
    pub body: String,
    /// In English, when the author gave one.
    pub title_en: Option<String>,
    pub body_en: Option<String>,
    /// Shown from this time on. Stored to the whole second.
    pub publish_at: DateTime<Utc>,
    /// The officer's account, or [`Uuid::nil`] for what tepat wrote.
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// For a schedule tepat wrote: the envelope and the distribution point.
    pub source: Option<(Uuid, Uuid)>,
}

/// Which announcements to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementFilter {
    /// Those that concern this region: written for it, for a region containing it, or for a region
    /// inside it (a kecamatan's list shows its villages' schedules). `None`: all.
    pub region: Option<RegionCode>,
    /// Those about this program and those about every program. `None`: all.
    pub program: Option<String>,
    /// Only those published at or before this time.
    pub published_by: DateTime<Utc>,
    pub limit: u32,
}

/// One distribution point's households on one day of a released envelope, not yet announced: what a
/// schedule announcement is written from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleDay {
    pub envelope: Uuid,
    pub program: String,
    pub cycle: String,
    pub point: Uuid,
    pub point_name: String,
    pub point_kind: PointKind,
    pub village: RegionCode,
    pub day: NaiveDate,
    /// Start of the first slot used that day and end of the last one (local time).
    pub from: NaiveTime,
    pub until: NaiveTime,
    pub households: u64,
}

/// Announcements. Part of [`crate::Store`]; both backends implement it with the same SQL.
#[async_trait::async_trait]
pub trait AnnouncementStore: Send + Sync {
    /// Stores a new announcement (its id must be new).
    async fn insert_announcement(&self, announcement: &Announcement) -> Result<(), StoreError>;

    async fn announcement(&self, id: Uuid) -> Result<Option<Announcement>, StoreError>;

    /// Newest publication first.
    async fn announcements(
        &self,
        filter: &AnnouncementFilter,
    ) -> Result<Vec<Announcement>, StoreError>;

    /// Per released envelope not announced yet, its cash and goods assignments grouped by point and day,
    /// ordered by envelope, point and day.
    async fn unannounced_schedules(&self) -> Result<Vec<ScheduleDay>, StoreError>;

    /// Marks `envelope` announced and stores `announcements`, in one transaction; `false` (and nothing
    /// stored) when it was announced already, e.g. by a concurrent request.
    async fn publish_schedule(
        &self,
        envelope: Uuid,
        at: DateTime<Utc>,
        announcements: &[Announcement],
    ) -> Result<bool, StoreError>;
}
