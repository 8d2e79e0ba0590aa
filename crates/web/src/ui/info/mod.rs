//! Public information for citizens (issue 8 part 5, `docs/information.md`), no account needed:
//!
//! - `/info`: the index; `/info/program`: each loaded program's criteria in plain words, amounts,
//!   schedule and channel ([`criteria`]); `/info/hak`: recipients' rights and obligations;
//!   `/info/daftar`: how to get registered; `/info/cek`: how to check one's status (web and SMS);
//!   `/info/tanya`: questions and answers; `/info/panduan`: illustrated how-to guides for community
//!   workshops, print-friendly.
//! - `/pengumuman`: announcements (filter by region and program), `/pengumuman/{id}`, the Atom feed
//!   `/pengumuman.atom`, and `/pengumuman/baru` for officers ([`announcements`]).
//! - [`guidance`]: the short guidance shown on the proposal and objection forms.
//!
//! [`OFFLINE_PAGES`] lists what the citizens' service worker keeps for reading without signal.

mod announcements;
mod atom;
pub mod criteria;
pub mod guidance;
pub mod strings;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use tepat_core::targeting::programs;

use crate::assets;
use crate::state::AppState;
use crate::ui::errors::server_error;
use crate::ui::layout::{render, Layout};
use criteria::ProgramCriteria;
pub use strings::{strings, InfoStrings};

/// The pages the citizens' service worker precaches, so they read offline once the app is installed.
pub const OFFLINE_PAGES: &[&str] = &[
    "/info",
    "/info/program",
    "/info/hak",
    "/info/daftar",
    "/info/cek",
    "/info/tanya",
    "/info/panduan",
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/info", get(index))
        .route("/info/program", get(program_page))
        .route("/info/hak", get(rights))
        .route("/info/daftar", get(register))
        .route("/info/cek", get(check))
        .route("/info/tanya", get(faq))
        .route("/info/panduan", get(guides))
        .merge(announcements::routes())
}

/// What every information page has besides its own content: the sub-navigation and its stylesheet.
pub struct InfoNav {
    pub s: &'static InfoStrings,
    pub css: &'static str,
    /// The page's own address, marked as current in the navigation.
    pub current: &'static str,
}

impl InfoNav {
    fn new(page: &Layout, current: &'static str) -> InfoNav {
        InfoNav {
            s: strings(page.lang),
            css: assets::url("info.css"),
            current,
        }
    }

    /// (address, label) of every information page, the announcements last.
    pub fn links(&self) -> [(&'static str, &'static str); 8] {
        let s = self.s;
        [
            ("/info", s.info_title),
            ("/info/program", s.programs_title),
            ("/info/hak", s.rights_title),
            ("/info/daftar", s.register_title),
            ("/info/cek", s.check_title),
            ("/info/tanya", s.faq_title),
            ("/info/panduan", s.guides_title),
            ("/pengumuman", s.announcements_title),
        ]
    }
}

macro_rules! prose_page {
    ($handler:ident, $ty:ident, $path:literal, $current:literal) => {
        #[derive(Template)]
        #[template(path = $path)]
        struct $ty<'a> {
            page: &'a Layout,
            nav: InfoNav,
        }

        async fn $handler(page: Layout) -> Response {
            let nav = InfoNav::new(&page, $current);
            render(StatusCode::OK, page.lang, &$ty { page: &page, nav })
        }
    };
}

prose_page!(index, IndexPage, "info/index.html", "/info");
prose_page!(rights, RightsPage, "info/rights.html", "/info/hak");
prose_page!(register, RegisterPage, "info/register.html", "/info/daftar");
prose_page!(check, CheckPage, "info/check.html", "/info/cek");
prose_page!(faq, FaqPage, "info/faq.html", "/info/tanya");
prose_page!(guides, GuidesPage, "info/guides.html", "/info/panduan");

#[derive(Template)]
#[template(path = "info/programs.html")]
struct ProgramsPage<'a> {
    page: &'a Layout,
    nav: InfoNav,
    programs: Vec<ProgramCriteria>,
}

/// `GET /info/program`: the programs the office has loaded, as they run.
async fn program_page(State(state): State<AppState>, page: Layout) -> Response {
    let loaded = match programs::current(state.store()).await {
        Ok(p) => p,
        Err(error) => {
            tracing::error!(%error, "information page: cannot read the programs");
            return server_error(&page);
        }
    };
    let programs = loaded
        .iter()
        .map(|p| ProgramCriteria::of(p, page.lang))
        .collect();
    let nav = InfoNav::new(&page, "/info/program");
    render(
        StatusCode::OK,
        page.lang,
        &ProgramsPage {
            page: &page,
            nav,
            programs,
        },
    )
}
