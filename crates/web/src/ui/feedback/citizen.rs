//! The citizens' complaint and rating pages: `GET|POST /warga/pengaduan`, `GET|POST
//! /warga/pengaduan/lacak`, `GET|POST /warga/penilaian`.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::intake::citizen::{CitizenError, Proof};
use tepat_core::portal::complaints::{
    self, category_label, event_label, level_label, state_label, Complainant, ComplaintError,
    ComplaintInput, Filed, Services, Tracked,
};
use tepat_core::portal::ratings::{self, RatingError, RatingInput};
use tepat_core::registry::Origin;
use tepat_domain::{Lang, Localized};
use tepat_store::ComplaintCategory;

use super::strings::{strings, FeedbackStrings};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::no_store;

pub(super) fn origin(peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>) -> Origin {
    Origin::now(peer.map(|axum::Extension(ConnectInfo(a))| a.to_string()))
}

/// A category for the form's list.
pub(super) struct CategoryOption {
    pub code: &'static str,
    pub label: &'static str,
}

pub(super) fn categories(lang: Lang) -> Vec<CategoryOption> {
    ComplaintCategory::ALL
        .iter()
        .map(|c| CategoryOption {
            code: c.code(),
            label: category_label(*c, lang),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "feedback/complaint.html")]
struct ComplaintPage<'a> {
    page: &'a Layout,
    s: &'static FeedbackStrings,
    categories: Vec<CategoryOption>,
    f: ComplaintForm,
    error: String,
    filed: Option<FiledView>,
}

struct FiledView {
    ticket: String,
    level: &'static str,
    due: String,
}

fn filed_view(f: &Filed, lang: Lang) -> FiledView {
    FiledView {
        ticket: f.ticket.to_string(),
        level: level_label(f.level, lang),
        due: f.due_on.format("%d-%m-%Y").to_string(),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ComplaintForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    text: String,
    /// `pass`, `proof` or `anonymous`.
    #[serde(default)]
    who: String,
    #[serde(default)]
    pass: String,
    #[serde(default)]
    nik: String,
    #[serde(default)]
    kk: String,
    #[serde(default)]
    village: String,
    #[serde(default)]
    contact: String,
}

#[derive(Deserialize)]
pub(super) struct PassQuery {
    #[serde(default)]
    pass: String,
}

fn show_complaint(
    page: &Layout,
    status: StatusCode,
    mut f: ComplaintForm,
    error: String,
    filed: Option<FiledView>,
) -> Response {
    // Never send the numbers back.
    f.nik.clear();
    f.kk.clear();
    if f.who.is_empty() {
        f.who = if f.pass.is_empty() { "proof" } else { "pass" }.into();
    }
    no_store(render(
        status,
        page.lang,
        &ComplaintPage {
            page,
            s: strings(page.lang),
            categories: categories(page.lang),
            f,
            error,
            filed,
        },
    ))
}

/// `GET /warga/pengaduan`, from the status page with its pass (`?pass=TPP1…`, which names no one).
pub(super) async fn form(
    State(state): State<AppState>,
    page: Layout,
    Query(q): Query<PassQuery>,
) -> Response {
    let now = Origin::now(None).now;
    let pass = match q.pass.trim() {
        "" => String::new(),
        token => match state.pass_key().verify(token, now) {
            Ok(_) => token.to_owned(),
            Err(e) => {
                let f = ComplaintForm::default();
                return show_complaint(
                    &page,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    f,
                    e.message(page.lang).into(),
                    None,
                );
            }
        },
    };
    let f = ComplaintForm {
        pass,
        ..ComplaintForm::default()
    };
    show_complaint(&page, StatusCode::OK, f, String::new(), None)
}

fn complaint_status(e: &ComplaintError) -> StatusCode {
    match e {
        ComplaintError::TooMany | ComplaintError::Citizen(CitizenError::TooMany) => {
            StatusCode::TOO_MANY_REQUESTS
        }
        ComplaintError::Store | ComplaintError::Citizen(CitizenError::Store) => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
        ComplaintError::NoSuchTicket => StatusCode::NOT_FOUND,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// `POST /warga/pengaduan`.
pub(super) async fn submit(
    State(state): State<AppState>,
    page: Layout,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<ComplaintForm>,
) -> Response {
    let origin = origin(peer);
    let services = Services {
        limits: state.feedback_limits(),
        citizen_limits: state.citizen_limits(),
        pass_key: state.pass_key(),
        regions: state.regions(),
    };
    let who = match f.who.as_str() {
        "anonymous" => Complainant::Anonymous {
            village: &f.village,
        },
        "pass" if !f.pass.is_empty() => Complainant::Pass(&f.pass),
        _ => Complainant::Proof(Proof {
            nik: &f.nik,
            kk: &f.kk,
        }),
    };
    let input = ComplaintInput {
        category: &f.category,
        text: &f.text,
        contact: &f.contact,
    };
    match complaints::submit(state.store(), &services, who, &input, &origin).await {
        Ok(filed) => {
            let view = filed_view(&filed, page.lang);
            let fresh = ComplaintForm {
                pass: f.pass,
                ..ComplaintForm::default()
            };
            show_complaint(&page, StatusCode::OK, fresh, String::new(), Some(view))
        }
        Err(e) => {
            let status = complaint_status(&e);
            show_complaint(&page, status, f, e.message(page.lang), None)
        }
    }
}

#[derive(Template)]
#[template(path = "feedback/track.html")]
struct TrackPage<'a> {
    page: &'a Layout,
    s: &'static FeedbackStrings,
    error: String,
    found: Option<TrackedView>,
}

struct TrackedView {
    ticket: String,
    category: &'static str,
    state: &'static str,
    level: &'static str,
    submitted: String,
    due: String,
    overdue: bool,
    steps: Vec<StepView>,
}

struct StepView {
    what: &'static str,
    level: &'static str,
    at: String,
    note: String,
}

fn tracked_view(t: Tracked, lang: Lang) -> TrackedView {
    TrackedView {
        ticket: t.ticket.to_string(),
        category: category_label(t.category, lang),
        state: state_label(t.state, lang),
        level: level_label(t.level, lang),
        submitted: t.submitted_at.format("%d-%m-%Y").to_string(),
        due: t.due_on.format("%d-%m-%Y").to_string(),
        overdue: t.overdue,
        steps: t
            .steps
            .into_iter()
            .map(|s| StepView {
                what: event_label(s.kind, lang),
                level: level_label(s.level, lang),
                at: s.at.format("%d-%m-%Y").to_string(),
                note: s.note.unwrap_or_default(),
            })
            .collect(),
    }
}

fn show_track(
    page: &Layout,
    status: StatusCode,
    error: String,
    found: Option<TrackedView>,
) -> Response {
    no_store(render(
        status,
        page.lang,
        &TrackPage {
            page,
            s: strings(page.lang),
            error,
            found,
        },
    ))
}

/// `GET /warga/pengaduan/lacak`.
pub(super) async fn track_form(page: Layout) -> Response {
    show_track(&page, StatusCode::OK, String::new(), None)
}

#[derive(Deserialize)]
pub(super) struct TrackForm {
    #[serde(default)]
    ticket: String,
}

/// `POST /warga/pengaduan/lacak`: the ticket travels in the body only (it is a bearer secret).
pub(super) async fn track(
    State(state): State<AppState>,
    page: Layout,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<TrackForm>,
) -> Response {
    let origin = origin(peer);
    match complaints::track(state.store(), state.feedback_limits(), &f.ticket, &origin).await {
        Ok(t) => show_track(
            &page,
            StatusCode::OK,
            String::new(),
            Some(tracked_view(t, page.lang)),
        ),
        Err(e) => show_track(&page, complaint_status(&e), e.message(page.lang), None),
    }
}

#[derive(Template)]
#[template(path = "feedback/rated.html")]
struct RatedPage<'a> {
    page: &'a Layout,
    s: &'static FeedbackStrings,
    error: String,
    stars: u8,
    program: String,
    cycle: String,
}

#[derive(Deserialize)]
pub(super) struct RateForm {
    #[serde(default)]
    pass: String,
    #[serde(default)]
    envelope: String,
    #[serde(default)]
    stars: String,
    #[serde(default)]
    comment: String,
}

/// `GET /warga/penilaian`: ratings start from the status page.
pub(super) async fn rate_info(page: Layout) -> Response {
    let s = strings(page.lang);
    show_rated(&page, StatusCode::OK, s.rate_needs_check.into(), 0, "", "")
}

fn show_rated(
    page: &Layout,
    status: StatusCode,
    error: String,
    stars: u8,
    program: &str,
    cycle: &str,
) -> Response {
    no_store(render(
        status,
        page.lang,
        &RatedPage {
            page,
            s: strings(page.lang),
            error,
            stars,
            program: program.into(),
            cycle: cycle.into(),
        },
    ))
}

/// `POST /warga/penilaian` (fields `pass`, `envelope`, `stars`, `comment`).
pub(super) async fn rate(
    State(state): State<AppState>,
    page: Layout,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<RateForm>,
) -> Response {
    let origin = origin(peer);
    let input = RatingInput {
        pass: &f.pass,
        envelope: &f.envelope,
        stars: &f.stars,
        comment: &f.comment,
    };
    match ratings::rate(
        state.store(),
        state.pass_key(),
        state.feedback_limits(),
        &input,
        &origin,
        page.lang,
    )
    .await
    {
        Ok(r) => show_rated(
            &page,
            StatusCode::OK,
            String::new(),
            r.stars,
            &r.program,
            &r.cycle,
        ),
        Err(e) => {
            let status = match e {
                RatingError::TooMany => StatusCode::TOO_MANY_REQUESTS,
                RatingError::Store => StatusCode::INTERNAL_SERVER_ERROR,
                RatingError::AlreadyRated => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            show_rated(&page, status, e.message(page.lang), 0, "", "")
        }
    }
}
