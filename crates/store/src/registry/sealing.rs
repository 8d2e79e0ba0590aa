//! How registry rows are made safe to store. NIK and KK numbers get the population extract's blind
//! indexes (same purposes, same key), so registry and extract join without decrypting; phone and account
//! numbers get their own. Identifiers and the sensitive rest of a row (survey answers, health, contact
//! and payment details) are sealed with XChaCha20-Poly1305 bound to table, column and row id: a sealed
//! value copied to another row or column does not open.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tepat_crypto::{Aad, Keyring};
use tepat_domain::registry::{PaymentAccount, Phone};
use tepat_domain::{KkNumber, Nik};
use uuid::Uuid;

use crate::error::StoreError;
use crate::sealing::PopulationSealer;

pub(crate) const HOUSEHOLD: &str = "registry_household";
pub(crate) const MEMBER: &str = "registry_member";
pub(crate) const REQUEST: &str = "registry_request";
const PHONE_PURPOSE: &str = "phone";
const ACCOUNT_PURPOSE: &str = "account";

/// Seals and opens registry values with the store's keyring.
#[derive(Clone)]
pub(crate) struct RegistrySealer {
    keyring: Arc<Keyring>,
    population: PopulationSealer,
}

impl RegistrySealer {
    pub(crate) fn new(keyring: Arc<Keyring>) -> RegistrySealer {
        RegistrySealer {
            population: PopulationSealer::new(keyring.clone()),
            keyring,
        }
    }

    pub(crate) fn nik_index(&self, nik: &Nik) -> Vec<u8> {
        self.population.nik_index(nik).to_vec()
    }

    pub(crate) fn kk_index(&self, kk: &KkNumber) -> Vec<u8> {
        self.population.kk_index(kk).to_vec()
    }

    pub(crate) fn phone_index(&self, phone: &Phone) -> Vec<u8> {
        self.index(PHONE_PURPOSE, phone.digits().as_bytes())
    }

    /// Provider and number: the same number at two banks is two accounts.
    pub(crate) fn account_index(&self, account: &PaymentAccount) -> Vec<u8> {
        let value = format!("{}:{}", account.provider, account.number());
        self.index(ACCOUNT_PURPOSE, value.as_bytes())
    }

    fn index(&self, purpose: &str, value: &[u8]) -> Vec<u8> {
        self.keyring.blind_index(purpose, value)[..16].to_vec()
    }

    pub(crate) fn seal(&self, table: &str, column: &str, id: Uuid, plain: &[u8]) -> Vec<u8> {
        self.keyring.seal(&aad(table, column, &id), plain)
    }

    pub(crate) fn open(
        &self,
        table: &str,
        column: &str,
        id: Uuid,
        sealed: &[u8],
        what: &'static str,
    ) -> Result<Vec<u8>, StoreError> {
        self.keyring
            .open(&aad(table, column, &id), sealed)
            .map_err(|_| StoreError::Undecryptable { what })
    }

    /// Serialises `value` as JSON and seals it.
    pub(crate) fn seal_json<T: Serialize>(
        &self,
        table: &str,
        column: &str,
        id: Uuid,
        value: &T,
    ) -> Vec<u8> {
        let json = serde_json::to_vec(value).expect("registry values serialise");
        self.seal(table, column, id, &json)
    }

    pub(crate) fn open_json<T: DeserializeOwned>(
        &self,
        table: &str,
        column: &str,
        id: Uuid,
        sealed: &[u8],
        what: &'static str,
    ) -> Result<T, StoreError> {
        let plain = self.open(table, column, id, sealed, what)?;
        serde_json::from_slice(&plain).map_err(|_| StoreError::Corrupt {
            what: format!("sealed {what} does not decode"),
        })
    }

    pub(crate) fn seal_nik(&self, id: Uuid, nik: &Nik) -> Vec<u8> {
        self.seal(MEMBER, "nik_sealed", id, nik.digits().as_bytes())
    }

    pub(crate) fn open_nik(&self, id: Uuid, sealed: &[u8]) -> Result<Nik, StoreError> {
        let plain = self.open(MEMBER, "nik_sealed", id, sealed, "NIK")?;
        std::str::from_utf8(&plain)
            .ok()
            .and_then(|s| Nik::parse_structure(s).ok())
            .ok_or(StoreError::Undecryptable { what: "NIK" })
    }

    pub(crate) fn seal_kk(&self, id: Uuid, kk: &KkNumber) -> Vec<u8> {
        self.seal(HOUSEHOLD, "kk_sealed", id, kk.digits().as_bytes())
    }

    pub(crate) fn open_kk(&self, id: Uuid, sealed: &[u8]) -> Result<KkNumber, StoreError> {
        let plain = self.open(HOUSEHOLD, "kk_sealed", id, sealed, "KK number")?;
        std::str::from_utf8(&plain)
            .ok()
            .and_then(|s| KkNumber::parse_structure(s).ok())
            .ok_or(StoreError::Undecryptable { what: "KK number" })
    }
}

fn aad<'a>(table: &'a str, column: &'a str, id: &'a Uuid) -> Aad<'a> {
    Aad {
        table,
        column,
        row: id.as_bytes(),
    }
}
