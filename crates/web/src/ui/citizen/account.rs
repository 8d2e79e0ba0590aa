//! `GET|POST /warga/rekening`: a recipient gives the bank account or e-wallet their aid should be paid
//! to. They prove who they are with NIK + KK number exactly as on the other citizens' pages
//! ([`citizen::identify`]: the same attempt limits, the same answer whichever number was wrong), and
//! the new address becomes a *pending* link in the ID-to-account mapper; nothing is paid there until an
//! officer has verified it (`/penyaluran/rekening`). The page says so.
//!
//! The numbers travel only in the POST body and are never sent back in the page; the answer names no
//! one and shows the account with all but its last four digits hidden.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use tepat_core::intake::citizen::{self, CitizenError, Proof};
use tepat_domain::distribution::{AddressKind, FinancialAddress};
use tepat_domain::{Lang, Localized};
use tepat_store::HouseholdState;

use super::{origin, strings, CitizenStrings};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::registry::no_store;

#[derive(Template)]
#[template(path = "citizen/account.html")]
struct AccountPage<'a> {
    page: &'a Layout,
    c: &'static CitizenStrings,
    kind: String,
    provider: String,
    error: String,
    /// The masked address just recorded.
    recorded: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct AccountInput {
    #[serde(default)]
    nik: String,
    #[serde(default)]
    kk: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    provider: String,
}

/// Why the form did not go through: the citizens' usual answers, or the address's own.
enum Refusal {
    Citizen(CitizenError),
    Address(tepat_domain::distribution::AddressError),
    /// Identified, but their household is not an active registry household.
    NotRegistered,
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::Citizen(CitizenError::TooMany) => StatusCode::TOO_MANY_REQUESTS,
            Refusal::Citizen(CitizenError::Store) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }

    fn message(&self, lang: Lang) -> String {
        match self {
            Refusal::Citizen(e) => e.message(lang),
            Refusal::Address(e) => e.message(lang),
            Refusal::NotRegistered => strings(lang).account_not_registered.into(),
        }
    }
}

pub(super) async fn form(page: Layout) -> Response {
    show(
        &page,
        StatusCode::OK,
        AccountInput {
            kind: "account".into(),
            ..AccountInput::default()
        },
        String::new(),
        None,
    )
}

fn show(
    page: &Layout,
    status: StatusCode,
    f: AccountInput,
    error: String,
    recorded: Option<String>,
) -> Response {
    // Never send NIK, KK or the account number back.
    no_store(render(
        status,
        page.lang,
        &AccountPage {
            page,
            c: strings(page.lang),
            kind: f.kind,
            provider: f.provider,
            error,
            recorded,
        },
    ))
}

pub(super) async fn submit(
    State(state): State<AppState>,
    page: Layout,
    peer: Option<axum::Extension<ConnectInfo<SocketAddr>>>,
    Form(f): Form<AccountInput>,
) -> Response {
    match record(&state, &f, origin(peer)).await {
        Ok(masked) => show(
            &page,
            StatusCode::OK,
            AccountInput {
                kind: f.kind.clone(),
                ..AccountInput::default()
            },
            String::new(),
            Some(masked),
        ),
        Err(refusal) => {
            let status = refusal.status();
            let message = refusal.message(page.lang);
            show(&page, status, f, message, None)
        }
    }
}

async fn record(
    state: &AppState,
    f: &AccountInput,
    origin: tepat_core::registry::Origin,
) -> Result<String, Refusal> {
    let kind = if f.kind == "mobile" {
        AddressKind::Mobile
    } else {
        AddressKind::Account
    };
    // The address is checked first: a typo in it costs no identification attempt.
    let address = FinancialAddress::new(kind, &f.number, &f.provider).map_err(Refusal::Address)?;
    let proof = Proof {
        nik: &f.nik,
        kk: &f.kk,
    };
    let person = citizen::identify(state.store(), state.citizen_limits(), &proof, &origin)
        .await
        .map_err(Refusal::Citizen)?;
    let household = registry_household(state, &person.record.nik).await?;
    let masked = address.masked();
    tepat_core::distribution::request_account_change(
        state.store(),
        household,
        address,
        tepat_store::LinkSource::Citizen,
        &origin,
    )
    .await
    .map_err(|e| match e {
        tepat_core::distribution::DistributionError::Store(_) => {
            tracing::error!("a citizen's account change failed on the database");
            Refusal::Citizen(CitizenError::Store)
        }
        _ => Refusal::NotRegistered,
    })?;
    Ok(masked)
}

/// The active registry household this person belongs to.
async fn registry_household(
    state: &AppState,
    nik: &tepat_domain::Nik,
) -> Result<uuid::Uuid, Refusal> {
    let hits = state
        .store()
        .registry_search_nik(nik, &tepat_domain::Scope::All)
        .await
        .map_err(|_| Refusal::Citizen(CitizenError::Store))?;
    hits.into_iter()
        .find(|h| h.household_state == HouseholdState::Active && h.member_status == "active")
        .map(|h| h.household)
        .ok_or(Refusal::NotRegistered)
}
