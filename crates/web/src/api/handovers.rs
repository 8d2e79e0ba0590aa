//! `POST /api/v1/handovers`: the scan page's outbox of hand-overs (`static/scan.js`), entered through
//! [`tepat_core::distribution::handovers::record_handovers`], which checks each voucher again (its
//! signature, dates, envelope) and stores each hand-over once under the id the phone made: sending it
//! again answers `already_synced`, and a second redemption of the same voucher — from another phone or
//! another id — is stored as `duplicate`, flagged for review, and answered with the first hand-over's
//! time.
//!
//! Unlike the agency API, this route is for the signed-in officer's browser: it sits behind the session
//! and the CSRF check (`X-CSRF-Token`), and is merged with the UI's routes
//! ([`crate::ui::distribution`]). Body: `{"handovers":[{id, voucher, handed_at, device, point?, lat?,
//! lon?, photo?}]}`; answer, in the batch's order: `{"results":[{id, status, first_at?, code?,
//! message?}]}` with `status` one of `accepted`, `already_synced`, `duplicate`, `refused`.
//!
//! `photo` is the hand-over's picture, standard base64 of a JPEG or PNG (the page sends a downscaled
//! JPEG). It travels inside the record rather than as a request of its own so a record and its
//! evidence are synced, retried and acknowledged together. Caps: one photo at most
//! [`HANDOVER_PHOTO_MAX_BYTES`] (else that record alone is refused, `photo_too_large`; not base64 or
//! not an image: `photo_not_image`); all photos of a request at most [`MAX_BATCH_PHOTO_BYTES`] and the
//! request at most [`MAX_BODY_BYTES`] (else the whole request is refused, nothing saved; the page
//! keeps its batches well under both).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use tepat_core::access::HandOver;
use tepat_core::distribution::handovers::{
    self, HandoverClaim, HandoverOutcome, HandoverRefusal, HANDOVER_PHOTO_MAX_BYTES,
};
use tepat_core::photos::PhotoSettings;
use tepat_domain::{Lang, Localized};
use uuid::Uuid;

use crate::auth::{forbidden_json, SignedIn};
use crate::state::AppState;

/// Most hand-overs in one request; the page sends 50 at a time.
pub const MAX_BATCH: usize = 200;
/// Most photo bytes (decoded) in one request; the page sends at most 2 MiB of photos at a time.
pub const MAX_BATCH_PHOTO_BYTES: usize = 4 * 1024 * 1024;
/// Largest request: the photos as base64 (4/3 of their size) and the records around them.
pub const MAX_BODY_BYTES: usize = MAX_BATCH_PHOTO_BYTES / 3 * 4 + 512 * 1024;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/handovers", post(sync))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// One hand-over as the page sends it.
#[derive(Debug, Deserialize)]
struct Claim {
    id: Uuid,
    voucher: String,
    handed_at: DateTime<Utc>,
    device: String,
    #[serde(default)]
    point: Option<String>,
    #[serde(default)]
    lat: Option<f64>,
    #[serde(default)]
    lon: Option<f64>,
    /// Base64 of the photo; decoded by [`photo_of`].
    #[serde(default)]
    photo: Option<String>,
}

/// A claim's photo: none, its bytes, or why the claim is refused. The base64 text is measured before
/// decoding so an oversized photo costs no decoding.
fn photo_of(claim: &Claim) -> Result<Option<Vec<u8>>, HandoverRefusal> {
    let Some(text) = claim.photo.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.len() / 4 * 3 > HANDOVER_PHOTO_MAX_BYTES + 3 {
        return Err(HandoverRefusal::PhotoTooLarge {
            max_kib: HANDOVER_PHOTO_MAX_BYTES / 1024,
        });
    }
    STANDARD
        .decode(text)
        .map(Some)
        .map_err(|_| HandoverRefusal::PhotoNotImage)
}

/// The photo bytes a batch carries, estimated from their base64 length.
fn batch_photo_bytes(read: &[Result<Claim, Option<Value>>]) -> usize {
    read.iter()
        .filter_map(|r| r.as_ref().ok())
        .filter_map(|c| c.photo.as_deref())
        .map(|t| t.len() / 4 * 3)
        .sum()
}

#[derive(Debug, Deserialize)]
struct Batch {
    handovers: Vec<Value>,
}

fn no_store() -> [(header::HeaderName, HeaderValue); 1] {
    [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

fn bad_batch(status: StatusCode, code: &str, lang: Lang) -> Response {
    let message = match (code, lang) {
        ("batch_too_large", Lang::Id) => {
            format!("paling banyak {MAX_BATCH} penyerahan per pengiriman; tidak ada yang disimpan")
        }
        ("batch_too_large", Lang::En) => {
            format!("at most {MAX_BATCH} hand-overs per sync; nothing was saved")
        }
        ("photos_too_large", Lang::Id) => format!(
            "foto dalam satu pengiriman paling banyak {} KiB; kirim lebih sedikit penyerahan \
             sekaligus; tidak ada yang disimpan",
            MAX_BATCH_PHOTO_BYTES / 1024
        ),
        ("photos_too_large", Lang::En) => format!(
            "at most {} KiB of photos per sync; send fewer hand-overs at once; nothing was saved",
            MAX_BATCH_PHOTO_BYTES / 1024
        ),
        (_, Lang::Id) => {
            "kiriman harus JSON {\"handovers\": [...]}; tidak ada yang disimpan".to_owned()
        }
        (_, Lang::En) => {
            "the body must be JSON {\"handovers\": [...]}; nothing was saved".to_owned()
        }
    };
    (
        status,
        no_store(),
        Json(json!({ "error": code, "message": message })),
    )
        .into_response()
}

fn malformed(lang: Lang) -> String {
    match lang {
        Lang::Id => "catatan penyerahan tidak lengkap (id, voucher, waktu, perangkat)".into(),
        Lang::En => "the hand-over record is incomplete (id, voucher, time, device)".into(),
    }
}

/// A device name is the phone's own id; keep it short and printable, whatever was sent.
fn device_of(device: &str) -> String {
    device
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect()
}

fn result_of(id: Uuid, outcome: HandoverOutcome, lang: Lang) -> Value {
    match outcome {
        HandoverOutcome::Accepted => json!({ "id": id, "status": "accepted" }),
        HandoverOutcome::AlreadySynced => json!({ "id": id, "status": "already_synced" }),
        HandoverOutcome::Duplicate { first_at } => {
            json!({ "id": id, "status": "duplicate", "first_at": first_at })
        }
        HandoverOutcome::Refused(why) => json!({
            "id": id,
            "status": "refused",
            "code": why.code(),
            "message": why.message(lang),
        }),
    }
}

/// Reads the batch; each element either a claim or, with its id when it has one, why not.
fn read(values: &[Value]) -> Vec<Result<Claim, Option<Value>>> {
    values
        .iter()
        .map(|v| serde_json::from_value::<Claim>(v.clone()).map_err(|_| v.get("id").cloned()))
        .collect()
}

async fn sync(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    body: Bytes,
) -> Response {
    let lang = crate::ui::lang::negotiate(&headers, state.config().default_lang);
    let grant = match user.actor.may_anywhere::<HandOver>() {
        Ok(g) => g,
        Err(denied) => return forbidden_json(&denied, lang),
    };
    let Ok(batch) = serde_json::from_slice::<Batch>(&body) else {
        return bad_batch(StatusCode::BAD_REQUEST, "malformed_batch", lang);
    };
    if batch.handovers.len() > MAX_BATCH {
        return bad_batch(StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large", lang);
    }
    let Ok(keys) = state.voucher_keys() else {
        return unavailable();
    };
    let now = Utc::now();
    let read = read(&batch.handovers);
    if batch_photo_bytes(&read) > MAX_BATCH_PHOTO_BYTES {
        return bad_batch(StatusCode::PAYLOAD_TOO_LARGE, "photos_too_large", lang);
    }
    // A photo refused here refuses its record alone; the others go on to the core.
    let photos: Vec<Result<Option<Vec<u8>>, HandoverRefusal>> = read
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .map(photo_of)
        .collect();
    let claims: Vec<HandoverClaim> = read
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .zip(&photos)
        .filter_map(|(c, p)| p.as_ref().ok().map(|p| (c, p)))
        .map(|(c, photo)| HandoverClaim {
            id: c.id,
            voucher: c.voucher.clone(),
            // A phone whose clock runs ahead cannot hand over in the future (and so stretch a
            // voucher's validity): such a time becomes the time of the sync.
            handed_at: c.handed_at.min(now),
            device: device_of(&c.device),
            point: c.point.clone().filter(|p| !p.is_empty()),
            lat: c.lat.filter(|v| v.is_finite()),
            lon: c.lon.filter(|v| v.is_finite()),
            photo: photo.clone(),
        })
        .collect();
    let settings = photo_settings(&state);
    let outcomes = match handovers::record_handovers_with_photos(
        state.store(),
        &grant,
        &keys,
        &settings,
        claims,
        now,
    )
    .await
    {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "hand-over sync failed");
            return unavailable();
        }
    };
    let mut outcomes = outcomes.into_iter();
    let mut photos = photos.into_iter();
    let results: Vec<Value> = read
        .into_iter()
        .map(|r| match r {
            Ok(c) => {
                // A claim refused for its photo never reached the core: it takes no outcome.
                let outcome = match photos.next() {
                    Some(Err(why)) => Some(HandoverOutcome::Refused(why)),
                    _ => outcomes.next(),
                };
                match outcome {
                    Some(o) => result_of(c.id, o, lang),
                    None => json!({
                        "id": c.id, "status": "refused", "code": "internal", "message": ""
                    }),
                }
            }
            Err(id) => json!({
                "id": id,
                "status": "refused",
                "code": "malformed",
                "message": malformed(lang),
            }),
        })
        .collect();
    (no_store(), Json(json!({ "results": results }))).into_response()
}

fn photo_settings(state: &AppState) -> PhotoSettings {
    let r = &state.config().registry;
    PhotoSettings {
        max_bytes: r.photo_max_bytes,
        retention_days: r.photo_retention_days,
    }
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        no_store(),
        Json(json!({
            "error": "store",
            "message": "the database could not answer; nothing more was written, send again later",
        })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_names_are_short_and_plain() {
        assert_eq!(device_of("0193-abc<script>"), "0193-abcscript");
        assert_eq!(device_of(&"a".repeat(100)).len(), 64);
    }

    #[test]
    fn a_record_without_its_fields_is_refused_alone_with_its_id() {
        let values = vec![
            json!({"id": "0193f1c6-7a2b-7c3d-8e4f-5a6b7c8d9e0f", "voucher": "TPV1.x",
                   "handed_at": "2027-02-01T03:04:05Z", "device": "d1"}),
            json!({"id": "0193f1c6-7a2b-7c3d-8e4f-5a6b7c8d9e10", "voucher": "TPV1.x"}),
        ];
        let read = read(&values);
        assert!(read[0].is_ok());
        assert_eq!(
            read[1].as_ref().unwrap_err(),
            &Some(json!("0193f1c6-7a2b-7c3d-8e4f-5a6b7c8d9e10"))
        );
    }
}
