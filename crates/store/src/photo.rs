//! Photos of a household taken during the field visit (house front, floor, walls, …): what is stored,
//! and the [`PhotoStore`] trait.
//!
//! A photo is personal data (it shows a family's home), so its bytes are sealed like the registry's
//! details: XChaCha20-Poly1305 bound to table `registry_photo`, column `image_sealed` and the photo's id.
//! Photos are not kept for ever: each row carries a `delete_after` time and
//! [`PhotoStore::purge_photos`] removes those past it (the retention rules are in `tepat-core::photos`
//! and `docs/registry.md`, "Photos").

use chrono::{DateTime, Utc};
use tepat_domain::RegionCode;
use uuid::Uuid;

use crate::error::StoreError;

/// What a photo shows (its caption). Stored as [`PhotoKind::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhotoKind {
    /// The front of the house (*tampak depan*).
    HouseFront,
    /// The floor (*lantai*).
    Floor,
    /// A wall (*dinding*).
    Wall,
    /// The roof (*atap*).
    Roof,
    /// The kitchen or cooking place (*dapur*).
    Kitchen,
    /// Toilet and water (*sanitasi*).
    Sanitation,
    /// Anything else the survey needs (*lainnya*).
    Other,
    /// Taken by a distribution officer when the aid was handed over (*penyerahan bantuan*): evidence
    /// of that hand-over, kept under the same retention as the survey's photos.
    HandOver,
}

impl PhotoKind {
    pub const ALL: &'static [PhotoKind] = &[
        PhotoKind::HouseFront,
        PhotoKind::Floor,
        PhotoKind::Wall,
        PhotoKind::Roof,
        PhotoKind::Kitchen,
        PhotoKind::Sanitation,
        PhotoKind::Other,
        PhotoKind::HandOver,
    ];

    pub fn code(self) -> &'static str {
        match self {
            PhotoKind::HouseFront => "house_front",
            PhotoKind::Floor => "floor",
            PhotoKind::Wall => "wall",
            PhotoKind::Roof => "roof",
            PhotoKind::Kitchen => "kitchen",
            PhotoKind::Sanitation => "sanitation",
            PhotoKind::Other => "other",
            PhotoKind::HandOver => "handover",
        }
    }

    /// Whether an officer may choose this kind when adding photos to a household; a hand-over's
    /// photo comes only with its hand-over.
    pub fn from_survey(self) -> bool {
        self != PhotoKind::HandOver
    }

    pub fn parse(s: &str) -> Option<PhotoKind> {
        Self::ALL.iter().copied().find(|k| k.code() == s)
    }
}

/// A photo's row without its bytes (lists, purges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoMeta {
    pub id: Uuid,
    pub village: RegionCode,
    pub household: Uuid,
    pub kind: PhotoKind,
    /// `image/jpeg`, `image/png` or `image/webp`, checked from the bytes before storing.
    pub content_type: String,
    /// Bytes of the image (before sealing).
    pub size: i64,
    pub taken_at: DateTime<Utc>,
    /// The officer who added it.
    pub taken_by: Uuid,
    /// The photo is removed by the next purge after this time.
    pub delete_after: DateTime<Utc>,
}

/// A photo with its bytes, opened. Its `Debug` shows no bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Photo {
    pub meta: PhotoMeta,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Photo")
            .field("meta", &self.meta)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// Household photos. Part of [`crate::Store`]; both backends implement it with the same SQL.
#[async_trait::async_trait]
pub trait PhotoStore: Send + Sync {
    /// Seals `photo.bytes` (bound to this row) and stores the photo. The id must be new.
    async fn add_photo(&self, photo: &Photo) -> Result<(), StoreError>;

    /// The photos of a household, oldest first, without their bytes.
    async fn photos_of_household(&self, household: Uuid) -> Result<Vec<PhotoMeta>, StoreError>;

    /// One photo's row without its bytes.
    async fn photo_meta(&self, id: Uuid) -> Result<Option<PhotoMeta>, StoreError>;

    /// One photo with its bytes, opened.
    async fn photo(&self, id: Uuid) -> Result<Option<Photo>, StoreError>;

    /// Removes a photo; `false` if there was none.
    async fn delete_photo(&self, id: Uuid) -> Result<bool, StoreError>;

    /// Each household that has photos, with the earliest `delete_after` among them.
    async fn photo_households(&self) -> Result<Vec<(Uuid, DateTime<Utc>)>, StoreError>;

    /// Moves `delete_after` of the household's photos to `until` where it is earlier; returns how many
    /// photos changed.
    async fn keep_photos_until(
        &self,
        household: Uuid,
        until: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// Removes every photo whose `delete_after` is at or before `now`, except the photos of the
    /// households in `hold` (an open objection needs them); returns what was removed.
    async fn purge_photos(
        &self,
        now: DateTime<Utc>,
        hold: &[Uuid],
    ) -> Result<Vec<PhotoMeta>, StoreError>;
}
