//! `GET /penyaluran/rekening`: the queue of pending account changes inside the officer's scope (the
//! `VerifyAccount` permission), oldest first, each with how many other households use the same account
//! (one account for many households is how aid gets diverted); `POST /penyaluran/rekening/putuskan`:
//! verify one, or mark it invalid with a reason; `POST /penyaluran/rekening/ajukan`: an officer records
//! an account on a household's behalf (pending like a recipient's, for verification).
//!
//! Accounts show only their last four digits: the officer checks the full number against the
//! recipient's passbook or app, not against the screen.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::access::VerifyAccount;
use tepat_core::distribution as core;
use tepat_domain::distribution::{AddressKind, FinancialAddress};
use tepat_domain::Localized;
use tepat_store::LinkSource;
use uuid::Uuid;

use super::{fail, origin, strings, DistributionStrings, Peer};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::{no_store, see_other, Htmx};

/// Most changes listed at once.
const QUEUE_LIMIT: u32 = 200;

#[derive(Template)]
#[template(path = "distribution/accounts.html")]
struct QueuePage<'a> {
    page: &'a Layout,
    t: &'static DistributionStrings,
    htmx: Htmx,
    rows: Vec<LinkView>,
    notice: &'static str,
}

struct LinkView {
    household: Uuid,
    village: String,
    address: String,
    source: &'static str,
    requested: String,
    /// Other households with the same account (0 when it is this household's alone).
    shared: u64,
}

#[derive(Deserialize, Default)]
pub(crate) struct QueueQuery {
    #[serde(default)]
    done: String,
}

/// `GET /penyaluran/rekening`.
pub(crate) async fn queue(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Query(q): Query<QueueQuery>,
) -> Response {
    let grant = match user.actor.may_anywhere::<VerifyAccount>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let t = strings(page.lang);
    let pending =
        match core::accounts_pending(state.store(), &grant, QUEUE_LIMIT, &origin(peer)).await {
            Ok(p) => p,
            Err(e) => return fail(&page, e),
        };
    let rows = pending
        .into_iter()
        .map(|l| LinkView {
            household: l.household,
            village: l.village.dotted(),
            address: l.masked,
            source: match l.source {
                LinkSource::Citizen => t.source_citizen,
                LinkSource::Officer => t.source_officer,
                LinkSource::Import => t.source_import,
            },
            requested: l.requested_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            shared: l.shared_by.saturating_sub(1),
        })
        .collect();
    no_store(render(
        StatusCode::OK,
        page.lang,
        &QueuePage {
            page: &page,
            t,
            htmx: Htmx::new(),
            rows,
            notice: match q.done.as_str() {
                "verified" => t.done_verified,
                "invalid" => t.done_invalid,
                "requested" => t.done_requested,
                _ => "",
            },
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct DecideForm {
    #[serde(default)]
    household: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /penyaluran/rekening/putuskan`: the household id travels in the body.
pub(crate) async fn decide(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Form(input): Form<DecideForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<VerifyAccount>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let Ok(household) = Uuid::parse_str(input.household.trim()) else {
        return super::message(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            strings(page.lang).bad_household.into(),
        );
    };
    let origin = origin(peer);
    let store = state.store();
    let result = if input.decision == "invalid" {
        core::mark_account_invalid(store, &grant, household, input.reason.trim(), &origin)
            .await
            .map(|_| "invalid")
    } else {
        core::verify_account(store, &grant, household, &origin)
            .await
            .map(|_| "verified")
    };
    match result {
        Ok(done) => see_other(&format!("/penyaluran/rekening?done={done}")),
        Err(e) => fail(&page, e),
    }
}

#[derive(Deserialize)]
pub(crate) struct RequestForm {
    #[serde(default)]
    household: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    provider: String,
}

/// `POST /penyaluran/rekening/ajukan`: the household must be a registry household in the officer's
/// area; the account is pending until verified (by this officer or another, as the office decides).
pub(crate) async fn request(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Form(input): Form<RequestForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<VerifyAccount>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let t = strings(page.lang);
    let unprocessable =
        |text: String| super::message(&page, StatusCode::UNPROCESSABLE_ENTITY, text);
    let Ok(household) = Uuid::parse_str(input.household.trim()) else {
        return unprocessable(t.bad_household.into());
    };
    let kind = if input.kind == "mobile" {
        AddressKind::Mobile
    } else {
        AddressKind::Account
    };
    let address = match FinancialAddress::new(kind, &input.number, &input.provider) {
        Ok(a) => a,
        Err(e) => return unprocessable(e.message(page.lang)),
    };
    let village = match state.store().registry_household(household).await {
        Ok(Some(h)) => h.household.village,
        Ok(None) => return unprocessable(t.bad_household.into()),
        Err(e) => return fail(&page, e),
    };
    if let Err(denied) = grant.covers(&village) {
        return forbidden_page(&page, &denied);
    }
    let store = state.store();
    match core::request_account_change(
        store,
        household,
        address,
        LinkSource::Officer,
        &origin(peer),
    )
    .await
    {
        Ok(()) => see_other("/penyaluran/rekening?done=requested"),
        Err(e) => fail(&page, e),
    }
}
