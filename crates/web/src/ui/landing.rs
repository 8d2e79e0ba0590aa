//! `/`: what the system holds: totals of the population extract and counts per kecamatan of the first
//! regency that has population data, or how to load some.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use tepat_domain::Lang;
use tepat_store::{DistrictSummary, PopulationTotals, RegencySummary, StoreError};

use crate::state::AppState;
use crate::ui::errors::server_error;
use crate::ui::format::count;
use crate::ui::layout::{render, Layout};

#[derive(Template)]
#[template(path = "landing.html")]
struct Landing<'a> {
    page: &'a Layout,
    /// `None`: nothing loaded yet.
    loaded: Option<Loaded>,
}

/// Numbers are formatted for the page's language before they reach the template.
struct Loaded {
    persons: String,
    households: String,
    deceased: String,
    regency: Option<Regency>,
    /// Names of further regencies with data.
    others: Vec<String>,
}

struct Regency {
    code: String,
    name: String,
    persons: String,
    households: String,
    deceased: String,
    districts: Vec<District>,
}

struct District {
    code: String,
    name: String,
    persons: String,
    households: String,
    deceased: String,
}

/// `GET /`.
pub(crate) async fn page(State(state): State<AppState>, page: Layout) -> Response {
    match load(&state, page.lang).await {
        Ok(loaded) => render(
            StatusCode::OK,
            page.lang,
            &Landing {
                page: &page,
                loaded,
            },
        ),
        Err(error) => {
            tracing::error!(%error, "landing page: cannot read the population summary");
            server_error(&page)
        }
    }
}

async fn load(state: &AppState, lang: Lang) -> Result<Option<Loaded>, StoreError> {
    let store = state.store();
    let totals: PopulationTotals = store.population_totals().await?;
    if totals.persons == 0 {
        return Ok(None);
    }
    let regencies: Vec<RegencySummary> = store.populated_regencies().await?;
    let mut regency = None;
    if let Some(first) = regencies.first() {
        let districts: Vec<DistrictSummary> = store.population_by_district(&first.regency).await?;
        regency = Some(Regency {
            code: first.regency.dotted(),
            name: regency_name(state, first),
            persons: count(first.persons, lang),
            households: count(first.households, lang),
            deceased: count(first.deceased, lang),
            districts: districts
                .into_iter()
                .map(|d| District {
                    code: d.district.dotted(),
                    name: if d.name.is_empty() {
                        region_name(state, &d.district)
                    } else {
                        d.name
                    },
                    persons: count(d.persons, lang),
                    households: count(d.households, lang),
                    deceased: count(d.deceased, lang),
                })
                .collect(),
        });
    }
    Ok(Some(Loaded {
        persons: count(totals.persons, lang),
        households: count(totals.households, lang),
        deceased: count(totals.deceased, lang),
        regency,
        others: regencies
            .iter()
            .skip(1)
            .map(|r| regency_name(state, r))
            .collect(),
    }))
}

/// The official name from the region table (the store's copy may lag behind it), else the store's.
fn regency_name(state: &AppState, regency: &RegencySummary) -> String {
    state
        .regions()
        .get(&regency.regency)
        .map(|r| r.name.clone())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| {
            if regency.name.is_empty() {
                regency.regency.dotted()
            } else {
                regency.name.clone()
            }
        })
}

fn region_name(state: &AppState, code: &tepat_domain::RegionCode) -> String {
    state
        .regions()
        .get(code)
        .map_or_else(|| code.dotted(), |r| r.name.clone())
}
