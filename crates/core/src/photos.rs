//! Household photos from the field visit (house front, floor, walls, …): adding, listing, viewing,
//! deleting, and the retention purge. The rules and their reasons are in `docs/registry.md`, "Photos".
//!
//! - Adding and deleting take a grant of [`VerifyInVillage`] or [`Propose`] ([`AddsPhotos`]); listing
//!   and viewing take [`ReadHousehold`]. Each checks that the household's region lies inside the grant,
//!   and each is written to the audit log with a photo action of its own (`photo_upload`,
//!   `photo_view` for listing and viewing, `photo_delete`; the purge's `photo_purge` by the job).
//! - Only JPEG, PNG and WebP are accepted, recognised by their first bytes (never by the file name or
//!   the browser's content type), up to [`PhotoSettings::max_bytes`].
//! - Metadata is stripped before storing, without decoding the picture: JPEG `APP1`–`APP13`, `APP15`
//!   and comment segments (EXIF with GPS and the camera's serial number, XMP, IPTC), PNG text, time and
//!   `eXIf` chunks, WebP `EXIF` and `XMP ` chunks. The picture's pixels are copied untouched, so this
//!   costs no image library and no re-encoding; an image whose structure does not parse is refused.
//!   The one loss: a JPEG's EXIF orientation, so a phone photo taken upright may show turned.
//! - [`purge`] removes photos [`PhotoSettings::retention_days`] after the household's verification
//!   (or after the upload if it was never verified), except those of households with an objection.

use chrono::{DateTime, Duration, Utc};
use tepat_domain::{Lang, Localized};
use tepat_store::{AuditAction, ObjectKind, Photo, PhotoMeta, Store, StoreError};
use uuid::Uuid;

pub use tepat_store::PhotoKind;

use crate::access::{
    Action, Actor, Denied, Grant, Job, Propose, PurgePhotos, ReadHousehold, VerifyInVillage,
};
use crate::registry::{audit_entry, Origin};

/// Largest photo accepted by default: 1 MiB.
pub const DEFAULT_MAX_BYTES: usize = 1024 * 1024;
/// Days photos are kept after the household's verification by default.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

/// The settings of photos (`[registry] photo_max_bytes`, `photo_retention_days`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoSettings {
    pub max_bytes: usize,
    pub retention_days: u32,
}

impl Default for PhotoSettings {
    fn default() -> PhotoSettings {
        PhotoSettings {
            max_bytes: DEFAULT_MAX_BYTES,
            retention_days: DEFAULT_RETENTION_DAYS,
        }
    }
}

impl PhotoSettings {
    fn retention(&self) -> Duration {
        Duration::days(i64::from(self.retention_days))
    }
}

/// Actions whose grant lets an officer add and delete a household's photos: the field visit
/// ([`VerifyInVillage`]) and entering proposals ([`Propose`]).
pub trait AddsPhotos: Action {}
impl AddsPhotos for VerifyInVillage {}
impl AddsPhotos for Propose {}

/// Why a photo operation did not happen. Names the field, never the picture or the family.
#[derive(Debug, thiserror::Error)]
pub enum PhotoError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("no {what} with this id")]
    NotFound { what: &'static str },
    #[error("photo: choose a file")]
    Empty,
    #[error("photo: the file is larger than {max_kib} KiB")]
    TooLarge { max_kib: usize },
    #[error("photo: only JPEG, PNG or WebP images are accepted")]
    NotAnImage,
    #[error("photo kind: choose what the photo shows")]
    Kind,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PhotoError {
    /// A stable code for forms and the API.
    pub fn code(&self) -> &'static str {
        match self {
            PhotoError::Denied(Denied::Role { .. }) => "denied_role",
            PhotoError::Denied(Denied::Region { .. }) => "denied_region",
            PhotoError::NotFound { .. } => "not_found",
            PhotoError::Empty => "photo_empty",
            PhotoError::TooLarge { .. } => "photo_too_large",
            PhotoError::NotAnImage => "photo_not_image",
            PhotoError::Kind => "photo_kind",
            PhotoError::Store(_) => "store",
        }
    }

    /// The form field the error is about, if any.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            PhotoError::Empty | PhotoError::TooLarge { .. } | PhotoError::NotAnImage => {
                Some("photo")
            }
            PhotoError::Kind => Some("kind"),
            _ => None,
        }
    }
}

impl Localized for PhotoError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PhotoError::Denied(e), _) => e.message(lang),
            (_, Lang::En) => self.to_string(),
            (PhotoError::NotFound { what }, Lang::Id) => match *what {
                "household" => "keluarga dengan id ini tidak ada".into(),
                _ => "foto dengan id ini tidak ada".into(),
            },
            (PhotoError::Empty, Lang::Id) => "foto: pilih sebuah berkas".into(),
            (PhotoError::TooLarge { max_kib }, Lang::Id) => {
                format!("foto: berkas lebih besar dari {max_kib} KiB")
            }
            (PhotoError::NotAnImage, Lang::Id) => {
                "foto: hanya gambar JPEG, PNG atau WebP yang diterima".into()
            }
            (PhotoError::Kind, Lang::Id) => "jenis foto: pilih apa yang ditunjukkan foto".into(),
            (PhotoError::Store(_), Lang::Id) => {
                "terjadi kesalahan basis data; coba lagi atau hubungi administrator".into()
            }
        }
    }
}

/// The content type of an accepted image, from its first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Checks `bytes` (size, type) and returns the content type and the image without metadata.
pub fn clean(
    bytes: &[u8],
    settings: &PhotoSettings,
) -> Result<(&'static str, Vec<u8>), PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > settings.max_bytes {
        return Err(PhotoError::TooLarge {
            max_kib: settings.max_bytes / 1024,
        });
    }
    let kind = sniff(bytes).ok_or(PhotoError::NotAnImage)?;
    let stripped = match kind {
        "image/jpeg" => strip_jpeg(bytes),
        "image/png" => strip_png(bytes),
        _ => strip_webp(bytes),
    }
    .ok_or(PhotoError::NotAnImage)?;
    Ok((kind, stripped))
}

/// A JPEG without APP1–APP13, APP15 and COM segments (APP0 JFIF and APP14 Adobe are kept: decoders
/// need them for the colours). Everything from the start of scan on is copied.
fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = vec![0xFF, 0xD8];
    let mut i = 2;
    loop {
        // Fill bytes (0xFF repeated) may precede a marker.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        match marker {
            // Start of scan: the compressed picture follows; copy the rest.
            0xDA => {
                out.extend_from_slice(&b[i..]);
                return Some(out);
            }
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
                continue;
            }
            // End of image before any scan: no picture.
            0xD9 => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
        if len < 2 {
            return None;
        }
        let end = i + 2 + len;
        let segment = b.get(i..end)?;
        let metadata = matches!(marker, 0xE1..=0xED | 0xEF | 0xFE);
        if !metadata {
            out.extend_from_slice(segment);
        }
        i = end;
    }
}

/// A PNG with only the chunks that draw the picture (text, time, EXIF and unknown chunks dropped).
fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    const KEEP: &[&[u8; 4]] = &[
        b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
        b"pHYs", b"bKGD", b"acTL", b"fcTL", b"fdAT",
    ];
    let mut out = b[..8].to_vec();
    let mut i = 8;
    loop {
        let len = u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize;
        let kind = b.get(i + 4..i + 8)?;
        let end = i.checked_add(12)?.checked_add(len)?;
        let chunk = b.get(i..end)?;
        if KEEP.iter().any(|k| k.as_slice() == kind) {
            out.extend_from_slice(chunk);
        }
        if kind == b"IEND" {
            return Some(out);
        }
        i = end;
    }
}

/// A WebP without `EXIF` and `XMP ` chunks (and their flags in `VP8X` cleared).
fn strip_webp(b: &[u8]) -> Option<Vec<u8>> {
    let riff_len = u32::from_le_bytes(b.get(4..8)?.try_into().ok()?) as usize;
    let body_end = riff_len.checked_add(8)?.min(b.len());
    let mut out = b[..12].to_vec();
    let mut i = 12;
    let mut pictures = 0;
    while i < body_end {
        let kind = b.get(i..i + 4)?;
        let len = u32::from_le_bytes(b.get(i + 4..i + 8)?.try_into().ok()?) as usize;
        let padded = len + (len & 1);
        let end = i.checked_add(8)?.checked_add(padded)?;
        let chunk = b.get(i..end.min(b.len()))?;
        if chunk.len() < 8 + len {
            return None;
        }
        match kind {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let mut c = chunk.to_vec();
                // Flags byte: clear EXIF (0x08) and XMP (0x04).
                *c.get_mut(8)? &= !0x0C;
                out.extend_from_slice(&c);
            }
            _ => {
                if matches!(kind, b"VP8 " | b"VP8L" | b"ANMF") {
                    pictures += 1;
                }
                out.extend_from_slice(chunk);
            }
        }
        i = end;
    }
    if pictures == 0 {
        return None;
    }
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

fn id_purpose(what: &str, id: Uuid) -> String {
    format!("{what}:{id}")
}

/// Adds a photo to a household: checks it, strips its metadata, seals and stores it, audits it.
pub async fn add_photo<A: AddsPhotos>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    household: Uuid,
    kind: PhotoKind,
    bytes: &[u8],
    settings: &PhotoSettings,
    origin: &Origin,
) -> Result<PhotoMeta, PhotoError> {
    let stored = store
        .registry_household(household)
        .await?
        .ok_or(PhotoError::NotFound { what: "household" })?;
    let village = stored.household.village;
    grant.covers(&village)?;
    let (content_type, image) = clean(bytes, settings)?;
    let kept_from = stored.verified_at;
    let fresh = Fresh {
        household,
        village,
        kind,
        content_type,
        image,
    };
    store_audited(store, grant, fresh, kept_from, settings, origin).await
}

/// A checked photo about to be stored.
struct Fresh {
    household: Uuid,
    village: tepat_domain::RegionCode,
    kind: PhotoKind,
    content_type: &'static str,
    image: Vec<u8>,
}

/// Seals and stores a checked photo, kept `retention_days` from the household's verification (or
/// from now), and audits the upload; an upload that cannot be audited is taken back out.
async fn store_audited<A: Action>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    fresh: Fresh,
    verified_at: Option<DateTime<Utc>>,
    settings: &PhotoSettings,
    origin: &Origin,
) -> Result<PhotoMeta, PhotoError> {
    let start = verified_at.map_or(origin.now, |v| v.max(origin.now));
    let meta = PhotoMeta {
        id: Uuid::now_v7(),
        village: fresh.village,
        household: fresh.household,
        kind: fresh.kind,
        content_type: fresh.content_type.into(),
        size: fresh.image.len() as i64,
        taken_at: origin.now,
        taken_by: grant.actor().user(),
        delete_after: start + settings.retention(),
    };
    store
        .add_photo(&Photo {
            meta: meta.clone(),
            bytes: fresh.image,
        })
        .await?;
    let entry = audit_entry(
        grant,
        AuditAction::PhotoUpload,
        ObjectKind::Household,
        Some(fresh.household),
        Some(fresh.village),
        &id_purpose("photo.add", meta.id),
        origin,
    );
    if let Err(e) = store.audit_record(&entry).await {
        // Nothing unaudited stays: take the photo back out.
        store.delete_photo(meta.id).await?;
        return Err(e.into());
    }
    Ok(meta)
}

/// Stores the photo taken at a hand-over of aid ([`PhotoKind::HandOver`]) as a photo of the receiving
/// household, under the same sealing, audit and retention as the survey's photos. `image` must have
/// passed [`clean`]; the caller (`distribution::handovers`) has already checked the voucher and that
/// the household's region lies in the grant.
pub(crate) async fn add_handover_photo(
    store: &dyn Store,
    grant: &Grant<'_, crate::access::HandOver>,
    household: Uuid,
    village: tepat_domain::RegionCode,
    cleaned: (&'static str, Vec<u8>),
    settings: &PhotoSettings,
    origin: &Origin,
) -> Result<PhotoMeta, PhotoError> {
    let verified_at = store
        .registry_household(household)
        .await?
        .and_then(|h| h.verified_at);
    let (content_type, image) = cleaned;
    let fresh = Fresh {
        household,
        village,
        kind: PhotoKind::HandOver,
        content_type,
        image,
    };
    store_audited(store, grant, fresh, verified_at, settings, origin).await
}

/// The photos of a household, without bytes (audited as a read of the household's photos).
pub async fn list_photos(
    store: &dyn Store,
    grant: &Grant<'_, ReadHousehold>,
    household: Uuid,
    origin: &Origin,
) -> Result<Vec<PhotoMeta>, PhotoError> {
    let stored = store
        .registry_household(household)
        .await?
        .ok_or(PhotoError::NotFound { what: "household" })?;
    grant.covers(&stored.household.village)?;
    let photos = store.photos_of_household(household).await?;
    let entry = audit_entry(
        grant,
        AuditAction::PhotoView,
        ObjectKind::Household,
        Some(household),
        Some(stored.household.village),
        "photo.list",
        origin,
    );
    store.audit_record(&entry).await?;
    Ok(photos)
}

/// The region a photo belongs to now: its household's (which may have moved), else the one stored.
async fn photo_region(
    store: &dyn Store,
    meta: &PhotoMeta,
) -> Result<tepat_domain::RegionCode, PhotoError> {
    Ok(store
        .registry_household(meta.household)
        .await?
        .map_or(meta.village, |h| h.household.village))
}

/// One photo with its bytes: a full-record read, audited before the bytes are returned.
pub async fn view_photo(
    store: &dyn Store,
    grant: &Grant<'_, ReadHousehold>,
    id: Uuid,
    origin: &Origin,
) -> Result<Photo, PhotoError> {
    let meta = store
        .photo_meta(id)
        .await?
        .ok_or(PhotoError::NotFound { what: "photo" })?;
    let region = photo_region(store, &meta).await?;
    grant.covers(&region)?;
    let entry = audit_entry(
        grant,
        AuditAction::PhotoView,
        ObjectKind::Household,
        Some(meta.household),
        Some(region),
        &id_purpose("photo.view", id),
        origin,
    );
    store.audit_record(&entry).await?;
    store
        .photo(id)
        .await?
        .ok_or(PhotoError::NotFound { what: "photo" })
}

/// Deletes a photo (audited); returns what it was.
pub async fn delete_photo<A: AddsPhotos>(
    store: &dyn Store,
    grant: &Grant<'_, A>,
    id: Uuid,
    origin: &Origin,
) -> Result<PhotoMeta, PhotoError> {
    let meta = store
        .photo_meta(id)
        .await?
        .ok_or(PhotoError::NotFound { what: "photo" })?;
    let region = photo_region(store, &meta).await?;
    grant.covers(&region)?;
    let entry = audit_entry(
        grant,
        AuditAction::PhotoDelete,
        ObjectKind::Household,
        Some(meta.household),
        Some(region),
        &id_purpose("photo.delete", id),
        origin,
    );
    store.audit_record(&entry).await?;
    if !store.delete_photo(id).await? {
        return Err(PhotoError::NotFound { what: "photo" });
    }
    Ok(meta)
}

/// What a purge did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Photos whose keeping was moved to `retention_days` after their household's verification.
    pub extended: u64,
    /// Photos removed.
    pub removed: Vec<PhotoMeta>,
    /// Households whose due photos were kept because of an objection.
    pub held: usize,
}

/// The retention purge (run by the server daily, or from the CLI): first moves each household's
/// photos to `retention_days` after its latest verification, then removes photos past their time,
/// except those of households with an open objection (the evidence its answer may need); an answered
/// objection holds nothing.
pub async fn purge(
    store: &dyn Store,
    settings: &PhotoSettings,
    now: DateTime<Utc>,
) -> Result<PurgeReport, PhotoError> {
    let mut report = PurgeReport::default();
    for (household, _) in store.photo_households().await? {
        if let Some(verified) = store
            .registry_household(household)
            .await?
            .and_then(|h| h.verified_at)
        {
            report.extended += store
                .keep_photos_until(household, verified + settings.retention())
                .await?;
        }
    }
    let hold = held_households(store).await?;
    report.removed = store.purge_photos(now, &hold).await?;
    report.held = hold.len();
    audit_purged(store, &report.removed, now).await?;
    tracing::info!(
        removed = report.removed.len(),
        extended = report.extended,
        "household photos past their retention removed"
    );
    Ok(report)
}

/// One entry per removed photo, by the purge job's own actor (`Actor::system(Job::PhotoPurge)`, through
/// its grant). Written after the removal: the purge deletes in one statement and the entries say what
/// it took; if writing them fails the error is returned and the next purge has nothing to redo.
async fn audit_purged(
    store: &dyn Store,
    removed: &[PhotoMeta],
    now: DateTime<Utc>,
) -> Result<(), PhotoError> {
    let job = Actor::system(Job::PhotoPurge);
    let grant = job.may_anywhere::<PurgePhotos>()?;
    let origin = Origin { now, client: None };
    for meta in removed {
        let entry = audit_entry(
            &grant,
            AuditAction::PhotoPurge,
            ObjectKind::Household,
            Some(meta.household),
            Some(meta.village),
            &id_purpose("photo.purge", meta.id),
            &origin,
        );
        store.audit_record(&entry).await?;
    }
    Ok(())
}

/// Households whose photos must stay whatever their date: those with an objection not yet answered.
async fn held_households(store: &dyn Store) -> Result<Vec<Uuid>, PhotoError> {
    Ok(store.intake_open_objection_households().await?)
}
