//! `/warga/pemberitahuan`: a household's notices (the in-app inbox) and where else it wants them — a
//! phone for SMS or WhatsApp, an e-mail address, this browser for web push — in Bahasa Indonesia or
//! English (`docs/notifications.md`).
//!
//! The visitor arrives from the status page with its pass (a hidden `pass` field, POST) or proves who
//! they are with NIK + KK number here, exactly as on the other citizens' pages (same limits, same
//! answer whichever number was wrong); the page then carries a fresh pass in every form. NIK, KK and
//! addresses travel only in POST bodies; addresses are shown masked.
//!
//! Web push needs a script: `static/push.js` asks for permission, subscribes with the server's VAPID
//! key and posts the subscription as the address; `static/push-sw.js`, a service worker of its own
//! under `/warga/pemberitahuan/`, shows the notices that arrive.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use chrono::Utc;
use serde::Deserialize;
use tepat_core::intake::citizen::{self, CitizenError, Proof};
use tepat_core::portal::notify::contacts::{self, ContactView};
use tepat_core::portal::notify::{render_message, render_notice};
use tepat_domain::{Lang, Localized};
use tepat_store::{Channel, HouseholdState};
use uuid::Uuid;

use super::origin;
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::no_store;

pub const PATH: &str = "/warga/pemberitahuan";
const SCRIPT_PATH: &str = "/warga/pemberitahuan/push.js";
const WORKER_PATH: &str = "/warga/pemberitahuan/push-sw.js";
const SCRIPT: &str = include_str!("../../../static/push.js");
const WORKER: &str = include_str!("../../../static/push-sw.js");
/// Inbox entries shown, newest first.
const INBOX_LIMIT: usize = 30;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(form).post(submit))
        .route(SCRIPT_PATH, get(script))
        .route(WORKER_PATH, get(worker))
}

/// The page's words.
pub struct NotifyStrings {
    pub title: &'static str,
    pub lead: &'static str,
    pub nik: &'static str,
    pub kk: &'static str,
    pub open: &'static str,
    pub inbox: &'static str,
    pub inbox_empty: &'static str,
    pub channels: &'static str,
    pub channels_none: &'static str,
    pub only_inbox: &'static str,
    pub add: &'static str,
    pub remove: &'static str,
    pub address: &'static str,
    pub address_hint: &'static str,
    pub language: &'static str,
    pub push_button: &'static str,
    pub push_unsupported: &'static str,
    pub saved: &'static str,
    pub removed: &'static str,
    pub not_registered: &'static str,
    pub what_is_sent: &'static str,
}

const ID: NotifyStrings = NotifyStrings {
    title: "Pemberitahuan",
    lead:
        "Jadwal dan tempat pengambilan, transfer bantuan, penyerahan dan tindak lanjut pengaduan \
           untuk keluarga Anda. Anda juga dapat menerimanya lewat SMS, WhatsApp, e-mail atau \
           notifikasi di HP ini.",
    nik: "NIK (16 angka)",
    kk: "Nomor KK (16 angka)",
    open: "Buka pemberitahuan",
    inbox: "Kotak masuk",
    inbox_empty: "Belum ada pemberitahuan untuk keluarga Anda.",
    channels: "Kirim juga ke",
    channels_none: "Belum ada. Pemberitahuan hanya tampil di sini dan di halaman Cek status.",
    only_inbox: "Server ini belum mengirim pemberitahuan ke luar aplikasi; semua pemberitahuan \
                 tetap tampil di sini.",
    add: "Simpan",
    remove: "Hapus",
    address: "Nomor HP atau alamat e-mail",
    address_hint: "Nomor HP: 08… E-mail: nama@contoh.id",
    language: "Bahasa pesan",
    push_button: "Aktifkan notifikasi di perangkat ini",
    push_unsupported: "Peramban ini tidak mendukung notifikasi.",
    saved: "Tersimpan. Pemberitahuan berikutnya juga dikirim ke sana.",
    removed: "Dihapus.",
    not_registered: "Keluarga Anda belum terdaftar sebagai penerima bantuan, jadi belum ada \
                     pemberitahuan. Cek status untuk mengetahui langkah berikutnya.",
    what_is_sent: "Pesan hanya berisi program, periode, jumlah, tempat dan waktu — tidak pernah \
                   NIK, nomor KK atau nama.",
};

const EN: NotifyStrings = NotifyStrings {
    title: "Notifications",
    lead: "When and where to collect aid, transfers, hand-overs and complaint updates for your \
           household. You can also receive them by SMS, WhatsApp, e-mail or as notifications on \
           this phone.",
    nik: "NIK (16 digits)",
    kk: "KK number (16 digits)",
    open: "Open notifications",
    inbox: "Inbox",
    inbox_empty: "There are no notices for your household yet.",
    channels: "Also send to",
    channels_none: "Nothing yet. Notices are shown only here and on the status page.",
    only_inbox: "This server does not send notices outside the app yet; every notice is still \
                 shown here.",
    add: "Save",
    remove: "Remove",
    address: "Mobile number or e-mail address",
    address_hint: "Mobile: 08… E-mail: name@example.id",
    language: "Message language",
    push_button: "Turn on notifications on this device",
    push_unsupported: "This browser does not support notifications.",
    saved: "Saved. The next notices are sent there too.",
    removed: "Removed.",
    not_registered: "Your household is not registered as an aid recipient, so there are no \
                     notices. Check your status to learn what to do next.",
    what_is_sent: "Messages hold only the programme, period, amount, place and time — never a \
                   NIK, KK number or name.",
};

pub fn strings(lang: Lang) -> &'static NotifyStrings {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

fn channel_name(channel: Channel, lang: Lang) -> &'static str {
    match (channel, lang) {
        (Channel::Sms, _) => "SMS",
        (Channel::Whatsapp, _) => "WhatsApp",
        (Channel::Email, _) => "E-mail",
        (Channel::Push, Lang::Id) => "Notifikasi perangkat",
        (Channel::Push, Lang::En) => "Device notifications",
    }
}

/// One inbox entry.
struct InboxItem {
    title: String,
    body: String,
    at: String,
}

/// A channel on the page.
struct ChannelRow {
    code: &'static str,
    name: &'static str,
    /// The household's address there, masked.
    current: Option<String>,
    /// Typed in (SMS, WhatsApp, e-mail) rather than given by the browser (push).
    typed: bool,
}

#[derive(Template)]
#[template(path = "citizen/notify.html")]
struct NotifyPage<'a> {
    page: &'a Layout,
    t: &'static NotifyStrings,
    error: String,
    done: String,
    /// Set once identified: the pass every form carries.
    pass: Option<String>,
    not_registered: bool,
    inbox: Vec<InboxItem>,
    channels: Vec<ChannelRow>,
    any_channel: bool,
    lang_choice: &'static str,
    vapid: String,
    script: &'static str,
    worker: &'static str,
}

#[derive(Deserialize, Default)]
pub(super) struct NotifyInput {
    #[serde(default)]
    pass: String,
    #[serde(default)]
    nik: String,
    #[serde(default)]
    kk: String,
    /// `add` or `remove`; anything else only shows the page.
    #[serde(default)]
    action: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    lang: String,
}

fn blank(page: &Layout) -> NotifyPage<'_> {
    NotifyPage {
        page,
        t: strings(page.lang),
        error: String::new(),
        done: String::new(),
        pass: None,
        not_registered: false,
        inbox: Vec::new(),
        channels: Vec::new(),
        any_channel: false,
        lang_choice: page.lang.tag(),
        vapid: String::new(),
        script: SCRIPT_PATH,
        worker: WORKER_PATH,
    }
}

fn show(page: &NotifyPage<'_>, status: StatusCode) -> Response {
    no_store(render(status, page.page.lang, page))
}

pub(super) async fn form(page: Layout) -> Response {
    show(&blank(&page), StatusCode::OK)
}

/// Who the visitor is: a household, or a person without one.
struct Visitor {
    pass: String,
    household: Option<Uuid>,
}

async fn identify(
    state: &AppState,
    f: &NotifyInput,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    lang: Lang,
) -> Result<Visitor, (StatusCode, String)> {
    let now = Utc::now();
    if !f.pass.is_empty() {
        let pass = state
            .pass_key()
            .verify(&f.pass, now)
            .map_err(|e| (StatusCode::UNPROCESSABLE_ENTITY, e.message(lang).to_owned()))?;
        return Ok(Visitor {
            pass: f.pass.clone(),
            household: pass.household,
        });
    }
    let origin = origin(peer);
    let proof = Proof {
        nik: &f.nik,
        kk: &f.kk,
    };
    let person = citizen::identify(state.store(), state.citizen_limits(), &proof, &origin)
        .await
        .map_err(|e| {
            let status = match e {
                CitizenError::TooMany => StatusCode::TOO_MANY_REQUESTS,
                CitizenError::Store => StatusCode::INTERNAL_SERVER_ERROR,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (status, e.message(lang))
        })?;
    let household = state
        .store()
        .registry_search_nik(&person.record.nik, &tepat_domain::Scope::All)
        .await
        .map_err(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                CitizenError::Store.message(lang),
            )
        })?
        .into_iter()
        .find(|h| h.household_state == HouseholdState::Active && h.member_status == "active")
        .map(|h| h.household);
    let pass = state
        .pass_key()
        .issue(person.id, household, person.record.village, now);
    Ok(Visitor { pass, household })
}

pub(super) async fn submit(
    State(state): State<AppState>,
    page: Layout,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<NotifyInput>,
) -> Response {
    let lang = page.lang;
    let mut view = blank(&page);
    let visitor = match identify(&state, &f, peer, lang).await {
        Ok(v) => v,
        Err((status, message)) => {
            view.error = message;
            return show(&view, status);
        }
    };
    view.pass = Some(visitor.pass);
    let Some(household) = visitor.household else {
        view.not_registered = true;
        return show(&view, StatusCode::OK);
    };
    let mut status = StatusCode::OK;
    let chosen = Lang::from_tag(&f.lang).unwrap_or(lang);
    match (f.action.as_str(), Channel::parse(&f.channel)) {
        ("add", Some(channel)) => {
            let config = &state.config().notify;
            match contacts::register(
                state.store(),
                config,
                household,
                channel,
                &f.address,
                chosen,
            )
            .await
            {
                Ok(()) => view.done = view.t.saved.into(),
                Err(e) => {
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    view.error = e.message(lang);
                }
            }
        }
        ("remove", Some(channel)) => {
            match contacts::remove(state.store(), household, channel).await {
                Ok(_) => view.done = view.t.removed.into(),
                Err(e) => {
                    status = StatusCode::INTERNAL_SERVER_ERROR;
                    view.error = e.message(lang);
                }
            }
        }
        _ => {}
    }
    if let Err(message) = fill(&state, &mut view, household).await {
        view.error = message;
        status = StatusCode::INTERNAL_SERVER_ERROR;
    }
    show(&view, status)
}

/// The inbox and the channels of `household`.
async fn fill(state: &AppState, view: &mut NotifyPage<'_>, household: Uuid) -> Result<(), String> {
    let lang = view.page.lang;
    let failed = |_| CitizenError::Store.message(lang);
    let store = state.store();
    let mut items: Vec<(chrono::DateTime<Utc>, InboxItem)> = Vec::new();
    for n in store
        .notices_of_household(household)
        .await
        .map_err(failed)?
    {
        let r = render_notice(&n, lang);
        items.push((n.created_at, item(r, n.created_at)));
    }
    for m in store
        .messages_of_household(household)
        .await
        .map_err(failed)?
    {
        let r = render_message(&m, lang);
        items.push((m.created_at, item(r, m.created_at)));
    }
    items.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    view.inbox = items
        .into_iter()
        .take(INBOX_LIMIT)
        .map(|(_, i)| i)
        .collect();
    let current: Vec<ContactView> = contacts::list(store, household)
        .await
        .map_err(|e| e.message(lang))?;
    if let Some(first) = current.first() {
        view.lang_choice = first.lang.tag();
    }
    let offered = state.config().notify.channels();
    view.any_channel = !offered.is_empty();
    view.channels = Channel::ALL
        .iter()
        .filter(|c| offered.contains(c) || current.iter().any(|x| x.channel == **c))
        .map(|c| ChannelRow {
            code: c.code(),
            name: channel_name(*c, lang),
            current: current
                .iter()
                .find(|x| x.channel == *c)
                .map(|x| x.masked.clone()),
            typed: *c != Channel::Push,
        })
        .collect();
    if offered.contains(&Channel::Push) {
        view.vapid = crate::api::notify::vapid_public_key(state).unwrap_or_default();
    }
    Ok(())
}

fn item(r: tepat_core::portal::notify::Rendered, at: chrono::DateTime<Utc>) -> InboxItem {
    InboxItem {
        title: r.title,
        body: r.body,
        at: at.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

fn javascript(body: &'static str, extra: Option<(&'static str, &'static str)>) -> Response {
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response();
    if let Some((name, value)) = extra {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn script() -> Response {
    javascript(SCRIPT, None)
}

async fn worker() -> Response {
    javascript(
        WORKER,
        Some(("service-worker-allowed", "/warga/pemberitahuan/")),
    )
}
