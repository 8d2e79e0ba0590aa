//! The citizen status check (issue 8, `docs/status-check.md`): NIK + KK number → a [`StatusCard`] (per
//! program: stage, desil, amount, the next collection, payment and hand-over history with ledger
//! receipts; the inbox of notices; whom to ask and what to do). One [`check`] serves the page `/cek`,
//! `POST /api/v1/status-check` and the SMS command `CEK` ([`sms`]).
//!
//! **Not an oracle.** A pair that does not match gets [`CitizenError::NotRecognised`] whether the NIK
//! exists or not, after the same work: attempts are counted per client and per NIK first
//! ([`StatusLimits`]), both numbers are blind-indexed with the store's key, and the KK's index is
//! compared in constant time with the stored one or a dummy ([`IdentityIndex`]). No database is read
//! before the pair is known to match, so the database's own timing cannot leak either.
//!
//! **Fast.** The identity index lives in memory (reloaded when a population import completes; checked
//! at most every [`StatusSettings::refresh_every`]), and cards are cached per person for
//! [`StatusSettings::card_ttl`]: a repeated check costs two HMACs, a hash lookup, a pass signature
//! and a copy of the card.

pub mod build;
pub mod card;
pub mod index;
pub mod limits;
pub mod sms;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tepat_domain::{KkNumber, Lang, Localized, Nik};
use tepat_regions::RegionTable;
use tepat_store::{Blind, Store, StoreError};
use uuid::Uuid;

pub use build::{VoucherTexts, INBOX_SIZE};
pub use card::{
    Advice, HistoryItem, LedgerLink, NextCollection, NoticeView, ProgramStatus, RegistryStage,
    Stage, StatusCard, VillageContact,
};
pub use index::{IdentityIndex, Known};
pub use limits::{LimitSettings, StatusLimits};

use crate::intake::citizen::{CitizenError, Proof};
use crate::portal::PassKey;
use crate::registry::Origin;

/// How the check behaves (`[citizen]` in the server's configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSettings {
    pub limits: LimitSettings,
    /// How long a card is served from memory before it is assembled again.
    pub card_ttl: Duration,
    /// How often a check asks the database whether a population import completed.
    pub refresh_every: Duration,
    /// Cards kept in memory at most.
    pub max_cards: usize,
    /// The social-affairs office's contact, shown on every card.
    pub office_contact: String,
    /// The transparency ledger's log name, for receipt links.
    pub ledger_log: String,
}

impl Default for StatusSettings {
    fn default() -> StatusSettings {
        StatusSettings {
            limits: LimitSettings::default(),
            card_ttl: Duration::from_secs(60),
            refresh_every: Duration::from_secs(30),
            max_cards: 200_000,
            office_contact: String::new(),
            ledger_log: "bansos".into(),
        }
    }
}

struct Cached {
    card: Arc<StatusCard>,
    /// The registry household (for the pass).
    household: Option<Uuid>,
    /// The card as JSON with an empty pass (`{"pass":"",…`), for the API to splice a pass into.
    json: Arc<[u8]>,
    built: Instant,
}

/// The check's state: limits, identity index, card cache. One per server.
pub struct StatusService {
    settings: StatusSettings,
    limits: StatusLimits,
    regions: &'static RegionTable,
    index: RwLock<Option<Arc<IdentityIndex>>>,
    loading: tokio::sync::Mutex<()>,
    /// When the population-import mark was last asked for (Unix seconds).
    mark_checked: AtomicI64,
    cards: Mutex<HashMap<Uuid, Cached>>,
    vouchers: RwLock<Option<Arc<dyn VoucherTexts>>>,
    #[cfg(any(test, feature = "testing"))]
    known_nik_delay: Mutex<Duration>,
}

impl std::fmt::Debug for StatusService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusService")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The JSON prefix of a card serialised with an empty pass.
const EMPTY_PASS: &[u8] = br#"{"pass":"""#;

impl StatusService {
    pub fn new(settings: StatusSettings, regions: &'static RegionTable) -> StatusService {
        StatusService {
            limits: StatusLimits::new(settings.limits),
            settings,
            regions,
            index: RwLock::new(None),
            loading: tokio::sync::Mutex::new(()),
            mark_checked: AtomicI64::new(0),
            cards: Mutex::default(),
            vouchers: RwLock::new(None),
            #[cfg(any(test, feature = "testing"))]
            known_nik_delay: Mutex::new(Duration::ZERO),
        }
    }

    pub fn settings(&self) -> &StatusSettings {
        &self.settings
    }

    /// Lets cards carry the signed voucher of an open collection.
    pub fn set_vouchers(&self, vouchers: Arc<dyn VoucherTexts>) {
        *self.vouchers.write().unwrap_or_else(|e| e.into_inner()) = Some(vouchers);
    }

    /// Test hook: makes a check of a NIK that exists (with a wrong KK) slower by `delay`, so the
    /// timing test can show it would notice such a leak.
    #[cfg(any(test, feature = "testing"))]
    pub fn set_known_nik_delay(&self, delay: Duration) {
        *self
            .known_nik_delay
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = delay;
    }

    /// Loads the identity index now (at start-up, so the first check does not wait for it), and
    /// reloads it if a population import completed since.
    pub async fn refresh(&self, store: &dyn Store) -> Result<usize, StoreError> {
        let _loading = self.loading.lock().await;
        let mark = store.status_mark().await?;
        self.mark_checked
            .store(Utc::now().timestamp(), Ordering::Relaxed);
        if let Some(ix) = self.current().filter(|ix| ix.mark == mark) {
            return Ok(ix.len());
        }
        let started = Instant::now();
        let index = Arc::new(IdentityIndex::new(mark, store.status_identities().await?));
        let n = index.len();
        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(index);
        self.forget_cards();
        tracing::info!(
            persons = n,
            seconds = started.elapsed().as_secs_f64(),
            "status-check identity index loaded"
        );
        Ok(n)
    }

    /// Drops every cached card (they are assembled again on the next check).
    pub fn forget_cards(&self) {
        self.cards.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    fn current(&self) -> Option<Arc<IdentityIndex>> {
        self.index.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn index(&self, store: &dyn Store) -> Result<Arc<IdentityIndex>, StoreError> {
        let now = Utc::now().timestamp();
        let last = self.mark_checked.load(Ordering::Relaxed);
        let every = self.settings.refresh_every.as_secs() as i64;
        let due = now - last >= every
            && self
                .mark_checked
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
        match self.current() {
            Some(ix) if !due => Ok(ix),
            _ => {
                self.refresh(store).await?;
                self.current().ok_or(StoreError::Busy)
            }
        }
    }

    /// The person whose NIK and KK number these are (counting the attempt against `client`'s and the
    /// NIK's limits), with the NIK's blind index.
    pub async fn identify(
        &self,
        store: &dyn Store,
        proof: &Proof<'_>,
        client: &str,
        now: DateTime<Utc>,
    ) -> Result<(Known, Blind), CitizenError> {
        let nik_text: String = proof.nik.chars().filter(|c| !c.is_whitespace()).collect();
        let kk_text: String = proof.kk.chars().filter(|c| !c.is_whitespace()).collect();
        if !self.limits.attempt(client, &nik_text, now) {
            return Err(CitizenError::TooMany);
        }
        let nik = Nik::parse_structure(&nik_text).map_err(|_| malformed("nik"))?;
        let kk = KkNumber::parse_structure(&kk_text).map_err(|_| malformed("kk_number"))?;
        let index = self.index(store).await?;
        let blinder = store.status_blinder();
        let (nik_index, kk_index) = (blinder.nik(&nik), blinder.kk(&kk));
        let found = index.find(&nik_index, &kk_index);
        #[cfg(any(test, feature = "testing"))]
        self.leak_for_tests(&index, &nik_index, found.is_some());
        found
            .map(|known| (known, nik_index))
            .ok_or(CitizenError::NotRecognised)
    }

    #[cfg(any(test, feature = "testing"))]
    fn leak_for_tests(&self, index: &IdentityIndex, nik: &Blind, found: bool) {
        let delay = *self
            .known_nik_delay
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !found && !delay.is_zero() && index.contains(nik) {
            let until = Instant::now() + delay;
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        }
    }

    /// The cached card of `known`, assembled again when older than the TTL.
    async fn cached(
        &self,
        store: &dyn Store,
        known: Known,
        nik_index: &Blind,
        now: DateTime<Utc>,
    ) -> Result<(Arc<StatusCard>, Option<Uuid>, Arc<[u8]>), StoreError> {
        {
            let cards = self.cards.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(c) = cards
                .get(&known.person)
                .filter(|c| c.built.elapsed() < self.settings.card_ttl)
            {
                return Ok((c.card.clone(), c.household, c.json.clone()));
            }
        }
        let vouchers = self
            .vouchers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let ctx = build::Context {
            regions: self.regions,
            office: &self.settings.office_contact,
            ledger_log: &self.settings.ledger_log,
            vouchers: vouchers.as_deref(),
        };
        let (card, household) = build::card(store, &ctx, known, nik_index, now).await?;
        let card = Arc::new(card);
        let json: Arc<[u8]> = serde_json::to_vec(&*card)
            .map_err(|e| StoreError::Corrupt {
                what: format!("a status card could not be serialised: {e}"),
            })?
            .into();
        let mut cards = self.cards.lock().unwrap_or_else(|e| e.into_inner());
        if cards.len() >= self.settings.max_cards {
            let ttl = self.settings.card_ttl;
            cards.retain(|_, c| c.built.elapsed() < ttl);
            if cards.len() >= self.settings.max_cards {
                cards.clear();
            }
        }
        cards.insert(
            known.person,
            Cached {
                card: card.clone(),
                household,
                json: json.clone(),
                built: Instant::now(),
            },
        );
        Ok((card, household, json))
    }

    /// The check: the card with a fresh pass, or the one answer for every mismatch.
    pub async fn check(
        &self,
        store: &dyn Store,
        pass_key: &PassKey,
        proof: &Proof<'_>,
        origin: &Origin,
    ) -> Result<StatusCard, CitizenError> {
        let (known, nik_index) = self
            .identify(store, proof, client_of(origin), origin.now)
            .await?;
        let (card, household, _) = self.cached(store, known, &nik_index, origin.now).await?;
        let mut card = (*card).clone();
        card.pass = pass_key.issue(known.person, household, known.village, origin.now);
        Ok(card)
    }

    /// [`StatusService::check`] as the JSON API answers it, without serialising the card again.
    pub async fn check_json(
        &self,
        store: &dyn Store,
        pass_key: &PassKey,
        proof: &Proof<'_>,
        origin: &Origin,
    ) -> Result<Vec<u8>, CitizenError> {
        let (known, nik_index) = self
            .identify(store, proof, client_of(origin), origin.now)
            .await?;
        let (_, household, json) = self.cached(store, known, &nik_index, origin.now).await?;
        let pass = pass_key.issue(known.person, household, known.village, origin.now);
        let rest = json.strip_prefix(EMPTY_PASS).ok_or(CitizenError::Store)?;
        let mut out = Vec::with_capacity(json.len() + pass.len());
        out.extend_from_slice(br#"{"pass":""#);
        out.extend_from_slice(pass.as_bytes());
        out.push(b'"');
        out.extend_from_slice(rest);
        Ok(out)
    }

    /// The card of the person these numbers identify, for the SMS channel (no pass: an SMS has no
    /// follow-up form). `sender` is the sender's number or a hash of it; only its keyed hash is kept.
    pub async fn check_for_sms(
        &self,
        store: &dyn Store,
        proof: &Proof<'_>,
        sender: &str,
        now: DateTime<Utc>,
    ) -> Result<Arc<StatusCard>, CitizenError> {
        let client = format!("sms {sender}");
        let (known, nik_index) = self.identify(store, proof, &client, now).await?;
        Ok(self.cached(store, known, &nik_index, now).await?.0)
    }
}

fn client_of(origin: &Origin) -> &str {
    origin.client.as_deref().unwrap_or("-")
}

fn malformed(field: &'static str) -> CitizenError {
    CitizenError::Field {
        field,
        problem: "malformed",
    }
}

/// What the citizen reads for a failed check, in their language (the malformed-number answers name
/// the field; every other answer is [`CitizenError`]'s own).
pub fn message(e: &CitizenError, lang: Lang) -> String {
    match (e, lang) {
        (CitizenError::Field { field: "nik", .. }, Lang::Id) => {
            "NIK harus 16 angka sesuai KTP atau KK (kode wilayah, tanggal lahir, nomor urut).".into()
        }
        (CitizenError::Field { field: "nik", .. }, Lang::En) => {
            "The NIK must be the 16 digits on the KTP or KK (region code, birth date, serial number).".into()
        }
        (CitizenError::Field { field: "kk_number", .. }, Lang::Id) => {
            "Nomor KK harus 16 angka sesuai kartu keluarga.".into()
        }
        (CitizenError::Field { field: "kk_number", .. }, Lang::En) => {
            "The KK number must be the 16 digits on the family card.".into()
        }
        _ => e.message(lang),
    }
}

/// The check, for callers holding the server's [`StatusService`] (see [`StatusService::check`]).
pub async fn check(
    service: &StatusService,
    store: &dyn Store,
    pass_key: &PassKey,
    proof: &Proof<'_>,
    origin: &Origin,
) -> Result<StatusCard, CitizenError> {
    service.check(store, pass_key, proof, origin).await
}
