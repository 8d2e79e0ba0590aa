//! Paying an envelope's e-wallet entitlements through the providers' G2P Connect disbursement API
//! (`tepat_payments::ewallet`), and taking their answers in.
//!
//! - [`send_envelope_payments`]: the envelope's e-wallet payments still `created` go out in signed
//!   `disburse` messages of at most 500, one transaction per message; on `ACK` they become `sent` with
//!   the transaction id as their batch. On `NACK`, `ERR` or a provider that cannot be reached they stay
//!   `created` and the report says why, so sending again later is safe (the provider recognises a
//!   payment id it has seen: `rjct.reference_id.duplicate`, paid once).
//! - [`apply_callback`]: a verified `on-disburse` or `txn/on-status` callback applied as a status
//!   import (recorded by the SHA-256 of the body, so a callback delivered twice changes nothing): `succ`
//!   → settled (the entitlement paid), `rjct` → rejected with its reason (the entitlement failed, to be
//!   retried or rerouted); `rjct.payee_fa.invalid` also marks the household's wallet link invalid.
//!   Only the provider's own payments of route e-wallet, for the amount sent, are changed.
//! - [`pay_simulated`]: for the demo, providers simulated in-process instead of HTTP.
//! - [`poll_status`]: asks the providers how each transaction still waiting went (`sync/txn/status`),
//!   for callbacks that never arrived.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tepat_dci::disburse::DisburseResponse;
use tepat_dci::AckStatus;
use tepat_domain::distribution::{
    ControlTotals, EntitlementState, EnvelopeState, PaymentState, Route,
};
use tepat_domain::{Lang, Localized};
use tepat_payments::ewallet::{
    outcomes, sim, Callback, Client, Item, ProviderKeys, VerifiedCallback, MAX_BATCH,
};
use tepat_store::{
    AppliedStatus, EntitlementFilter, LinkState, PageAfter, Payment, StatusImport, StatusUpdate,
    Store, StoreError,
};
use uuid::Uuid;

use crate::access::{Grant, ManagePayments};

/// Who "imported" a provider's callback (`status_import.imported_by`): no officer did; the provider's
/// signature is what vouches for it.
pub const PROVIDER_CALLBACK: Uuid = Uuid::from_u128(0x0201);

/// Entitlements read per page.
const PAGE: u32 = 1_000;

/// Why e-wallet payments could not be sent or an answer applied.
#[derive(Debug, thiserror::Error)]
pub enum EwalletError {
    #[error("no envelope has this id")]
    NotFound,
    #[error("the envelope is {}, not being paid: release it first", .0.label(Lang::En))]
    NotPaying(EnvelopeState),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Localized for EwalletError {
    fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (_, Lang::En) => self.to_string(),
            (EwalletError::NotFound, Lang::Id) => "amplop dengan id ini tidak ada".into(),
            (EwalletError::NotPaying(state), Lang::Id) => format!(
                "amplop berstatus {}, belum disalurkan: salurkan terlebih dahulu",
                state.label(Lang::Id)
            ),
            (EwalletError::Store(e), Lang::Id) => e.to_string(),
        }
    }
}

/// A message the provider took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSent {
    pub provider: String,
    /// The message's `transaction_id`, stored as the payments' batch.
    pub transaction_id: String,
    pub totals: ControlTotals,
}

/// Payments that stayed `created`, and why. Never names a household or an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsent {
    /// No provider of this code is configured.
    NoProvider { provider: String },
    /// The household's wallet link is no longer verified (or is at another provider): fix the account
    /// or reroute to cash.
    NoWallet,
    /// The provider answered `NACK` or `ERR` with this code.
    Refused { provider: String, code: String },
    /// The provider could not be reached or answered nonsense (the client's error, in English).
    Failed { provider: String, error: String },
}

/// What [`send_envelope_payments`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendReport {
    pub batches: Vec<BatchSent>,
    /// Payments now `sent`.
    pub sent: ControlTotals,
    /// Payments left `created`, by reason.
    pub unsent: Vec<(Unsent, ControlTotals)>,
}

impl SendReport {
    fn leave(&mut self, why: Unsent, payments: &[Payment]) {
        let totals = totals_of(payments);
        match self.unsent.iter_mut().find(|(w, _)| *w == why) {
            Some((_, t)) => {
                t.count += totals.count;
                t.amount = t.amount.checked_add(totals.amount).unwrap_or(t.amount);
            }
            None => self.unsent.push((why, totals)),
        }
    }

    /// Count of payments left `created`.
    pub fn unsent_count(&self) -> u64 {
        self.unsent.iter().map(|(_, t)| t.count).sum()
    }
}

fn totals_of(payments: &[Payment]) -> ControlTotals {
    ControlTotals::of(payments.iter().map(|p| p.amount)).unwrap_or_default()
}

/// Sends the envelope's e-wallet payments that are still `created` (inside the grant's scope), one
/// signed message of at most [`MAX_BATCH`] per transaction, through the client `client_for` gives for
/// each provider code.
pub async fn send_envelope_payments(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    client_for: impl Fn(&str) -> Option<Arc<Client>>,
    envelope: Uuid,
    now: DateTime<Utc>,
) -> Result<SendReport, EwalletError> {
    let (by_provider, no_wallet) = to_send(store, grant, envelope).await?;
    let mut report = SendReport::default();
    if !no_wallet.is_empty() {
        report.leave(Unsent::NoWallet, &no_wallet);
    }
    for (provider, rows) in by_provider {
        let Some(client) = client_for(&provider) else {
            let payments: Vec<Payment> = rows.into_iter().map(|(p, _)| p).collect();
            report.leave(Unsent::NoProvider { provider }, &payments);
            continue;
        };
        send_provider(store, &client, &provider, rows, now, &mut report).await?;
    }
    Ok(report)
}

/// Payments still `created` with their message items, by provider; and those without a usable wallet.
type ToSend = (BTreeMap<String, Vec<(Payment, Item)>>, Vec<Payment>);

async fn to_send(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    envelope: Uuid,
) -> Result<ToSend, EwalletError> {
    let found = paying(store, envelope).await?;
    let note = format!("{} {}", found.program.to_uppercase(), found.cycle);
    let mut by_provider: BTreeMap<String, Vec<(Payment, Item)>> = BTreeMap::new();
    let mut no_wallet = Vec::new();
    for payment in ewallet_payments(store, grant, envelope, &[PaymentState::Created]).await? {
        match wallet_item(store, &payment, &note).await? {
            Some(item) => by_provider
                .entry(payment.provider.clone())
                .or_default()
                .push((payment, item)),
            None => no_wallet.push(payment),
        }
    }
    Ok((by_provider, no_wallet))
}

/// What [`pay_simulated`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimulatedReport {
    /// Payments sent to the simulated providers.
    pub sent: ControlTotals,
    /// Payments whose state the simulated answers changed.
    pub changed: u64,
    /// Wallet links marked invalid.
    pub wallets_invalid: u64,
}

/// For the demo only: the envelope's e-wallet payments still `created` are "sent" to providers
/// simulated in-process (`tepat_payments::ewallet::sim`) and their answers applied as callbacks would
/// be (kind `g2p.simulated`), so the demo shows wallets paid and one rejected without a provider.
pub async fn pay_simulated(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    envelope: Uuid,
    now: DateTime<Utc>,
) -> Result<SimulatedReport, EwalletError> {
    let (by_provider, _) = to_send(store, grant, envelope).await?;
    let mut report = SimulatedReport::default();
    let mut seen = std::collections::HashSet::new();
    for (provider, rows) in by_provider {
        for chunk in rows.chunks(MAX_BATCH) {
            let transaction_id = Uuid::now_v7().simple().to_string();
            let ids: Vec<Uuid> = chunk.iter().map(|(p, _)| p.id).collect();
            store.mark_sent(&ids, &transaction_id, now).await?;
            let items: Vec<Item> = chunk.iter().map(|(_, i)| i.clone()).collect();
            let response = sim::answer(&provider, &transaction_id, &items, &mut seen, now);
            let body = serde_json::to_vec(&response).expect("a response serialises");
            let sha256: [u8; 32] = Sha256::digest(&body).into();
            let applied =
                apply_response(store, &provider, &response, "g2p.simulated", sha256, now).await?;
            let payments: Vec<Payment> = chunk.iter().map(|(p, _)| p.clone()).collect();
            let totals = totals_of(&payments);
            report.sent.count += totals.count;
            report.sent.amount = report
                .sent
                .amount
                .checked_add(totals.amount)
                .unwrap_or(report.sent.amount);
            report.changed += applied.applied.changed;
            report.wallets_invalid += applied.wallets_invalid;
        }
    }
    Ok(report)
}

/// Sends one provider's payments batch by batch; after a transport failure the rest wait (the
/// provider is most likely down).
async fn send_provider(
    store: &dyn Store,
    client: &Client,
    provider: &str,
    rows: Vec<(Payment, Item)>,
    now: DateTime<Utc>,
    report: &mut SendReport,
) -> Result<(), StoreError> {
    let mut down: Option<String> = None;
    for chunk in rows.chunks(MAX_BATCH) {
        let payments: Vec<Payment> = chunk.iter().map(|(p, _)| p.clone()).collect();
        if let Some(error) = &down {
            report.leave(
                Unsent::Failed {
                    provider: provider.into(),
                    error: error.clone(),
                },
                &payments,
            );
            continue;
        }
        let items: Vec<Item> = chunk.iter().map(|(_, i)| i.clone()).collect();
        let transaction_id = Uuid::now_v7().simple().to_string();
        match client.disburse(&transaction_id, &items).await {
            Ok(ack) if ack.ack_status == AckStatus::Ack => {
                let ids: Vec<Uuid> = payments.iter().map(|p| p.id).collect();
                store.mark_sent(&ids, &transaction_id, now).await?;
                let totals = totals_of(&payments);
                report.sent.count += totals.count;
                report.sent.amount = report
                    .sent
                    .amount
                    .checked_add(totals.amount)
                    .unwrap_or(report.sent.amount);
                report.batches.push(BatchSent {
                    provider: provider.into(),
                    transaction_id,
                    totals,
                });
            }
            Ok(ack) => {
                let code = ack
                    .error
                    .map(|e| e.code)
                    .unwrap_or_else(|| format!("{:?}", ack.ack_status).to_uppercase());
                report.leave(
                    Unsent::Refused {
                        provider: provider.into(),
                        code,
                    },
                    &payments,
                );
            }
            Err(e) => {
                let error = e.to_string();
                down = Some(error.clone());
                report.leave(
                    Unsent::Failed {
                        provider: provider.into(),
                        error,
                    },
                    &payments,
                );
            }
        }
    }
    Ok(())
}

async fn paying(store: &dyn Store, envelope: Uuid) -> Result<tepat_store::Envelope, EwalletError> {
    let found = store
        .envelope(envelope)
        .await?
        .ok_or(EwalletError::NotFound)?;
    if found.state != EnvelopeState::Paying {
        return Err(EwalletError::NotPaying(found.state));
    }
    Ok(found)
}

/// The latest attempt of every instructed e-wallet entitlement inside the grant, when it is in one of
/// `states`.
async fn ewallet_payments(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    envelope: Uuid,
    states: &[PaymentState],
) -> Result<Vec<Payment>, StoreError> {
    let filter = EntitlementFilter {
        within: grant.scope(),
        state: Some(EntitlementState::Instructed),
        route: Some(Route::EWallet),
    };
    let mut found = Vec::new();
    let mut after: Option<PageAfter<Uuid>> = None;
    loop {
        let page = store
            .entitlements(envelope, &filter, after.as_ref(), PAGE)
            .await?;
        for e in &page {
            let latest = store
                .household_payments(envelope, e.household)
                .await?
                .into_iter()
                .max_by_key(|p| p.attempt);
            if let Some(p) =
                latest.filter(|p| p.route == Route::EWallet && states.contains(&p.state))
            {
                found.push(p);
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => {
                after = Some(PageAfter {
                    village: last.village,
                    key: last.household,
                })
            }
            _ => break,
        }
    }
    Ok(found)
}

/// The message item of a payment: its household's verified wallet at the payment's provider, with
/// `note` (program and cycle, which the household sees on its wallet statement).
async fn wallet_item(
    store: &dyn Store,
    payment: &Payment,
    note: &str,
) -> Result<Option<Item>, StoreError> {
    let Some(link) = store.account_link(payment.household).await? else {
        return Ok(None);
    };
    let usable = link.state == LinkState::Verified
        && link.address.kind() == tepat_domain::distribution::AddressKind::Mobile
        && link.address.provider() == payment.provider;
    Ok(usable.then_some(Item {
        payment_id: payment.id,
        payee: link.address,
        amount: payment.amount,
        note: Some(note.to_owned()),
    }))
}

/// What applying a provider's answer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallbackReport {
    pub applied: AppliedStatus,
    /// Items for a resent payment the provider recognised: nothing changed.
    pub duplicates: u64,
    /// Items naming a payment that is not this provider's e-wallet payment, or with another amount:
    /// refused, nothing changed.
    pub refused: u64,
    /// Wallet links marked invalid (`rjct.payee_fa.invalid`).
    pub wallets_invalid: u64,
}

/// Applies a verified callback. `body` is the callback as received: the SHA-256 of its JSON (without
/// the sender's whitespace, which the signature does not cover) makes a repeated delivery change
/// nothing.
pub async fn apply_callback(
    store: &dyn Store,
    callback: &VerifiedCallback,
    body: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<CallbackReport, StoreError> {
    let Some(response) = callback.response() else {
        return Ok(CallbackReport::default());
    };
    let kind = match callback.callback {
        Callback::Disburse(_) => "g2p.on-disburse",
        Callback::Status(_) => "g2p.txn-on-status",
    };
    let json = serde_json::to_vec(body).expect("a JSON value serialises");
    let sha256: [u8; 32] = Sha256::digest(&json).into();
    apply_response(store, &callback.provider, response, kind, sha256, now).await
}

async fn apply_response(
    store: &dyn Store,
    provider: &str,
    response: &DisburseResponse,
    kind: &str,
    sha256: [u8; 32],
    now: DateTime<Utc>,
) -> Result<CallbackReport, StoreError> {
    let read = outcomes(response);
    let mut report = CallbackReport {
        duplicates: read.duplicates.len() as u64,
        refused: read.foreign as u64,
        ..CallbackReport::default()
    };
    let mut updates = Vec::new();
    let mut bad_wallets = BTreeSet::new();
    for outcome in &read.results {
        let payment = store.payment(outcome.payment_id).await?;
        let ours = payment.as_ref().is_some_and(|p| {
            p.route == Route::EWallet
                && p.provider == provider
                && outcome.amount.is_none_or(|a| a == p.amount)
        });
        if !ours {
            report.refused += 1;
            continue;
        }
        let payment = payment.expect("checked above");
        // Only when this answer is what rejects the payment: a replayed old rejection must not
        // invalidate the wallet the household has given since.
        if outcome.needs_new_address() && payment.state.may_become(outcome.state) {
            bad_wallets.insert(payment.household);
        }
        updates.push(StatusUpdate {
            payment: outcome.payment_id,
            state: outcome.state,
            reason: outcome.reason.clone(),
            provider_ref: response.correlation_id.clone(),
        });
    }
    let summary = serde_json::json!({
        "provider": provider,
        "items": response.disbursements_status.len(),
        "updates": updates.len(),
        "duplicates": report.duplicates,
        "refused": report.refused,
    });
    let import = StatusImport {
        sha256,
        kind: kind.into(),
        file_name: response.transaction_id.chars().take(64).collect(),
        imported_by: PROVIDER_CALLBACK,
        imported_at: now,
        summary: summary.to_string(),
    };
    report.applied = store.apply_status(&import, &updates).await?;
    if !report.applied.already_imported {
        for household in bad_wallets {
            store
                .invalidate_account_link(household, "rjct.payee_fa.invalid")
                .await?;
            report.wallets_invalid += 1;
        }
    }
    Ok(report)
}

/// What [`poll_status`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Transactions asked about.
    pub asked: u64,
    /// Their answers applied (payments whose state changed, summed).
    pub changed: u64,
    /// Transactions the provider says it never received (their payments stay `sent`; look into it
    /// with the provider before paying them another way).
    pub unknown: Vec<String>,
    /// Providers that could not be asked, with the error.
    pub failed: Vec<(String, String)>,
}

/// Asks each provider how the envelope's transactions still waiting (payments `sent` or `accepted`)
/// went, and applies the answers, checked against the providers' `keys`.
pub async fn poll_status(
    store: &dyn Store,
    grant: &Grant<'_, ManagePayments>,
    client_for: impl Fn(&str) -> Option<Arc<Client>>,
    keys: &ProviderKeys,
    envelope: Uuid,
    now: DateTime<Utc>,
) -> Result<PollReport, EwalletError> {
    paying(store, envelope).await?;
    let waiting = ewallet_payments(
        store,
        grant,
        envelope,
        &[PaymentState::Sent, PaymentState::Accepted],
    )
    .await?;
    let transactions: BTreeSet<(String, String)> = waiting
        .into_iter()
        .filter_map(|p| p.batch.map(|b| (p.provider, b)))
        .collect();
    let mut report = PollReport::default();
    for (provider, transaction_id) in transactions {
        let Some(client) = client_for(&provider) else {
            report
                .failed
                .push((provider, "no such provider is configured".into()));
            continue;
        };
        report.asked += 1;
        match client.status_sync(&transaction_id, keys).await {
            Ok(Some(response)) => {
                let body = serde_json::to_vec(&response).expect("a response serialises");
                let sha256: [u8; 32] = Sha256::digest(&body).into();
                let applied =
                    apply_response(store, &provider, &response, "g2p.txn-status", sha256, now)
                        .await?;
                report.changed += applied.applied.changed;
            }
            Ok(None) => report.unknown.push(transaction_id),
            Err(e) => report.failed.push((provider, e.to_string())),
        }
    }
    Ok(report)
}
