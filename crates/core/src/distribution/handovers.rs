//! Hand-overs synced from distribution officers' and e-Warung merchants' devices (`docs/distribution.md`,
//! "Vouchers and hand-over").
//!
//! The scan page checks a voucher offline and keeps the hand-over in an outbox; [`record_handovers`]
//! takes the outbox's records when the device is online again. Each record is checked once more on the
//! server — the signature with the office's keys, the dates on the day it was handed over (Western
//! Indonesian Time, UTC+7), the voucher against the stored one and its envelope — and stored once:
//!
//! - the same record id again → [`HandoverOutcome::AlreadySynced`], nothing new;
//! - another record of a voucher already handed over → stored as a duplicate and flagged for review
//!   ([`HandoverOutcome::Duplicate`]): the aid went out twice, and someone must find out why;
//! - a voucher of a cancelled envelope or entitlement, of another region, or unknown to the store →
//!   refused.
//!
//! A record may carry a photo of the hand-over (JPEG or PNG, at most [`HANDOVER_PHOTO_MAX_BYTES`]):
//! it is stored sealed as the household's photo of kind
//! [`crate::photos::PhotoKind::HandOver`] (same audit and
//! retention as the survey's photos, `crate::photos`) and its id is kept on the hand-over row. A
//! duplicate keeps its photo as evidence of the second attempt; a record synced again keeps the photo
//! of its first sync. A photo that is not an image or too large refuses its record alone.
//!
//! A merchant (e-Warung) may record only goods vouchers at their own point: the point the record names,
//! or else the household's assigned point, must carry the merchant's account.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tepat_domain::distribution::{EntitlementState, EnvelopeState, Route};
use tepat_domain::{Lang, Localized, Role};
use tepat_payments::voucher::{self, VoucherKeys, VoucherRefusal};
use tepat_store::{
    HandoverWrite, NewHandover, Notice, NoticeKind, Store, StoreError, VoucherContext,
};
use uuid::Uuid;

use crate::access::{Grant, HandOver};
use crate::photos::{self, PhotoError, PhotoSettings};
use crate::registry::Origin;

/// Largest hand-over photo accepted: the scan page sends a downscaled JPEG (longest side 800 px,
/// quality 0.7) of some 50–150 KiB, so this leaves room without letting a full camera picture through.
pub const HANDOVER_PHOTO_MAX_BYTES: usize = 256 * 1024;

/// A hand-over as the device recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverClaim {
    /// Made on the device when the hand-over was recorded: syncing it again is harmless.
    pub id: Uuid,
    /// The scanned voucher text (`TPV1.…`).
    pub voucher: String,
    pub handed_at: DateTime<Utc>,
    /// The device's own id (not personal data).
    pub device: String,
    /// The distribution point's code, when the officer chose one.
    pub point: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// The photo taken at the hand-over, as the device sent it (checked here).
    pub photo: Option<Vec<u8>>,
}

/// What happened to one claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoverOutcome {
    Accepted,
    AlreadySynced,
    /// The voucher was handed over before (at `first_at`): stored and flagged.
    Duplicate {
        first_at: DateTime<Utc>,
    },
    Refused(HandoverRefusal),
}

/// Why a hand-over was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoverRefusal {
    #[error(transparent)]
    Voucher(VoucherRefusal),
    #[error("the voucher is correctly signed but not in the office's records")]
    UnknownVoucher,
    #[error("the voucher does not match the office's records")]
    Mismatch,
    #[error("this aid was cancelled; do not hand it over")]
    Cancelled,
    #[error("the voucher belongs to a household outside your region")]
    OutsideRegion,
    #[error("an e-Warung may hand over only goods vouchers at its own point")]
    NotYourPoint,
    #[error("the hand-over photo is larger than {max_kib} KiB; take it again")]
    PhotoTooLarge { max_kib: usize },
    #[error("the hand-over photo must be a JPEG or PNG image; take it again")]
    PhotoNotImage,
}

impl HandoverRefusal {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            HandoverRefusal::Voucher(r) => match r {
                VoucherRefusal::Malformed => "malformed",
                VoucherRefusal::UnknownKey => "unknown_key",
                VoucherRefusal::BadSignature => "bad_signature",
                VoucherRefusal::NotYetValid { .. } => "not_yet_valid",
                VoucherRefusal::Expired { .. } => "expired",
                VoucherRefusal::WrongCycle { .. } => "wrong_cycle",
            },
            HandoverRefusal::UnknownVoucher => "unknown_voucher",
            HandoverRefusal::Mismatch => "mismatch",
            HandoverRefusal::Cancelled => "cancelled",
            HandoverRefusal::OutsideRegion => "outside_region",
            HandoverRefusal::NotYourPoint => "not_your_point",
            HandoverRefusal::PhotoTooLarge { .. } => "photo_too_large",
            HandoverRefusal::PhotoNotImage => "photo_not_image",
        }
    }
}

impl Localized for HandoverRefusal {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (HandoverRefusal::Voucher(r), _) => r.message(lang),
            (_, Lang::En) => format!("{self}."),
            (HandoverRefusal::UnknownVoucher, Lang::Id) => "Voucher ini bertanda tangan sah tetapi \
                tidak ada dalam data dinas. Jangan serahkan bantuan dan laporkan ke verifikator dinas \
                sosial."
                .into(),
            (HandoverRefusal::Mismatch, Lang::Id) => "Isi voucher tidak sesuai dengan data dinas. \
                Jangan serahkan bantuan dan laporkan ke verifikator dinas sosial."
                .into(),
            (HandoverRefusal::Cancelled, Lang::Id) => {
                "Bantuan ini dibatalkan; jangan serahkan.".into()
            }
            (HandoverRefusal::OutsideRegion, Lang::Id) => {
                "Voucher ini milik keluarga di luar wilayah kerja Anda.".into()
            }
            (HandoverRefusal::NotYourPoint, Lang::Id) => "e-Warung hanya boleh menyerahkan bantuan \
                barang di titik salurnya sendiri."
                .into(),
            (HandoverRefusal::PhotoTooLarge { max_kib }, Lang::Id) => {
                format!("Foto penyerahan lebih besar dari {max_kib} KiB; ambil ulang fotonya.")
            }
            (HandoverRefusal::PhotoNotImage, Lang::Id) => {
                "Foto penyerahan harus gambar JPEG atau PNG; ambil ulang fotonya.".into()
            }
        }
    }
}

/// A failure of the sync itself (the database), not of one claim.
#[derive(Debug, thiserror::Error)]
pub enum HandoverError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Photo(#[from] PhotoError),
}

/// The photo checked and stripped of metadata (`photos::clean`), or why the record is refused.
/// WebP, which household photos accept, is refused here: the scan page sends JPEG, and the
/// hand-over's evidence is kept to the two formats every viewer opens.
fn checked_photo(
    bytes: &[u8],
    settings: &PhotoSettings,
) -> Result<(&'static str, Vec<u8>), HandoverRefusal> {
    let capped = PhotoSettings {
        max_bytes: settings.max_bytes.min(HANDOVER_PHOTO_MAX_BYTES),
        ..*settings
    };
    match photos::clean(bytes, &capped) {
        Ok((kind, image)) if kind != "image/webp" => Ok((kind, image)),
        Err(PhotoError::TooLarge { max_kib }) => Err(HandoverRefusal::PhotoTooLarge { max_kib }),
        _ => Err(HandoverRefusal::PhotoNotImage),
    }
}

/// The local day (Western Indonesian Time, UTC+7) of a moment.
fn local_day(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(7)).date_naive()
}

/// Checks a verified voucher against the stored one and the actor's rights.
async fn check(
    store: &dyn Store,
    grant: &Grant<'_, HandOver>,
    signed: &voucher::Voucher,
    ctx: &VoucherContext,
    point: Option<&tepat_store::DistributionPoint>,
) -> Result<(), HandoverRefusal> {
    if signed.cycle != ctx.cycle {
        return Err(HandoverRefusal::Voucher(VoucherRefusal::WrongCycle {
            voucher: signed.cycle.clone(),
            expected: ctx.cycle.clone(),
        }));
    }
    let stored = &ctx.voucher;
    if signed.program != ctx.program
        || signed.amount != stored.amount
        || signed.recipient != stored.recipient
        || signed.goods != stored.goods
    {
        return Err(HandoverRefusal::Mismatch);
    }
    if ctx.envelope_state == EnvelopeState::Cancelled
        || ctx.entitlement_state == EntitlementState::Cancelled
    {
        return Err(HandoverRefusal::Cancelled);
    }
    grant
        .covers(&ctx.village)
        .map_err(|_| HandoverRefusal::OutsideRegion)?;
    if grant.actor().role() == Role::Merchant {
        let at = match point {
            Some(p) => Some(p.clone()),
            None => match ctx.point {
                Some(id) => store.point(id).await.ok().flatten(),
                None => None,
            },
        };
        let own = at.is_some_and(|p| p.merchant_account == Some(grant.actor().user()));
        if ctx.route != Route::Goods || !own {
            return Err(HandoverRefusal::NotYourPoint);
        }
    }
    Ok(())
}

/// The `handover` notice: a receipt, without NIK or names.
fn receipt(ctx: &VoucherContext, claim: &HandoverClaim, point_code: Option<&str>) -> Notice {
    Notice {
        id: Uuid::now_v7(),
        household: ctx.voucher.household,
        kind: NoticeKind::Handover,
        program: ctx.program.clone(),
        cycle: ctx.cycle.clone(),
        body: serde_json::json!({
            "voucher": ctx.voucher.id,
            "amount": ctx.voucher.amount.amount(),
            "goods": ctx.voucher.goods,
            "route": ctx.route.code(),
            "point_code": point_code,
            "handed_at": claim.handed_at,
        })
        .to_string(),
        created_at: claim.handed_at,
        delivered_at: None,
    }
}

async fn record_one(
    store: &dyn Store,
    grant: &Grant<'_, HandOver>,
    keys: &VoucherKeys,
    photo_settings: &PhotoSettings,
    claim: &HandoverClaim,
    now: DateTime<Utc>,
) -> Result<HandoverOutcome, HandoverError> {
    let photo = match claim
        .photo
        .as_deref()
        .map(|b| checked_photo(b, photo_settings))
    {
        None => None,
        Some(Ok(cleaned)) => Some(cleaned),
        Some(Err(why)) => return Ok(HandoverOutcome::Refused(why)),
    };
    let signed = match voucher::verify(&claim.voucher, keys, local_day(claim.handed_at), None) {
        Ok(v) => v,
        Err(why) => return Ok(HandoverOutcome::Refused(HandoverRefusal::Voucher(why))),
    };
    let Some(ctx) = store.voucher_context(signed.id).await? else {
        return Ok(HandoverOutcome::Refused(HandoverRefusal::UnknownVoucher));
    };
    // A code the store does not know is kept out of the record rather than refusing the hand-over.
    let point = match &claim.point {
        Some(code) => store.point_by_code(code).await?,
        None => None,
    };
    if let Err(why) = check(store, grant, &signed, &ctx, point.as_ref()).await {
        return Ok(HandoverOutcome::Refused(why));
    }
    // The photo goes in first so the hand-over row can name it; see `finish` for when it is taken out.
    let photo_id = match photo {
        Some(cleaned) => {
            let origin = Origin { now, client: None };
            let meta = photos::add_handover_photo(
                store,
                grant,
                ctx.voucher.household,
                ctx.village,
                cleaned,
                photo_settings,
                &origin,
            )
            .await?;
            Some(meta.id)
        }
        None => None,
    };
    let record = NewHandover {
        id: claim.id,
        voucher: ctx.voucher.id,
        officer: grant.actor().user(),
        device: claim.device.clone(),
        handed_at: claim.handed_at,
        point: point.as_ref().map(|p| p.id).or(ctx.point),
        lat: claim.lat.filter(|v| v.is_finite()),
        lon: claim.lon.filter(|v| v.is_finite()),
        photo: photo_id,
        synced_at: now,
    };
    let notice = receipt(&ctx, claim, point.as_ref().map(|p| p.code.as_str()));
    let written = store.record_handover(&record, &notice).await;
    finish(store, written, photo_id).await
}

/// The outcome of a write. A photo no stored hand-over names — the write failed, or this record was
/// synced before and its row keeps the first sync's photo — is removed again so no orphan stays.
async fn finish(
    store: &dyn Store,
    written: Result<HandoverWrite, StoreError>,
    photo: Option<Uuid>,
) -> Result<HandoverOutcome, HandoverError> {
    let orphan = !matches!(
        written,
        Ok(HandoverWrite::Accepted | HandoverWrite::Duplicate { .. })
    );
    if let (true, Some(id)) = (orphan, photo) {
        store.delete_photo(id).await?;
    }
    Ok(match written? {
        HandoverWrite::Accepted => HandoverOutcome::Accepted,
        HandoverWrite::AlreadySynced { .. } => HandoverOutcome::AlreadySynced,
        HandoverWrite::Duplicate { first_at, .. } => HandoverOutcome::Duplicate { first_at },
    })
}

/// Records a device's hand-overs, one outcome per claim in the same order (see the module
/// documentation). Claims are independent: one refused does not stop the others.
pub async fn record_handovers(
    store: &dyn Store,
    grant: &Grant<'_, HandOver>,
    keys: &VoucherKeys,
    claims: Vec<HandoverClaim>,
    now: DateTime<Utc>,
) -> Result<Vec<HandoverOutcome>, HandoverError> {
    record_handovers_with_photos(store, grant, keys, &PhotoSettings::default(), claims, now).await
}

/// [`record_handovers`] with the office's photo settings (`[registry] photo_max_bytes`,
/// `photo_retention_days`) for the records that carry a photo.
pub async fn record_handovers_with_photos(
    store: &dyn Store,
    grant: &Grant<'_, HandOver>,
    keys: &VoucherKeys,
    photo_settings: &PhotoSettings,
    claims: Vec<HandoverClaim>,
    now: DateTime<Utc>,
) -> Result<Vec<HandoverOutcome>, HandoverError> {
    let mut out = Vec::with_capacity(claims.len());
    for claim in &claims {
        out.push(record_one(store, grant, keys, photo_settings, claim, now).await?);
    }
    Ok(out)
}

/// Second redemptions for review, newest first, within the grant's reach (an auditor's or verifier's
/// read grant covers everything; the list carries ids only).
pub async fn flagged(
    store: &dyn Store,
    _grant: &Grant<'_, crate::access::ReadDistribution>,
    limit: u32,
) -> Result<Vec<tepat_store::FlaggedHandover>, HandoverError> {
    Ok(store.flagged_handovers(limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_day_is_western_indonesian_time() {
        let late = DateTime::parse_from_rfc3339("2027-03-31T18:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            local_day(late),
            NaiveDate::from_ymd_opt(2027, 4, 1).unwrap()
        );
        assert_eq!(HandoverRefusal::Cancelled.code(), "cancelled");
        assert!(HandoverRefusal::Cancelled
            .message(Lang::Id)
            .contains("dibatalkan"));
    }
}
