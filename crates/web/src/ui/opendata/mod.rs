//! `/data`: the public transparency portal (issue 9, `docs/open-data.md`). No sign-in. One program-cycle
//! and one region at a time: the region's figures and its children's (drill down from the whole
//! installation to a village), a chart of the share delivered, complaints, a village's masked list when
//! the office publishes lists, the latest witnessed checkpoint of the ledger, and the downloads.
//!
//! Only the suppressed publication is shown: the same values as the downloads.

pub mod chart;
pub mod strings;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tepat_core::opendata::datasets::{self, Dataset};
use tepat_core::opendata::recipients::{recipient_list, MaskedRecipient, NoList};
use tepat_core::opendata::{ComplaintRow, DistributionRow, Level, Publication};
use tepat_domain::{Lang, RegionCode};
use tepat_ledger::Fetcher as _;

use crate::state::AppState;
use crate::ui::errors::server_error;
use crate::ui::format::count;
use crate::ui::layout::{render, Layout};

pub use strings::{strings, DataStrings};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/data", get(page))
}

/// What the visitor chose: all optional (the first program-cycle, the whole installation).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Choice {
    program: Option<String>,
    cycle: Option<String>,
    region: Option<String>,
}

#[derive(Template)]
#[template(path = "opendata/portal.html")]
struct Portal<'a> {
    page: &'a Layout,
    s: &'static DataStrings,
    as_of: Option<String>,
    suppression: String,
    series: Vec<Link>,
    selected: Option<Selected>,
    complaints: Vec<RowView>,
    recipients: Option<Recipients>,
    checkpoint: Option<CheckpointView>,
    has_ledger: bool,
    downloads: Vec<Link>,
    dictionary: Vec<ColumnView>,
}

struct Link {
    label: String,
    href: String,
    current: bool,
}

struct Selected {
    title: String,
    crumbs: Vec<Link>,
    here: RowView,
    children: Vec<RowView>,
    chart: String,
}

/// A row as shown: numbers formatted, `—` where suppressed.
struct RowView {
    name: String,
    code: String,
    href: Option<String>,
    households: String,
    entitled: String,
    disbursed: String,
    share: String,
    rating: String,
    complaints: String,
}

enum Recipients {
    List(Vec<MaskedRecipient>),
    Off,
    Hidden,
}

struct CheckpointView {
    origin: String,
    size: String,
    root: String,
    witnesses: Vec<String>,
    time: String,
    href: String,
}

struct ColumnView {
    name: &'static str,
    meaning: &'static str,
    unit: &'static str,
}

const HIDDEN: &str = "—";

fn shown<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| HIDDEN.to_owned(), f)
}

fn percent(share: f64, lang: Lang) -> String {
    let tenths = (share * 1000.0).round() as i64;
    let sep = if lang == Lang::Id { ',' } else { '.' };
    format!("{}{sep}{} %", tenths / 10, tenths % 10)
}

fn decimal(x: f64, lang: Lang) -> String {
    let text = format!("{x:.1}");
    if lang == Lang::Id {
        text.replace('.', ",")
    } else {
        text
    }
}

/// Query strings hold program and cycle codes (`A-Z 0-9 - _ .`) and region codes only; anything else
/// is percent-encoded.
fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn href(program: &str, cycle: &str, region: Option<&str>) -> String {
    let mut h = format!("/data?program={}&cycle={}", encode(program), encode(cycle));
    if let Some(r) = region {
        h.push_str("&region=");
        h.push_str(&encode(r));
    }
    h
}

fn row_view(
    r: &DistributionRow,
    complaints: Option<&ComplaintRow>,
    total_name: &str,
    link: bool,
    lang: Lang,
) -> RowView {
    RowView {
        name: if r.level == Level::Total {
            total_name.to_owned()
        } else {
            r.region_name.clone()
        },
        code: r.region_code.clone().unwrap_or_default(),
        href: link.then(|| href(&r.program, &r.cycle, r.region_code.as_deref())),
        households: shown(r.households, |n| count(n as i64, lang)),
        entitled: shown(r.entitled_rp, |n| count(n, lang)),
        disbursed: shown(r.disbursed_rp, |n| count(n, lang)),
        share: shown(r.share_delivered, |x| percent(x, lang)),
        rating: match (r.ratings, r.rating_average) {
            (Some(n), Some(avg)) => format!("{} ({})", decimal(avg, lang), count(n as i64, lang)),
            (Some(0), None) => String::new(),
            _ => HIDDEN.to_owned(),
        },
        complaints: complaints.map_or_else(String::new, |c| {
            shown(c.complaints, |n| count(n as i64, lang))
        }),
    }
}

fn complaint_view(c: &ComplaintRow, total_name: &str, lang: Lang) -> RowView {
    RowView {
        name: if c.level == Level::Total {
            total_name.to_owned()
        } else {
            c.region_name.clone()
        },
        code: c.region_code.clone().unwrap_or_default(),
        href: None,
        households: String::new(),
        entitled: String::new(),
        disbursed: String::new(),
        share: String::new(),
        rating: String::new(),
        complaints: shown(c.complaints, |n| count(n as i64, lang)),
    }
}

/// The region asked for, if it is a code; the whole installation otherwise.
fn chosen_region(choice: &Choice) -> Option<RegionCode> {
    choice
        .region
        .as_deref()
        .filter(|r| !r.is_empty())
        .and_then(|r| RegionCode::parse(r).ok())
}

fn is_child(row_parent: Option<&str>, row_level: Level, region: Option<&str>) -> bool {
    match region {
        None => row_level == Level::Province,
        Some(code) => row_parent == Some(code),
    }
}

fn selected(p: &Publication, choice: &Choice, s: &DataStrings, lang: Lang) -> Option<Selected> {
    let series = p
        .series
        .iter()
        .find(|x| {
            choice.program.as_deref() == Some(x.program.as_str())
                && choice.cycle.as_deref() == Some(x.cycle.as_str())
        })
        .or_else(|| p.series.first())?;
    let region = chosen_region(choice).map(|r| r.dotted());
    let rows: Vec<&DistributionRow> = p.rows_of(&series.program, &series.cycle).collect();
    let here = rows
        .iter()
        .find(|r| r.region_code.as_deref() == region.as_deref())
        .or_else(|| rows.first())?;
    let region = here.region_code.clone();
    let children: Vec<&DistributionRow> = rows
        .iter()
        .copied()
        .filter(|r| is_child(r.parent_code.as_deref(), r.level, region.as_deref()))
        .collect();
    let complaint_of = |code: Option<&str>| {
        p.complaints
            .iter()
            .find(|c| c.region_code.as_deref() == code)
    };
    let mut crumbs = vec![Link {
        label: s.all_regions.to_owned(),
        href: href(&series.program, &series.cycle, None),
        current: region.is_none(),
    }];
    if let Some(code) = region.as_deref().and_then(|c| RegionCode::parse(c).ok()) {
        let mut chain = vec![code];
        while let Some(parent) = chain.last().and_then(RegionCode::parent) {
            chain.push(parent);
        }
        for c in chain.into_iter().rev() {
            let dotted = c.dotted();
            let name = rows
                .iter()
                .find(|r| r.region_code.as_deref() == Some(dotted.as_str()))
                .map_or_else(|| dotted.clone(), |r| r.region_name.clone());
            crumbs.push(Link {
                label: name,
                current: Some(dotted.as_str()) == region.as_deref(),
                href: href(&series.program, &series.cycle, Some(&dotted)),
            });
        }
    }
    let bars: Vec<chart::Bar> = children
        .iter()
        .map(|r| chart::Bar {
            label: r.region_name.clone(),
            share: r.share_delivered,
        })
        .collect();
    Some(Selected {
        title: format!("{} · {}", series.program, series.cycle),
        crumbs,
        here: row_view(here, complaint_of(region.as_deref()), s.total, false, lang),
        children: children
            .iter()
            .map(|r| {
                row_view(
                    r,
                    complaint_of(r.region_code.as_deref()),
                    s.total,
                    true,
                    lang,
                )
            })
            .collect(),
        chart: chart::share_bars(s.chart_title, s.chart_hidden, &bars),
    })
}

fn checkpoint(state: &AppState) -> Option<CheckpointView> {
    let ledger = state.ledger()?;
    let bytes = ledger
        .storage
        .fetch(tepat_ledger::storage::CHECKPOINT_PATH)
        .ok()??;
    let verified = ledger.policy.verify_checkpoint(&bytes).ok()?;
    let time = verified
        .cosignatures
        .iter()
        .map(|c| c.time)
        .max()
        .and_then(|t| DateTime::<Utc>::from_timestamp(t as i64, 0))
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    Some(CheckpointView {
        origin: verified.checkpoint.origin.clone(),
        size: verified.checkpoint.size.to_string(),
        root: verified.checkpoint.root.to_base64(),
        witnesses: verified
            .cosignatures
            .iter()
            .map(|c| c.witness.clone())
            .collect(),
        time,
        href: format!("/ledger/{}/", ledger.name),
    })
}

fn downloads(s: &DataStrings, lists_on: bool) -> Vec<Link> {
    let mut out: Vec<Link> = datasets::datasets(lists_on)
        .into_iter()
        .filter(|d| d.id != datasets::RECIPIENTS.id)
        .flat_map(|d: &Dataset| {
            ["csv", "json"].map(|ext| Link {
                label: format!("{} ({})", d.title_id, ext.to_uppercase()),
                href: format!("/data/{}.{ext}", d.file),
                current: false,
            })
        })
        .collect();
    for (label, href) in [
        (s.catalog, "/data/catalog.jsonld"),
        (s.ckan, "/api/3/action/package_list"),
        (s.openapi, "/data/openapi.json"),
    ] {
        out.push(Link {
            label: label.to_owned(),
            href: href.to_owned(),
            current: false,
        });
    }
    out
}

/// `GET /data`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    Query(choice): Query<Choice>,
) -> Response {
    let s = strings(page.lang);
    let publication = match state.opendata().publication(Utc::now()).await {
        Ok(p) => p,
        Err(error) => {
            tracing::error!(%error, "open data: cannot build the publication");
            return server_error(&page);
        }
    };
    let lang = page.lang;
    let selected = selected(&publication, &choice, s, lang);
    let current_series = selected.as_ref().and_then(|_| {
        publication
            .series
            .iter()
            .find(|x| {
                choice.program.as_deref() == Some(x.program.as_str())
                    && choice.cycle.as_deref() == Some(x.cycle.as_str())
            })
            .or_else(|| publication.series.first())
    });
    let region = chosen_region(&choice);
    let complaints = publication
        .complaints
        .iter()
        .filter(|c| {
            c.region_code == region.as_ref().map(RegionCode::dotted)
                || is_child(
                    c.parent_code.as_deref(),
                    c.level,
                    region.as_ref().map(RegionCode::dotted).as_deref(),
                )
        })
        .map(|c| complaint_view(c, s.total, lang))
        .collect();
    let lists_on = state.opendata().settings().recipient_lists;
    let recipients = match (&region, current_series) {
        (Some(village), Some(series))
            if village.level() == tepat_domain::RegionLevel::DesaKelurahan =>
        {
            match recipient_list(
                state.opendata().store(),
                &publication,
                lists_on,
                &series.program,
                &series.cycle,
                village,
            )
            .await
            {
                Ok(Ok(list)) => Some(Recipients::List(list)),
                Ok(Err(NoList::Off)) => Some(Recipients::Off),
                Ok(Err(NoList::Suppressed)) => Some(Recipients::Hidden),
                Err(error) => {
                    tracing::error!(%error, "open data: cannot read a recipient list");
                    return server_error(&page);
                }
            }
        }
        _ => None,
    };
    let view = Portal {
        page: &page,
        s,
        as_of: publication
            .as_of
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        suppression: s.suppression.replace("{k}", &publication.k.to_string()),
        series: publication
            .series
            .iter()
            .map(|x| Link {
                label: format!("{} · {}", x.program, x.cycle),
                href: href(
                    &x.program,
                    &x.cycle,
                    region.as_ref().map(RegionCode::dotted).as_deref(),
                ),
                current: current_series == Some(x),
            })
            .collect(),
        selected,
        complaints,
        recipients,
        checkpoint: checkpoint(&state),
        has_ledger: state.ledger().is_some(),
        downloads: downloads(s, lists_on),
        dictionary: datasets::DISTRIBUTION
            .columns
            .iter()
            .map(|c| ColumnView {
                name: c.name,
                meaning: if lang == Lang::Id {
                    c.description_id
                } else {
                    c.description_en
                },
                unit: c.unit.unwrap_or(""),
            })
            .collect(),
    };
    render(StatusCode::OK, lang, &view)
}
