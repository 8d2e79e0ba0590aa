//! The officers' complaint pages: `GET /pengaduan` (the inbox of their desk, with filters),
//! `GET /pengaduan/{id}` (a complaint and its history), `POST /pengaduan/{id}/tindak` (a step),
//! `POST /pengaduan/{id}/kontak` (the contact, audited), `GET /pengaduan/penilaian` (ratings).

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::access::{HandleComplaints, ReadComplaints};
use tepat_core::portal::complaints::{
    self, category_label, event_label, level_label, state_label, ComplaintError, Detail,
    InboxFilter, OfficerAction,
};
use tepat_core::portal::ratings;
use tepat_domain::{Lang, Localized};
use tepat_store::{ComplaintCategory, ComplaintState, Contact, Level};
use uuid::Uuid;

use super::citizen::{categories, origin, CategoryOption};
use super::strings::{strings, FeedbackStrings};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, see_other};

type Peer = Option<axum::Extension<ConnectInfo<SocketAddr>>>;

#[derive(Template)]
#[template(path = "feedback/inbox.html")]
struct InboxPage<'a> {
    page: &'a Layout,
    s: &'static FeedbackStrings,
    categories: Vec<CategoryOption>,
    states: Vec<(&'static str, &'static str)>,
    q: InboxQuery,
    rows: Vec<Row>,
    can_rate_list: bool,
}

struct Row {
    id: Uuid,
    ticket: String,
    category: &'static str,
    village: String,
    level: &'static str,
    state: &'static str,
    submitted: String,
    due: String,
    overdue: bool,
    anonymous: bool,
}

#[derive(Deserialize, Default)]
pub(super) struct InboxQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    overdue: String,
}

fn states(lang: Lang) -> Vec<(&'static str, &'static str)> {
    ComplaintState::ALL
        .iter()
        .map(|s| (s.code(), state_label(*s, lang)))
        .collect()
}

/// A page with the error's message: 404 for a complaint not on the officer's desk (absent and
/// elsewhere read alike), 500 for the database.
fn problem(page: &Layout, e: &ComplaintError) -> Response {
    match e {
        ComplaintError::Store => crate::ui::errors::server_error(page),
        ComplaintError::NotFound => {
            crate::ui::targeting::message(page, StatusCode::NOT_FOUND, e.message(page.lang))
        }
        _ => crate::ui::targeting::message(
            page,
            StatusCode::UNPROCESSABLE_ENTITY,
            e.message(page.lang),
        ),
    }
}

/// `GET /pengaduan`.
pub(super) async fn inbox(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Query(q): Query<InboxQuery>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadComplaints>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let filter = InboxFilter {
        state: ComplaintState::parse(&q.state),
        category: ComplaintCategory::parse(&q.category),
        overdue: q.overdue == "1",
    };
    let origin = origin(peer);
    let found = match complaints::inbox(state.store(), &grant, filter, &origin).await {
        Ok(f) => f,
        Err(e) => return problem(&page, &e),
    };
    let lang = page.lang;
    let rows = found
        .into_iter()
        .map(|i| {
            let c = i.complaint;
            Row {
                id: c.id,
                ticket: c.ticket.to_string(),
                category: category_label(c.category, lang),
                village: state.regions().name_path(&c.village),
                level: level_label(c.level, lang),
                state: state_label(c.state, lang),
                submitted: c.submitted_at.format("%Y-%m-%d").to_string(),
                due: c.due_on.to_string(),
                overdue: i.overdue,
                anonymous: c.person.is_none(),
            }
        })
        .collect();
    no_store(render(
        StatusCode::OK,
        lang,
        &InboxPage {
            page: &page,
            s: strings(lang),
            categories: categories(lang),
            states: states(lang),
            q,
            rows,
            can_rate_list: true,
        },
    ))
}

#[derive(Template)]
#[template(path = "feedback/detail.html")]
struct DetailPage<'a> {
    page: &'a Layout,
    s: &'static FeedbackStrings,
    d: DetailView,
    can_act: bool,
    /// Shown after "show contact": (kind, value), or an empty kind when none was left.
    contact: Option<(&'static str, String)>,
    error: String,
    levels: Vec<(&'static str, &'static str)>,
}

struct DetailView {
    id: Uuid,
    ticket: String,
    category: &'static str,
    village: String,
    level: &'static str,
    level_code: &'static str,
    state: &'static str,
    closed: bool,
    submitted: String,
    due: String,
    overdue: bool,
    anonymous: bool,
    household: Option<Uuid>,
    text: String,
    has_contact: bool,
    abuse: bool,
    events: Vec<EventView>,
}

struct EventView {
    what: &'static str,
    level: &'static str,
    role: &'static str,
    at: String,
    note: String,
}

fn detail_view(state: &AppState, d: Detail, lang: Lang) -> DetailView {
    let c = d.complaint;
    DetailView {
        id: c.id,
        ticket: c.ticket.to_string(),
        category: category_label(c.category, lang),
        village: format!("{} {}", c.village, state.regions().name_path(&c.village)),
        level: level_label(c.level, lang),
        level_code: c.level.code(),
        state: state_label(c.state, lang),
        closed: c.state.is_closed(),
        submitted: c.submitted_at.format("%Y-%m-%d %H:%M").to_string(),
        due: c.due_on.to_string(),
        overdue: d.overdue,
        anonymous: c.person.is_none(),
        household: c.household,
        text: c.text,
        has_contact: c.has_contact,
        abuse: c.category.is_abuse(),
        events: d
            .events
            .into_iter()
            .map(|e| EventView {
                what: event_label(e.kind, lang),
                level: level_label(e.level, lang),
                role: e.role.label(lang),
                at: e.at.format("%Y-%m-%d %H:%M").to_string(),
                note: e.note.unwrap_or_default(),
            })
            .collect(),
    }
}

/// The detail page, after a read, a contact shown or a refused step (each handler's own outcome).
#[allow(clippy::too_many_arguments)]
async fn show_detail(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    peer: Peer,
    id: Uuid,
    status: StatusCode,
    contact: Option<(&'static str, String)>,
    error: String,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadComplaints>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(page, &denied),
    };
    let origin = origin(peer);
    let d = match complaints::detail(state.store(), &grant, id, &origin).await {
        Ok(d) => d,
        Err(e) => return problem(page, &e),
    };
    let lang = page.lang;
    let view = detail_view(state, d, lang);
    let levels = Level::ALL
        .iter()
        .filter(|l| l.code() != view.level_code && (!view.abuse || **l == Level::Regency))
        .map(|l| (l.code(), level_label(*l, lang)))
        .collect();
    no_store(render(
        status,
        lang,
        &DetailPage {
            page,
            s: strings(lang),
            d: view,
            can_act: user.actor.can::<HandleComplaints>(),
            contact,
            error,
            levels,
        },
    ))
}

/// `GET /pengaduan/{id}`.
pub(super) async fn detail(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
) -> Response {
    show_detail(
        &state,
        &page,
        &user,
        peer,
        id,
        StatusCode::OK,
        None,
        String::new(),
    )
    .await
}

/// `POST /pengaduan/{id}/kontak`.
pub(super) async fn contact(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
) -> Response {
    let grant = match user.actor.may_anywhere::<HandleComplaints>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let origin = origin(peer);
    let s = strings(page.lang);
    let shown = match complaints::contact(state.store(), &grant, id, &origin).await {
        Ok(Some(Contact::Phone(p))) => (s.contact_phone, p),
        Ok(Some(Contact::Email(e))) => (s.contact_email, e),
        Ok(None) => ("", String::new()),
        Err(e) => return problem(&page, &e),
    };
    show_detail(
        &state,
        &page,
        &user,
        peer,
        id,
        StatusCode::OK,
        Some(shown),
        String::new(),
    )
    .await
}

#[derive(Deserialize)]
pub(super) struct ActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

fn action_of(f: &ActForm) -> Option<OfficerAction> {
    match f.action.as_str() {
        "acknowledge" => Some(OfficerAction::Acknowledge),
        "answer" => Some(OfficerAction::Answer),
        "resolve" => Some(OfficerAction::Resolve),
        "reject" => Some(OfficerAction::Reject),
        "forward" => Level::parse(&f.to).map(OfficerAction::Forward),
        _ => None,
    }
}

/// `POST /pengaduan/{id}/tindak`: one step, then back to the complaint (303).
pub(super) async fn act(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
    Form(f): Form<ActForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<HandleComplaints>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let origin = origin(peer);
    let result = match action_of(&f) {
        Some(action) => complaints::act(state.store(), &grant, id, action, &f.note, &origin).await,
        None => Err(ComplaintError::BadForward),
    };
    match result {
        Ok(_) => see_other(&format!("/pengaduan/{id}")),
        Err(ComplaintError::NotFound) => problem(&page, &ComplaintError::NotFound),
        Err(e) => {
            let status = match e {
                ComplaintError::Store => StatusCode::INTERNAL_SERVER_ERROR,
                ComplaintError::Changed => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            show_detail(
                &state,
                &page,
                &user,
                peer,
                id,
                status,
                None,
                e.message(page.lang),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "feedback/ratings.html")]
struct RatingsPage<'a> {
    page: &'a Layout,
    s: &'static FeedbackStrings,
    summary: Vec<SummaryRow>,
    ratings: Vec<RatingRow>,
}

struct SummaryRow {
    program: String,
    cycle: String,
    village: String,
    count: u64,
    average: String,
}

struct RatingRow {
    date: String,
    program: String,
    cycle: String,
    village: String,
    envelope: Uuid,
    stars: u8,
    comment: String,
}

#[derive(Deserialize, Default)]
pub(super) struct RatingsQuery {
    #[serde(default)]
    amplop: String,
}

/// `GET /pengaduan/penilaian` (`?amplop=ID` for one envelope).
pub(super) async fn ratings_page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Query(q): Query<RatingsQuery>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadComplaints>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let envelope = Uuid::parse_str(q.amplop.trim()).ok();
    let list = match ratings::list(state.store(), &grant, envelope, 200).await {
        Ok(l) => l,
        Err(e) => return problem(&page, &e),
    };
    let Ok(summary) = ratings::summary(state.store(), &grant.scope(), None).await else {
        return crate::ui::errors::server_error(&page);
    };
    let lang = page.lang;
    let decimal = |x: f64| match lang {
        Lang::Id => format!("{x:.1}").replace('.', ","),
        Lang::En => format!("{x:.1}"),
    };
    no_store(render(
        StatusCode::OK,
        lang,
        &RatingsPage {
            page: &page,
            s: strings(lang),
            summary: summary
                .into_iter()
                .map(|g| SummaryRow {
                    village: state.regions().name_path(&g.village),
                    average: decimal(g.average),
                    program: g.program,
                    cycle: g.cycle,
                    count: g.count,
                })
                .collect(),
            ratings: list
                .into_iter()
                .map(|r| RatingRow {
                    date: r.rated_at.format("%Y-%m-%d").to_string(),
                    village: state.regions().name_path(&r.village),
                    program: r.program,
                    cycle: r.cycle,
                    envelope: r.envelope,
                    stars: r.stars,
                    comment: r.comment.unwrap_or_default(),
                })
                .collect(),
        },
    ))
}
