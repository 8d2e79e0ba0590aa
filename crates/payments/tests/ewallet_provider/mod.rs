//! A G2P Connect e-wallet provider for tests, speaking the same HTTP protocol as a real one: it checks
//! the payer's signature, acknowledges, then POSTs signed `on-disburse` callbacks to `sender_uri`, and
//! answers `txn/status` (by callback) and `sync/txn/status` (inline).
//!
//! Its rules: an item is rejected `rjct.payee_fa.invalid` when the wallet is at another provider or
//! its number ends in `0000` (no such wallet), `rjct.reference_id.duplicate` when its reference id was
//! seen before (it is not credited again), and succeeds otherwise. Also used by tepat-core's tests
//! (`#[path]`), so it needs nothing but axum, tokio, reqwest and the tepat crates.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;
use tepat_dci::disburse::{
    DisburseReason, DisburseRequest, DisburseResponse, DisburseTxnStatusItem,
    DisburseTxnStatusResponse, DisbursementStatus, ON_DISBURSE, TXN_ON_STATUS, TXN_TYPE,
};
use tepat_dci::registry::TxnStatusRequest;
use tepat_dci::{AckResponse, Envelope, Header, Jwks, ReasonCode, Signer, Status};
use tepat_payments::ewallet::ProviderKeys;
use tokio::sync::Notify;

/// What the provider has seen and done.
#[derive(Debug, Default)]
pub struct Books {
    /// Every reference id ever received, with its outcome.
    pub items: HashMap<String, DisbursementStatus>,
    /// Each transaction's items as answered.
    pub transactions: HashMap<String, DisburseResponse>,
    /// Sum credited to wallets (whole rupiah).
    pub credited: u64,
    /// Requests refused with `ERR` (bad signature, not addressed to us).
    pub refused: usize,
    /// Callbacks that could not be delivered.
    pub undelivered: usize,
}

#[derive(Clone)]
struct Shared {
    code: String,
    signer: Arc<Signer>,
    payer_id: String,
    payer_keys: Jwks,
    books: Arc<Mutex<Books>>,
    http: reqwest::Client,
}

/// A running provider.
pub struct FakeProvider {
    /// Base URL: `{url}/disburse`, …
    pub url: String,
    pub code: String,
    pub signer: Arc<Signer>,
    pub books: Arc<Mutex<Books>>,
}

impl FakeProvider {
    /// Starts provider `code` (as in addresses, `dana`) on a free local port, trusting payer
    /// `payer_id` with key set `payer_keys`.
    pub async fn start(code: &str, payer_id: &str, payer_keys: Jwks) -> FakeProvider {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let signer = Arc::new(Signer::generate(&format!("{code}.provider.test"), "p1"));
        let books = Arc::new(Mutex::new(Books::default()));
        let shared = Shared {
            code: code.into(),
            signer: signer.clone(),
            payer_id: payer_id.into(),
            payer_keys,
            books: books.clone(),
            http: reqwest::Client::new(),
        };
        let app = Router::new()
            .route("/disburse", post(disburse))
            .route("/disburse/txn/status", post(txn_status))
            .route("/disburse/sync/txn/status", post(sync_txn_status))
            .with_state(shared);
        let url = serve(app).await;
        FakeProvider {
            url,
            code: code.into(),
            signer,
            books,
        }
    }

    /// The provider's DCI id.
    pub fn sender_id(&self) -> String {
        self.signer.sender_id().to_owned()
    }

    /// Its published keys, registered as tepat would.
    pub fn keys(&self) -> ProviderKeys {
        let mut keys = ProviderKeys::new();
        keys.add(
            &self.code,
            self.signer.sender_id(),
            Jwks {
                keys: vec![self.signer.public_jwk()],
            },
        )
        .expect("a fresh key set is valid");
        keys
    }

    pub fn credited(&self) -> u64 {
        self.books.lock().unwrap().credited
    }

    pub fn refused(&self) -> usize {
        self.books.lock().unwrap().refused
    }

    /// A callback the provider would send, signed by it, for tests that post it themselves.
    pub fn signed_callback(&self, receiver_id: &str, response: DisburseResponse) -> Value {
        signed(
            &self.signer,
            ON_DISBURSE,
            receiver_id,
            response.disbursements_status.len() as u64,
            response,
        )
    }
}

/// Serves `app` on a free local port; its base URL.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{addr}")
}

/// A URL where nothing listens: a provider that is down.
pub async fn dead_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn signed<M: serde::Serialize>(
    signer: &Signer,
    action: &str,
    receiver_id: &str,
    total: u64,
    message: M,
) -> Value {
    let mut header = Header::new(action, signer.sender_id(), total);
    header.receiver_id = Some(receiver_id.into());
    header.status = Some(Status::Succ);
    header.completed_count = Some(total);
    let mut envelope = Envelope::new(header, message);
    signer.sign(&mut envelope);
    serde_json::to_value(envelope).unwrap()
}

/// The payer's message checked as a provider must: signature, sender, receiver.
fn accept(shared: &Shared, body: &Value) -> Result<Header, AckResponse> {
    let keys = |sender: &str, kid: &str| {
        (sender == shared.payer_id)
            .then(|| shared.payer_keys.find(kid))
            .flatten()
    };
    if let Err(e) = tepat_dci::verify(body, &keys, chrono::Utc::now().timestamp()) {
        shared.books.lock().unwrap().refused += 1;
        return Err(AckResponse::err(e.reason(), e.to_string()));
    }
    let header: Header = serde_json::from_value(body["header"].clone())
        .map_err(|_| AckResponse::err(ReasonCode::ActionInvalid, "no header"))?;
    if header.receiver_id.as_deref() != Some(shared.signer.sender_id()) {
        shared.books.lock().unwrap().refused += 1;
        return Err(AckResponse::err(
            ReasonCode::SenderUnknown,
            "not addressed to this provider",
        ));
    }
    Ok(header)
}

async fn disburse(State(shared): State<Shared>, Json(body): Json<Value>) -> Json<AckResponse> {
    let header = match accept(&shared, &body) {
        Ok(h) => h,
        Err(ack) => return Json(ack),
    };
    let Ok(request) = serde_json::from_value::<DisburseRequest>(body["message"].clone()) else {
        return Json(AckResponse::err(
            ReasonCode::ActionInvalid,
            "not a disburse message",
        ));
    };
    let correlation = uuid::Uuid::now_v7().to_string();
    let response = pay(&shared, &request, &correlation);
    if let Some(uri) = header.sender_uri {
        let shared = shared.clone();
        tokio::spawn(async move {
            let body = signed(
                &shared.signer,
                ON_DISBURSE,
                &shared.payer_id,
                response.disbursements_status.len() as u64,
                response,
            );
            deliver(&shared, &format!("{uri}/on-disburse"), &body).await;
        });
    }
    Json(AckResponse::ack(&correlation))
}

/// Credits the items that may be credited, once per reference id.
fn pay(shared: &Shared, request: &DisburseRequest, correlation: &str) -> DisburseResponse {
    let mut books = shared.books.lock().unwrap();
    let mut statuses = Vec::new();
    for item in &request.disbursements {
        let reason = if books.items.contains_key(&item.reference_id) {
            Some(DisburseReason::ReferenceIdDuplicate)
        } else if !item.payee_fa.ends_with(&format!("@{}", shared.code))
            || item
                .payee_fa
                .split('@')
                .next()
                .unwrap_or("")
                .ends_with("0000")
        {
            Some(DisburseReason::PayeeFaInvalid)
        } else if item.currency_code != "IDR" {
            Some(DisburseReason::CurrencyCodeInvalid)
        } else {
            None
        };
        let status = DisbursementStatus {
            reference_id: item.reference_id.clone(),
            timestamp: chrono::Utc::now(),
            status: if reason.is_some() {
                Status::Rjct
            } else {
                Status::Succ
            },
            status_reason_code: reason.map(|r| r.code().to_owned()),
            status_reason_message: None,
            amount: Some(item.amount),
            payer_fa: Some(item.payer_fa.clone()),
            payee_fa: Some(item.payee_fa.clone()),
        };
        if reason.is_none() {
            books.credited += item.amount.0;
        }
        if reason != Some(DisburseReason::ReferenceIdDuplicate) {
            books
                .items
                .insert(item.reference_id.clone(), status.clone());
        }
        statuses.push(status);
    }
    let response = DisburseResponse {
        transaction_id: request.transaction_id.clone(),
        correlation_id: Some(correlation.into()),
        disbursements_status: statuses,
    };
    books
        .transactions
        .insert(request.transaction_id.clone(), response.clone());
    response
}

async fn deliver(shared: &Shared, url: &str, body: &Value) {
    let sent = shared
        .http
        .post(url)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await;
    if !sent.is_ok_and(|r| r.status().is_success()) {
        shared.books.lock().unwrap().undelivered += 1;
    }
}

fn status_answer(shared: &Shared, request: &TxnStatusRequest) -> DisburseTxnStatusResponse {
    let item = &request.txnstatus_request;
    let known = shared
        .books
        .lock()
        .unwrap()
        .transactions
        .get(&item.attribute_value)
        .cloned();
    DisburseTxnStatusResponse {
        transaction_id: request.transaction_id.clone(),
        correlation_id: Some(uuid::Uuid::now_v7().to_string()),
        txnstatus_response: DisburseTxnStatusItem {
            reference_id: item.reference_id.clone(),
            txn_type: TXN_TYPE.into(),
            status: if known.is_some() {
                Status::Succ
            } else {
                Status::Rjct
            },
            status_reason_code: known
                .is_none()
                .then(|| "rjct.srch_transaction_id.not_found".into()),
            status_reason_message: None,
            txn_status: known,
        },
    }
}

async fn txn_status(State(shared): State<Shared>, Json(body): Json<Value>) -> Json<AckResponse> {
    let header = match accept(&shared, &body) {
        Ok(h) => h,
        Err(ack) => return Json(ack),
    };
    let Ok(request) = serde_json::from_value::<TxnStatusRequest>(body["message"].clone()) else {
        return Json(AckResponse::err(
            ReasonCode::ActionInvalid,
            "not a txn/status message",
        ));
    };
    let answer = status_answer(&shared, &request);
    let correlation = answer.correlation_id.clone().unwrap_or_default();
    if let Some(uri) = header.sender_uri {
        let shared = shared.clone();
        tokio::spawn(async move {
            let body = signed(&shared.signer, TXN_ON_STATUS, &shared.payer_id, 1, answer);
            deliver(&shared, &format!("{uri}/txn/on-status"), &body).await;
        });
    }
    Json(AckResponse::ack(&correlation))
}

async fn sync_txn_status(State(shared): State<Shared>, Json(body): Json<Value>) -> Json<Value> {
    if let Err(ack) = accept(&shared, &body) {
        return Json(serde_json::to_value(ack).unwrap());
    }
    let Ok(request) = serde_json::from_value::<TxnStatusRequest>(body["message"].clone()) else {
        return Json(
            serde_json::to_value(AckResponse::err(
                ReasonCode::ActionInvalid,
                "not a txn/status message",
            ))
            .unwrap(),
        );
    };
    let answer = status_answer(&shared, &request);
    Json(signed(
        &shared.signer,
        TXN_ON_STATUS,
        &shared.payer_id,
        1,
        answer,
    ))
}

/// The callbacks received so far, and a bell rung at each.
type Received = (Arc<Mutex<Vec<Value>>>, Arc<Notify>);

/// tepat's side for tests: collects the callbacks posted to `{url}/on-disburse` and
/// `{url}/txn/on-status`, answering `ACK`.
pub struct Inbox {
    /// What to give as `sender_uri`.
    pub url: String,
    received: Arc<Mutex<Vec<Value>>>,
    arrived: Arc<Notify>,
}

impl Inbox {
    pub async fn start() -> Inbox {
        let received = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let state = (received.clone(), arrived.clone());
        let take = |State((received, arrived)): State<Received>, Json(body): Json<Value>| async move {
            received.lock().unwrap().push(body);
            arrived.notify_one();
            Json(AckResponse::ack("inbox"))
        };
        let app = Router::new()
            .route("/on-disburse", post(take))
            .route("/txn/on-status", post(take))
            .with_state(state);
        let base = serve(app).await;
        Inbox {
            url: base,
            received,
            arrived,
        }
    }

    /// The next callback (waits for it; a test that gets none fails after a generous while rather
    /// than hanging).
    pub async fn next(&self) -> Value {
        loop {
            if let Some(body) = {
                let mut received = self.received.lock().unwrap();
                (!received.is_empty()).then(|| received.remove(0))
            } {
                return body;
            }
            tokio::time::timeout(std::time::Duration::from_secs(30), self.arrived.notified())
                .await
                .expect("the provider called back");
        }
    }
}
