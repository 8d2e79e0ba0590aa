//! `/audit`: the audit log for auditors (Inspektorat, BPK). `GET /audit` queries it, newest first, by
//! actor (username), object id, region and time, inside the auditor's scope; `POST /audit/verify`
//! recomputes the whole hash chain (a regency-wide auditor only) and says whether it is intact.
//! Both are themselves written to the log (`tepat_core::audit`).
//!
//! The filters are usernames, ids, region codes and dates — no personal data — so they travel in the
//! query string, and an auditor can bookmark a query.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use chrono::NaiveDate;
use serde::Deserialize;
use tepat_core::access::{Job, ReadAudit};
use tepat_core::audit;
use tepat_domain::{Lang, Localized, RegionCode, Role, Scope};
use tepat_store::{
    AuditCheck, AuditEntry, AuditFilter, AuditPeriod, ChainProblem, Store, PUBLIC_ACTOR,
};
use uuid::Uuid;

use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::form::{Errors, Values};
use crate::ui::registry::household::Names;
use crate::ui::registry::{fail, no_store, origin, strings, Htmx, RegistryStrings};

/// Entries per page; "older" continues below the last, inside the same filters and dates.
const SHOW: u32 = 200;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(page))
        .route("/audit/verify", post(verify))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    page: &'a Layout,
    r: &'static RegistryStrings,
    htmx: Htmx,
    f: Values,
    err: Errors,
    rows: Option<Vec<Row>>,
    older: String,
    chain: Option<ChainView>,
    may_verify: bool,
    /// The filter fields: (name, label, input type).
    fields: Vec<(&'static str, &'static str, &'static str)>,
}

struct Row {
    seq: u64,
    at: String,
    who: String,
    action: &'static str,
    object: String,
    region: String,
    purpose: String,
    from: String,
}

struct ChainView {
    intact: bool,
    checked: u64,
    problem: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct Filters {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    before: Option<u64>,
}

impl Filters {
    fn values(&self) -> Values {
        let mut f = Values::default();
        f.set("actor", self.actor.trim());
        f.set("object", self.object.trim());
        f.set("region", self.region.trim());
        f.set("since", self.since.trim());
        f.set("until", self.until.trim());
        f
    }
}

/// The filter as asked, or the problems with it (each naming its field).
struct Asked {
    filter: AuditFilter,
    period: AuditPeriod,
}

/// Days as the page shows times, in UTC: from the start of `since` to the end of `until`.
fn period_of(since: Option<NaiveDate>, until: Option<NaiveDate>) -> AuditPeriod {
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    AuditPeriod {
        from: since.and_then(start),
        until: until.and_then(|d| d.succ_opt()).and_then(start),
    }
}

async fn read_filters(
    state: &AppState,
    q: &Filters,
    own: Scope,
    r: &RegistryStrings,
    page: &Layout,
    err: &mut Errors,
) -> Option<Asked> {
    let actor = match q.actor.trim() {
        "" => None,
        name => match state
            .store()
            .account_by_username(&name.to_lowercase())
            .await
        {
            Ok(Some(a)) => Some(a.id),
            Ok(None) => {
                err.add("actor", r.audit_actor, r.audit_unknown_user);
                None
            }
            Err(_) => return None,
        },
    };
    let object_id = match q.object.trim() {
        "" => None,
        s => Uuid::parse_str(s)
            .map_err(|_| err.add("object", r.audit_object, r.audit_bad_id))
            .ok(),
    };
    let within = match q.region.trim() {
        "" => own,
        s => match RegionCode::parse(s) {
            Ok(code) => Scope::Within(code),
            Err(e) => {
                err.add("region", r.audit_region, &e.message(page.lang));
                own
            }
        },
    };
    let day = |field: &str, label: &str, s: &str, err: &mut Errors| match s.trim() {
        "" => None,
        s => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| err.add(field, label, r.err_date))
            .ok(),
    };
    let since = day("since", r.audit_since, &q.since, err);
    let until = day("until", r.audit_until, &q.until, err);
    err.is_empty().then_some(Asked {
        filter: AuditFilter {
            within,
            actor,
            object_id,
            before_seq: q.before,
            limit: SHOW,
        },
        period: period_of(since, until),
    })
}

/// `GET /audit`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Query(q): Query<Filters>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadAudit>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let r = strings(page.lang);
    let mut err = Errors::default();
    let asked = read_filters(&state, &q, grant.scope(), r, &page, &mut err).await;
    let Some(asked) = asked else {
        let status = if err.is_empty() {
            StatusCode::INTERNAL_SERVER_ERROR
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return show(
            &page,
            &user,
            status,
            q.values(),
            err,
            None,
            String::new(),
            None,
        );
    };
    let found = audit::query_in(
        state.store(),
        &grant,
        &asked.filter,
        &asked.period,
        &origin(peer),
    )
    .await;
    let records = match found {
        Ok(found) => found,
        Err(e) => return fail(&page, e),
    };
    let older = match records.last() {
        Some(last) if records.len() as u32 == SHOW => older_link(&q, last.seq),
        _ => String::new(),
    };
    let mut names = Names::default();
    let mut rows = Vec::new();
    for rec in &records {
        let e = &rec.entry;
        rows.push(Row {
            seq: rec.seq,
            at: rec.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            who: who(state.store(), &mut names, e, page.lang).await,
            action: e.action.code(),
            object: match e.object_id {
                Some(id) => format!("{} {id}", e.object.code()),
                None => e.object.code().to_owned(),
            },
            region: e.region.map(|c| c.dotted()).unwrap_or_default(),
            purpose: e.purpose.clone(),
            from: e.client.clone().unwrap_or_default(),
        });
    }
    show(
        &page,
        &user,
        StatusCode::OK,
        q.values(),
        err,
        Some(rows),
        older,
        None,
    )
}

/// Who acted, as an auditor reads it: an account's username and role; a scheduled job by name; someone
/// without an account (a citizen's form, a refused sign-in) as the public.
async fn who(store: &dyn Store, names: &mut Names, e: &AuditEntry, lang: Lang) -> String {
    if e.role == Role::System {
        let job = Job::of_id(e.actor).map_or("?", Job::code);
        return format!("{job} ({})", e.role.label(lang));
    }
    if e.actor == PUBLIC_ACTOR {
        return match lang {
            Lang::Id => "publik (tanpa akun)".into(),
            Lang::En => "public (no account)".into(),
        };
    }
    if e.actor.is_nil() {
        return format!("cli ({})", e.role.label(lang));
    }
    format!(
        "{} ({})",
        names.of(store, e.actor).await,
        e.role.label(lang)
    )
}

/// The same query, continued below `seq`.
fn older_link(q: &Filters, seq: u64) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "/audit?actor={}&object={}&region={}&since={}&until={}&before={seq}",
        enc(q.actor.trim()),
        enc(q.object.trim()),
        enc(q.region.trim()),
        enc(q.since.trim()),
        enc(q.until.trim()),
    )
}

#[allow(clippy::too_many_arguments)]
fn show(
    page: &Layout,
    user: &SignedIn,
    status: StatusCode,
    f: Values,
    err: Errors,
    rows: Option<Vec<Row>>,
    older: String,
    chain: Option<ChainView>,
) -> Response {
    no_store(render(
        status,
        page.lang,
        &AuditPage {
            page,
            r: strings(page.lang),
            htmx: Htmx::new(),
            f,
            err,
            rows,
            older,
            chain,
            may_verify: user.actor.scope() == Scope::All,
            fields: {
                let r = strings(page.lang);
                vec![
                    ("actor", r.audit_actor, "text"),
                    ("object", r.audit_object, "text"),
                    ("region", r.audit_region, "text"),
                    ("since", r.audit_since, "date"),
                    ("until", r.audit_until, "date"),
                ]
            },
        },
    ))
}

/// `POST /audit/verify`.
pub(crate) async fn verify(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadAudit>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let check = match audit::verify(state.store(), &grant, &origin(peer)).await {
        Ok(c) => c,
        Err(e) => return fail(&page, e),
    };
    let chain = chain_view(&check);
    let f = Filters::default().values();
    show(
        &page,
        &user,
        StatusCode::OK,
        f,
        Errors::default(),
        None,
        String::new(),
        Some(chain),
    )
}

fn chain_view(check: &AuditCheck) -> ChainView {
    ChainView {
        intact: check.is_intact(),
        checked: check.checked,
        problem: match check.problem {
            None => String::new(),
            Some(ChainProblem::Gap { expected, found }) => {
                format!("gap: expected #{expected}, found #{found}")
            }
            Some(ChainProblem::Altered { seq }) => format!("altered: #{seq}"),
            Some(ChainProblem::Head { head_count, rows }) => {
                format!("head: {head_count} entries, table has {rows}")
            }
        },
    }
}
