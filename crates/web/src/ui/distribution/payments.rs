//! `GET /penyaluran/amplop/{id}/pembayaran`: an envelope's payments by state and provider, the bank
//! files, the status-file upload, and the failed entitlements with retry and reroute.
//!
//! - `POST …/berkas`: writes the envelope's pain.001 files (one per bank and batch, the same export as
//!   `tepat payments export`) and lists them for download (`GET …/berkas/{name}`), kept in memory for
//!   the officer who made them, for an hour. Writing marks new payments
//!   sent; payments already sent are written again byte for byte, so making the files twice is safe.
//! - `POST …/status` (multipart): a pain.002, camt.053 or camt.054 file through
//!   [`tepat_core::distribution::import_status_file`]; a malformed or foreign file is refused whole
//!   with its line and changes nothing, and the same file twice changes nothing.
//! - `POST …/ulang`, `POST …/alihkan`: new attempts for the failed, or the failed to cash (with their
//!   vouchers).
//! - `POST …/premi`: records the treasury's transfer (its SP2D number) that paid the envelope's PBI-JK
//!   premiums to BPJS Kesehatan: the waiting premiums become settled, once
//!   ([`tepat_core::distribution::premium`]).
//! - `POST …/dompet`: sends the e-wallet payments still waiting through each provider's G2P Connect
//!   `disburse` (`[[payments.ewallet]]`), signed with the office's DCI key; results come back to
//!   `/api/v1/disburse/on-disburse`.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use tepat_core::access::{ManagePayments, ReadDistribution};
use tepat_core::distribution as core;
use tepat_core::distribution::{ewallet, premium};
use tepat_domain::distribution::{EntitlementState, PaymentState, Route};
use tepat_domain::Lang;
use tepat_payments::ewallet::Client;
use tepat_payments::iso20022::BatchRef;
use tepat_store::{EntitlementFilter, Envelope};
use uuid::Uuid;

use super::envelopes::{stages, Stages};
use super::{count, fail, message, origin, rupiah, strings, DistributionStrings, Peer};
use crate::auth::{forbidden_page, SignedIn};
use crate::state::AppState;
use crate::ui::layout::{render, Layout};
use crate::ui::multipart;
use crate::ui::registry::{no_store, see_other, Htmx};

/// Failed entitlements shown on the page.
const FAILED_SHOWN: u32 = 200;
/// Import problems shown (the file is refused at its first one, so there is one, but be safe).
const LINES_SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "distribution/payments.html")]
struct PaymentsPage<'a> {
    page: &'a Layout,
    t: &'static DistributionStrings,
    htmx: Htmx,
    e: &'a Envelope,
    stages: Stages,
    payments: Vec<PaymentRow>,
    files: Option<FilesView>,
    report: Option<ReportView>,
    refused: String,
    failed: Vec<FailedRow>,
    may_manage: bool,
    notice: String,
    /// The premiums still waiting (PBI-JK), shown when the envelope has premium payments.
    premium: Option<PremiumView>,
}

struct PremiumView {
    count: String,
    amount: String,
    /// Nothing left to settle: the form is not offered.
    none_waiting: bool,
}

struct PaymentRow {
    provider: String,
    route: &'static str,
    state: &'static str,
    count: String,
    amount: String,
}

struct FilesView {
    bundle: Uuid,
    files: Vec<FileRow>,
}

struct FileRow {
    name: String,
    bank: String,
    count: String,
    amount: String,
}

struct ReportView {
    kind: String,
    matched: String,
    changed: String,
    already: bool,
    unmatched: Vec<String>,
}

struct FailedRow {
    household: Uuid,
    route: &'static str,
    provider: String,
    amount: String,
    reason: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct PaymentsQuery {
    #[serde(default)]
    done: String,
    /// A bundle of files just written.
    #[serde(default)]
    berkas: Option<Uuid>,
    /// E-wallet payments just sent, and left waiting.
    #[serde(default)]
    terkirim: Option<u64>,
    #[serde(default)]
    tertahan: Option<u64>,
    /// Premiums just settled.
    #[serde(default)]
    premi: Option<u64>,
}

#[derive(Deserialize)]
pub(crate) struct PremiumForm {
    #[serde(default)]
    reference: String,
}

async fn envelope_or_404(state: &AppState, page: &Layout, id: Uuid) -> Result<Envelope, Response> {
    match state.store().envelope(id).await {
        Ok(Some(e)) => Ok(e),
        Ok(None) => Err(message(
            page,
            StatusCode::NOT_FOUND,
            page.t.not_found_title.into(),
        )),
        Err(e) => Err(fail(page, e)),
    }
}

/// `GET /penyaluran/amplop/{id}/pembayaran`.
pub(crate) async fn page(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
    Query(q): Query<PaymentsQuery>,
) -> Response {
    if let Err(denied) = user.actor.may_anywhere::<ReadDistribution>() {
        return forbidden_page(&page, &denied);
    }
    let files = q
        .berkas
        .and_then(|b| bundles::listing(user.actor.user(), id, b, page.lang));
    let t = strings(page.lang);
    let notice = match (q.terkirim, q.tertahan) {
        (Some(sent), Some(held)) => format!(
            "{}: {} · {}: {}",
            t.ewallet_sent,
            count(sent, page.lang),
            t.ewallet_held,
            count(held, page.lang)
        ),
        _ if q.done == "premium_already" => t.premium_already.to_owned(),
        _ if q.done == "premium" => format!(
            "{}: {}",
            t.premium_settled,
            count(q.premi.unwrap_or(0), page.lang)
        ),
        _ if q.done == "retried" => t.done_retried.to_owned(),
        _ => String::new(),
    };
    show(
        &state,
        &page,
        &user,
        id,
        StatusCode::OK,
        files,
        None,
        String::new(),
        notice,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn show(
    state: &AppState,
    page: &Layout,
    user: &SignedIn,
    id: Uuid,
    status: StatusCode,
    files: Option<FilesView>,
    report: Option<ReportView>,
    refused: String,
    notice: String,
) -> Response {
    let grant = match user.actor.may_anywhere::<ReadDistribution>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(page, &denied),
    };
    let lang = page.lang;
    let store = state.store();
    let envelope = match envelope_or_404(state, page, id).await {
        Ok(e) => e,
        Err(r) => return r,
    };
    let stages = match stages(state, &envelope, lang).await {
        Ok(s) => s,
        Err(e) => return fail(page, e),
    };
    let totals = match store.payment_totals(id).await {
        Ok(p) => p,
        Err(e) => return fail(page, e),
    };
    let premium = premium_view(&totals, lang);
    let payments = totals
        .into_iter()
        .map(|p| PaymentRow {
            provider: p.provider,
            route: p.route.label(lang),
            state: p.state.label(lang),
            count: count(p.totals.count, lang),
            amount: rupiah(p.totals.amount, lang),
        })
        .collect();
    let filter = EntitlementFilter {
        within: grant.scope(),
        state: Some(EntitlementState::Failed),
        route: None,
    };
    let failed = match store.entitlements(id, &filter, None, FAILED_SHOWN).await {
        Ok(rows) => rows
            .into_iter()
            .map(|r| FailedRow {
                household: r.household,
                route: r.route.label(lang),
                provider: r.provider.unwrap_or_default(),
                amount: rupiah(r.amount, lang),
                reason: r.reason.unwrap_or_default(),
            })
            .collect(),
        Err(e) => return fail(page, e),
    };
    no_store(render(
        status,
        lang,
        &PaymentsPage {
            page,
            t: strings(lang),
            htmx: Htmx::new(),
            e: &envelope,
            stages,
            payments,
            files,
            report,
            refused,
            failed,
            may_manage: user.actor.can::<ManagePayments>(),
            notice,
            premium,
        },
    ))
}

/// `POST /penyaluran/amplop/{id}/pembayaran/berkas`.
pub(crate) async fn export(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePayments>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let dir = match tempfile::Builder::new().prefix("tepat-pain001-").tempdir() {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "no temporary directory for bank files");
            return crate::ui::errors::server_error(&page);
        }
    };
    let debtors = debtors(&state);
    let written =
        match core::export_bank_files(state.store(), &grant, dir.path(), &debtors, &origin(peer))
            .await
        {
            Ok(w) => w,
            Err(e) => return fail(&page, e),
        };
    // The export writes every paying envelope's files; this page offers this envelope's. They are
    // read into memory and the directory removed at once: the files hold account numbers.
    let mut files = Vec::new();
    for w in written
        .into_iter()
        .filter(|w| BatchRef::parse(&w.batch).is_some_and(|b| b.envelope == id))
    {
        let Some(name) = w.path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let bytes = match tokio::fs::read(&w.path).await {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "a bank file just written cannot be read back");
                return crate::ui::errors::server_error(&page);
            }
        };
        files.push(bundles::File {
            name,
            bank: w.bank,
            count: w.count,
            amount: w.amount,
            bytes,
        });
    }
    drop(dir);
    let bundle = bundles::keep(user.actor.user(), id, files);
    see_other(&format!(
        "/penyaluran/amplop/{id}/pembayaran?berkas={bundle}"
    ))
}

/// The office's account at each configured bank, for the files' debtor side.
fn debtors(state: &AppState) -> HashMap<String, core::DebtorAccount> {
    state
        .config()
        .payments
        .banks
        .iter()
        .map(|b| {
            let account = core::DebtorAccount {
                name: b.debtor_name.clone(),
                account: b.debtor_account.clone(),
            };
            (b.code.clone(), account)
        })
        .collect()
}

/// `GET /penyaluran/amplop/{id}/pembayaran/berkas/{name}?berkas=…`.
pub(crate) async fn download(
    page: Layout,
    user: SignedIn,
    Path((id, name)): Path<(Uuid, String)>,
    Query(q): Query<PaymentsQuery>,
) -> Response {
    let found = q
        .berkas
        .and_then(|b| bundles::bytes(user.actor.user(), id, b, &name));
    let Some(bytes) = found else {
        return message(&page, StatusCode::NOT_FOUND, page.t.not_found_title.into());
    };
    let mut r = (StatusCode::OK, bytes).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    // The name is one the export wrote (a message id), never taken from the request as is.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    no_store(r)
}

/// `POST /penyaluran/amplop/{id}/pembayaran/status` (multipart: `csrf`, `file`).
pub(crate) async fn import(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePayments>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let t = strings(page.lang);
    let refuse = |text: String| {
        show(
            &state,
            &page,
            &user,
            id,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            None,
            text,
            String::new(),
        )
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(parts) = multipart::parse(content_type, &body) else {
        return refuse(t.error_form.into()).await;
    };
    let file = match parts.get("file") {
        Some(f) if !f.is_empty() => f.as_slice(),
        _ => return refuse(t.error_no_file.into()).await,
    };
    let name = parts
        .get("file_name")
        .map(|n| String::from_utf8_lossy(n).trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "status.xml".to_owned());
    match core::import_status_file(state.store(), &grant, &name, file, &origin(peer)).await {
        Ok(report) => {
            let view = report_view(&report, page.lang);
            show(
                &state,
                &page,
                &user,
                id,
                StatusCode::OK,
                None,
                Some(view),
                String::new(),
                String::new(),
            )
            .await
        }
        Err(e) if super::envelopes::is_refusal(&e) => {
            refuse(tepat_domain::Localized::message(&e, page.lang)).await
        }
        Err(e) => fail(&page, e),
    }
}

fn report_view(r: &core::ImportReport, lang: Lang) -> ReportView {
    ReportView {
        kind: r.kind.clone(),
        matched: count(r.matched, lang),
        changed: count(r.changed, lang),
        already: r.already_imported,
        unmatched: r
            .unmatched
            .iter()
            .take(LINES_SHOWN)
            .map(|u| u.line.to_string())
            .collect(),
    }
}

/// The envelope's premiums still waiting, if it has premium payments at all.
fn premium_view(totals: &[tepat_store::PaymentTotals], lang: Lang) -> Option<PremiumView> {
    let premiums: Vec<_> = totals
        .iter()
        .filter(|t| t.route == Route::Premium)
        .collect();
    if premiums.is_empty() {
        return None;
    }
    let mut due = tepat_domain::distribution::ControlTotals::default();
    for t in premiums.iter().filter(|t| {
        matches!(
            t.state,
            PaymentState::Created | PaymentState::Sent | PaymentState::Accepted
        )
    }) {
        due.count += t.totals.count;
        due.amount = due.amount.checked_add(t.totals.amount).ok()?;
    }
    Some(PremiumView {
        count: count(due.count, lang),
        amount: rupiah(due.amount, lang),
        none_waiting: due.count == 0,
    })
}

/// `POST /penyaluran/amplop/{id}/pembayaran/premi` (`csrf`, `reference`): the treasury's transfer
/// that paid the envelope's premiums to BPJS Kesehatan.
pub(crate) async fn settle_premiums(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
    Form(input): Form<PremiumForm>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePayments>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let settled =
        premium::settle_premiums(state.store(), &grant, id, &input.reference, &origin(peer)).await;
    match settled {
        Ok(r) if r.already_recorded => see_other(&format!(
            "/penyaluran/amplop/{id}/pembayaran?done=premium_already"
        )),
        Ok(r) => see_other(&format!(
            "/penyaluran/amplop/{id}/pembayaran?done=premium&premi={}",
            r.count
        )),
        Err(premium::PremiumError::Distribution(core::DistributionError::EnvelopeNotFound)) => {
            message(&page, StatusCode::NOT_FOUND, page.t.not_found_title.into())
        }
        Err(premium::PremiumError::Distribution(e)) if !super::envelopes::is_refusal(&e) => {
            fail(&page, e)
        }
        Err(e) => message(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            tepat_domain::Localized::message(&e, page.lang),
        ),
    }
}

/// `POST /penyaluran/amplop/{id}/pembayaran/ulang`.
pub(crate) async fn retry(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePayments>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    match core::retry_failed(state.store(), &grant, id, &origin(peer)).await {
        Ok(_) => see_other(&format!("/penyaluran/amplop/{id}/pembayaran?done=retried")),
        Err(e) => fail(&page, e),
    }
}

/// `POST /penyaluran/amplop/{id}/pembayaran/alihkan`.
pub(crate) async fn reroute(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    peer: Peer,
    Path(id): Path<Uuid>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePayments>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    if let Err(e) = core::reroute_to_cash(state.store(), &grant, id, None, &origin(peer)).await {
        return fail(&page, e);
    }
    // Rerouted entitlements need a voucher, a place and a time like any cash entitlement.
    match super::envelopes::issue_vouchers(&state, id).await {
        Ok(query) => see_other(&format!("/penyaluran/amplop/{id}?done=rerouted&{query}")),
        Err(_) => see_other(&format!(
            "/penyaluran/amplop/{id}?done=rerouted&voucher_gagal=1"
        )),
    }
}

/// Written bank files waiting to be downloaded, in memory only (they hold account numbers, so they are
/// never left on disk), for the officer who wrote them, for an hour; at most [`bundles::MAX_BYTES`] in
/// all, the oldest bundles dropped first. A restart forgets them: making the files again gives the
/// same bytes.
mod bundles {
    use super::*;

    pub(super) const MAX_BYTES: usize = 512 * 1024 * 1024;
    const TTL: Duration = Duration::from_secs(3600);

    pub(super) struct File {
        pub name: String,
        pub bank: String,
        pub count: u64,
        pub amount: tepat_domain::Rupiah,
        pub bytes: Vec<u8>,
    }

    struct Bundle {
        owner: Uuid,
        envelope: Uuid,
        at: Instant,
        files: Vec<File>,
    }

    impl Bundle {
        fn size(&self) -> usize {
            self.files.iter().map(|f| f.bytes.len()).sum()
        }
    }

    fn bundles() -> &'static Mutex<HashMap<Uuid, Bundle>> {
        static BUNDLES: OnceLock<Mutex<HashMap<Uuid, Bundle>>> = OnceLock::new();
        BUNDLES.get_or_init(Mutex::default)
    }

    pub(super) fn keep(owner: Uuid, envelope: Uuid, files: Vec<File>) -> Uuid {
        let id = Uuid::now_v7();
        let bundle = Bundle {
            owner,
            envelope,
            at: Instant::now(),
            files,
        };
        let mut map = bundles().lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, b| b.at.elapsed() < TTL);
        insert_capped(&mut map, id, bundle, MAX_BYTES);
        id
    }

    /// Inserts `bundle`, first dropping the oldest others until all fit in `cap` bytes.
    fn insert_capped(map: &mut HashMap<Uuid, Bundle>, id: Uuid, bundle: Bundle, cap: usize) {
        let mut total: usize = map.values().map(Bundle::size).sum::<usize>() + bundle.size();
        while total > cap {
            let Some((oldest, size)) = map
                .iter()
                .min_by_key(|(_, b)| b.at)
                .map(|(id, b)| (*id, b.size()))
            else {
                break;
            };
            map.remove(&oldest);
            total -= size;
        }
        map.insert(id, bundle);
    }

    #[cfg(test)]
    #[test]
    fn the_oldest_bundles_go_when_the_memory_cap_is_reached() {
        let bundle = |size: usize| Bundle {
            owner: Uuid::now_v7(),
            envelope: Uuid::now_v7(),
            at: Instant::now(),
            files: vec![File {
                name: "x.xml".into(),
                bank: "bri".into(),
                count: 1,
                amount: tepat_domain::Rupiah::new(1),
                bytes: vec![0; size],
            }],
        };
        let mut map = HashMap::new();
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        insert_capped(&mut map, a, bundle(4), 10);
        insert_capped(&mut map, b, bundle(4), 10);
        assert_eq!(map.len(), 2);
        insert_capped(&mut map, c, bundle(4), 10);
        assert!(!map.contains_key(&a), "the oldest went");
        assert!(map.contains_key(&b) && map.contains_key(&c));
    }

    fn with<T>(owner: Uuid, envelope: Uuid, id: Uuid, f: impl FnOnce(&Bundle) -> T) -> Option<T> {
        let map = bundles().lock().unwrap_or_else(|e| e.into_inner());
        map.get(&id)
            .filter(|b| b.owner == owner && b.envelope == envelope && b.at.elapsed() < TTL)
            .map(f)
    }

    pub(super) fn listing(owner: Uuid, envelope: Uuid, id: Uuid, lang: Lang) -> Option<FilesView> {
        with(owner, envelope, id, |b| FilesView {
            bundle: id,
            files: b
                .files
                .iter()
                .map(|f| FileRow {
                    name: f.name.clone(),
                    bank: f.bank.clone(),
                    count: count(f.count, lang),
                    amount: rupiah(f.amount, lang),
                })
                .collect(),
        })
    }

    /// The file called `name` in the bundle.
    pub(super) fn bytes(owner: Uuid, envelope: Uuid, id: Uuid, name: &str) -> Option<Vec<u8>> {
        with(owner, envelope, id, |b| {
            b.files
                .iter()
                .find(|f| f.name == name)
                .map(|f| f.bytes.clone())
        })
        .flatten()
    }
}

/// `POST /penyaluran/amplop/{id}/pembayaran/dompet`.
pub(crate) async fn send_ewallet(
    State(state): State<AppState>,
    page: Layout,
    user: SignedIn,
    Path(id): Path<Uuid>,
) -> Response {
    let grant = match user.actor.may_anywhere::<ManagePayments>() {
        Ok(g) => g,
        Err(denied) => return forbidden_page(&page, &denied),
    };
    let config = state.config();
    let signer = match state.dci().signer(config) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the DCI signing key cannot be read");
            return crate::ui::errors::server_error(&page);
        }
    };
    let sender_uri = format!(
        "{}{}",
        config.public_url_or(config.listen).trim_end_matches('/'),
        crate::api::disburse::CALLBACK_BASE
    );
    let client_for = |provider: &str| {
        let settings = config.payments.ewallet_client_settings(provider)?;
        match Client::new(settings, signer.clone(), &sender_uri) {
            Ok(c) => Some(std::sync::Arc::new(c)),
            Err(e) => {
                tracing::warn!(provider, error = %e, "no e-wallet client");
                None
            }
        }
    };
    match ewallet::send_envelope_payments(state.store(), &grant, client_for, id, chrono::Utc::now())
        .await
    {
        Ok(report) => see_other(&format!(
            "/penyaluran/amplop/{id}/pembayaran?done=sent&terkirim={}&tertahan={}",
            report.sent.count,
            report.unsent_count()
        )),
        Err(ewallet::EwalletError::NotFound) => {
            message(&page, StatusCode::NOT_FOUND, page.t.not_found_title.into())
        }
        Err(ewallet::EwalletError::Store(e)) => fail(&page, e),
        Err(e) => message(
            &page,
            StatusCode::UNPROCESSABLE_ENTITY,
            tepat_domain::Localized::message(&e, page.lang),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::bundles;
    use tepat_domain::{Lang, Rupiah};
    use uuid::Uuid;

    fn file(name: &str, bytes: &[u8]) -> bundles::File {
        bundles::File {
            name: name.into(),
            bank: "bri".into(),
            count: 1,
            amount: Rupiah::new(1),
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn a_bundle_is_only_for_its_maker_and_envelope_and_by_the_names_written() {
        let (owner, envelope) = (Uuid::now_v7(), Uuid::now_v7());
        let id = bundles::keep(owner, envelope, vec![file("A.xml", b"<a/>")]);
        assert_eq!(
            bundles::bytes(owner, envelope, id, "A.xml").as_deref(),
            Some(&b"<a/>"[..])
        );
        assert!(bundles::bytes(Uuid::now_v7(), envelope, id, "A.xml").is_none());
        assert!(bundles::bytes(owner, Uuid::now_v7(), id, "A.xml").is_none());
        assert!(bundles::bytes(owner, envelope, id, "../A.xml").is_none());
        let listed = bundles::listing(owner, envelope, id, Lang::Id).unwrap();
        assert_eq!(listed.files.len(), 1);
        assert_eq!(listed.files[0].amount, "Rp1");
    }
}
