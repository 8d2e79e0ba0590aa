//! Household photos from the field visit (`docs/registry.md`, "Photos"). Links to these pages from the
//! household page are for the registry pages' owner to add.
//!
//! - `GET /registry/household/{id}/photos`: the household's photos (thumbnails are the photos scaled
//!   down by the browser) and, for officers who may add them, the upload form. A full-record read.
//! - `POST /registry/household/{id}/photos` (multipart, CSRF token in the form): adds a photo with the
//!   `VerifyInVillage` grant (or `Propose`); errors name the field, in the officer's language.
//! - `GET /registry/photo/{id}`: the image, `Cache-Control: private, no-store`, its checked content type
//!   and `X-Content-Type-Options: nosniff`. Each view is audited.
//! - `POST /registry/photo/{id}/delete`: removes it, then back to the list.
//!
//! Every handler checks the region through `tepat_core::photos`: an operator of another village gets a
//! 403, whatever id they try. Ids only in URLs and logs; never a picture, a name or a NIK.

use std::net::SocketAddr;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tepat_core::access::{Propose, ReadHousehold, VerifyInVillage};
use tepat_core::photos::{self, PhotoError, PhotoKind, PhotoSettings};
use tepat_core::registry::RegistryError;
use tepat_domain::{Lang, Localized};
use tepat_store::PhotoMeta;
use uuid::Uuid;

use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::multipart;
use crate::ui::registry::{fail, no_store, origin, see_other};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/registry/household/{id}/photos",
            get(list_page).post(upload),
        )
        .route("/registry/photo/{id}", get(serve))
        .route("/registry/photo/{id}/delete", post(remove))
}

/// The words of the photo pages.
pub struct PhotoStrings {
    pub title: &'static str,
    pub none: &'static str,
    pub add: &'static str,
    pub file: &'static str,
    pub file_hint: &'static str,
    pub kind: &'static str,
    pub submit: &'static str,
    pub delete: &'static str,
    pub back: &'static str,
    pub kept_until: &'static str,
    pub error_form: &'static str,
}

const ID: PhotoStrings = PhotoStrings {
    title: "Foto rumah",
    none: "Belum ada foto.",
    add: "Tambah foto",
    file: "Foto",
    file_hint: "JPEG, PNG atau WebP. Data lokasi (GPS) dan metadata lain dibuang sebelum disimpan.",
    kind: "Jenis foto",
    submit: "Unggah",
    delete: "Hapus",
    back: "Kembali ke data keluarga",
    kept_until: "disimpan sampai",
    error_form: "formulir tidak terbaca; pilih foto lalu kirim lagi",
};

const EN: PhotoStrings = PhotoStrings {
    title: "House photos",
    none: "No photos yet.",
    add: "Add a photo",
    file: "Photo",
    file_hint: "JPEG, PNG or WebP. Location (GPS) and other metadata are removed before storing.",
    kind: "Photo kind",
    submit: "Upload",
    delete: "Delete",
    back: "Back to the household",
    kept_until: "kept until",
    error_form: "the form could not be read; choose the photo and send it again",
};

pub fn strings(lang: Lang) -> &'static PhotoStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

/// What a photo kind is called.
pub fn kind_label(kind: PhotoKind, lang: Lang) -> &'static str {
    let id = lang == Lang::Id;
    match kind {
        PhotoKind::HouseFront => {
            if id {
                "Tampak depan rumah"
            } else {
                "Front of the house"
            }
        }
        PhotoKind::Floor => {
            if id {
                "Lantai"
            } else {
                "Floor"
            }
        }
        PhotoKind::Wall => {
            if id {
                "Dinding"
            } else {
                "Wall"
            }
        }
        PhotoKind::Roof => {
            if id {
                "Atap"
            } else {
                "Roof"
            }
        }
        PhotoKind::Kitchen => {
            if id {
                "Dapur"
            } else {
                "Kitchen"
            }
        }
        PhotoKind::Sanitation => {
            if id {
                "Kamar mandi dan air"
            } else {
                "Toilet and water"
            }
        }
        PhotoKind::Other => {
            if id {
                "Lainnya"
            } else {
                "Other"
            }
        }
        PhotoKind::HandOver => {
            if id {
                "Penyerahan bantuan"
            } else {
                "Hand-over of aid"
            }
        }
    }
}

#[derive(Template)]
#[template(path = "photos/photos.html")]
struct PhotosPage<'a> {
    page: &'a Layout,
    p: &'static PhotoStrings,
    household: Uuid,
    photos: Vec<PhotoView>,
    may_add: bool,
    kinds: Vec<(&'static str, &'static str)>,
    kind: String,
    error: String,
    error_field: &'static str,
}

struct PhotoView {
    id: Uuid,
    label: &'static str,
    kept_until: String,
}

fn settings(state: &AppState) -> PhotoSettings {
    let r = &state.config().registry;
    PhotoSettings {
        max_bytes: r.photo_max_bytes,
        retention_days: r.photo_retention_days,
    }
}

fn may_add(user: &SignedIn) -> bool {
    user.actor.can::<VerifyInVillage>() || user.actor.can::<Propose>()
}

/// The page's answer to a failed operation: 403, 404, or the database message.
fn failed(page: &Layout, e: PhotoError) -> Response {
    match e {
        PhotoError::Denied(denied) => no_store(forbidden_page(page, &denied)),
        PhotoError::NotFound { what } => fail(page, RegistryError::NotFound { what }),
        PhotoError::Store(e) => fail(page, RegistryError::Store(e)),
        other => fail(page, RegistryError::NotFound { what: other.code() }),
    }
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    household: Uuid,
    status: StatusCode,
    kind: &str,
    error: Option<&PhotoError>,
    client: Option<String>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadHousehold>() {
        Ok(g) => g,
        Err(denied) => return no_store(forbidden_page(page, &denied)),
    };
    let origin = tepat_core::registry::Origin::now(client);
    let list: Vec<PhotoMeta> =
        match photos::list_photos(state.store(), &grant, household, &origin).await {
            Ok(l) => l,
            Err(e) => return failed(page, e),
        };
    let lang = page.lang;
    no_store(render(
        status,
        lang,
        &PhotosPage {
            page,
            p: strings(lang),
            household,
            photos: list
                .iter()
                .map(|m| PhotoView {
                    id: m.id,
                    label: kind_label(m.kind, lang),
                    kept_until: m.delete_after.format("%Y-%m-%d").to_string(),
                })
                .collect(),
            may_add: may_add(user),
            kinds: PhotoKind::ALL
                .iter()
                .filter(|k| k.from_survey())
                .map(|k| (k.code(), kind_label(*k, lang)))
                .collect(),
            kind: kind.to_owned(),
            error: error.map(|e| e.message(lang)).unwrap_or_default(),
            error_field: error.and_then(PhotoError::field).unwrap_or(""),
        },
    ))
}

fn peer_of(peer: &Option<axum::Extension<ConnectInfo<SocketAddr>>>) -> Option<String> {
    peer.as_ref()
        .map(|axum::Extension(ConnectInfo(a))| a.to_string())
}

/// `GET /registry/household/{id}/photos`.
async fn list_page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Path(id): Path<String>,
) -> Response {
    let Ok(household) = Uuid::parse_str(&id) else {
        return fail(&page, RegistryError::NotFound { what: "household" });
    };
    show(
        &state,
        &page,
        &user,
        household,
        StatusCode::OK,
        "",
        None,
        peer_of(&peer),
    )
    .await
}

/// `POST /registry/household/{id}/photos`.
async fn upload(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(household) = Uuid::parse_str(&id) else {
        return fail(&page, RegistryError::NotFound { what: "household" });
    };
    let client = peer_of(&peer);
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(parts) = multipart::parse(content_type, &body) else {
        return no_store((StatusCode::BAD_REQUEST, strings(page.lang).error_form).into_response());
    };
    let kind_code = parts
        .get("kind")
        .map(|v| String::from_utf8_lossy(v).trim().to_owned())
        .unwrap_or_default();
    let file = parts.get("photo").map(Vec::as_slice).unwrap_or_default();
    let settings = settings(&state);
    let origin = origin(peer);
    let result = match PhotoKind::parse(&kind_code).filter(|k| k.from_survey()) {
        None => Err(PhotoError::Kind),
        Some(kind) => {
            if let Ok(grant) = user.actor.may_anywhere::<VerifyInVillage>() {
                photos::add_photo(
                    state.store(),
                    &grant,
                    household,
                    kind,
                    file,
                    &settings,
                    &origin,
                )
                .await
            } else {
                match user.actor.may_anywhere::<Propose>() {
                    Ok(grant) => {
                        photos::add_photo(
                            state.store(),
                            &grant,
                            household,
                            kind,
                            file,
                            &settings,
                            &origin,
                        )
                        .await
                    }
                    Err(denied) => Err(PhotoError::Denied(denied)),
                }
            }
        }
    };
    match result {
        Ok(_) => see_other(&format!("/registry/household/{household}/photos")),
        Err(e @ (PhotoError::Denied(_) | PhotoError::NotFound { .. } | PhotoError::Store(_))) => {
            failed(&page, e)
        }
        Err(e) => {
            show(
                &state,
                &page,
                &user,
                household,
                StatusCode::UNPROCESSABLE_ENTITY,
                &kind_code,
                Some(&e),
                client,
            )
            .await
        }
    }
}

/// `GET /registry/photo/{id}`: the image itself.
async fn serve(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return fail(&page, RegistryError::NotFound { what: "photo" });
    };
    let grant = match user.actor.may_anywhere::<ReadHousehold>() {
        Ok(g) => g,
        Err(denied) => return no_store(forbidden_page(&page, &denied)),
    };
    let photo = match photos::view_photo(state.store(), &grant, id, &origin(peer)).await {
        Ok(p) => p,
        Err(e) => return failed(&page, e),
    };
    let mut r = (StatusCode::OK, photo.bytes).into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&photo.meta.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    r
}

/// `POST /registry/photo/{id}/delete`.
async fn remove(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return fail(&page, RegistryError::NotFound { what: "photo" });
    };
    let origin = origin(peer);
    let result = if let Ok(grant) = user.actor.may_anywhere::<VerifyInVillage>() {
        photos::delete_photo(state.store(), &grant, id, &origin).await
    } else {
        match user.actor.may_anywhere::<Propose>() {
            Ok(grant) => photos::delete_photo(state.store(), &grant, id, &origin).await,
            Err(denied) => Err(PhotoError::Denied(denied)),
        }
    };
    match result {
        Ok(meta) => see_other(&format!("/registry/household/{}/photos", meta.household)),
        Err(e) => failed(&page, e),
    }
}
