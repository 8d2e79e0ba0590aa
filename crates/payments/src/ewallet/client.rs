//! The HTTP side: signed `disburse` and `txn/status` requests to one provider.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tepat_dci::disburse::{
    Amount, DisburseRequest, DisburseResponse, DisburseTxnStatusResponse, Disbursement, DISBURSE,
    MAX_BATCH, MAX_NOTE, TXN_STATUS, TXN_TYPE,
};
use tepat_dci::registry::{TxnStatusRequest, TxnStatusRequestItem};
use tepat_dci::{Ack, AckResponse, Envelope, Header, SignatureError, Signer, Status};
use tepat_domain::distribution::{AddressKind, FinancialAddress};
use tepat_domain::Rupiah;
use uuid::Uuid;

use super::callback::ProviderKeys;
use super::reference_id;

/// One e-wallet provider as configured (`[[payments.ewallet]]`).
#[derive(Debug, Clone)]
pub struct Provider {
    /// The code in financial addresses: `dana` in `mobile:0812…@dana`.
    pub code: String,
    /// Base URL: requests go to `{url}/disburse`, `{url}/disburse/txn/status`,
    /// `{url}/disburse/sync/txn/status`.
    pub url: String,
    /// The provider's DCI id: `receiver_id` of tepat's messages, `sender_id` of its callbacks.
    pub receiver_id: String,
    /// The office's own account at the provider, debited for every item.
    pub payer_fa: FinancialAddress,
}

/// One payment to send.
#[derive(Debug, Clone)]
pub struct Item {
    pub payment_id: Uuid,
    /// The household's wallet. Personal data: only ever in the message body.
    pub payee: FinancialAddress,
    pub amount: Rupiah,
    /// Shown to the household, e.g. `PKH 2027-T1`; cut to the standard's 99 characters.
    pub note: Option<String>,
}

/// Why a request was not sent or not answered. Never quotes a financial address.
#[derive(Debug, thiserror::Error)]
pub enum EwalletError {
    #[error("a disbursement message carries 1 to {MAX_BATCH} items, not {0}")]
    BatchSize(usize),
    #[error("payment {0} appears twice in one message")]
    DuplicatePayment(Uuid),
    #[error("payment {payment}: the wallet is at {found}, not at provider {expected}")]
    WrongProvider {
        payment: Uuid,
        found: String,
        expected: String,
    },
    #[error("payment {0}: the address is a bank account, not an e-wallet (mobile:…@provider)")]
    NotWallet(Uuid),
    #[error("payment {0}: the amount must be more than zero")]
    Amount(Uuid),
    #[error("e-wallet provider {provider}: {what}; nothing was marked sent, try again later")]
    Unreachable { provider: String, what: String },
    #[error("e-wallet provider {provider} answered HTTP {status}; nothing was marked sent")]
    Http { provider: String, status: u16 },
    #[error("e-wallet provider {provider} answered something that is not a DCI message")]
    BadAnswer { provider: String },
    #[error(
        "e-wallet provider {provider}'s answer is not signed with its registered key: {source}"
    )]
    Signature {
        provider: String,
        source: SignatureError,
    },
    #[error("the HTTP client cannot be built: {0}")]
    Setup(String),
}

/// A client for one provider, signing as the office.
pub struct Client {
    http: reqwest::Client,
    provider: Provider,
    signer: Arc<Signer>,
    sender_uri: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("provider", &self.provider.code)
            .field("url", &self.provider.url)
            .finish()
    }
}

impl Client {
    /// `sender_uri` is where the provider sends callbacks: tepat's `…/api/v1/disburse`.
    pub fn new(
        provider: Provider,
        signer: Arc<Signer>,
        sender_uri: &str,
    ) -> Result<Client, EwalletError> {
        // Idempotent: the first call in the process installs ring as rustls's provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(5))
            // A provider that redirects is misconfigured; following it would send the body elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tepat/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| EwalletError::Setup(e.to_string()))?;
        Ok(Client {
            http,
            provider,
            signer,
            sender_uri: sender_uri.trim_end_matches('/').to_owned(),
        })
    }

    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// The signed `disburse` message for `items` (checked: 1 to [`MAX_BATCH`] distinct payments, each
    /// to a wallet at this provider, each more than zero).
    pub fn disburse_message(
        &self,
        transaction_id: &str,
        items: &[Item],
    ) -> Result<Envelope<DisburseRequest>, EwalletError> {
        self.check(items)?;
        let payer_fa = self.provider.payer_fa.to_string();
        let disbursements = items
            .iter()
            .map(|item| Disbursement {
                reference_id: reference_id(item.payment_id),
                payer_fa: payer_fa.clone(),
                payee_fa: item.payee.to_string(),
                amount: Amount(item.amount.amount() as u64),
                currency_code: "IDR".into(),
                scheduled_timestamp: None,
                payer_name: None,
                payee_name: None,
                note: item
                    .note
                    .as_ref()
                    .map(|n| n.chars().take(MAX_NOTE).collect()),
                purpose: None,
                instruction: None,
                locale: Some("id".into()),
                meta: None,
            })
            .collect();
        let message = DisburseRequest {
            transaction_id: transaction_id.to_owned(),
            disbursements,
        };
        Ok(self.signed(DISBURSE, items.len() as u64, message))
    }

    /// Sends `items` in one message. `ACK`: the provider took them and will call back; `NACK` or `ERR`:
    /// it did not, and the caller leaves the payments as they were.
    pub async fn disburse(
        &self,
        transaction_id: &str,
        items: &[Item],
    ) -> Result<Ack, EwalletError> {
        let envelope = self.disburse_message(transaction_id, items)?;
        let body = self.post("disburse", &envelope).await?;
        self.ack(&body)
    }

    /// Asks how transaction `transaction_id` went; the answer comes to `{sender_uri}/txn/on-status`.
    pub async fn status(&self, transaction_id: &str) -> Result<Ack, EwalletError> {
        let envelope = self.status_message(transaction_id);
        let body = self.post("disburse/txn/status", &envelope).await?;
        self.ack(&body)
    }

    /// Asks how transaction `transaction_id` went and waits for the answer, checked against the
    /// provider's `keys`: its items, or `None` if the provider never received the transaction (so
    /// sending the payments again is safe).
    pub async fn status_sync(
        &self,
        transaction_id: &str,
        keys: &ProviderKeys,
    ) -> Result<Option<DisburseResponse>, EwalletError> {
        let envelope = self.status_message(transaction_id);
        let body = self.post("disburse/sync/txn/status", &envelope).await?;
        let value: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| self.bad_answer())?;
        tepat_dci::verify(&value, keys, chrono::Utc::now().timestamp()).map_err(|source| {
            EwalletError::Signature {
                provider: self.provider.code.clone(),
                source,
            }
        })?;
        let sender = value.pointer("/header/sender_id").and_then(|v| v.as_str());
        if sender != Some(self.provider.receiver_id.as_str()) {
            return Err(self.bad_answer());
        }
        let answer: Envelope<DisburseTxnStatusResponse> =
            serde_json::from_value(value).map_err(|_| self.bad_answer())?;
        let item = answer.message.txnstatus_response;
        Ok(match item.status {
            Status::Rjct => None,
            _ => item.txn_status,
        })
    }

    fn status_message(&self, transaction_id: &str) -> Envelope<TxnStatusRequest> {
        let message = TxnStatusRequest {
            transaction_id: Uuid::now_v7().simple().to_string(),
            txnstatus_request: TxnStatusRequestItem {
                reference_id: Uuid::now_v7().simple().to_string(),
                txn_type: TXN_TYPE.into(),
                attribute_type: "transaction_id".into(),
                attribute_value: transaction_id.to_owned(),
            },
        };
        self.signed(TXN_STATUS, 1, message)
    }

    fn signed<M: Serialize>(&self, action: &str, total: u64, message: M) -> Envelope<M> {
        let mut header = Header::new(action, self.signer.sender_id(), total);
        header.receiver_id = Some(self.provider.receiver_id.clone());
        header.sender_uri = Some(self.sender_uri.clone());
        let mut envelope = Envelope::new(header, message);
        self.signer.sign(&mut envelope);
        envelope
    }

    fn check(&self, items: &[Item]) -> Result<(), EwalletError> {
        if items.is_empty() || items.len() > MAX_BATCH {
            return Err(EwalletError::BatchSize(items.len()));
        }
        let mut seen = HashSet::with_capacity(items.len());
        for item in items {
            if !seen.insert(item.payment_id) {
                return Err(EwalletError::DuplicatePayment(item.payment_id));
            }
            if item.payee.kind() != AddressKind::Mobile {
                return Err(EwalletError::NotWallet(item.payment_id));
            }
            if item.payee.provider() != self.provider.code {
                return Err(EwalletError::WrongProvider {
                    payment: item.payment_id,
                    found: item.payee.provider().to_owned(),
                    expected: self.provider.code.clone(),
                });
            }
            if item.amount <= Rupiah::ZERO {
                return Err(EwalletError::Amount(item.payment_id));
            }
        }
        Ok(())
    }

    async fn post<M: Serialize>(
        &self,
        path: &str,
        envelope: &Envelope<M>,
    ) -> Result<Vec<u8>, EwalletError> {
        let url = format!("{}/{path}", self.provider.url.trim_end_matches('/'));
        let body = serde_json::to_vec(envelope).expect("an envelope serialises");
        let response = self
            .http
            .post(url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| EwalletError::Unreachable {
                provider: self.provider.code.clone(),
                what: transport(&e),
            })?;
        let status = response.status();
        if !status.is_success() {
            return Err(EwalletError::Http {
                provider: self.provider.code.clone(),
                status: status.as_u16(),
            });
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| EwalletError::Unreachable {
                provider: self.provider.code.clone(),
                what: transport(&e),
            })?;
        Ok(bytes.to_vec())
    }

    fn ack(&self, body: &[u8]) -> Result<Ack, EwalletError> {
        serde_json::from_slice::<AckResponse>(body)
            .map(|r| r.message)
            .map_err(|_| self.bad_answer())
    }

    fn bad_answer(&self) -> EwalletError {
        EwalletError::BadAnswer {
            provider: self.provider.code.clone(),
        }
    }
}

/// The kind of transport failure, without the URL or body.
fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        "could not connect".into()
    } else {
        "transport error".into()
    }
}
