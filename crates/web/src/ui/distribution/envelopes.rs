//! `GET /penyaluran`: the envelopes with their control totals at each stage, and the verifier's prepare
//! form (`POST /penyaluran/siapkan`); `GET /penyaluran/amplop/{id}`: one envelope, its stages, the
//! approve / release / cancel forms as far as the reader may use them (and why approve is missing for
//! the preparer), and its entitlements filtered by state, route and village, paged.
//!
//! The stage totals come from the entitlements' own states, so "entitlements = pending + instructed +
//! paid + handed over + failed + cancelled" is checked on every view against the envelope's control
//! totals, fixed when it was prepared; a mismatch is shown, never hidden.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use tepat_core::access::{ApproveEnvelope, PrepareEnvelope, ReadDistribution, ReleaseEnvelope};
use tepat_core::distribution as core;
use tepat_core::distribution::vouchers;
use tepat_domain::distribution::{
    ControlTotals, CycleCode, EntitlementState, EnvelopeState, Route,
};
use tepat_domain::{Lang, RegionCode};
use tepat_store::{Entitlement, EntitlementFilter, Envelope, PageAfter};
use uuid::Uuid;

use super::{count, fail, message, origin, rupiah, strings, DistributionStrings, Peer};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, see_other, Htmx};

/// Most envelopes listed.
const ENVELOPES_LIMIT: u32 = 100;
/// Entitlements per page.
const PAGE_SIZE: u32 = 100;

#[derive(Template)]
#[template(path = "distribution/envelopes.html")]
struct ListPage<'a> {
    page: &'a Layout,
    t: &'static DistributionStrings,
    htmx: Htmx,
    envelopes: Vec<EnvelopeRow>,
    may_prepare: bool,
    programs: Vec<(String, String)>,
    today: String,
    error: String,
}

struct EnvelopeRow {
    id: Uuid,
    program: String,
    cycle: String,
    state: &'static str,
    scheduled: String,
    stages: Stages,
}

/// Count and amount per stage, formatted, with whether they add up to the control totals.
pub(crate) struct Stages {
    pub rows: Vec<StageRow>,
    pub reconciled: bool,
}

pub(crate) struct StageRow {
    pub key: &'static str,
    pub label: &'static str,
    pub count: String,
    pub amount: String,
}

/// The stages of an envelope from its entitlements' totals by state, checked against its control
/// totals.
pub(crate) async fn stages(
    state: &AppState,
    envelope: &Envelope,
    lang: Lang,
) -> Result<Stages, tepat_store::StoreError> {
    let t = strings(lang);
    let totals = state.store().entitlement_totals(envelope.id).await?;
    let mut by_state: Vec<(EntitlementState, ControlTotals)> = EntitlementState::ALL
        .iter()
        .map(|s| (*s, ControlTotals::default()))
        .collect();
    let mut sum = ControlTotals::default();
    for row in &totals {
        if let Some((_, t)) = by_state.iter_mut().find(|(s, _)| *s == row.state) {
            merge(t, &row.totals);
        }
        merge(&mut sum, &row.totals);
    }
    let fmt = |key, label, c: &ControlTotals| StageRow {
        key,
        label,
        count: count(c.count, lang),
        amount: rupiah(c.amount, lang),
    };
    let mut rows = vec![fmt("entitled", t.stage_entitled, &envelope.totals)];
    for (s, c) in &by_state {
        let (key, label) = match s {
            EntitlementState::Pending => ("pending", t.stage_pending),
            EntitlementState::Instructed => ("instructed", t.stage_instructed),
            EntitlementState::Paid => ("paid", t.stage_paid),
            EntitlementState::HandedOver => ("handed_over", t.stage_handed_over),
            EntitlementState::Failed => ("failed", t.stage_failed),
            EntitlementState::Cancelled => ("cancelled", t.stage_cancelled),
        };
        rows.push(fmt(key, label, c));
    }
    Ok(Stages {
        rows,
        reconciled: sum == envelope.totals,
    })
}

fn merge(into: &mut ControlTotals, add: &ControlTotals) {
    into.count += add.count;
    // Amounts come from the database as sums of integer rupiah; saturating keeps a corrupt row from
    // panicking the page (the totals then visibly fail to reconcile).
    into.amount = into
        .amount
        .checked_add(add.amount)
        .unwrap_or(tepat_domain::Rupiah::new(i64::MAX));
}

/// `GET /penyaluran`.
pub(crate) async fn list(State(state): State<AppState>, page: Layout, user: SignedIn) -> Response {
    show_list(&state, &page, &user, StatusCode::OK, String::new()).await
}

async fn show_list(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    status: StatusCode,
    error: String,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<ReadDistribution>() {
        return forbidden_page(page, &denied);
    }
    let lang = page.lang;
    let t = strings(lang);
    let store = state.store();
    let envelopes = match store.envelopes(None, ENVELOPES_LIMIT).await {
        Ok(e) => e,
        Err(e) => return fail(page, e),
    };
    let mut rows = Vec::with_capacity(envelopes.len());
    for e in &envelopes {
        let stages = match stages(state, e, lang).await {
            Ok(s) => s,
            Err(err) => return fail(page, err),
        };
        rows.push(EnvelopeRow {
            id: e.id,
            program: e.program.clone(),
            cycle: e.cycle.clone(),
            state: e.state.label(lang),
            scheduled: e.scheduled_date.to_string(),
            stages,
        });
    }
    let may_prepare = user.actor.can::<PrepareEnvelope>();
    let programs = if may_prepare {
        match tepat_core::targeting::programs::current(store).await {
            Ok(list) => list
                .iter()
                .map(|p| (p.code.clone(), p.name(lang).to_owned()))
                .collect(),
            Err(e) => return crate::ui::targeting::fail(page, e),
        }
    } else {
        Vec::new()
    };
    no_store(render(
        status,
        lang,
        &ListPage {
            page,
            t,
            htmx: Htmx::new(),
            envelopes: rows,
            may_prepare,
            programs,
            today: Utc::now().date_naive().to_string(),
            error,
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct PrepareForm {
    #[serde(default)]
    program: String,
    #[serde(default)]
    cycle: String,
    #[serde(default)]
    scheduled: String,
}

/// `POST /penyaluran/siapkan`: a mistake the officer can fix comes back on the list page's form.
pub(crate) async fn prepare(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Form(input): Form<PrepareForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<PrepareEnvelope>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    match prepare_from(&state, &grant, &input, peer, page.lang).await {
        Ok(id) => see_other(&format!("/penyaluran/amplop/{id}?done=prepared")),
        Err(NotPrepared::Form(text)) => {
            show_list(&state, &page, &user, StatusCode::UNPROCESSABLE_ENTITY, text).await
        }
        Err(NotPrepared::Failed(e)) => fail(&page, e),
    }
}

/// Why no envelope was prepared.
enum NotPrepared {
    /// A mistake the officer can fix, said on the form.
    Form(String),
    /// A refusal, a missing record or the database: its own page.
    Failed(core::DistributionError),
}

/// The prepared envelope's id.
async fn prepare_from(
    state: &AppState,
    grant: &tepat_core::access::Grant<'_, PrepareEnvelope>,
    input: &PrepareForm,
    peer: Peer,
    lang: Lang,
) -> Result<Uuid, NotPrepared> {
    let t = strings(lang);
    let cycle = input
        .cycle
        .trim()
        .parse::<CycleCode>()
        .map_err(|_| NotPrepared::Form(t.bad_cycle.to_owned()))?;
    let scheduled = NaiveDate::parse_from_str(input.scheduled.trim(), "%Y-%m-%d")
        .map_err(|_| NotPrepared::Form(t.bad_date.to_owned()))?;
    let program = input.program.trim();
    match core::prepare_envelope(
        state.store(),
        grant,
        program,
        &cycle,
        scheduled,
        &origin(peer),
    )
    .await
    {
        Ok(prepared) => Ok(prepared.envelope),
        Err(e) if is_refusal(&e) => Err(NotPrepared::Form(tepat_domain::Localized::message(
            &e, lang,
        ))),
        Err(e) => Err(NotPrepared::Failed(e)),
    }
}

/// Errors the officer can fix on the form (shown on it), as opposed to refusals and failures.
pub(crate) fn is_refusal(e: &core::DistributionError) -> bool {
    matches!(
        super::distribution_status(e),
        crate::ui::targeting::PageStatus::Unprocessable
    )
}

#[derive(Template)]
#[template(path = "distribution/envelope.html")]
struct EnvelopePage<'a> {
    page: &'a Layout,
    t: &'static DistributionStrings,
    htmx: Htmx,
    e: &'a Envelope,
    state: &'static str,
    stages: Stages,
    prepared_by: String,
    approved_by: String,
    notice: &'static str,
    /// What issuing vouchers did, after a release or "issue again".
    issued: String,
    may_issue: bool,
    /// The approve form, or why it is missing (empty when the state does not allow approving).
    may_approve: bool,
    approve_missing: &'static str,
    may_release: bool,
    may_cancel: bool,
    paying: bool,
    filter: FilterView,
    rows: Vec<EntitlementView>,
    next: Option<String>,
}

struct FilterView {
    state: String,
    route: String,
    desa: String,
    states: Vec<(&'static str, &'static str)>,
    routes: Vec<(&'static str, &'static str)>,
}

struct EntitlementView {
    household: Uuid,
    village: String,
    amount: String,
    route: &'static str,
    provider: String,
    state: &'static str,
    reason: String,
    /// The voucher of a cash or goods entitlement, once issued (its QR page).
    voucher: Option<Uuid>,
}

#[derive(Deserialize, Default)]
pub(crate) struct EnvelopeQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    jalur: String,
    #[serde(default)]
    desa: String,
    /// The last row of the previous page: `village/household`.
    #[serde(default)]
    setelah: String,
    #[serde(default)]
    done: String,
    /// What issuing vouchers did (counts).
    #[serde(default)]
    voucher: Option<u64>,
    #[serde(default)]
    tanpa_titik: Option<u64>,
    #[serde(default)]
    penuh: Option<u64>,
    #[serde(default)]
    voucher_gagal: Option<u8>,
}

/// `GET /penyaluran/amplop/{id}`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    Query(q): Query<EnvelopeQuery>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadDistribution>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let lang = page.lang;
    let t = strings(lang);
    let store = state.store();
    let envelope = match store.envelope(id).await {
        Ok(Some(e)) => e,
        Ok(None) => return message(&page, StatusCode::NOT_FOUND, page.t.not_found_title.into()),
        Err(e) => return fail(&page, e),
    };
    let stages = match stages(&state, &envelope, lang).await {
        Ok(s) => s,
        Err(e) => return fail(&page, e),
    };
    let filter = match filter_of(&q, grant.scope()) {
        Ok(f) => f,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let after = parse_after(&q.setelah);
    let rows = match store
        .entitlements(id, &filter, after.as_ref(), PAGE_SIZE)
        .await
    {
        Ok(r) => r,
        Err(e) => return fail(&page, e),
    };
    let next = (rows.len() as u32 == PAGE_SIZE)
        .then(|| {
            rows.last()
                .map(|r| format!("{}/{}", r.village.dotted(), r.household))
        })
        .flatten();
    let views = match entitlement_views(&state, id, &rows, lang).await {
        Ok(v) => v,
        Err(e) => return fail(&page, e),
    };
    let (may_approve, approve_missing) = approval(&envelope, &user, t);
    let view = EnvelopePage {
        page: &page,
        t,
        htmx: Htmx::new(),
        state: envelope.state.label(lang),
        stages,
        prepared_by: officer_name(&state, envelope.prepared_by).await,
        approved_by: match envelope.approved_by {
            Some(by) => officer_name(&state, by).await,
            None => String::new(),
        },
        notice: match q.done.as_str() {
            "prepared" => t.done_prepared,
            "approved" => t.done_approved,
            "released" => t.done_released,
            "issued" => t.done_issued,
            "rerouted" => t.done_rerouted,
            "cancelled" => t.done_cancelled,
            _ => "",
        },
        issued: issued_notice(&q, lang),
        may_issue: envelope.state == EnvelopeState::Paying && user.actor.can::<ReleaseEnvelope>(),
        may_approve,
        approve_missing,
        may_release: envelope.state == EnvelopeState::Approved
            && user.actor.can::<ReleaseEnvelope>(),
        may_cancel: matches!(
            envelope.state,
            EnvelopeState::Prepared | EnvelopeState::Approved
        ) && user.actor.can::<ReleaseEnvelope>(),
        paying: matches!(
            envelope.state,
            EnvelopeState::Paying | EnvelopeState::Closed
        ),
        filter: FilterView {
            state: q.status.trim().to_owned(),
            route: q.jalur.trim().to_owned(),
            desa: q.desa.trim().to_owned(),
            states: EntitlementState::ALL
                .iter()
                .map(|s| (s.code(), s.label(lang)))
                .collect(),
            routes: Route::ALL
                .iter()
                .map(|r| (r.code(), r.label(lang)))
                .collect(),
        },
        rows: views,
        next,
        e: &envelope,
    };
    no_store(render(StatusCode::OK, lang, &view))
}

fn issued_notice(q: &EnvelopeQuery, lang: Lang) -> String {
    let t = strings(lang);
    if q.voucher_gagal.is_some() {
        return t.vouchers_failed.to_owned();
    }
    match q.voucher {
        Some(n) => format!(
            "{}: {} · {}: {} · {}: {}",
            t.vouchers_issued,
            count(n, lang),
            t.vouchers_no_point,
            count(q.tanpa_titik.unwrap_or(0), lang),
            t.vouchers_all_full,
            count(q.penuh.unwrap_or(0), lang)
        ),
        None => String::new(),
    }
}

/// The list's filter inside the reader's scope; a village outside it is refused.
fn filter_of(
    q: &EnvelopeQuery,
    scope: tepat_domain::Scope,
) -> Result<EntitlementFilter, tepat_core::access::Denied> {
    let within = match RegionCode::parse(q.desa.trim()) {
        Ok(v) if scope.covers(&v) => tepat_domain::Scope::Within(v),
        Ok(_) => {
            return Err(tepat_core::access::Denied::Region {
                action: <ReadDistribution as tepat_core::access::Action>::WHAT,
            })
        }
        Err(_) => scope,
    };
    Ok(EntitlementFilter {
        within,
        state: EntitlementState::from_code(q.status.trim()),
        route: Route::from_code(q.jalur.trim()),
    })
}

/// The rows with, for cash and goods, their voucher once issued.
async fn entitlement_views(
    state: &AppState,
    envelope: Uuid,
    rows: &[Entitlement],
    lang: Lang,
) -> Result<Vec<EntitlementView>, tepat_store::StoreError> {
    let mut views = Vec::with_capacity(rows.len());
    for r in rows {
        let mut view = entitlement_view(r, lang);
        if r.route.needs_voucher() && r.state != EntitlementState::Pending {
            view.voucher = state
                .store()
                .voucher_of(envelope, r.household)
                .await?
                .map(|v| v.id);
        }
        views.push(view);
    }
    Ok(views)
}

/// Whether the reader gets the approve form, and if not while the envelope waits for approval, why:
/// only an approver, and never the one who prepared it (maker-checker; core and store check again).
fn approval(
    envelope: &Envelope,
    user: &SignedIn,
    t: &'static DistributionStrings,
) -> (bool, &'static str) {
    if envelope.state != EnvelopeState::Prepared {
        (false, "")
    } else if !user.actor.can::<ApproveEnvelope>() {
        (false, t.approve_not_role)
    } else if envelope.prepared_by == user.actor.user() {
        (false, t.approve_not_preparer)
    } else {
        (true, "")
    }
}

fn parse_after(text: &str) -> Option<PageAfter<Uuid>> {
    let (village, household) = text.trim().split_once('/')?;
    Some(PageAfter {
        village: RegionCode::parse(village).ok()?,
        key: Uuid::parse_str(household).ok()?,
    })
}

fn entitlement_view(r: &Entitlement, lang: Lang) -> EntitlementView {
    EntitlementView {
        household: r.household,
        village: r.village.dotted(),
        amount: rupiah(r.amount, lang),
        route: r.route.label(lang),
        provider: r.provider.clone().unwrap_or_default(),
        state: r.state.label(lang),
        reason: r.reason.clone().unwrap_or_default(),
        voucher: None,
    }
}

/// An officer's display name for the page (ids are not meaningful to readers).
async fn officer_name(state: &AppState, id: Uuid) -> String {
    match state.store().account_by_id(id).await {
        Ok(Some(a)) => format!("{} ({})", a.display_name, a.username),
        _ => id.to_string(),
    }
}

/// `POST /penyaluran/amplop/{id}/setujui`: maker-checker is checked in core and in the store again.
pub(crate) async fn approve(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ApproveEnvelope>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    match core::approve_envelope(state.store(), &grant, id, &origin(peer)).await {
        Ok(_) => see_other(&format!("/penyaluran/amplop/{id}?done=approved")),
        Err(e) => fail(&page, e),
    }
}

#[derive(Deserialize)]
pub(crate) struct CancelForm {
    #[serde(default)]
    reason: String,
}

/// `POST /penyaluran/amplop/{id}/batalkan`.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
    Form(input): Form<CancelForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReleaseEnvelope>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    match core::cancel_envelope(state.store(), &grant, id, &input.reason, &origin(peer)).await {
        Ok(_) => see_other(&format!("/penyaluran/amplop/{id}?done=cancelled")),
        Err(e) => fail(&page, e),
    }
}

/// `POST /penyaluran/amplop/{id}/salurkan`: payment instructions, then vouchers with a place and time
/// for cash and goods over the configured distribution days.
pub(crate) async fn release(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReleaseEnvelope>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let envelope = match state.store().envelope(id).await {
        Ok(Some(e)) => e,
        Ok(None) => return message(&page, StatusCode::NOT_FOUND, page.t.not_found_title.into()),
        Err(e) => return fail(&page, e),
    };
    let signer = match state.voucher_signer() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the voucher signing key cannot be read");
            return crate::ui::errors::server_error(&page);
        }
    };
    let days = vouchers::distribution_days(
        envelope.scheduled_date,
        state.config().payments.distribution_days as usize,
    );
    let released =
        vouchers::release_with_vouchers(state.store(), &grant, &signer, id, &days, &origin(peer))
            .await;
    match released {
        Ok((_, issued)) => see_other(&format!(
            "/penyaluran/amplop/{id}?done=released&{}",
            issued_query(issued)
        )),
        Err(e) => fail(&page, e),
    }
}

/// `POST /penyaluran/amplop/{id}/voucher`: vouchers for cash and goods entitlements still without one
/// (rerouted to cash, or no point had room before).
pub(crate) async fn issue(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<ReleaseEnvelope>() {
        return forbidden_page(&page, &denied);
    }
    match issue_vouchers(&state, id).await {
        Ok(query) => see_other(&format!("/penyaluran/amplop/{id}?done=issued&{query}")),
        Err(IssueFailure::NotFound) => {
            message(&page, StatusCode::NOT_FOUND, page.t.not_found_title.into())
        }
        Err(IssueFailure::Store(e)) => fail(&page, e),
        Err(IssueFailure::Key) => crate::ui::errors::server_error(&page),
    }
}

/// Why vouchers could not even be tried.
pub(crate) enum IssueFailure {
    NotFound,
    Store(tepat_store::StoreError),
    /// The signing key cannot be read (logged).
    Key,
}

/// Issues the envelope's missing vouchers over the configured days; the counts as a query string for
/// the envelope page.
pub(crate) async fn issue_vouchers(state: &AppState, id: Uuid) -> Result<String, IssueFailure> {
    let envelope = match state.store().envelope(id).await {
        Ok(Some(e)) => e,
        Ok(None) => return Err(IssueFailure::NotFound),
        Err(e) => return Err(IssueFailure::Store(e)),
    };
    let signer = state.voucher_signer().map_err(|e| {
        tracing::error!(error = %e, "the voucher signing key cannot be read");
        IssueFailure::Key
    })?;
    let days = vouchers::distribution_days(
        envelope.scheduled_date,
        state.config().payments.distribution_days as usize,
    );
    let issued = vouchers::issue_and_assign(state.store(), &signer, id, &days, Utc::now()).await;
    Ok(issued_query(issued))
}

/// What issuing vouchers did, for the envelope page's notice: counts only.
fn issued_query(issued: Result<vouchers::IssueReport, vouchers::VoucherError>) -> String {
    match issued {
        Ok(r) => format!(
            "voucher={}&tanpa_titik={}&penuh={}",
            r.vouchers, r.no_point, r.all_full
        ),
        Err(e) => {
            tracing::warn!(error = %e, "vouchers not issued");
            "voucher_gagal=1".to_owned()
        }
    }
}
